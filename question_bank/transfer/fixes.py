"""Suggested fixes for the bank import's commonest mistakes, shown beside a bad row's reason. Pure.

A rule looks at the row's cells (not at the wording of the reason) and says, in the words of the template,
what to write instead: answers of a 填空 joined with 、 instead of |, an option's text where its letter belongs,
letters typed in another alphabet, a 判断 answered 对的 or with a letter, a missing option, a type the template
does not know. No rule fits: no suggestion (the reason alone must then do).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from question_bank.kinds import OPTION_LETTERS, TYPE_ALIASES, QuestionType
from question_bank.textnorm import count_blanks
from question_bank.transfer.cells import CHOICE_SEPARATORS, CellProblem
from question_bank.transfer.columns import OPTION_COLUMNS

Cells = Mapping[str, str]
# Separators people put between a 填空's answers instead of | (a list in Chinese is written with 、).
LIST_SEPARATORS = re.compile(r"\s*[、，,；;]\s*")
# Letters of other alphabets that look like A–H (an input method switched to Russian or Greek).
LOOKALIKES = {"А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "Α": "A", "Β": "B", "Ε": "E", "Η": "H"}
# What may stand between answer letters besides the separators the parser accepts: a sentence's punctuation.
JOINERS = re.compile(r"[.．。·・\-—+＋&＆和与及]+")
FALSE_HINTS = ("不", "错", "否", "误", "×", "✗", "NO", "FALSE", "WRONG")
TRUE_HINTS = ("对", "是", "正确", "√", "✓", "YES", "TRUE", "OK", "RIGHT")
TYPE_HINTS = (("论述", "简答"), ("简述", "简答"), ("名词解释", "简答"), ("是非", "判断"), ("对错", "判断"),
              ("填", "填空"), ("判", "判断"))


# A JSON question's fields (as export writes them) by the template columns the rules read.
JSON_COLUMNS = {"type": "题型", "stem": "题干", "answer": "答案", "explanation": "解析", "difficulty": "难度",
                "category": "分类", "tags": "标签", "source": "出处"}


def cells_of(item: Mapping[str, Any]) -> dict[str, str]:
    """A row as template column → text: a spreadsheet row as it is, a JSON question's fields mapped."""
    if not any(key in item for key in ("type", "stem", "options")):
        return {str(column): str(value) for column, value in item.items()}
    cells = {column: _as_text(item.get(key, "")) for key, column in JSON_COLUMNS.items() if key in item}
    options = item.get("options")
    if isinstance(options, list):
        cells.update({column: _as_text(option) for column, option in zip(OPTION_COLUMNS, options, strict=False)})
    return cells


def _as_text(value: Any, separators: str = "|/") -> str:
    """A JSON value as a cell would spell it: a 填空's blanks joined with |, a blank's alternatives with /."""
    if isinstance(value, list):
        return separators[0].join(_as_text(part, separators[1:] or "、") for part in value)
    return "" if value is None else str(value)


def with_fixes(problems: list[CellProblem], cells: Cells) -> list[CellProblem]:
    """The row's problems, each with the suggestion of the first rule that knows one for its column."""
    return [replace(problem, fix=problem.fix or suggest(problem.column, cells)) for problem in problems]


def suggest(column: str, cells: Cells) -> str:
    """A suggested fix for a problem in `column` of this row, or "" when none is known."""
    rules = RULES.get("选项" if column.startswith("选项") else column, ())
    return next((fix for rule in rules if (fix := rule(cells))), "")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


def _type(cells: Cells) -> QuestionType | None:
    text = cells.get("题型", "").strip()
    if text in QuestionType._value2member_map_:  # a JSON question's type
        return QuestionType(text)
    return TYPE_ALIASES.get(_fold(text).replace(" ", ""))


def _options(cells: Cells) -> list[str]:
    return [cells.get(column, "").strip() for column in OPTION_COLUMNS if cells.get(column, "").strip()]


def blanks_joined(cells: Cells) -> str:
    """填空: the answers of several blanks joined with 、 or ， (the parser reads that as one blank)."""
    answer = cells.get("答案", "").strip()
    if _type(cells) is not QuestionType.BLANK or "|" in answer or "｜" in answer:
        return ""
    parts = [part for part in LIST_SEPARATORS.split(answer) if part]
    if len(parts) < 2:
        return ""
    blanks = count_blanks(cells.get("题干", ""))
    if len(parts) == blanks:
        return f"答案请写成“{'|'.join(parts)}”：各空的答案之间用 | 分隔，不要用“、”或“，”"
    return f"各空的答案之间请用 | 分隔，不要用“、”或“，”（题干中有{blanks}个空）"


