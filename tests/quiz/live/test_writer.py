"""The answer writer's batch: checks, marking, idempotency — against a real database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.db import utcnow
from quiz.live import attendance
from quiz.live import hosting as live
from quiz.live.models import Answer
from quiz.live.writer import Submission, store_batch
from tests.factories import make_question


def open_round(session, meeting, mode: str = "all"):  # type: ignore[no-untyped-def]
    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"p{number}")
    question = make_question(session, options=["甲", "乙", "丙"], answer="B")
    live.pick_question(session, meeting, question.id, mode, "host")
    round_ = live.show(session, meeting, "host")
    session.commit()
    return round_


def submit(round_, attendee_id: int, answer, client_id: str = "c", at=None) -> Submission:  # type: ignore[no-untyped-def]
    return Submission(round_.id, attendee_id, client_id, answer, at or utcnow())


def test_a_batch_stores_marks_and_dedupes(session, meeting):
    round_ = open_round(session, meeting)
    a, b = meeting.attendees[0].id, meeting.attendees[1].id
    batch = [submit(round_, a, "B", "a1"), submit(round_, b, "A", "b1"), submit(round_, a, "C", "a2")]
    assert store_batch(session, batch) == {round_.id}
    assert batch[0].result == {"ok": True, "answer": "B", "round_id": round_.id, "repeat": False}
    assert batch[2].result["answer"] == "B" and batch[2].result["repeat"] is True
    stored = {x.attendee_id: x for x in session.scalars(select(Answer))}
    assert (stored[a].correct, stored[a].score, stored[b].correct, stored[b].score) == (True, 10.0, False, 0.0)
    retry = [submit(round_, a, "B", "a1")]
    store_batch(session, retry)
    assert retry[0].result["repeat"] is False
    assert session.scalar(select(func.count(Answer.id))) == 2


def test_late_bad_and_unknown_answers_are_refused(session, meeting):
    round_ = open_round(session, meeting)
    attendee = meeting.attendees[0].id
    late = submit(round_, attendee, "B", at=round_.deadline_at + timedelta(milliseconds=1))
    bad = submit(round_, meeting.attendees[1].id, "Z")
    unknown = Submission(round_.id + 99, attendee, "x", "B", utcnow())
    assert store_batch(session, [late, bad, unknown]) == set()
    assert late.result == {"ok": False, "error": "作答时间已结束，本次作答未被记录"}
    assert bad.result["ok"] is False and unknown.result == {"ok": False, "error": "题目不存在"}
    assert session.scalar(select(func.count(Answer.id))) == 0


def test_only_the_called_person_answers_a_called_round(session, meeting):
    from quiz.live import calling

    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"p{number}")
    draw = live.draw_person(session, meeting, calling.Pool(), "host")
    question = make_question(session, options=["甲", "乙"], answer="A")
    live.pick_question(session, meeting, question.id, "called", "host")
    round_ = live.show(session, meeting, "host")
    session.commit()
    other = next(a.id for a in meeting.attendees if a.id != draw.chosen_id)
    refused, accepted = submit(round_, other, "A"), submit(round_, draw.chosen_id, "A")
    store_batch(session, [refused, accepted])
    assert refused.result == {"ok": False, "error": "这道题由被点名的同志作答"} and accepted.result["ok"]


def test_a_row_that_cannot_be_stored_fails_only_its_own_answer(app, session, meeting):
    """A batch whose insert fails is retried answer by answer (the payload models keep such a row out; this
    is the writer's own guard, whatever reaches it)."""
    from quiz.live.writer import AnswerWriter

    round_ = open_round(session, meeting)
    touched: list[set[int]] = []
    writer = AnswerWriter(app, lambda task: None, touched.append)
    ids = [a.id for a in meeting.attendees[:3]]
    batch = [submit(round_, ids[0], "B", "a1"), submit(round_, ids[1], "A", "\ud800"), submit(round_, ids[2], "C")]
    writer.process(batch)
    assert [s.result["ok"] for s in batch] == [True, False, True]
    assert batch[1].result == {"ok": False, "error": "保存失败，请重试"}
    assert all(s.done.is_set() for s in batch)
    session.expire_all()
    assert sorted(session.scalars(select(Answer.attendee_id))) == sorted([ids[0], ids[2]])
