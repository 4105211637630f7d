"""After a message-queue outage: resend this worker's own clients the committed state.

While Redis was unreachable, broadcasts made on the other workers never reached the phones, projectors and
consoles connected here (pub/sub keeps nothing). The database is the truth, so once the queue listens again
each worker sends its own clients what `quiz.publish.publish` would send now, plus the phones' own results
of a revealed round. Local only (`ignore_queue`): every worker resyncs its own clients, so going through
Redis would send everyone the same state once per worker.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import current_app
from sqlalchemy import select

from core.db import db
from core.realtime import socketio
from quiz import protocol, snapshots
from quiz.engine import Phase
from quiz.events import CONNECTIONS
from quiz.models import Answer, Meeting, Round
from quiz.publish import join_url


def local_audiences() -> dict[int, set[str]]:
    """Meeting id → the kinds of client (phone, screen, host) connected to this worker."""
    audiences: dict[int, set[str]] = defaultdict(set)
    for identity in list(CONNECTIONS.values()):  # a copy: connections come and go while this runs
        audiences[identity.meeting_id].add(identity.kind)
    return audiences


def resync_local() -> int:
    """Send every meeting with clients on this worker its rooms' current states, to this worker only.
    Returns how many meetings were resynced."""
    audiences = local_audiences()
    session = db.session
    try:
        for meeting_id, kinds in audiences.items():
            meeting = session.get(Meeting, meeting_id)
            if meeting is not None:
                _resync_meeting(meeting, kinds)
    finally:
        session.rollback()
    current_app.logger.info("resynced this worker's clients of %d meetings after a message queue outage",
                               len(audiences))
    return len(audiences)


def _emit(event: str, payload: dict[str, Any], room: str) -> None:
    socketio.emit(event, payload, to=room, ignore_queue=True)


def _resync_meeting(meeting: Meeting, kinds: set[str]) -> None:
    session = db.session
    url = join_url(current_app, meeting)
    # Only the views someone here will receive are built (the console's is the heaviest).
    if "phone" in kinds:
        _emit(protocol.STATE, snapshots.public_state(session, meeting), protocol.phones(meeting.id))
        _resend_results(meeting)
    if "screen" in kinds:
        _emit(protocol.STATE, snapshots.screen_state(session, meeting, url), protocol.screen(meeting.id))
    if "host" in kinds:
        # With the attendee rows: check-ins made on other workers during the outage changed them.
        _emit(protocol.STATE, snapshots.host_state(session, meeting, url, roster=True), protocol.host(meeting.id))


def _resend_results(meeting: Meeting) -> None:
    """A reveal made on another worker during the outage sent the phones here no results: send them (a phone
    keeps one result per round, so one it already has changes nothing)."""
    round_ = db.session.get(Round, meeting.current_round_id) if meeting.current_round_id else None
    if round_ is None or round_.phase != Phase.REVEALED.value:
        return
    here = {i.attendee_id for i in list(CONNECTIONS.values()) if i.kind == "phone" and i.meeting_id == meeting.id}
    answers = db.session.scalars(select(Answer).where(Answer.round_id == round_.id, Answer.attendee_id.in_(here)))
    for answer in answers:
        _emit(protocol.RESULT, {"round_id": round_.id, "correct": answer.correct, "score": answer.score,
                                "answer": answer.payload}, protocol.attendee(answer.attendee_id))

