"""The bank import's suggested fixes (pure): each rule on the row that needs it, and silence elsewhere."""

from __future__ import annotations

import pytest

from question_bank.transfer.cells import CellProblem
from question_bank.transfer.fixes import cells_of, suggest, with_fixes
from question_bank.transfer.reading import Limits, read_upload
from question_bank.transfer.report import build_report

CHOICES = {"选项A": "政治纪律", "选项B": "组织纪律", "选项C": "群众纪律"}


def row(qtype: str, answer: str, stem: str = "党的纪律包括（　　）", **cells: str) -> dict[str, str]:
    return {"题型": qtype, "题干": stem, **cells, "答案": answer}


@pytest.mark.parametrize(("cells", "fix"), [
    # 填空 answers joined with 、 or ，: the parser reads one blank
    (row("填空", "为民服务、敢于担当", "信念坚定、（　　）、勤政务实、（　　）"),
     "答案请写成“为民服务|敢于担当”：各空的答案之间用 | 分隔，不要用“、”或“，”"),
    (row("填空", "为民服务，敢于担当，清正廉洁", "（　　）、（　　）"),
     "各空的答案之间请用 | 分隔，不要用“、”或“，”（题干中有2个空）"),
    # letters of another alphabet (Cyrillic А, Greek Β), full width folded first
    (row("多选", "А、Β", **CHOICES),
     "答案中的“А”不是英文字母（可能是俄文或希腊字母）：请切换到英文输入法，改为“A、B”"),
    # an option's text where its letter belongs, one or several
    (row("单选", "组织纪律", **CHOICES), "答案请填选项字母“B”，不要填选项的内容"),
    (row("多选", "群众纪律、政治纪律", **CHOICES), "答案请填选项字母“AC”，不要填选项的内容"),
    # letters joined with what the parser does not take
    (row("多选", "A.B", **CHOICES), "答案请写成“AB”或“A,B”，不要用“.”分隔"),
    (row("多选", "Ａ和Ｃ", **CHOICES), "答案请写成“AC”或“A,C”，不要用“和”分隔"),
    # a letter without its option
    (row("单选", "D", **CHOICES), "答案“D”用到选项D，但“选项D”列是空的：请补上选项D的内容，或把答案改为 A–C 中的字母"),
    # several letters for a 单选
    (row("单选", "A、B", **CHOICES), "单选题只能有一个答案：若“AB”都对，请把题型改为“多选”；否则只保留一个字母"),
    # 判断 spellings
    (row("判断", "对的", "党员有八项权利。"), "判断题的答案请只写“正确”（也可写 对、√）"),
    (row("判断", "不正确。", "党员有八项权利。"), "判断题的答案请只写“错误”（也可写 错、×）"),
    (row("判断", "B", "党员有八项权利。"), "判断题的答案请写“正确”或“错误”，不要写选项字母"),
])
def test_answer_fixes(cells: dict[str, str], fix: str):
    assert suggest("答案", cells) == fix


@pytest.mark.parametrize(("column", "cells", "fix"), [
    ("题型", row("选择题", "AB", **CHOICES), "题型请写“多选”"),
    ("题型", row("选择", "A", **CHOICES), "题型请写“单选”"),
    ("题型", row("论述题", "要点"), "题型请写“简答”"),
    ("题型", row("是非题", "对"), "题型请写“判断”"),
    ("选项A", row("判断", "正确", 选项A="对", 选项B="错"),
     "判断题不填选项：若这是选择题，请把题型改为“单选”；否则清空各选项列"),
])
def test_type_and_option_fixes(column: str, cells: dict[str, str], fix: str):
    assert suggest(column, cells) == fix


@pytest.mark.parametrize(("column", "cells"), [
    ("答案", row("单选", "Q", **CHOICES)),  # no rule knows what Q meant
    ("答案", row("填空", "为民服务", "（　　）、（　　）")),  # one answer, nothing joined
    ("答案", row("判断", "也许", "党员有八项权利。")),
    ("题型", row("论文", "x")),
    ("题干", row("单选", "A", "", **CHOICES)),  # no rule for an empty stem: the reason says it all
])
def test_no_suggestion_where_no_rule_knows_one(column: str, cells: dict[str, str]):
    assert suggest(column, cells) == ""


def test_a_problem_keeps_its_own_fix_and_others_get_theirs():
    problems = [CellProblem("答案", "x", fix="已知的"), CellProblem("答案", "y")]
    fixed = with_fixes(problems, row("单选", "D", **CHOICES))
    assert [p.fix for p in fixed] == ["已知的", fixed[1].fix] and fixed[1].fix.startswith("答案“D”用到选项D")


def test_json_questions_are_read_by_their_template_columns():
    cells = cells_of({"type": "blank", "stem": "（　　）（　　）", "answer": [["为民"], ["担当", "敢当"]],
                      "options": []})
    assert cells == {"题型": "blank", "题干": "（　　）（　　）", "答案": "为民|担当/敢当"}
    assert suggest("答案", cells_of({"type": "single", "stem": "s", "options": ["甲", "乙"], "answer": "乙"})) \
        == "答案请填选项字母“B”，不要填选项的内容"


def test_the_report_carries_the_fix_and_the_rows_text():
    data = ("题型,题干,选项A,选项B,答案\n"
            "填空,信念坚定、（　　）、勤政务实、（　　）,,,为民服务、敢于担当\n"
            "单选,根本宗旨是（　　）\u200b,全心全意为人民服务,发展经济,全心全意为人民服务\n").encode()
    report = build_report(read_upload(data, "题库.csv", Limits()))
    rows = report.problem_rows()
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (2, "答案", "答案请写成“为民服务|敢于担当”：各空的答案之间用 | 分隔，不要用“、”或“，”"),
        (3, "答案", "答案请填选项字母“A”，不要填选项的内容")]
    assert rows[0][3] == "题型：填空 | 题干：信念坚定、（　　）、勤政务实、（　　） | 答案：为民服务、敢于担当"
    assert "题干：根本宗旨是（　　）⟨U+200B⟩" in rows[1][3]  # an invisible character is named
