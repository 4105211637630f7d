"""Validation: every rule of the question model, with its Chinese message."""

from __future__ import annotations

import pytest

from question_bank.kinds import QuestionType
from question_bank.rules import MAX_STEM, QuestionDraft, validate
from question_bank.textnorm import count_blanks


def messages(draft: QuestionDraft) -> list[str]:
    return [error.message for error in validate(draft)]


def single(**kw) -> QuestionDraft:  # type: ignore[no-untyped-def]
    return QuestionDraft(**({"type": QuestionType.SINGLE, "stem": "党的根本宗旨是（　　）",
                             "options": ["全心全意为人民服务", "发展经济"], "answer": "A"} | kw))


def test_a_valid_single_choice_has_no_errors():
    assert validate(single()) == []


def test_single_choice_needs_two_options():
    assert "单选题至少需要2个选项" in messages(single(options=["全心全意为人民服务"]))


def test_single_choice_needs_exactly_one_answer():
    assert any("有且只有一个正确答案" in m for m in messages(single(answer="AB")))


def test_answer_letter_must_have_an_option():
    assert any("“C”没有对应的选项" in m for m in messages(single(answer="C")))


def test_options_must_be_contiguous_and_distinct():
    assert any("选项B为空" in m for m in messages(single(options=["甲", "", "丙"])))
    errors = validate(single(options=["甲", "乙", "甲"]))
    assert [(e.field, e.index) for e in errors] == [("options", 2)]
    assert "选项C与选项A相同" in errors[0].message


def test_multiple_choice_needs_two_correct_answers():
    draft = single(type=QuestionType.MULTIPLE, options=["甲", "乙", "丙"], answer="B")
    assert any("多选题至少需要2个正确答案" in m for m in messages(draft))
    assert validate(single(type=QuestionType.MULTIPLE, options=["甲", "乙", "丙"], answer="AC")) == []


def test_judgement_has_no_options_and_a_boolean_answer():
    judge = QuestionDraft(type=QuestionType.JUDGE, stem="党员有八项义务。", answer=True)
    assert validate(judge) == []
    assert "判断题不应有选项" in messages(QuestionDraft(type=QuestionType.JUDGE, stem="x", answer=True,
                                                   options=["对", "错"]))
    assert any("正确”或“错误" in m for m in messages(QuestionDraft(type=QuestionType.JUDGE, stem="x", answer="对")))


@pytest.mark.parametrize(
    ("stem", "blanks"),
    [
        ("好干部标准是信念坚定、（　　）、勤政务实", 1),
        ("半角括号( )与全角括号（ ）", 2),
        ("空括号（）和()也算", 2),
        ("不间断空格（\u00a0\u00a0）", 1),
        ("下划线____与__都算，单个_不算", 2),
        ("《中国共产党支部工作条例（试行）》中的（试行）是文字", 0),
        ("混合（试行）与（　）", 1),
    ],
)
def test_blanks_are_bracket_pairs_with_only_space_inside_or_underscore_runs(stem: str, blanks: int):
    assert count_blanks(stem) == blanks


def test_fill_in_needs_one_answer_list_per_blank():
    stem = "实现中华民族伟大复兴，就是要实现（　　）、（　　）、人民幸福。"
    ok = QuestionDraft(type=QuestionType.BLANK, stem=stem, answer=[["国家富强"], ["民族振兴"]])
    assert validate(ok) == []
    short = QuestionDraft(type=QuestionType.BLANK, stem=stem, answer=[["国家富强、民族振兴"]])
    assert messages(short) == ["题干中有2个空，答案有1个（各空的答案之间用 | 分隔）"]


def test_fill_in_needs_a_blank_in_the_stem_and_real_answers():
    no_blank = QuestionDraft(type=QuestionType.BLANK, stem="没有空的题干", answer=[["答案"]])
    assert any("没有标出空位" in m for m in messages(no_blank))
    garbage = QuestionDraft(type=QuestionType.BLANK, stem="（　　）是根本组织原则", answer=[["[object Object]"]])
    assert any("无效" in m for m in messages(garbage))
    empty = QuestionDraft(type=QuestionType.BLANK, stem="（　　）是根本组织原则", answer=[[""]])
    assert messages(empty) == ["第1个空没有答案"]


def test_essay_needs_key_points_with_positive_weights():
    essay = QuestionDraft(type=QuestionType.ESSAY, stem="什么是监督执纪的“四种形态”？",
                          answer=[{"point": "红红脸、出出汗成为常态", "weight": 1}])
    assert validate(essay) == []
    assert any("至少需要一个要点" in m for m in messages(QuestionDraft(type=QuestionType.ESSAY, stem="x", answer=[])))
    bad_weight = QuestionDraft(type=QuestionType.ESSAY, stem="x", answer=[{"point": "要点", "weight": 0}])
    assert any("权重" in m for m in messages(bad_weight))


def test_lengths_difficulty_category_and_tags_are_bounded():
    assert any("题干过长" in m for m in messages(single(stem="党" * (MAX_STEM + 1))))
    assert "请填写题干" in messages(single(stem="  "))
    assert any("难度须为1–5" in m for m in messages(single(difficulty=6)))
    assert any("空的层级" in m for m in messages(single(category="党章党规//条例")))
    assert any("标签不能" in m for m in messages(single(tags=["四种形态,监督"])))
