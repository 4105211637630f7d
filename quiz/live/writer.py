"""The one writer of answers in this process: answers are stored in small batches, and each is acknowledged
only after its batch is committed.

Per batch: the rounds concerned are read once; each answer is checked against its round (open, before the
deadline by the server's clock at receipt, answerable by this attendee) and marked; all are inserted with
"on conflict do nothing" on (round, attendee); the stored rows are read back, so a repeat — a retry after a
lost ack, or a second tap — gets the answer that was stored first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.batching import BatchWriter
from core.db import BUSY_MESSAGE, db
from quiz.live.answers import BadAnswer, read_answer
from quiz.live.engine import Phase
from quiz.live.models import Answer, Attendee, Meeting, Round
from quiz.live.scoring import mark, scoring_settings

MAX_BATCH = 500
SUBMIT_TIMEOUT_S = 30


@dataclass
class Submission:
    """An answer waiting for its batch."""

    round_id: int
    attendee_id: int
    client_id: str
    answer: Any
    received_at: datetime
    done: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] | None = None


class AnswerWriter(BatchWriter[Submission]):
    """Collects answers from every socket handler of the process and commits them in batches."""

    max_batch = MAX_BATCH
    what = "answer"

    def __init__(self, app: Flask, start_task: Callable[..., Any], on_commit: Callable[[set[int]], None]) -> None:
        super().__init__(app, start_task)
        self._on_commit = on_commit

    def submit(self, submission: Submission) -> dict[str, Any]:
        """Queue an answer and wait until it is stored (or refused); returns the ack payload."""
        if not self.put_and_wait(submission, SUBMIT_TIMEOUT_S):
            return {"ok": False, "error": "服务器繁忙，请稍后重试"}
        return submission.result

    def store(self, batch: list[Submission]) -> None:
        with self.app.app_context():
            session = db.new_session()
            try:
                touched = store_batch(session, batch)
            finally:
                session.close()
        self._on_commit(touched)

    def forget(self, submission: Submission) -> None:
        submission.result = None

    def refuse(self, submission: Submission, busy: bool) -> None:
        if busy:
            submission.result = submission.result or {"ok": False, "error": BUSY_MESSAGE}
        else:
            self.app.logger.warning("answer not stored (round %s, attendee %s)", submission.round_id,
                                    submission.attendee_id)
            submission.result = {"ok": False, "error": "保存失败，请重试"}


def store_batch(session: Session, batch: list[Submission]) -> set[int]:
    """Check, mark and insert a batch in one transaction; fill each submission's result. Returns the rounds
    that received new answers."""
    rounds = {r.id: r for r in session.scalars(select(Round).where(Round.id.in_({s.round_id for s in batch})))}
    settings = {m.id: scoring_settings(m.settings.get("scoring")) for m in session.scalars(
        select(Meeting).where(Meeting.id.in_({r.meeting_id for r in rounds.values()})))}
    # A phone answers only its own meeting's rounds (round ids are easy to guess).
    attendees_meeting = dict(session.execute(select(Attendee.id, Attendee.meeting_id).where(
        Attendee.id.in_({s.attendee_id for s in batch}))).tuples().all())
    rows, accepted = [], []
    for submission in batch:
        round_ = rounds.get(submission.round_id)
        if round_ is not None and round_.meeting_id != attendees_meeting.get(submission.attendee_id):
            round_ = None
        refusal, row = _check(submission, round_, settings)
        if refusal:
            submission.result = {"ok": False, "error": refusal}
        else:
            rows.append(row)
            accepted.append(submission)
    if rows:
        stored = _insert_new(session, rows)
        session.commit()
        stored |= _stored_earlier(session, {(s.round_id, s.attendee_id) for s in accepted} - stored.keys())
        for submission in accepted:
            client_id, payload = stored[(submission.round_id, submission.attendee_id)]
            submission.result = {"ok": True, "answer": payload, "round_id": submission.round_id,
                                 "repeat": client_id != submission.client_id}
    return {s.round_id for s in accepted}


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[int, int], tuple[str, Any]]:
    """Insert the rows, skipping any (round, attendee) already stored; returns what was inserted. One
    executemany of a cached statement (not a freshly compiled 500-row VALUES list per batch)."""
    table = Answer.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(table).on_conflict_do_nothing(index_elements=["round_id", "attendee_id"])
                 .returning(table.c.round_id, table.c.attendee_id, table.c.client_id, table.c.payload))
    return {(r.round_id, r.attendee_id): (r.client_id, r.payload) for r in session.execute(statement, rows)}


def _stored_earlier(session: Session, keys: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, Any]]:
    """The answers stored before this batch for these (round, attendee) keys: a repeat gets the first answer."""
    if not keys:
        return {}
    rows = session.execute(select(Answer.round_id, Answer.attendee_id, Answer.client_id, Answer.payload)
                           .where(tuple_(Answer.round_id, Answer.attendee_id).in_(keys)))
    return {(r.round_id, r.attendee_id): (r.client_id, r.payload) for r in rows}


def _check(submission: Submission, round_: Round | None, settings: dict[int, dict[str, Any]]):  # type: ignore[no-untyped-def]
    if round_ is None:
        return "题目不存在", None
    if round_.phase != Phase.OPEN.value or round_.deadline_at is None or submission.received_at >= round_.deadline_at:
        return "作答时间已结束，本次作答未被记录", None
    if round_.mode == "called" and submission.attendee_id != round_.called_id:
        return "这道题由被点名的同志作答", None
    try:
        answer = read_answer(round_.question, submission.answer)
    except BadAnswer as error:
        return str(error), None
    limit = (round_.deadline_at - round_.opened_at).total_seconds() or 1
    elapsed = max(0.0, (submission.received_at - round_.opened_at).total_seconds())
    marked = mark(round_.question, answer, settings[round_.meeting_id], min(1.0, elapsed / limit))
    return None, {"round_id": round_.id, "attendee_id": submission.attendee_id, "client_id": submission.client_id,
                  "payload": answer, "source": "phone", "elapsed_ms": int(elapsed * 1000),
                  "correct": marked.correct, "score": marked.score, "received_at": submission.received_at}
