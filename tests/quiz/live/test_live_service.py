"""Host commands against the database: draws replay from their seed, stale revisions are refused, usage is
recorded only when shown outside a rehearsal, replacements keep their reason, the timer's close is idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import utcnow
from question_bank.draw import DrawFilters
from question_bank.kinds import QuestionType
from question_bank.models import QuestionUsage
from quiz.live import attendance, calling
from quiz.live import hosting as live
from quiz.live.engine import IllegalMove
from quiz.live.models import MeetingEvent, PersonDraw
from quiz.quarter.models import ScoreCorrection
from tests.factories import make_question
from tests.quiz.conftest import make_meeting

HOST = "host1"


def check_in_all(session, meeting) -> None:  # type: ignore[no-untyped-def]
    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"phone-{number}")


def command(session, meeting, action):  # type: ignore[no-untyped-def]
    """Run a service the way the socket boundary does: begin at the current revision, act, commit."""
    live.begin(session, meeting.id, meeting.revision)
    result = action()
    session.commit()
    return result


def test_a_draw_replays_from_its_seed_and_never_repeats(session, meeting):
    check_in_all(session, meeting)
    chosen = []
    for _ in range(3):
        draw = command(session, meeting, lambda: live.draw_person(session, meeting, calling.Pool(), HOST))
        assert calling.replay(draw.candidates, draw.seed) == draw.chosen_id
        chosen.append(draw.chosen_id)
    assert len(set(chosen)) == 3 and all(session.get(live.Attendee, i).is_secretary for i in chosen)
    with pytest.raises(calling.NobodyToCall):
        live.draw_person(session, meeting, calling.Pool(), HOST)


def test_a_redraw_needs_a_draw_leaves_out_the_previous_pick_and_keeps_the_reason(session, meeting):
    check_in_all(session, meeting)
    with pytest.raises(IllegalMove, match="没有可重抽"):
        live.draw_person(session, meeting, calling.Pool(), HOST, redraw_reason="本人请假")
    first = command(session, meeting, lambda: live.draw_person(session, meeting, calling.Pool(), HOST))
    second = command(session, meeting, lambda: live.draw_person(session, meeting, calling.Pool(), HOST, "本人请假"))
    assert second.chosen_id != first.chosen_id and first.chosen_id not in second.candidates
    assert (second.redraw_of_id, second.redraw_reason) == (first.id, "本人请假")
    notes = session.scalars(select(MeetingEvent.note).where(MeetingEvent.kind == "redraw_person")).all()
    assert notes == ["本人请假"]


def test_stale_revisions_and_ended_meetings_are_refused(session, meeting):
    revision = meeting.revision
    live.begin(session, meeting.id, revision)
    session.commit()
    with pytest.raises(live.StaleRevision):
        live.begin(session, meeting.id, revision)
    session.rollback()
    meeting.status = "ended"
    session.commit()
    with pytest.raises(IllegalMove, match="会议已结束"):
        live.begin(session, meeting.id, meeting.revision)


def test_usage_is_recorded_when_shown_and_never_in_a_rehearsal(session):
    question = make_question(session)
    for rehearsal in (False, True):
        meeting = make_meeting(session, units=1, title=f"会{rehearsal}", rehearsal=rehearsal)
        round_ = command(session, meeting, lambda m=meeting: live.pick_question(session, m, question.id, "all", HOST))
        assert session.scalars(select(QuestionUsage).where(QuestionUsage.meeting_id == meeting.id)).all() == []
        command(session, meeting, lambda m=meeting: live.show(session, m, HOST))
        used = session.scalars(select(QuestionUsage).where(QuestionUsage.meeting_id == meeting.id)).all()
        assert len(used) == (0 if rehearsal else 1), rehearsal
        assert round_.deadline_at is not None


def test_the_question_draw_skips_what_this_meeting_showed(session, meeting):
    first, second = make_question(session), make_question(session)
    round_ = command(session, meeting, lambda: live.pick_question(session, meeting, first.id, "all", HOST))
    command(session, meeting, lambda: live.show(session, meeting, HOST))
    command(session, meeting, lambda: live.clock_command(session, meeting, "close", HOST))
    command(session, meeting, lambda: live.next_question(session, meeting, HOST))
    drawn = command(session, meeting, lambda: live.draw_question(
        session, meeting, DrawFilters(types=frozenset({QuestionType.SINGLE})), "all", HOST))
    assert drawn.question_id == second.id and round_.question_id == first.id


def test_called_mode_needs_a_call_and_unsettled_rounds_block_moving_on(session, meeting):
    question = make_question(session)
    with pytest.raises(IllegalMove, match="须先随机点名"):
        live.pick_question(session, meeting, question.id, "called", HOST)
    command(session, meeting, lambda: live.pick_question(session, meeting, question.id, "all", HOST))
    command(session, meeting, lambda: live.show(session, meeting, HOST))
    with pytest.raises(IllegalMove, match="尚未收卷"):
        live.next_question(session, meeting, HOST)


def test_replace_keeps_its_reason_and_the_snapshot_ignores_later_bank_edits(session, meeting):
    question = make_question(session, stem="原题干（　　）")
    round_ = command(session, meeting, lambda: live.pick_question(session, meeting, question.id, "all", HOST))
    question.stem = "改过的题干（　　）"
    session.commit()
    assert round_.question["stem"] == "原题干（　　）"
    with pytest.raises(IllegalMove, match="换题须填写原因"):
        live.replace(session, meeting, " ", HOST)
    command(session, meeting, lambda: live.replace(session, meeting, "与本单位无关", HOST))
    assert (round_.phase, round_.replaced_reason, meeting.current_round_id) == ("replaced", "与本单位无关", None)


def test_the_timer_close_is_idempotent(session, meeting):
    question = make_question(session)
    round_ = command(session, meeting, lambda: live.pick_question(session, meeting, question.id, "all", HOST))
    command(session, meeting, lambda: live.show(session, meeting, HOST))
    assert live.close_if_due(session, round_.id) is False  # not yet due
    round_.deadline_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert live.close_if_due(session, round_.id) is True
    session.commit()
    assert round_.phase == "closed" and live.close_if_due(session, round_.id) is False


def test_oral_scoring_of_the_called_person(session, meeting):
    check_in_all(session, meeting)
    essay = make_question(session, type=QuestionType.ESSAY, options=[], stem="什么是“四种形态”？",
                          answer=[{"point": "常态", "weight": 1}, {"point": "大多数", "weight": 1}])
    draw = command(session, meeting, lambda: live.draw_person(session, meeting, calling.Pool(), HOST))
    command(session, meeting, lambda: live.pick_question(session, meeting, essay.id, "called", HOST))
    with pytest.raises(IllegalMove, match="请先出示"):
        live.score_oral(session, meeting, {"ticked": [0]}, HOST)
    command(session, meeting, lambda: live.show(session, meeting, HOST))
    answer = command(session, meeting, lambda: live.score_oral(session, meeting, {"ticked": [0]}, HOST))
    assert (answer.attendee_id, answer.score, answer.correct) == (draw.chosen_id, 5.0, False)
    again = command(session, meeting, lambda: live.score_oral(session, meeting, {"right": True}, HOST))
    assert again.id == answer.id and again.score == 10.0
    correction = session.scalar(select(ScoreCorrection))
    assert (correction.old_score, correction.new_score, correction.actor, correction.answer_id) == (5.0, 10.0, HOST,
                                                                                                    answer.id)
    assert session.scalar(select(PersonDraw.id)) == draw.id


def test_a_closed_quarter_locks_its_meetings(session, meeting):
    from quiz.quarter.models import Quarter

    session.add(Quarter(quarter=meeting.quarter, status="closed"))
    session.commit()
    with pytest.raises(IllegalMove, match="2026Q4已关账"):
        live.begin(session, meeting.id, meeting.revision)
