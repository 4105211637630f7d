"""What each audience is told about the 述职评议 / 表态发言 in progress: the parts of quiz/live/snapshots.py's
states that belong to the review (filled in through quiz/live/hooks.py). Built from what is committed; the result
only once revealed (the host sees it from the close of the vote), and a phone sees its own ballot only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from quiz.live import attendance
from quiz.live.models import Attendee, Meeting
from quiz.live.snapshots import epoch_ms, segment_kind
from quiz.review import ballots as review
from quiz.review import service as reviewing
from quiz.review.models import PaperTally, ReviewItem, VoteReceipt

KINDS = frozenset({"review", "pledge"})  # the agenda's segment kinds this wing runs


def review_state(session: Session, meeting: Meeting, for_host: bool = False) -> dict[str, Any] | None:
    """The 述职评议 item in progress: speaker, part, timer, turnout, last quarter's commitments; the result only
    once revealed (the host sees it from the close of the vote)."""
    item = reviewing.current_item(session, meeting)
    if item is None or segment_kind(meeting) not in KINDS:
        return None
    ballots, eligible = reviewing.turnout(session, meeting, item)
    speaker = item.speaker
    state: dict[str, Any] = {
        "item_id": item.id, "unit_id": item.unit_id, "unit": item.unit.name, "kind": segment_kind(meeting),
        "speaker": {"name": speaker.name, "position": speaker.position, "label": attendance.who_label(speaker),
                    "deputy": attendance.stood_in_for(speaker) is not None} if speaker else None,
        "part": item.part, "part_label": review.PARTS.get(item.part, ""),
        "speech": {"started_ms": epoch_ms(item.speech_started_at), "stopped_ms": epoch_ms(item.speech_stopped_at),
                   "limit_s": item.speech_limit_s},
        "vote_state": item.vote_state, "criteria": [c["name"] for c in item.criteria],
        "ratings": list(review.RATING_VALUES), "turnout": {"ballots": ballots, "eligible": eligible},
        "min_ballots": item.min_ballots,
        "earlier_commitments": [{"id": c.id, "kind": c.kind, "text": c.text, "kept": c.kept}
                                for c in reviewing.earlier_commitments(session, meeting, item.unit_id)],
        "result": None,
    }
    if item.vote_state == "revealed" or (for_host and item.vote_state == "closed"):
        tally = reviewing.result(session, item)
        state["result"] = {"score": tally.score, "ballots": tally.ballots, "ratings": tally.ratings,
                           "criteria": {k: round(v / tally.ballots, 2) for k, v in tally.criteria_sums.items()}
                           if tally.ballots else {}}
    if for_host:
        state["comment"] = item.comment
        state["commitments"] = [{"id": c.id, "kind": c.kind, "text": c.text}
                                for c in reviewing.own_commitments(session, meeting, item.unit_id)]
    return state


def host_review_items(session: Session, meeting: Meeting) -> list[dict[str, Any]] | None:
    """Every unit of the current review segment, for the console's list (also before one is chosen)."""
    segment = next((s for s in meeting.segments if s.id == meeting.current_segment_id), None)
    if segment is None or segment.kind not in KINDS:
        return None
    return [{"id": i.id, "unit": i.unit.name, "vote_state": i.vote_state}
            for i in reviewing.items_of(session, segment.id)]


def host_part(session: Session, meeting: Meeting) -> dict[str, Any]:
    """The console's review keys: the item in progress as the host sees it, and the segment's list."""
    return {"review": review_state(session, meeting, for_host=True),
            "review_items": host_review_items(session, meeting)}


def personal_part(session: Session, meeting: Meeting, attendee: Attendee, review_public: dict[str, Any] | None
                  ) -> dict[str, Any]:
    """One phone's own side of the item in progress (`review_public`: the public state's review part): whether
    it may rate, whether it voted, and its own ballot while the vote is open."""
    if review_public is None:
        return {}
    item = reviewing.current_item(session, meeting)
    return {"can_rate": reviewing.can_rate(attendee, item), "voted": reviewing.has_voted(session, item, attendee),
            "ballot": reviewing.my_ballot(session, item, attendee) if review_public["vote_state"] == "open" else None}


def unit_scores(session: Session, meeting: Meeting) -> dict[int, float]:
    """The revealed review score of each unit of the meeting (for its 结果公布)."""
    scores = {}
    for item in session.scalars(select(ReviewItem).where(ReviewItem.meeting_id == meeting.id,
                                                         ReviewItem.vote_state == "revealed")):
        score = reviewing.result(session, item).score
        if score is not None:
            scores[item.unit_id] = score
    return scores


def turnouts(session: Session, item_ids: set[int]) -> list[tuple[int, dict[str, Any]]]:
    """The vote count of each item that received ballots: (its meeting, the count's payload)."""
    counts = []
    for item in session.scalars(select(ReviewItem).where(ReviewItem.id.in_(item_ids))):
        ballots, eligible = reviewing.turnout(session, session.get(Meeting, item.meeting_id), item)
        counts.append((item.meeting_id, {"item_id": item.id, "ballots": ballots, "eligible": eligible}))
    return counts



def venue_parts(session: Session, meeting: Meeting, wanted: dict[int, int | None]) -> dict[int, dict[str, Any]]:
    """The item in progress as each wanted venue's operator sees it (`wanted`: venue id → its attendees'
    venue_id, None for the convening hall): the venue's turnout — its phones' receipts (who voted, never how)
    and its paper count — and the paper ballots it entered. Three queries for all venues together; never a result
    (the public part has it once revealed). Empty when no review item is in progress."""
    item = reviewing.current_item(session, meeting)
    if item is None or segment_kind(meeting) not in KINDS or not wanted:
        return {}
    eligible = dict(session.execute(select(Attendee.venue_id, func.count()).where(
        Attendee.meeting_id == meeting.id, Attendee.status == "present", Attendee.anonymous.is_(False),
        or_(Attendee.unit_id.is_(None), Attendee.unit_id != item.unit_id)).group_by(Attendee.venue_id)).all())
    phones = dict(session.execute(select(Attendee.venue_id, func.count()).select_from(VoteReceipt).join(
        Attendee, VoteReceipt.attendee_id == Attendee.id).where(VoteReceipt.item_id == item.id)
        .group_by(Attendee.venue_id)).all())
    tallies = {t.venue_id: t for t in session.scalars(select(PaperTally).where(
        PaperTally.item_id == item.id, PaperTally.venue_id.in_(list(wanted))))}
    parts = {}
    for venue_id, key in wanted.items():
        tally = tallies.get(venue_id)
        paper = reviewing.paper_count(item, tally.counts) if tally is not None else 0
        parts[venue_id] = {"item_id": item.id, "phones": phones.get(key, 0), "paper": paper,
                           "ballots": phones.get(key, 0) + paper, "eligible": eligible.get(key, 0),
                           "tally": tally.counts if tally is not None else None}
    return parts
