"""Cells ⇄ questions: parse the spellings people type into a draft, and format a draft back. Pure.

Answer cells: choices as letters (`A`, `ABD`, `A,B,D`, `A B D`); 判断 as 正确/错误 (对/错, √/×, 是/否);
填空 blanks separated by `|`, a blank's accepted alternatives by `/`; 简答 key points separated by `|`, each
optionally `要点:权重`. A literal `|`, `/` or `\\` inside an answer is written `\\|`, `\\/`, `\\\\`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from question_bank.kinds import (
    DEFAULT_DIFFICULTY,
    DIFFICULTY_ALIASES,
    FALSE_WORDS,
    OPTION_LETTERS,
    TRUE_WORDS,
    TYPE_ALIASES,
    TYPE_LABELS,
    QuestionType,
)
from question_bank.rules import QuestionDraft
from question_bank.textnorm import clean_cell
from question_bank.transfer.columns import OPTION_COLUMNS, STATUS_COLUMN

TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")
CHOICE_SEPARATORS = re.compile(r"[\s,，、;；/]+")
WEIGHT_SUFFIX = re.compile(r"^(?P<text>.*?)\s*[:：]\s*(?P<weight>\d+(?:\.\d+)?)$", re.S)
ENABLED_WORDS = {"启用": True, "是": True, "1": True, "TRUE": True, "": True,
                 "停用": False, "禁用": False, "否": False, "0": False, "FALSE": False}


@dataclass(frozen=True)
class CellProblem:
    """A cell that could not be read: its column and why (the row is known to the caller)."""

    column: str
    reason: str
    fix: str = ""  # what to write instead, where a rule knows (question_bank/transfer/fixes.py)


class CellError(ValueError):
    """Raised inside parsing to abandon one cell with a reason."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.problem = CellProblem(column, reason)


def parse_row(cells: dict[str, str]) -> tuple[QuestionDraft | None, list[CellProblem]]:
    """Read one template row (column → text) into a draft, or report the cells it could not read."""
    cells = {column: clean_cell(value) for column, value in cells.items()}
    problems: list[CellProblem] = []
    qtype = _attempt(problems, parse_type, cells.get("题型", ""))
    difficulty = _attempt(problems, parse_difficulty, cells.get("难度", ""))
    enabled = _attempt(problems, parse_enabled, cells.get(STATUS_COLUMN, ""))
    answer = _attempt(problems, parse_answer, qtype, cells.get("答案", "")) if qtype else None
    if problems:
        return None, problems
    draft = QuestionDraft(
        type=qtype, stem=cells.get("题干", ""), options=parse_options(cells), answer=answer,
        explanation=cells.get("解析", ""), difficulty=difficulty, category=cells.get("分类", ""),
        tags=parse_tags(cells.get("标签", "")), source=cells.get("出处", ""), enabled=enabled,
    )
    return draft, []


def _attempt(problems: list[CellProblem], parse, *args):  # type: ignore[no-untyped-def]
    try:
        return parse(*args)
    except CellError as error:
        problems.append(error.problem)
        return None


def parse_type(text: str) -> QuestionType:
    """题型: one of the accepted names (单选, 多选题, 口答, …)."""
    key = unicodedata.normalize("NFKC", text).replace(" ", "")
    if not key:
        raise CellError("题型", "请填写题型（单选、多选、判断、填空、简答）")
    if key not in TYPE_ALIASES:
        raise CellError("题型", f"无法识别的题型“{text}”（可用：{'、'.join(TYPE_LABELS.values())}）")
    return TYPE_ALIASES[key]


def parse_difficulty(text: str) -> int:
    """难度: 1–5 or 易/较易/中/较难/难; empty means the default (中, 3)."""
    key = unicodedata.normalize("NFKC", text).strip()
    if not key:
        return DEFAULT_DIFFICULTY
    if key.isdigit() and 1 <= int(key) <= 5:
        return int(key)
    if key in DIFFICULTY_ALIASES:
        return DIFFICULTY_ALIASES[key]
    raise CellError("难度", f"难度“{text}”无效，须为1–5或 易/较易/中/较难/难")


def parse_enabled(text: str) -> bool:
    """状态: 启用 (default) or 停用."""
    key = unicodedata.normalize("NFKC", text).strip().upper()
    if key not in ENABLED_WORDS:
        raise CellError(STATUS_COLUMN, f"状态“{text}”无效，须为 启用 或 停用")
    return ENABLED_WORDS[key]