def lookalike_letters(cells: Cells) -> str:
    """Choices: letters of another alphabet that look like A–H."""
    answer = unicodedata.normalize("NFKC", cells.get("答案", ""))
    found = [char for char in answer if char in LOOKALIKES]
    if not _is_choice(cells) or not found:
        return ""
    fixed = "".join(LOOKALIKES.get(char, char) for char in answer)
    return (f"答案中的“{found[0]}”不是英文字母（可能是俄文或希腊字母）：请切换到英文输入法，"
            f"改为“{fixed.strip()}”")


def option_text_as_answer(cells: Cells) -> str:
    """Choices: the text of an option (or of several) where its letter belongs."""
    if not _is_choice(cells):
        return ""
    options = {_fold(option): OPTION_LETTERS[index] for index, option in enumerate(_options(cells))}
    whole = _fold(cells.get("答案", ""))
    parts = [whole] if whole in options else [p for p in LIST_SEPARATORS.split(whole) if p]
    if not parts or not all(part in options for part in parts):
        return ""
    letters = "".join(sorted(options[part] for part in parts))
    return f"答案请填选项字母“{letters}”，不要填选项的内容"


def letters_joined(cells: Cells) -> str:
    """Choices: letters joined with a full stop, a dash, 和 … (the parser accepts 、 , ; and spaces only)."""
    answer = _fold(cells.get("答案", ""))
    rest = CHOICE_SEPARATORS.sub("", answer)
    joiners = JOINERS.findall(rest)
    letters = JOINERS.sub("", rest)
    if not _is_choice(cells) or not joiners or not letters or any(ch not in OPTION_LETTERS for ch in letters):
        return ""
    spaced = ",".join(letters)
    return f"答案请写成“{letters}”或“{spaced}”，不要用“{joiners[0][0]}”分隔"


def missing_option(cells: Cells) -> str:
    """Choices: an answer letter whose option column is empty."""
    answer = CHOICE_SEPARATORS.sub("", _fold(cells.get("答案", "")))
    count = len(_options(cells))
    stray = [letter for letter in answer if letter in OPTION_LETTERS[count:]]
    if not _is_choice(cells) or not stray or any(ch not in OPTION_LETTERS for ch in answer):
        return ""
    return (f"答案“{answer}”用到选项{stray[0]}，但“选项{stray[0]}”列是空的：请补上选项{stray[0]}的内容，"
            f"或把答案改为 {OPTION_LETTERS[0]}–{OPTION_LETTERS[max(count - 1, 0)]} 中的字母")


def several_for_single(cells: Cells) -> str:
    """单选 answered with several letters."""
    letters = CHOICE_SEPARATORS.sub("", _fold(cells.get("答案", "")))
    if _type(cells) is not QuestionType.SINGLE or len(letters) < 2 or any(ch not in OPTION_LETTERS for ch in letters):
        return ""
    return f"单选题只能有一个答案：若“{letters}”都对，请把题型改为“多选”；否则只保留一个字母"


def judgement_words(cells: Cells) -> str:
    """判断 answered with a letter, or with a phrase such as 对的 / 不正确."""
    if _type(cells) is not QuestionType.JUDGE:
        return ""
    answer = "".join(ch for ch in _fold(cells.get("答案", "")) if not unicodedata.category(ch).startswith("P"))
    if answer in ("A", "B"):
        return "判断题的答案请写“正确”或“错误”，不要写选项字母"
    if any(hint in answer for hint in FALSE_HINTS):
        return "判断题的答案请只写“错误”（也可写 错、×）"
    if any(hint in answer for hint in TRUE_HINTS):
        return "判断题的答案请只写“正确”（也可写 对、√）"
    return ""


def judge_with_options(cells: Cells) -> str:
    """判断 with options filled in: a choice question typed as 判断, or options to drop."""
    if _type(cells) is not QuestionType.JUDGE or not _options(cells):
        return ""
    return "判断题不填选项：若这是选择题，请把题型改为“单选”；否则清空各选项列"


def unknown_type(cells: Cells) -> str:
    """A 题型 the template does not know, near one it does."""
    text = _fold(cells.get("题型", ""))
    if not text or _type(cells) is not None:
        return ""
    if "选" in text:
        letters = CHOICE_SEPARATORS.sub("", _fold(cells.get("答案", "")))
        return f"题型请写“{'多选' if len(letters) > 1 else '单选'}”"
    guess = next((label for word, label in TYPE_HINTS if word in text), "")
    return f"题型请写“{guess}”" if guess else ""


def _is_choice(cells: Cells) -> bool:
    qtype = _type(cells)
    return qtype is not None and qtype.is_choice


RULES: dict[str, tuple[Callable[[Cells], str], ...]] = {
    "答案": (blanks_joined, lookalike_letters, option_text_as_answer, letters_joined, missing_option,
           several_for_single, judgement_words),
    "选项": (judge_with_options,),
    "题型": (unknown_type,),
}
