"""Question types, their Chinese names, and difficulty labels. Pure."""

from __future__ import annotations

from enum import StrEnum


class QuestionType(StrEnum):
    """The five kinds of question. Values are stored; labels are shown and used in files."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    JUDGE = "judge"
    BLANK = "blank"
    ESSAY = "essay"

    @property
    def label(self) -> str:
        """The Chinese name used on pages and in the import template."""
        return TYPE_LABELS[self]

    @property
    def is_choice(self) -> bool:
        """Single and multiple choice carry options and letter answers."""
        return self in (QuestionType.SINGLE, QuestionType.MULTIPLE)

    @property
    def is_objective(self) -> bool:
        """Types a phone can answer and the server can mark without a host."""
        return self is not QuestionType.ESSAY


TYPE_LABELS = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.JUDGE: "判断",
    QuestionType.BLANK: "填空",
    QuestionType.ESSAY: "简答",
}

# Every spelling accepted in an import file's 题型 column.
TYPE_ALIASES = {
    "单选": QuestionType.SINGLE, "单选题": QuestionType.SINGLE, "单项选择": QuestionType.SINGLE,
    "单项选择题": QuestionType.SINGLE,
    "多选": QuestionType.MULTIPLE, "多选题": QuestionType.MULTIPLE, "多项选择": QuestionType.MULTIPLE,
    "多项选择题": QuestionType.MULTIPLE, "不定项": QuestionType.MULTIPLE,
    "判断": QuestionType.JUDGE, "判断题": QuestionType.JUDGE,
    "填空": QuestionType.BLANK, "填空题": QuestionType.BLANK,
    "简答": QuestionType.ESSAY, "简答题": QuestionType.ESSAY, "口答": QuestionType.ESSAY,
    "口答题": QuestionType.ESSAY, "问答": QuestionType.ESSAY, "问答题": QuestionType.ESSAY,
    "简答/口答": QuestionType.ESSAY,
}

MIN_DIFFICULTY, MAX_DIFFICULTY, DEFAULT_DIFFICULTY = 1, 5, 3
DIFFICULTY_LABELS = {1: "易", 2: "较易", 3: "中", 4: "较难", 5: "难"}
DIFFICULTY_ALIASES = {label: level for level, label in DIFFICULTY_LABELS.items()} | {
    "容易": 1, "简单": 1, "中等": 3, "一般": 3, "困难": 5,
}

TRUE_WORDS = ("正确", "对", "√", "是", "✓", "✔", "T", "TRUE", "Y")
FALSE_WORDS = ("错误", "错", "×", "否", "✗", "✘", "X", "F", "FALSE", "N")

OPTION_LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(OPTION_LETTERS)
