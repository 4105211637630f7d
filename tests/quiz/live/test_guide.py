"""The guided console's next action and disabled controls, state by state (pure)."""

from __future__ import annotations

from dataclasses import replace

from quiz.live import guide
from quiz.live.guide import Facts, ItemFacts, RoundFacts, SegmentFacts

AGENDA = (SegmentFacts(1, "call", "点名答题"), SegmentFacts(2, "all", "全员答题", rounds=2),
          SegmentFacts(3, "review", "述职评议"), SegmentFacts(4, "results", "结果公布"))
CALLING = Facts(started=True, segments=AGENDA, segment_id=1, units=3)


def next_of(facts: Facts) -> tuple[str, str]:
    action = guide.next_action(facts)
    return action.command, action.label


def test_a_meeting_not_started_starts_with_its_first_segment():
    action = guide.next_action(Facts(segments=AGENDA))
    assert (action.command, action.label, action.payload) == ("set_segment", "开始会议", {"segment_id": 1})
    assert guide.next_action(Facts(started=True, segments=AGENDA)).label == "进入：点名答题"
    assert guide.next_action(Facts()).command == ""  # nothing to start without an agenda


def test_a_call_segment_calls_then_asks_then_shows():
    assert next_of(CALLING) == ("draw_person", "随机点名")
    asked = guide.next_action(replace(CALLING, call_waiting=True, has_call=True))
    assert (asked.command, asked.payload) == ("draw_question", {"mode": "called"})
    assert next_of(replace(CALLING, round=RoundFacts("preview", "called"))) == ("show_question", "出示题目")


def test_an_open_question_reveals_once_everyone_answered_or_the_host_scored():
    open_round = RoundFacts("open", "all", answered=2, eligible=5)
    early = guide.next_action(replace(CALLING, round=open_round))
    assert early.command == "close_question" and "尚有 3 人未作答" in early.confirm  # pressed twice, not once
    everyone = replace(open_round, answered=5)
    assert next_of(replace(CALLING, round=everyone)) == ("reveal_answer", "公布答案")
    scored = RoundFacts("open", "called", answered=1, eligible=1, scored=True)
    assert next_of(replace(CALLING, round=scored))[0] == "reveal_answer"
    assert next_of(replace(CALLING, round=RoundFacts("closed", "all")))[0] == "reveal_answer"  # time is up
    assert next_of(replace(CALLING, round=RoundFacts("paused", "all"))) == ("resume_question", "继续计时")
    assert next_of(replace(CALLING, round=RoundFacts("revealed", "all"))) == ("next_question", "下一题")


def test_a_segment_moves_on_after_its_questions():
    done = guide.next_action(replace(CALLING, rounds_done=3))  # once per unit
    assert (done.command, done.payload, done.label) == ("set_segment", {"segment_id": 2}, "进入下一环节：全员答题")
    everyone = replace(CALLING, segment_id=2)
    assert guide.next_action(everyone).payload == {"mode": "all"}
    assert guide.next_action(replace(everyone, rounds_done=2)).payload == {"segment_id": 3}  # its own number


def test_a_review_segment_runs_each_unit_speech_vote_result():
    first, second = ItemFacts(7, "甲县", "pending"), ItemFacts(8, "乙市", "pending")
    review = replace(CALLING, segment_id=3, pending_items=(first, second))
    assert guide.next_action(review).as_json()["payload"] == {"item_id": 7}
    assert next_of(replace(review, item=first)) == ("review_speech", "开始计时：甲县")
    assert next_of(replace(review, item=replace(first, speech="running")))[0] == "review_speech"
    stopped = replace(first, speech="stopped")
    assert next_of(replace(review, item=stopped))[0] == "review_open_vote"
    voting = replace(stopped, vote_state="open", ballots=2, eligible=4)
    assert "尚有 2 人未投票" in guide.next_action(replace(review, item=voting)).confirm
    assert guide.next_action(replace(review, item=replace(voting, ballots=4))).confirm == ""
    closed = replace(voting, vote_state="closed", min_ballots=2)
    assert next_of(replace(review, item=closed))[0] == "review_reveal"
    revealed = replace(review, item=replace(closed, vote_state="revealed"), pending_items=(second,))
    assert guide.next_action(revealed).payload == {"item_id": 8}
    short = replace(review, item=replace(closed, ballots=1, min_ballots=3), pending_items=(first, second))
    assert guide.next_action(short).payload == {"item_id": 8}  # too few ballots to show: the next unit speaks
    assert guide.next_action(replace(review, item=None, pending_items=())).payload == {"segment_id": 4}


def test_the_last_segment_proposes_ending_through_the_confirmation():
    action = guide.next_action(replace(CALLING, segment_id=4))
    assert (action.command, action.dialog) == ("end_meeting", "end_meeting")
    ended = guide.next_action(replace(CALLING, ended=True))
    assert ended.command == "" and ended.label == "会议已结束"


def test_controls_are_enabled_only_when_the_state_allows_them_with_the_reason():
    idle = guide.controls(CALLING)
    assert idle["draw_person"] is None and idle["show_question"] == "当前没有题目"
    assert idle["redraw_person"] == "尚未点名" and idle["review_open_vote"] == "请先选择述职单位"
    running = guide.controls(replace(CALLING, round=RoundFacts("open", "all", 1, 3)))
    assert running["draw_person"] == running["next_question"] == running["end_meeting"] == "当前题目作答中，请先收卷"
    assert running["close_question"] is None and running["resume_question"] == "题目未暂停"
    assert running["score_oral"] == "只有点名作答的题目由主持人评分"
    revealed = guide.controls(replace(CALLING, round=RoundFacts("revealed", "called")))
    assert revealed["replace_question"] == "答案已公布，不能换题" and revealed["score_oral"] is None
    short = ItemFacts(7, "甲县", "closed", "stopped", ballots=1, min_ballots=3)
    assert "少于公布所需的 3 张" in guide.controls(replace(CALLING, item=short))["review_reveal"]
    assert set(guide.controls(replace(CALLING, ended=True)).values()) == {"会议已结束"}
    assert set(idle) == set(guide.CONTROLS)
