"""The join path's reads and writes, kept cheap: a venue's phones join within a minute, thousands at once.

Each step reads only the columns it needs (a whole Meeting or Attendee through the ORM cost more than the rest
of the step together): the join page's meeting by its join code, held for a couple of seconds per process; an
anonymous listener inserted as one row; a phone's socket identified by its code's binding.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from quiz.live.meetings import CODE_ALPHABET
from quiz.live.models import Attendee, Meeting, Venue

AUDIENCE_NAME = "旁听人员"
CODE_LENGTH = 10  # 50 bits: a collision is retried, never expected
NOT_ANONYMOUS_MESSAGE = "本次会议不接受匿名旁听，请使用座位卡上的个人参会码"

_ATTENDEES = Attendee.__table__
_TARGET = (select(Meeting.id, Meeting.title, Meeting.allow_anonymous, Meeting.join_code)
           .where(Meeting.join_code == bindparam("code"), Meeting.status != "ended"))
_BRANCH_TARGET = (select(Meeting.id, Meeting.title, Meeting.allow_anonymous, Venue.join_code,
                         Venue.id.label("venue_id"), Venue.name.label("venue_name"))
                  .join(Venue, Venue.meeting_id == Meeting.id)
                  .where(Venue.join_code == bindparam("code"), Meeting.status != "ended"))
_BINDING = select(_ATTENDEES.c.id, _ATTENDEES.c.meeting_id, _ATTENDEES.c.device_token, _ATTENDEES.c.venue_id).where(
    _ATTENDEES.c.code == bindparam("code"))


class NotAnonymous(ValueError):
    """The meeting takes no anonymous audience; the message is Chinese."""


@dataclass(frozen=True)
class JoinTarget:
    """What the join page and the anonymous join need of an open meeting, at the venue whose code was typed
    (`venue_id` None: the convening hall, whose code is the meeting's)."""

    id: int
    title: str
    allow_anonymous: bool
    join_code: str
    venue_id: int | None = None
    venue_name: str = ""


@dataclass(frozen=True)
class Audience:
    """An anonymous listener just stored."""

    id: int
    code: str


@dataclass(frozen=True)
class PhoneBinding:
    """The device a personal code is bound to (None when no phone holds it yet)."""

    attendee_id: int
    meeting_id: int
    device_token: str | None
    venue_id: int | None = None  # None: the convening hall


def join_target(session: Session, join_code: str) -> JoinTarget | None:
    """The open meeting with this join code: the meeting's own (its convening hall) or a branch venue's."""
    code = join_code.strip()
    row = session.execute(_TARGET, {"code": code}).first()
    if row is not None:
        return JoinTarget(row.id, row.title, bool(row.allow_anonymous), row.join_code)
    row = session.execute(_BRANCH_TARGET, {"code": code}).first()
    return JoinTarget(row.id, row.title, bool(row.allow_anonymous), row.join_code, row.venue_id,
                      row.venue_name) if row else None


class JoinTargets:
    """join code → its JoinTarget (or None), each held `ttl_s` seconds: the join page is read by every phone
    of a venue within a minute, and its meeting changes rarely. A meeting ended or closed to the audience a
    moment ago may still show its form; the join itself reads the database again."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.clock = ttl_s, clock
        self._held: dict[str, tuple[float, JoinTarget | None]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, join_code: str) -> JoinTarget | None:
        now = self.clock()
        with self._lock:
            held = self._held.get(join_code)
        if held is not None and now - held[0] < self.ttl_s:
            return held[1]
        target = join_target(session, join_code)
        if target is not None:  # wrong codes are not held: a guesser must not fill this with keys
            with self._lock:
                if len(self._held) > 1000:
                    self._held.clear()
                self._held[join_code] = (now, target)
        return target


def targets(app: Any) -> JoinTargets:
    """This process's JoinTargets (kept in `app.extensions`, held `JOIN_PAGE_HOLD_S`)."""
    if "join_targets" not in app.extensions:
        app.extensions["join_targets"] = JoinTargets(app.config["JOIN_PAGE_HOLD_S"])
    return app.extensions["join_targets"]


def new_code() -> str:
    """A listener's personal code: 10 of the seat cards' 32 characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def audience_row(meeting_id: int, device_token: str, code: str, now: datetime, venue_id: int | None = None
                 ) -> dict[str, Any]:
    """The attendees row of a listener, checked in and bound to its device, at the venue whose code it joined
    with (the columns' defaults do the rest)."""
    return {"meeting_id": meeting_id, "name": AUDIENCE_NAME, "anonymous": True, "status": "present",
            "checked_in_at": now, "device_token": device_token, "code": code, "venue_id": venue_id}


def join_anonymous(session: Session, meeting: JoinTarget | Meeting, device_token: str) -> Audience:
    """An audience member without a personal code, where the meeting allows it: one row, flushed. The join
    must be the only write of its transaction (a code collision rolls it back and tries again)."""
    if not meeting.allow_anonymous:
        raise NotAnonymous(NOT_ANONYMOUS_MESSAGE)
    for attempt in range(3):
        code = new_code()
        try:
            new_id = session.execute(insert(_ATTENDEES).returning(_ATTENDEES.c.id),
                                     audience_row(meeting.id, device_token, code, utcnow(),
                                                  getattr(meeting, "venue_id", None))).scalar_one()
            return Audience(new_id, code)
        except IntegrityError:
            if attempt == 2:
                raise
            session.rollback()
    raise AssertionError("unreachable")


def phone_binding(session: Session, code: str) -> PhoneBinding | None:
    """The binding of the attendee whose seat-card code this is (case and spaces forgiven)."""
    cleaned = "".join(code.split()).upper()
    if not cleaned or len(cleaned) > 12:
        return None
    row = session.execute(_BINDING, {"code": cleaned}).first()
    return PhoneBinding(row.id, row.meeting_id, row.device_token, row.venue_id) if row else None
