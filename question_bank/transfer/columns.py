"""The import template's columns and how headers typed by people map onto them. Pure."""

from __future__ import annotations

import unicodedata

from question_bank.kinds import OPTION_LETTERS

OPTION_COLUMNS = [f"选项{letter}" for letter in OPTION_LETTERS]
TEMPLATE_COLUMNS = ["题型", "题干", *OPTION_COLUMNS, "答案", "解析", "难度", "分类", "标签", "出处"]
# Optional, written by export so that export → import keeps a disabled question disabled.
STATUS_COLUMN = "状态"
EXPORT_COLUMNS = [*TEMPLATE_COLUMNS, STATUS_COLUMN]
REQUIRED_COLUMNS = ["题型", "题干", "答案"]

HEADER_ALIASES = {
    "题目类型": "题型", "类型": "题型", "题目": "题干", "试题": "题干", "正确答案": "答案",
    "参考答案": "答案", "答案解析": "解析", "难度等级": "难度", "题目分类": "分类", "来源": "出处",
    "启用": STATUS_COLUMN,
}

FIELD_COLUMNS = {
    "type": "题型", "stem": "题干", "answer": "答案", "explanation": "解析", "difficulty": "难度",
    "category": "分类", "tags": "标签", "source": "出处", "enabled": STATUS_COLUMN,
}


def normalise_header(text: str) -> str:
    """Map a header cell to its template column: width-folded, spaces removed, aliases resolved."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(ch for ch in folded if not ch.isspace()).upper()
    folded = folded.replace("选项", "选项")
    return HEADER_ALIASES.get(folded, folded)


def column_for(field: str, index: int | None = None) -> str:
    """The column a validation error points at (an option error names its own option column)."""
    if field == "options":
        return OPTION_COLUMNS[index] if index is not None and index < len(OPTION_COLUMNS) else "选项"
    return FIELD_COLUMNS.get(field, field)
