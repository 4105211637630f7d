"""Pinyin hints for hard names; the participants' view and answer checking."""

from __future__ import annotations

import pytest

from quiz.live.answers import BadAnswer, participant_view, read_answer
from quiz.roster.names import reading_hints, with_hints


def test_rare_and_surname_readings():
    assert with_hints("覃松洁") == "覃(qín)松洁"
    assert with_hints("杨大东") == "杨大东"
    assert reading_hints("单单") == [("单", "shàn")]  # only the surname takes the surname reading
    assert reading_hints("罗翼") == []
    assert reading_hints("李喆")[0][0] == "喆"  # outside the 3,755 common characters


QUESTION = {"type": "多选", "stem": "党的纪律包括（　　）", "options": ["政治纪律", "组织纪律", "吃喝纪律"],
            "answer": "AB", "explanation": "纪律处分条例", "source": "条例"}


def test_participants_never_get_the_key_before_the_reveal():
    hidden = participant_view(QUESTION, revealed=False)
    assert "answer" not in hidden and "explanation" not in hidden and "source" not in hidden
    assert participant_view(QUESTION, revealed=True)["answer"] == "AB"


def test_answers_are_checked_against_the_question():
    assert read_answer(QUESTION, "BA") == "AB"
    for bad in ["", "D", "AA", 3, None, "ABCD"]:
        with pytest.raises(BadAnswer):
            read_answer(QUESTION, bad)
    with pytest.raises(BadAnswer, match="只能选一项"):
        read_answer(QUESTION | {"type": "单选"}, "AB")
    blank = {"type": "填空", "stem": "（　　）和（　　）", "options": []}
    assert read_answer(blank, [" 甲 ", "乙"]) == ["甲", "乙"]
    with pytest.raises(BadAnswer, match="请填写全部2个空"):
        read_answer(blank, ["甲"])
    with pytest.raises(BadAnswer, match="口头作答"):
        read_answer({"type": "简答", "stem": "x"}, "anything")
    with pytest.raises(BadAnswer):
        read_answer({"type": "判断", "stem": "x"}, "对")
