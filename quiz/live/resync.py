"""After a message-queue outage: resend this worker's own clients the committed state.

While Redis was unreachable, broadcasts made on the other workers never reached the phones, projectors and
consoles connected here (pub/sub keeps nothing). The database is the truth, so once the queue listens again
each worker publishes every meeting it has clients of, with the console's attendee rows (check-ins on other
workers changed them), plus the phones' own results of a revealed round. Local only: every worker resyncs its
own clients, so going through Redis would send everyone the same state once per worker.
"""

from __future__ import annotations

from flask import current_app

from core.db import db
from quiz.live.engine import Phase
from quiz.live.identities import CONNECTIONS
from quiz.live.models import Meeting, Round
from quiz.live.publish import publish, send_results


def local_phones() -> dict[int, set[int]]:
    """Meeting id → the attendees whose phones are connected to this worker (a meeting with only a projector
    or a console here maps to an empty set)."""
    phones: dict[int, set[int]] = {}
    for identity in list(CONNECTIONS.values()):  # a copy: connections come and go while this runs
        attendees = phones.setdefault(identity.meeting_id, set())
        if identity.kind == "phone":
            attendees.add(identity.attendee_id)
    return phones


def resync_local() -> int:
    """Publish every meeting with clients on this worker to this worker only. Returns how many."""
    app = current_app._get_current_object()
    phones = local_phones()
    session = db.session
    try:
        for meeting_id, attendee_ids in phones.items():
            meeting = session.get(Meeting, meeting_id)
            if meeting is None:
                continue
            operated = {i.venue_id for i in list(CONNECTIONS.values())
                        if i.kind == "operator" and i.meeting_id == meeting_id}  # an admin's unassigned venue too
            publish(meeting, roster=True, local=True, venue_ids=operated)
            round_ = session.get(Round, meeting.current_round_id) if meeting.current_round_id else None
            if attendee_ids and round_ is not None and round_.phase == Phase.REVEALED.value:
                # A reveal made elsewhere during the outage sent the phones here no results.
                send_results(app, round_.id, attendee_ids, local=True)
    finally:
        session.rollback()
    app.logger.info("resynced this worker's clients of %d meetings after a message queue outage", len(phones))
    return len(phones)
