"""Venue operators' commands at the socket boundary: validate the payload, run one scoped service
(quiz/live/operating.py), commit, then publish — and end an old phone's socket after an approval or release,
as the host's commands do. Refusals roll back and answer only the sender; nothing is stored."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from core.db import BUSY_MESSAGE, DatabaseBusy, db
from core.realtime import end_room
from quiz.live import attendance, hooks, operating, payloads, protocol
from quiz.live.commands import BINDING_ENDED_MESSAGE, ROSTER
from quiz.live.engine import IllegalMove
from quiz.live.models import Attendee
from quiz.live.publish import publish

ONLY_OPERATORS = "只有本会场的分会场管理员可以操作"
SERVICES = {
    "venue_set_attendance": lambda s, m, v, p, a: operating.set_attendance(s, m, v, p.attendee_id, p.status,
                                                                           p.deputy_id, a),
    "venue_approve_device": lambda s, m, v, p, a: operating.approve_device(s, m, v, p.attendee_id, p.confirm, a),
    "venue_release_device": lambda s, m, v, p, a: operating.release_device(s, m, v, p.attendee_id, a),
    "venue_answer_tally": lambda s, m, v, p, a: operating.answer_tally(s, m, v, p.round_id, p.answered,
                                                                       dict(p.counts), p.correct, a),
    "venue_paper_tally": lambda s, m, v, p, a: operating.paper_tally(s, m, v, p.item_id, dict(p.counts), a),
}
UNBINDING = {"venue_approve_device", "venue_release_device"}
PEOPLE = {"venue_set_attendance", *UNBINDING}
REFUSALS = (operating.Refused, IllegalMove, attendance.AttendanceError)


def run(name: str, identity, payload: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Run one operator command for a connection (checked by the caller to be a current operator's)."""
    session = db.session
    if identity is None or identity.kind != "operator" or identity.venue_id is None:
        return {"ok": False, "error": ONLY_OPERATORS}
    try:
        command = payloads.parse(payloads.OPERATOR_MODELS[name], payload, labels=payloads.LABELS)
    except payloads.Invalid as error:
        return {"ok": False, "error": str(error)}
    try:
        venue, meeting, result = _store(name, identity, command)
    except (*REFUSALS, *hooks.review_segments().refusals) as error:
        session.rollback()
        return {"ok": False, "error": str(error)}
    except DatabaseBusy as error:
        session.rollback()
        current_app.logger.warning("operator command %s not run, database busy: %s", name, error.orig)
        return {"ok": False, "error": BUSY_MESSAGE}
    publish(meeting, roster=name in PEOPLE or name in ROSTER, venue_ids={venue.id})
    if name in UNBINDING and isinstance(result, Attendee):
        end_room(protocol.BINDING_ENDED, {"message": BINDING_ENDED_MESSAGE}, protocol.attendee(result.id))
    return {"ok": True}


def _store(name: str, identity, command: payloads.Payload):  # type: ignore[no-untyped-def]
    """Run and commit; a second submit racing the first for a new tally row meets the unique key once and is
    run again, replacing the first's counts (counted once)."""
    session = db.session
    for attempt in (1, 2):
        try:
            venue, meeting = operating.begin(session, identity.venue_id)
            if meeting.id != identity.meeting_id:
                raise operating.Refused(ONLY_OPERATORS)
            result = SERVICES[name](session, meeting, venue, command, identity.actor)
            session.commit()
            return venue, meeting, result
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise operating.Refused("录入冲突，请重试") from None
    raise AssertionError("unreachable")
