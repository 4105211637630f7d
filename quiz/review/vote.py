"""述职评议's vote: open, ballots sealed while it is open, the close that unseals them in random order, and
the destruction of the vote's key once the close has committed. Takes a session and flushes.

See docs/security.md for what this defends against. Nothing here logs a rating or a rater.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from quiz.live.engine import IllegalMove
from quiz.live.meetings import log
from quiz.live.models import Attendee, Meeting
from quiz.live.venues import convening
from quiz.review import ballot_box
from quiz.review import ballots as review
from quiz.review.models import Ballot, PendingBallot, ReviewItem, VoteReceipt
from quiz.review.venue_privacy import tagged_venues, venue_threshold


def _item(session: Session, meeting: Meeting) -> ReviewItem:
    item = session.get(ReviewItem, meeting.current_review_id) if meeting.current_review_id else None
    if item is None:
        raise IllegalMove("请先选择述职单位")
    return item


def open_vote(session: Session, meeting: Meeting, actor: str) -> None:
    """Phones may now rate the speaker. The vote's key is on disk (fsynced) before the vote is open."""
    item = _item(session, meeting)
    if item.vote_state != "pending":
        raise IllegalMove("该单位的评议投票已开始或已结束" if item.vote_state != "none" else "表态发言不评议")
    item.vote_key_id = ballot_box.create_key(ballot_box.key_dir())
    item.vote_state = "open"
    log(session, meeting, "vote_open", actor, item_id=item.id)
    session.flush()


def close_vote(session: Session, meeting: Meeting, actor: str) -> None:
    """End the vote: unseal every pending rating and write them to `ballots` in random order, all in this one
    transaction, and delete the sealed rows. After the commit `after_close` destroys the key."""
    _close(session, meeting, _item(session, meeting), actor)


def _close(session: Session, meeting: Meeting, item: ReviewItem, actor: str) -> None:
    _lock_vote(session, item, for_update=True)
    if item.vote_state != "open":
        raise IllegalMove("投票未在进行中")
    pending = list(session.scalars(select(PendingBallot).where(PendingBallot.item_id == item.id)))
    if pending:
        key = ballot_box.load_key(ballot_box.key_dir(), item.vote_key_id)
        ratings = [ballot_box.unseal(key, item.id, p.handle, p.sealed) for p in pending]
        # Neither the order of the rows (rowid, ctid) nor their transaction (xmin) may follow the order of
        # voting: one transaction, shuffled by the system's random source, fresh tokens.
        secrets.SystemRandom().shuffle(ratings)
        hall = convening(meeting)
        place = {0: hall.id if hall else None}  # sealed 0: the convening hall; None: sealed without a venue
        ratings = [(group, scores, place.get(venue, venue)) for group, scores, venue in ratings]
        # A ballot keeps its venue only where the venue's ballots cannot be told apart (venue_privacy.py).
        tagged = tagged_venues([(venue, group) for group, _, venue in ratings], venue_threshold(item.min_ballots))
        session.add_all([Ballot(token=secrets.token_urlsafe(32), item_id=item.id, rater_group=group, scores=scores,
                                venue_id=venue if venue in tagged else None)
                         for group, scores, venue in ratings])
        session.flush()
        session.execute(delete(PendingBallot).where(PendingBallot.item_id == item.id))
    item.vote_state = "closed"
    log(session, meeting, "vote_close", actor, item_id=item.id)
    session.flush()


def close_open_votes(session: Session, meeting: Meeting, actor: str) -> int:
    """Close every vote still open in the meeting (ending it); how many there were."""
    items = list(session.scalars(select(ReviewItem).where(ReviewItem.meeting_id == meeting.id,
                                                          ReviewItem.vote_state == "open")))
    for item in items:
        _close(session, meeting, item, actor)
    return len(items)


def open_votes(session: Session, meeting_ids: list[int] | None = None) -> list[ReviewItem]:
    """Votes open now (in the given meetings)."""
    statement = select(ReviewItem).where(ReviewItem.vote_state == "open")
    if meeting_ids is not None:
        statement = statement.where(ReviewItem.meeting_id.in_(meeting_ids))
    return list(session.scalars(statement))


def after_close(engine: Engine, directory: Path) -> int:
    """Once a close has committed: destroy the key of every vote that is no longer open (this one, and any a
    crash left behind), then scrub the database files. Idempotent; also run at start-up. Keys destroyed."""
    with Session(engine) as session:
        closed = session.execute(select(ReviewItem.id, ReviewItem.vote_key_id).where(
            ReviewItem.vote_key_id.is_not(None), ReviewItem.vote_state != "open")).all()
        destroyed = sum(ballot_box.destroy_key(directory, key_id) for _, key_id in closed)
        if closed:  # only once the files are gone: a crash before this line leaves the next sweep to retry
            session.execute(update(ReviewItem).where(ReviewItem.id.in_([i for i, _ in closed]))
                            .values(vote_key_id=None))
            session.commit()
    if destroyed:
        ballot_box.scrub_storage(engine)
    return destroyed


def _lock_vote(session: Session, item: ReviewItem, for_update: bool) -> None:
    """PostgreSQL: a ballot holds the item's row shared while it is stored, and the close takes it exclusively:
    the close then sees every ballot acked before it, and no ballot is stored (and acked) after it."""
    if session.get_bind().dialect.name == "postgresql":
        session.refresh(item, with_for_update={"read": not for_update})


def submit_ballot(session: Session, item: ReviewItem, rater: Attendee, payload: object) -> None:
    """Store or change a rater's ballot, sealed, while the vote is open. Nothing here is logged."""
    _lock_vote(session, item, for_update=False)
    if item.vote_state != "open":
        raise IllegalMove("投票未开放或已结束")
    if rater.meeting.status == "ended":
        raise IllegalMove("会议已结束")
    if rater.anonymous or rater.status != "present":
        raise IllegalMove("只有签到的参会人员可以评议")
    if rater.unit_id == item.unit_id:
        raise IllegalMove("不能评议本单位")
    scores = review.read_ballot(item.criteria, payload)
    key = ballot_box.load_key(ballot_box.key_dir(), item.vote_key_id)
    handle = ballot_box.handle(key, item.id, rater.id)
    group = next((g for g in rater.groups if g in item.group_weights), "")
    # The rater's venue as stored (0: the convening hall, resolved at the close): no query per ballot.
    sealed = ballot_box.seal(key, item.id, handle, group, scores, rater.venue_id or 0)
    pending = session.get(PendingBallot, (item.id, handle))
    if pending is not None:
        pending.sealed = sealed
    else:
        session.add(PendingBallot(item_id=item.id, handle=handle, sealed=sealed))
        session.add(VoteReceipt(item_id=item.id, attendee_id=rater.id))
    session.flush()


def my_ballot(session: Session, item: ReviewItem, rater: Attendee) -> dict | None:
    """The rater's own ballot, while the vote is open (afterwards nothing ties it to them)."""
    if item.vote_state != "open" or not item.vote_key_id:
        return None
    try:
        key = ballot_box.load_key(ballot_box.key_dir(), item.vote_key_id)
    except ballot_box.KeyMissing:
        return None
    handle = ballot_box.handle(key, item.id, rater.id)
    pending = session.get(PendingBallot, (item.id, handle))
    return ballot_box.unseal(key, item.id, handle, pending.sealed)[1] if pending else None


def has_voted(session: Session, item: ReviewItem, rater: Attendee) -> bool:
    """Whether the rater has a receipt for the item."""
    return session.get(VoteReceipt, (item.id, rater.id)) is not None
