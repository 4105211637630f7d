"""What a venue operator's page (分会场管理员) is told: the public state, its venue's people, figures, the current
round's count at the venue with its paper tally, and the review item's turnout there. Built from what is
committed, for every watched venue of a meeting together (a few queries, whatever the number of halls).

Never the previewed question nor the answer key before the reveal (the round is the public one, and a paper
tally's number correct — counted by the server from the key for 单选/判断 — is left out until then), and never
another venue's people.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from quiz.live import attendance, hooks, venues
from quiz.live.attendance_figures import venue_figures
from quiz.live.engine import Phase
from quiz.live.models import Answer, AnswerTally, Attendee, Meeting, Round, Venue, venue_operators
from quiz.live.operating import TALLY_PHASES, attendee_venue


def watched(session: Session, meeting: Meeting) -> list[Venue]:
    """The meeting's venues that have an operator assigned (their rooms get each broadcast; an admin opening
    another venue's page gets its state on connect and after its own commands)."""
    ids = [v.id for v in meeting.venues]
    kept = set(session.scalars(select(venue_operators.c.venue_id).where(venue_operators.c.venue_id.in_(ids))))
    return [v for v in meeting.venues if v.id in kept]


def operator_states(session: Session, meeting: Meeting, public: dict[str, Any], wanted: list[Venue],
                    roster: bool = True) -> dict[int, dict[str, Any]]:
    """Each wanted venue's operator state (venue id → state); with `roster`, its people's rows too (the page
    keeps the rows it has otherwise)."""
    if not wanted:
        return {}
    keys = {v.id: attendee_venue(v) for v in wanted}
    figures = venue_figures(session, meeting.id)
    people = _people(session, meeting) if roster else None
    rounds = _round_parts(session, meeting, keys, figures)
    review = (hooks.review_segments().venue_parts or (lambda *_: {}))(session, meeting, keys)
    states = {}
    for venue in wanted:
        key = keys[venue.id]
        total = figures.get(key, ([], None))[1]
        state = public | {
            "venue": {"id": venue.id, "name": venue.name, "leader": venue.leader, "branch": venues.is_branch(venue),
                      "meeting_id": meeting.id},
            "figures": {name: getattr(total, name) if total else 0
                        for name in ("expected", "present", "leave", "absent", "deputized", "unchecked")},
            "venue_round": rounds.get(venue.id), "venue_review": review.get(venue.id)}
        if people is not None:
            state["people"] = people.get(key, [])
        states[venue.id] = state
    return states


def _people(session: Session, meeting: Meeting) -> dict[int | None, list[dict[str, Any]]]:
    rows: dict[int | None, list[dict[str, Any]]] = {}
    for person in session.scalars(select(Attendee).where(Attendee.meeting_id == meeting.id,
                                                         Attendee.anonymous.is_(False))
                                  .order_by(Attendee.id).options(selectinload(Attendee.unit))):
        rows.setdefault(person.venue_id, []).append({
            "id": person.id, "name": person.name, "unit": person.unit.name if person.unit else "",
            "position": person.position, "status": person.status,
            "status_label": attendance.STATUS_LABELS[person.status], "deputy_id": person.deputy_id,
            "bound": person.device_token is not None, "pending": person.pending_device_token is not None,
            "pending_code": attendance.confirmation_code(person.pending_device_token)
            if person.pending_device_token else None})
    return rows


def _round_parts(session: Session, meeting: Meeting, keys: dict[int, int | None],
                 figures: dict) -> dict[int, dict[str, Any]]:
    """The current 全员答题 round at each venue: phones answered there, its paper tally, and how many more
    answers the venue could have (present − phones)."""
    round_ = session.get(Round, meeting.current_round_id) if meeting.current_round_id else None
    if round_ is None or round_.phase == Phase.PREVIEW.value:
        return {}
    phones = dict(session.execute(select(Attendee.venue_id, func.count()).select_from(Answer).join(
        Attendee, Answer.attendee_id == Attendee.id).where(Answer.round_id == round_.id)
        .group_by(Attendee.venue_id)).all())
    tallies = {t.venue_id: t for t in session.scalars(select(AnswerTally).where(AnswerTally.round_id == round_.id))}
    revealed = round_.phase == Phase.REVEALED.value
    hide_correct = round_.question["type"] in ("单选", "判断") and not revealed
    parts = {}
    for venue_id, key in keys.items():
        tally = tallies.get(venue_id)
        present = figures.get(key, ([], None))[1]
        here = phones.get(key, 0)
        parts[venue_id] = {
            "round_id": round_.id, "phones": here, "present": present.present if present else 0,
            "tallyable": round_.mode == "all" and round_.phase in TALLY_PHASES,
            "tally": {"answered": tally.answered, "counts": tally.counts,
                      "correct": None if hide_correct else tally.correct, "entered_by": tally.entered_by}
            if tally is not None else None,
            "answered": here + (tally.answered if tally is not None else 0)}
    return parts
