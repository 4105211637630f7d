"""Suggested fixes for the roster import's commonest mistakes, shown beside a bad row's reason. Pure.

Like the bank's (question_bank/transfer/fixes.py), a rule reads the row's cells: a 第一责任人 written 1, Y or √;
a 单位类型 written short (县区, 市直, 国企); several people in one row. No rule fits: no suggestion.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

Cells = Mapping[str, str]
YES_WORDS = ("是", "Y", "YES", "1", "√", "✓", "对", "TRUE", "是的")
NO_WORDS = ("否", "N", "NO", "0", "×", "✗", "不是", "FALSE", "无")
# Short and old spellings of the template's 单位类型, checked in order (a key found in the cell wins).
KIND_HINTS = (("市直", "市直单位"), ("机关", "市直单位"), ("国企", "国有企业"), ("国有", "国有企业"),
              ("企业", "国有企业"), ("两新", "两新组织"), ("非公", "两新组织"), ("社会组织", "两新组织"),
              ("街道", "街道社区"), ("社区", "街道社区"), ("乡", "乡镇"), ("镇", "乡镇"), ("县", "县(市、区)"),
              ("区", "县(市、区)"))
PEOPLE_SEPARATORS = re.compile(r"[、,，;；/]|\s+")


def with_fixes(problems: list[Any], cells: Cells) -> list[Any]:
    """The row's problems, each with the suggestion of the first rule that knows one for its column."""
    return [replace(problem, fix=problem.fix or suggest(problem.column, cells)) for problem in problems]


def suggest(column: str, cells: Cells) -> str:
    """A suggested fix for a problem in `column` of this row, or "" when none is known."""
    return next((fix for rule in RULES.get(column, ()) if (fix := rule(cells))), "")


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).upper().split())


def secretary_flag(cells: Cells) -> str:
    """第一责任人 written as 1 / Y / √ (or 0 / N / ×)."""
    flag = _fold(cells.get("第一责任人", ""))
    if flag in YES_WORDS:
        return "第一责任人请填“是”"
    if flag in NO_WORDS:
        return "不是第一责任人请填“否”，或留空"
    return ""


def unit_kind(cells: Cells) -> str:
    """A 单位类型 written short, or in an older wording."""
    kind = _fold(cells.get("单位类型", ""))
    guess = next((label for word, label in KIND_HINTS if word in kind), "")
    return f"单位类型请写“{guess}”" if kind and guess else ""


def several_people(cells: Cells) -> str:
    """Several names in one 姓名 cell (too long to be one name)."""
    names = [part for part in PEOPLE_SEPARATORS.split(cells.get("姓名", "").strip()) if part]
    if len(names) < 2:
        return ""
    return f"一行只填一个人：请把“{'、'.join(names[:2])}”等{len(names)}人分成{len(names)}行"


RULES: dict[str, tuple[Callable[[Cells], str], ...]] = {
    "第一责任人": (secretary_flag,),
    "单位类型": (unit_kind,),
    "姓名": (several_people,),
}
