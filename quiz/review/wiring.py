"""The review wing's answers to the live meeting's hooks (quiz/live/hooks.py): the 述职评议 / 表态发言 segments'
host commands, phone ballots, state parts and agenda steps. app.create_app calls `install`."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import db
from quiz.live import hooks
from quiz.live.engine import IllegalMove
from quiz.live.models import Attendee, Meeting
from quiz.review import ballot_box, snapshots
from quiz.review import ballots as review
from quiz.review import service as reviewing
from quiz.review.models import Commitment, PaperTally, ReviewItem, VoteReceipt

COMMANDS: dict[str, hooks.Service] = {
    "review_select": lambda s, m, p, a: reviewing.select_item(s, m, p.item_id, a),
    "review_part": lambda s, m, p, a: reviewing.set_part(s, m, p.part, a),
    "review_speech": lambda s, m, p, a: reviewing.speech(s, m, p.action, a),
    "review_open_vote": lambda s, m, p, a: reviewing.open_vote(s, m, a),
    "review_close_vote": lambda s, m, p, a: reviewing.close_vote(s, m, a),
    "review_reveal": lambda s, m, p, a: reviewing.reveal(s, m, a),
    "review_comment": lambda s, m, p, a: reviewing.set_comment(s, m, p.text, a),
    "review_commitment": lambda s, m, p, a: reviewing.add_commitment(s, m, p.kind, p.text, a),
    "review_rate_commitment": lambda s, m, p, a: reviewing.rate_commitment(s, m, p.commitment_id, p.kept, a),
    "paper_tally": lambda s, m, p, a: reviewing.add_paper_tally(s, m, p.item_id, dict(p.counts), a, p.note),
}


def _destroy_closed_keys(app: Flask) -> None:
    """After a close (or the end of a meeting) has committed: the vote's key goes."""
    db.session.commit()  # ends the broadcast's read, which would hold off the staging table's rewrite
    reviewing.after_close(app.extensions["db"].engine, ballot_box.key_dir())


def _submit_ballot(session: Session, meeting_id: int, rater: Attendee, item_id: int, ballot: dict) -> int:
    item = session.get(ReviewItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise IllegalMove("述职单位不存在")
    reviewing.submit_ballot(session, item, rater, ballot)
    return item.id


def _before_end(session: Session, meeting: Meeting, actor: str, close_votes: bool) -> None:
    """A meeting does not end over an open vote: the host closes it first, or asks for it closed with the end."""
    if reviewing.open_votes(session, [meeting.id]) and not close_votes:
        raise IllegalMove("评议投票尚未结束：请先结束投票，或选择“结束投票并结束会议”")
    reviewing.close_open_votes(session, meeting, actor)


def _free_commitments(session: Session, meeting: Meeting) -> None:
    """Commitments rated in a meeting that goes are unrated again (they belong to the meeting that made them)."""
    session.execute(update(Commitment).where(Commitment.rated_in_meeting_id == meeting.id)
                    .values(rated_in_meeting_id=None, kept=None, rated_at=None))


def _unit_in_use(session: Session, unit_id: int) -> bool:
    """Whether a review item or commitment names the unit (a demo unit a real meeting reviewed stays)."""
    return any(session.scalar(select(func.count()).select_from(table).where(column == unit_id))
               for table, column in ((ReviewItem, ReviewItem.unit_id), (Commitment, Commitment.unit_id)))


def _venue_turnouts(session: Session, meeting: Meeting) -> dict[int | None, int] | None:
    """The current item's ballots per venue for the console's 会场 panel: receipts grouped by the rater's venue
    (a receipt says only that someone voted, never how), plus each venue's paper tally. Two grouped queries."""
    item = reviewing.current_item(session, meeting)
    if item is None or item.vote_state not in ("open", "closed", "revealed"):
        return None
    counts: dict[int | None, int] = dict(session.execute(
        select(Attendee.venue_id, func.count()).select_from(VoteReceipt)
        .join(Attendee, VoteReceipt.attendee_id == Attendee.id)
        .where(VoteReceipt.item_id == item.id).group_by(Attendee.venue_id)).all())
    hall = next((v.id for v in meeting.venues if v.position == 0), None)
    for tally in session.scalars(select(PaperTally).where(PaperTally.item_id == item.id,
                                                          PaperTally.venue_id.is_not(None))):
        key = None if tally.venue_id == hall else tally.venue_id
        paper = tally.counts.get("ballots", 0) if item.criteria else sum(
            n for k, n in tally.counts.items() if k in review.RATING_VALUES)
        counts[key] = counts.get(key, 0) + int(paper)
    return counts


SEGMENTS = hooks.ReviewSegments(
    kinds=snapshots.KINDS, commands=COMMANDS, refusals=(review.BadBallot,),
    after_commit={"review_close_vote": _destroy_closed_keys, "end_meeting": _destroy_closed_keys},
    submit_ballot=_submit_ballot, turnouts=snapshots.turnouts, venue_turnouts=_venue_turnouts,
    public_part=snapshots.review_state, host_part=snapshots.host_part, personal_part=snapshots.personal_part,
    unit_scores=snapshots.unit_scores, on_reached=reviewing.ensure_items, before_end=_before_end,
    before_remove=_free_commitments, unit_in_use=_unit_in_use,
    parse_criteria=review.parse_criteria, parse_group_weights=review.parse_group_weights,
    format_weighted=review.format_weighted,
    venue_parts=snapshots.venue_parts, venue_paper_tally=reviewing.set_venue_paper_tally,
)


def install() -> None:
    """Fill the live meeting's review hook (idempotent)."""
    hooks.review_segments.provide(SEGMENTS)
