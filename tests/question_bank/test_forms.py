"""The editor form ⇄ draft: every type, errors keyed by the field they belong beside."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from question_bank.forms import draft_from_form, form_from_draft
from question_bank.kinds import QuestionType
from question_bank.rules import QuestionDraft


def submit(**fields):  # type: ignore[no-untyped-def]
    data = MultiDict({"difficulty": "3", "enabled": "1", **{k: v for k, v in fields.items() if k != "correct"}})
    for letter in fields.get("correct", []):
        data.add("correct", letter)
    return draft_from_form(data, data.getlist)


def test_choice_question_from_ticked_options():
    draft, form = submit(type="multiple", stem="党的纪律包括（　　）", option_A="政治纪律", option_B="组织纪律",
                         option_C="吃喝纪律", correct=["B", "A"], tags="纪律、六大纪律")
    assert form.errors == {}
    assert draft.options == ["政治纪律", "组织纪律", "吃喝纪律"] and draft.answer == "AB"
    assert draft.tags == ["纪律", "六大纪律"] and draft.enabled


def test_errors_sit_beside_their_fields():
    draft, form = submit(type="single", stem="", option_A="甲", option_C="丙", correct=["A", "C"])
    assert draft is None
    assert form.errors["stem"] == ["请填写题干"]
    assert form.errors["option_B"] == ["选项B为空，选项须从A起连续填写"]
    assert "单选题必须有且只有一个正确答案" in form.errors["answer"][0]
    assert form.values["option_C"] == "丙"  # what was typed is shown again


def test_fill_in_lines_and_alternatives():
    draft, form = submit(type="blank", stem="信念坚定、（　　）、（　　）", lines="为民服务\n勤政务实/勤政\n")
    assert form.errors == {} and draft.answer == [["为民服务"], ["勤政务实", "勤政"]]
    _, short = submit(type="blank", stem="信念坚定、（　　）、（　　）", lines="为民服务")
    assert short.errors["answer"] == ["题干中有2个空，答案有1个（各空的答案之间用 | 分隔）"]


def test_essay_lines_with_weights_and_a_literal_bar():
    draft, form = submit(type="essay", stem="什么是“四种形态”？", lines="红红脸、出出汗:2\n甲|乙\n")
    assert form.errors == {}
    assert draft.answer == [{"point": "红红脸、出出汗", "weight": 2}, {"point": "甲|乙", "weight": 1}]


def test_an_unticked_choice_asks_for_a_tick():
    _, form = submit(type="single", stem="x（　　）", option_A="甲", option_B="乙")
    assert form.errors == {"answer": ["请在选项左侧勾选正确答案"]}


def test_judgement_needs_a_choice():
    _, form = submit(type="judge", stem="党员有八项义务。")
    assert "判断题的答案须为“正确”或“错误”" in form.errors["answer"]
    draft, _ = submit(type="judge", stem="党员有八项义务。", judgement="true")
    assert draft.answer is True


def test_unknown_type_is_refused():
    draft, form = submit(type="essay-ish", stem="x")
    assert draft is None and form.errors == {"type": ["请选择题型"]}


def test_round_trip_through_the_form_for_every_type():
    drafts = [
        QuestionDraft(type=QuestionType.SINGLE, stem="甲（　　）", options=["一", "二"], answer="B", difficulty=2,
                      category="党章党规/党章", tags=["甲", "乙"], source="《章程》", explanation="因为",
                      enabled=False),
        QuestionDraft(type=QuestionType.JUDGE, stem="判断", answer=False),
        QuestionDraft(type=QuestionType.BLANK, stem="（　　）和（　　）", answer=[["a", "b/c"], ["d|e"]]),
        QuestionDraft(type=QuestionType.ESSAY, stem="简答", answer=[{"point": "比例3:1", "weight": 1}]),
    ]
    for original in drafts:
        values = form_from_draft(original).values
        data = MultiDict({k: v for k, v in values.items() if isinstance(v, str)})
        for letter in values["correct"]:
            data.add("correct", letter)
        again, form = draft_from_form(data, data.getlist)
        assert form.errors == {} and again == original
