"""The facts the guided console needs (quiz/live/guide.py), read from the console's state as built and a
couple of counts, and what ending the meeting would mean in numbers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.live import closing, guide, hooks
from quiz.live.attendance_figures import attendance_figures
from quiz.live.models import Attendee, Meeting, PersonDraw, Round


def _rounds_done(session: Session, meeting: Meeting) -> int:
    return session.scalar(select(func.count(Round.id)).where(
        Round.meeting_id == meeting.id, Round.segment_id == meeting.current_segment_id,
        Round.opened_at.is_not(None), Round.phase != "replaced")) or 0


def _units_present(session: Session, meeting: Meeting) -> int:
    """Units with someone present: 点名答题 calls each of them once (an absent unit cannot be called)."""
    return session.scalar(select(func.count(func.distinct(Attendee.unit_id))).where(
        Attendee.meeting_id == meeting.id, Attendee.status == "present", Attendee.anonymous.is_(False))) or 0


def _call_waiting(session: Session, meeting: Meeting) -> bool:
    """Someone was called in this segment and no question (that stands) was put to them yet."""
    draw = session.get(PersonDraw, meeting.current_draw_id) if meeting.current_draw_id else None
    if draw is None or draw.segment_id != meeting.current_segment_id:
        return False
    asked = session.scalar(select(func.count(Round.id)).where(Round.draw_id == draw.id, Round.phase != "replaced"))
    return not asked


def _round(state: dict[str, Any]) -> guide.RoundFacts | None:
    current = state.get("current")
    if current is None:
        return None
    public = state.get("round") or {}
    return guide.RoundFacts(current["phase"], current["mode"], public.get("answered", 0), public.get("eligible", 0),
                            current.get("called_answer") is not None)


def _item(review: dict[str, Any] | None) -> guide.ItemFacts | None:
    if review is None:
        return None
    speech = review["speech"]
    running = "stopped" if speech["stopped_ms"] else "running"
    ballots = (review["result"] or {}).get("ballots", review["turnout"]["ballots"]) \
        if review["vote_state"] == "closed" else review["turnout"]["ballots"]
    return guide.ItemFacts(review["item_id"], review["unit"], review["vote_state"],
                           running if speech["started_ms"] else "none", ballots, review["turnout"]["eligible"],
                           review["min_ballots"])


def _pending(state: dict[str, Any], current: guide.ItemFacts | None) -> tuple[guide.ItemFacts, ...]:
    """Items still to come: a review's not yet revealed; a 表态发言's after the one at the lectern."""
    items = state.get("review_items") or []
    if current is not None and (state.get("segment") or {}).get("kind") == "pledge":  # no vote marks them done
        position = next((i for i, item in enumerate(items) if item["id"] == current.id), -1)
        items = items[position + 1:]
    return tuple(guide.ItemFacts(i["id"], i["unit"], i["vote_state"]) for i in items
                 if i["vote_state"] in ("pending", "none") and (current is None or i["id"] != current.id))


def facts(session: Session, meeting: Meeting, state: dict[str, Any]) -> guide.Facts:
    """The guide's facts for this meeting, from the console's state (`host_state`) being built."""
    item = _item(state.get("review"))
    return guide.Facts(
        ended=meeting.status == "ended", started=meeting.started_at is not None,
        segments=tuple(guide.SegmentFacts(s.id, s.kind, s.title, (s.settings or {}).get("rounds"))
                       for s in meeting.segments),
        segment_id=meeting.current_segment_id, units=_units_present(session, meeting),
        has_call=state.get("call") is not None,
        call_waiting=_call_waiting(session, meeting), rounds_done=_rounds_done(session, meeting),
        round=_round(state), item=item, pending_items=_pending(state, item))


def guide_state(session: Session, meeting: Meeting, state: dict[str, Any]) -> dict[str, Any]:
    """The console's `guide`: the next action and every control's reason for being disabled (None: enabled)."""
    known = facts(session, meeting, state)
    return {"next": guide.next_action(known).as_json(), "blocked": guide.controls(known)}


def end_consequences(session: Session, meeting: Meeting) -> dict[str, Any]:
    """What ending the meeting means, in numbers, for the confirmation: people never checked in (they count as
    缺席, quiz/quarter/ranking.py) and the units with nobody present, whose meeting components count as 0."""
    lock = hooks.quarter_record().reopen_lock
    per_unit, total = attendance_figures(session, [meeting.id], list(meeting.units))
    absent_units = [f.unit for f in per_unit
                    if f.expected and not (f.present or f.deputized) and f.leave < f.expected]
    return {"expected": total.expected, "present": total.present, "leave": total.leave, "deputized": total.deputized,
            "absent": total.absent, "unchecked": total.unchecked, "absent_units": absent_units,
            "counted": not (meeting.rehearsal or meeting.demo),
            "reopen_refusal": closing.reopen_refusal(session, meeting, lock)}