def parse_options(cells: dict[str, str]) -> list[str]:
    """选项A…H, dropping trailing empty ones (an empty one in the middle is left for validation)."""
    options = [cells.get(column, "") for column in OPTION_COLUMNS]
    while options and not options[-1]:
        options.pop()
    return options


def parse_tags(text: str) -> list[str]:
    """标签 separated by commas, 顿号 or semicolons; repeats dropped, order kept."""
    tags = [tag.strip() for tag in TAG_SEPARATORS.split(text) if tag.strip()]
    return list(dict.fromkeys(tags))


def parse_answer(qtype: QuestionType, text: str):  # type: ignore[no-untyped-def]
    """答案 in the type's spelling, returned in the canonical form of `QuestionDraft.answer`."""
    if not text:
        raise CellError("答案", "请填写答案")
    return ANSWER_PARSERS[qtype](text)


def _parse_letters(text: str) -> str:
    letters = CHOICE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if not letters or any(letter not in OPTION_LETTERS for letter in letters):
        raise CellError("答案", f"答案“{text}”无效，须为选项字母（如 A、ABD 或 A,B,D）")
    return "".join(sorted(letters))


def _parse_judgement(text: str) -> bool:
    key = unicodedata.normalize("NFKC", text).strip().upper()
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise CellError("答案", f"判断题答案“{text}”无效，须为 正确/错误（也可用 对/错、√/×、是/否）")


def _parse_blanks(text: str) -> list[list[str]]:
    blanks = split_escaped(text, "|", unescape=False)
    return [[alt.strip() for alt in split_escaped(blank, "/")] for blank in blanks]


def _parse_key_points(text: str) -> list[dict]:
    points = []
    for raw in split_escaped(text, "|"):
        match = WEIGHT_SUFFIX.match(raw)
        weight: int | float = 1
        if match and match["text"].strip():
            raw, weight = match["text"], float(match["weight"])
            weight = int(weight) if weight.is_integer() else weight
        points.append({"point": raw.strip(), "weight": weight})
    return points


ANSWER_PARSERS = {
    QuestionType.SINGLE: _parse_letters,
    QuestionType.MULTIPLE: _parse_letters,
    QuestionType.JUDGE: _parse_judgement,
    QuestionType.BLANK: _parse_blanks,
    QuestionType.ESSAY: _parse_key_points,
}


def split_escaped(text: str, separator: str, unescape: bool = True) -> list[str]:
    """Split on an unescaped `separator` (`｜` counts as `|`).

    With `unescape`, backslash pairs become the character they protect; without, they are kept as
    written so that a second, inner split can still see them.
    """
    parts: list[str] = []
    current: list[str] = []
    chars = iter(text.replace("｜", "|") if separator == "|" else text)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            current.append(nxt if unescape else ch + nxt)
        elif ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _escape(text: str, *separators: str) -> str:
    text = text.replace("\\", "\\\\")
    for separator in separators:
        text = text.replace(separator, "\\" + separator)
    return text


def format_answer(qtype: QuestionType, answer) -> str:  # type: ignore[no-untyped-def]
    """The canonical answer as the template spells it; `parse_answer` reads it back unchanged."""
    if qtype.is_choice:
        return answer
    if qtype is QuestionType.JUDGE:
        return "正确" if answer else "错误"
    if qtype is QuestionType.BLANK:
        return "|".join("/".join(_escape(alt, "|", "/") for alt in blank) for blank in answer)
    return "|".join(_format_point(point) for point in answer)


def _format_point(point: dict) -> str:
    text = _escape(point["point"], "|")
    weight = point["weight"]
    # Always spell the weight out when the text itself ends like ":3", so it is not read as a weight.
    if weight != 1 or WEIGHT_SUFFIX.match(text):
        return f"{text}:{weight}"
    return text


def format_row(draft: QuestionDraft) -> dict[str, str]:
    """A draft as one export row (column → text)."""
    row = {"题型": draft.type.label, "题干": draft.stem, "答案": format_answer(draft.type, draft.answer),
           "解析": draft.explanation, "难度": str(draft.difficulty), "分类": draft.category,
           "标签": "、".join(draft.tags), "出处": draft.source, STATUS_COLUMN: "启用" if draft.enabled else "停用"}
    for column, option in zip(OPTION_COLUMNS, draft.options, strict=False):
        row[column] = option
    return row
