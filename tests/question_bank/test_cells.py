"""Reading the spellings people type in a template row, and writing them back unchanged."""

from __future__ import annotations

import pytest

from question_bank.kinds import QuestionType
from question_bank.rules import QuestionDraft
from question_bank.transfer.cells import CellError, format_answer, format_row, parse_answer, parse_row


@pytest.mark.parametrize("text", ["ABD", "A,B,D", "A B D", "a、b、d", "D,A,B", "ＡＢＤ", "A，B；D"])
def test_choice_answers_in_every_spelling(text: str):
    assert parse_answer(QuestionType.MULTIPLE, text) == "ABD"


@pytest.mark.parametrize(("text", "value"), [
    ("正确", True), ("对", True), ("√", True), ("是", True), ("TRUE", True),
    ("错误", False), ("错", False), ("×", False), ("否", False), ("FALSE", False),
])
def test_judgement_answers_in_every_spelling(text: str, value: bool):
    assert parse_answer(QuestionType.JUDGE, text) is value


def test_unreadable_answers_name_the_answer_column():
    for qtype, text in [(QuestionType.SINGLE, "甲"), (QuestionType.JUDGE, "也许"), (QuestionType.SINGLE, "I")]:
        with pytest.raises(CellError) as caught:
            parse_answer(qtype, text)
        assert caught.value.problem.column == "答案"


def test_fill_in_blanks_and_alternatives():
    assert parse_answer(QuestionType.BLANK, "国家富强|民族振兴") == [["国家富强"], ["民族振兴"]]
    assert parse_answer(QuestionType.BLANK, "党章/中国共产党章程｜纪律") == [["党章", "中国共产党章程"], ["纪律"]]


def test_escaped_separators_survive():
    answer = [["1\\2", "a|b"], ["c/d"]]
    text = format_answer(QuestionType.BLANK, answer)
    assert parse_answer(QuestionType.BLANK, text) == answer


def test_key_points_with_and_without_weights():
    points = parse_answer(QuestionType.ESSAY, "红红脸、出出汗:2|党纪轻处分：1.5|极少数")
    assert points == [{"point": "红红脸、出出汗", "weight": 2}, {"point": "党纪轻处分", "weight": 1.5},
                      {"point": "极少数", "weight": 1}]


def test_key_point_text_that_looks_like_a_weight_round_trips():
    points = [{"point": "比例为3:1", "weight": 1}, {"point": "含|竖线", "weight": 2}]
    assert parse_answer(QuestionType.ESSAY, format_answer(QuestionType.ESSAY, points)) == points


def test_row_reports_each_unreadable_cell():
    draft, problems = parse_row({"题型": "论述", "题干": "x", "答案": "A", "难度": "很难"})
    assert draft is None
    assert [p.column for p in problems] == ["题型", "难度"]
    assert "无法识别的题型“论述”" in problems[0].reason


def test_row_defaults_and_status():
    draft, problems = parse_row({"题型": "判断题", "题干": " 党员有表决权。 ", "答案": "对", "标签": "党员、权利,权利",
                                 "状态": "停用"})
    assert problems == []
    assert draft == QuestionDraft(type=QuestionType.JUDGE, stem="党员有表决权。", answer=True, difficulty=3,
                                  tags=["党员", "权利"], enabled=False)


def test_format_row_then_parse_row_is_lossless():
    original = QuestionDraft(type=QuestionType.ESSAY, stem="什么是“四种形态”？",
                             answer=[{"point": "第一种形态", "weight": 2}], explanation="解析", difficulty=4,
                             category="党章党规/纪律处分条例", tags=["四种形态"], source="《条例》第五条",
                             enabled=False)
    assert parse_row(format_row(original)) == (original, [])
