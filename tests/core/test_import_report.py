"""How an import report quotes a bad row: labelled cells, cut sanely, invisible characters named (pure)."""

from __future__ import annotations

from core.import_report import CELL_LIMIT, ROW_TEXT_LIMIT, row_text
from core.textsafe import visible


def test_cells_are_labelled_and_empty_ones_left_out():
    cells = {"题型": "单选", "题干": " 党的宗旨 ", "选项A": "", "答案": "A"}
    assert row_text(cells) == "题型：单选 | 题干：党的宗旨 | 答案：A"


def test_a_long_cell_and_a_long_row_are_cut():
    text = row_text({"题干": "长" * 500, "解析": "释" * 500, **{f"列{n}": "字" * 30 for n in range(20)}})
    assert text.startswith("题干：" + "长" * CELL_LIMIT + "… | 解析：")
    assert len(text) == ROW_TEXT_LIMIT + 1 and text.endswith("…")


def test_invisible_characters_are_named_and_markup_is_left_to_the_template():
    assert visible("甲\u200b乙\u202e丙\x07丁\n戊\t己") == "甲⟨U+200B⟩乙⟨U+202E⟩丙⟨U+0007⟩丁↵戊⇥己"
    assert row_text({"姓名": "<b>张三</b>\ufeff"}) == "姓名：<b>张三</b>⟨U+FEFF⟩"
