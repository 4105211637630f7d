"""Marking: exact, partial, speed bonus that never lets a fast wrong beat a correct, oral key points."""

from __future__ import annotations

from quiz.live.scoring import Marked, mark, normalise_text, oral, scoring_settings

SINGLE = {"type": "单选", "answer": "B"}
MULTI = {"type": "多选", "answer": "ABD"}
BLANK = {"type": "填空", "answer": [["信念坚定"], ["为民服务", "服务人民"]]}
ESSAY = {"type": "简答", "answer": [{"point": "常态", "weight": 2}, {"point": "大多数", "weight": 1},
                                    {"point": "少数", "weight": 1}]}


def test_single_and_judge():
    settings = scoring_settings({})
    assert mark(SINGLE, "B", settings) == Marked(True, 10.0)
    assert mark(SINGLE, "A", settings).score == 0
    assert mark({"type": "判断", "answer": False}, False, settings).correct


def test_multiple_partial_only_without_wrong_letters():
    settings = scoring_settings({})
    assert mark(MULTI, "ABD", settings).score == 10
    assert mark(MULTI, "AB", settings).score == round(10 * 2 / 3, 2) and not mark(MULTI, "AB", settings).correct
    assert mark(MULTI, "ABC", settings).score == 0
    assert mark(MULTI, "AB", scoring_settings({"partial_multiple": False})).score == 0


def test_blanks_compare_loosely_and_give_partial_credit():
    settings = scoring_settings({})
    assert mark(BLANK, [" 信念坚定。", "服务人民"], settings).correct
    assert mark(BLANK, ["信念坚定", "错"], settings).score == 5
    assert mark(BLANK, ["信念坚定", "错"], scoring_settings({"partial_blank": False})).score == 0
    assert normalise_text("Ａ  b，Ｃ") == "abc"


def test_speed_bonus_never_lets_a_faster_wrong_or_partial_beat_a_correct():
    settings = scoring_settings({"speed_bonus": 5})
    fast_partial = mark(MULTI, "AB", settings, elapsed_fraction=0.0)
    slow_correct = mark(MULTI, "ABD", settings, elapsed_fraction=0.999)
    fast_wrong = mark(SINGLE, "A", settings, elapsed_fraction=0.0)
    assert slow_correct.score > fast_partial.score and slow_correct.score > fast_wrong.score
    assert mark(SINGLE, "B", settings, elapsed_fraction=0.0).score == 15
    assert mark(SINGLE, "B", settings, elapsed_fraction=1.0).score == 10


def test_oral_marking_by_key_points_or_verdict():
    settings = scoring_settings({})
    assert oral(ESSAY, {"ticked": [0]}, settings).score == 5
    assert oral(ESSAY, {"ticked": [0, 1, 2]}, settings).correct
    assert oral(SINGLE, {"right": True}, settings).score == 10
    assert oral(SINGLE, {"right": False}, settings).score == 0
