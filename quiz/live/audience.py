"""The one writer of anonymous listeners who join over the socket in this process: their rows are stored in
small batches, one transaction each, and a join is answered only after its batch is committed.

A hall's listeners join within a minute. Stored one transaction each, a hundred joining at once queued for
SQLite's write lock, each holding a pooled connection while it waited, and the join cost several times the
rest of a connection. Per batch: the meetings concerned are read once (still open, still taking an audience:
the join page's view of them may be a moment old); the rows go in with one executemany; a code already taken
(50 bits: never expected) fails the batch, which is then stored one by one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.batching import BatchWriter
from core.db import BUSY_MESSAGE, db, utcnow
from quiz.live.joining import NOT_ANONYMOUS_MESSAGE, Audience, audience_row, new_code
from quiz.live.models import Attendee, Meeting

MAX_BATCH = 200
JOIN_TIMEOUT_S = 30
ENDED_MESSAGE = "会议码无效或会议已结束"


class JoinRefused(Exception):
    """A join that was not stored; the message is Chinese."""


@dataclass
class PendingJoin:
    """A listener waiting for its batch."""

    meeting_id: int
    device_token: str
    venue_id: int | None = None  # the venue whose join code it used (None: the convening hall)
    done: threading.Event = field(default_factory=threading.Event)
    audience: Audience | None = None
    refusal: str = ""


class AudienceWriter(BatchWriter[PendingJoin]):
    """Collects the listeners joining on every socket of the process and commits them in batches."""

    max_batch = MAX_BATCH
    what = "listener"

    def __init__(self, app: Flask, start_task: Callable[..., Any], on_commit: Callable[[int], None]) -> None:
        super().__init__(app, start_task)
        self._on_commit = on_commit

    def join(self, meeting_id: int, device_token: str, venue_id: int | None = None) -> Audience:
        """Queue a listener and wait until it is stored; JoinRefused with the reason otherwise."""
        pending = PendingJoin(meeting_id, device_token, venue_id)
        if not self.put_and_wait(pending, JOIN_TIMEOUT_S):
            raise JoinRefused("服务器繁忙，请稍后重试")
        if pending.audience is None:
            raise JoinRefused(pending.refusal or "加入失败，请重试")
        return pending.audience

    def store(self, batch: list[PendingJoin]) -> None:
        with self.app.app_context():
            session = db.new_session()
            try:
                meetings = store_batch(session, batch)
            finally:
                session.close()
        for meeting_id in meetings:
            self._on_commit(meeting_id)

    def forget(self, pending: PendingJoin) -> None:
        pending.audience, pending.refusal = None, ""

    def refuse(self, pending: PendingJoin, busy: bool) -> None:
        pending.refusal = BUSY_MESSAGE if busy else "加入失败，请重试"


def store_batch(session: Session, batch: list[PendingJoin]) -> set[int]:
    """Check each listener's meeting, insert the accepted ones in one transaction and fill each join's
    outcome. Returns the meetings that gained listeners."""
    meetings = {row.id: row for row in session.execute(
        select(Meeting.id, Meeting.status, Meeting.allow_anonymous)
        .where(Meeting.id.in_({p.meeting_id for p in batch})))}
    table = Attendee.__table__
    accepted, rows = [], []
    now = utcnow()
    for pending in batch:
        meeting = meetings.get(pending.meeting_id)
        if meeting is None or meeting.status == "ended":
            pending.refusal = ENDED_MESSAGE
        elif not meeting.allow_anonymous:
            pending.refusal = NOT_ANONYMOUS_MESSAGE
        else:
            code = new_code()
            accepted.append((pending, code))
            rows.append(audience_row(pending.meeting_id, pending.device_token, code, now, pending.venue_id))
    if not rows:
        return set()
    stored = {row.code: row.id for row in session.execute(
        insert(table).returning(table.c.id, table.c.code), rows)}
    session.commit()
    for pending, code in accepted:
        pending.audience = Audience(stored[code], code)
    return {pending.meeting_id for pending, _ in accepted}
