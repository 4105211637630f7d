"""The 述职评议 / 表态发言 segment on a live meeting: items, speech timer, the anonymous vote, 点评 and
commitments. Takes a session and flushes; the socket boundary commits, then broadcasts.

Ballots are anonymous by construction (see quiz/review/models.py and docs/security.md): while the vote is
open a rating waits sealed under the vote's key (quiz/review/ballot_box.py); the close writes all of an item's
ballots at once, in random order, and `after_close` then destroys the key. Rating payloads are never logged.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.db import utcnow
from quiz.live.engine import IllegalMove
from quiz.live.meetings import log, pledge_units, previous_quarter
from quiz.live.models import Attendee, Meeting, Segment
from quiz.review import ballots as review
from quiz.review.models import Ballot, Commitment, PaperTally, PendingBallot, ReviewItem, VoteReceipt
from quiz.review.vote import (  # noqa: F401  (the vote's half of this service, re-exported for the boundaries)
    after_close,
    close_open_votes,
    close_vote,
    has_voted,
    my_ballot,
    open_vote,
    open_votes,
    submit_ballot,
)

KEPT_LABELS = {"kept": "已兑现", "partly": "部分兑现", "not_kept": "未兑现"}
MAX_COMMITMENT = 300
MAX_PAPER_BALLOTS = 100_000  # per rating (or per item with criteria): no venue counts more paper than this


def items_of(session: Session, segment_id: int) -> list[ReviewItem]:
    """A segment's items in speaking order."""
    return list(session.scalars(select(ReviewItem).where(ReviewItem.segment_id == segment_id)
                                .order_by(ReviewItem.position)))


def ensure_items(session: Session, meeting: Meeting, segment: Segment) -> list[ReviewItem]:
    """The segment's items, one per unit in display order (for 表态发言: last quarter's bottom units)."""
    items = items_of(session, segment.id)
    if items or segment.kind not in ("review", "pledge"):
        return items
    settings = review.review_settings(meeting.settings.get("review"))
    unit_ids = [u.id for u in meeting.units] if segment.kind == "review" else pledge_units(session, meeting)
    for position, unit_id in enumerate(unit_ids):
        item = ReviewItem(meeting_id=meeting.id, segment_id=segment.id, unit_id=unit_id, position=position,
                          criteria=list(settings["criteria"]), group_weights=dict(settings["group_weights"]),
                          min_ballots=int(settings["min_ballots"]), speech_limit_s=int(settings["speech_limit_s"]),
                          vote_state="pending" if segment.kind == "review" else "none")
        session.add(item)
        items.append(item)
    session.flush()
    return items


def speaker_for(meeting: Meeting, unit_id: int) -> Attendee | None:
    """The unit's accountable secretary, or the 代会 deputy standing in for them."""
    secretary = next((a for a in meeting.attendees if a.unit_id == unit_id and a.is_secretary), None)
    if secretary is not None and secretary.status == "deputized" and secretary.deputy is not None:
        return secretary.deputy
    return secretary


def current_item(session: Session, meeting: Meeting) -> ReviewItem | None:
    """The review item in progress."""
    return session.get(ReviewItem, meeting.current_review_id) if meeting.current_review_id else None


def _item(session: Session, meeting: Meeting) -> ReviewItem:
    item = current_item(session, meeting)
    if item is None:
        raise IllegalMove("请先选择述职单位")
    return item


def select_item(session: Session, meeting: Meeting, item_id: int, actor: str) -> ReviewItem:
    """Call a unit to the lectern."""
    item = session.get(ReviewItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise IllegalMove("述职单位不存在")
    current = current_item(session, meeting)
    if current is not None and current.id != item.id and current.vote_state == "open":
        raise IllegalMove("上一单位的评议投票尚未结束，请先结束投票")
    item.speaker = speaker_for(meeting, item.unit_id)
    meeting.current_review_id = item.id
    log(session, meeting, "review_select", actor, item_id=item.id, unit_id=item.unit_id)
    session.flush()
    return item


def set_part(session: Session, meeting: Meeting, part: str, actor: str) -> None:
    """述成绩 / 晒问题 / 谈打算: what the speaker is on now."""
    if part not in review.PARTS:
        raise IllegalMove("未知的述职环节")
    _item(session, meeting).part = part
    log(session, meeting, "review_part", actor, part=part)
    session.flush()


def speech(session: Session, meeting: Meeting, action: str, actor: str) -> None:
    """Start or stop the speaking timer (server time; overrun shows on the projector)."""
    item = _item(session, meeting)
    if action == "start":
        item.speech_started_at, item.speech_stopped_at = utcnow(), None
        item.part = item.part or "achievements"
    elif action == "stop" and item.speech_started_at is not None:
        item.speech_stopped_at = utcnow()
    else:
        raise IllegalMove("计时尚未开始")
    log(session, meeting, f"speech_{action}", actor, item_id=item.id)
    session.flush()


def reveal(session: Session, meeting: Meeting, actor: str) -> None:
    """Show the result — only after the vote and only with at least the minimum number of ballots."""
    item = _item(session, meeting)
    if item.vote_state != "closed":
        raise IllegalMove("请先结束投票")
    counted = result(session, item).ballots
    if counted < item.min_ballots:
        raise IllegalMove(f"有效票 {counted} 张，少于公布所需的 {item.min_ballots} 张，不能公布结果")
    item.vote_state = "revealed"
    log(session, meeting, "vote_reveal", actor, item_id=item.id)
    session.flush()


def can_rate(attendee: Attendee, item: ReviewItem) -> bool:
    """Present attendees of other units rate (nobody rates their own unit; the audience does not rate)."""
    return attendee.status == "present" and not attendee.anonymous and attendee.unit_id != item.unit_id


def eligible_rater_count(session: Session, meeting: Meeting, item: ReviewItem) -> int:
    """How many present attendees may rate `item` (`can_rate`, counted by the database: the turnout is refreshed
    while ballots arrive, and a meeting may hold thousands of phones)."""
    return session.scalar(select(func.count()).select_from(Attendee).where(
        Attendee.meeting_id == meeting.id, Attendee.status == "present", Attendee.anonymous.is_(False),
        or_(Attendee.unit_id.is_(None), Attendee.unit_id != item.unit_id))) or 0


def turnout(session: Session, meeting: Meeting, item: ReviewItem) -> tuple[int, int]:
    """(phone ballots + paper ballots, eligible raters present)."""
    phone = session.scalar(select(func.count()).select_from(Ballot).where(Ballot.item_id == item.id)) or 0
    if item.vote_state == "open":  # the ballots are still sealed
        phone += session.scalar(select(func.count()).select_from(PendingBallot)
                                .where(PendingBallot.item_id == item.id)) or 0
    paper = sum(_paper_count(item, t.counts) for t in session.scalars(
        select(PaperTally).where(PaperTally.item_id == item.id)))
    return phone + paper, eligible_rater_count(session, meeting, item)


def paper_count(item: ReviewItem, counts: dict) -> int:
    """How many ballots a paper tally holds."""
    return _paper_count(item, counts)


def _paper_count(item: ReviewItem, counts: dict) -> int:
    if item.criteria:
        return int(counts.get("ballots", 0))
    return sum(int(n) for k, n in counts.items() if k in review.RATING_VALUES)


def result(session: Session, item: ReviewItem) -> review.Tally:
    """What the item's ballots and paper tallies add up to."""
    ballots = [(b.rater_group, b.scores) for b in session.scalars(select(Ballot).where(Ballot.item_id == item.id))]
    paper = [t.counts for t in session.scalars(select(PaperTally).where(PaperTally.item_id == item.id))]
    return review.tally(item.criteria, ballots, item.group_weights, paper)


def add_paper_tally(session: Session, meeting: Meeting, item_id: int, counts: dict, actor: str, note: str = "") -> None:
    """Record paper ballots counted by staff (before the result is revealed)."""
    item = session.get(ReviewItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise IllegalMove("述职单位不存在")
    if item.vote_state == "revealed":
        raise IllegalMove("结果已公布，不能再录入纸质票")
    _check_paper(item, counts)
    session.add(PaperTally(item_id=item.id, counts=counts, entered_by=actor, note=note[:200]))
    log(session, meeting, "paper_tally", actor, item_id=item.id, counts=counts)
    session.flush()


def venue_eligible(session: Session, meeting: Meeting, item: ReviewItem, attendee_venue: int | None) -> int:
    """`eligible_rater_count` at one venue (`attendee_venue`: its attendees' venue_id, None for the convening
    hall)."""
    return session.scalar(select(func.count()).select_from(Attendee).where(
        Attendee.meeting_id == meeting.id, Attendee.status == "present", Attendee.anonymous.is_(False),
        _at(attendee_venue), or_(Attendee.unit_id.is_(None), Attendee.unit_id != item.unit_id))) or 0


def _at(attendee_venue: int | None):  # type: ignore[no-untyped-def]
    return Attendee.venue_id.is_(None) if attendee_venue is None else Attendee.venue_id == attendee_venue


def venue_phone_votes(session: Session, item: ReviewItem, attendee_venue: int | None) -> int:
    """Phones at one venue that voted on the item (their receipts: who voted, never how)."""
    return session.scalar(select(func.count()).select_from(VoteReceipt).join(
        Attendee, VoteReceipt.attendee_id == Attendee.id).where(VoteReceipt.item_id == item.id,
                                                                _at(attendee_venue))) or 0


def venue_tally(session: Session, item: ReviewItem, venue_id: int) -> PaperTally | None:
    """The venue's paper ballots for the item (one row: entering again replaces it)."""
    return session.scalar(select(PaperTally).where(PaperTally.item_id == item.id, PaperTally.venue_id == venue_id))


def set_venue_paper_tally(session: Session, meeting: Meeting, item_id: int, counts: dict, actor: str, venue_id: int,
                          attendee_venue: int | None) -> None:
    """A venue operator's count of its paper ballots: one row per (item, venue), so entering it again corrects
    the count (logged with the old and new) and a double submit never counts twice. Only while the item's vote
    is open or closed, and never more ballots than the venue's present raters who did not vote by phone."""
    item = session.get(ReviewItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise IllegalMove("述职单位不存在")
    if item.vote_state not in ("open", "closed"):
        revealed = item.vote_state == "revealed"
        raise IllegalMove("结果已公布，不能再录入纸质票" if revealed else "本单位的评议投票尚未开始")
    _check_paper(item, counts)
    room = venue_eligible(session, meeting, item, attendee_venue) - venue_phone_votes(session, item, attendee_venue)
    if _paper_count(item, counts) > room:
        raise IllegalMove(f"本会场可评议且未用手机投票的只有 {max(room, 0)} 人，纸质票张数不能超过此数")
    old = venue_tally(session, item, venue_id)
    if old is None:
        session.add(PaperTally(item_id=item.id, counts=counts, entered_by=actor, venue_id=venue_id))
    else:
        old.counts, old.entered_by = counts, actor
    log(session, meeting, "venue_paper_tally", actor, item_id=item.id, venue_id=venue_id, counts=counts,
        previous=old.counts if old is not None else None)
    session.flush()


def _check_paper(item: ReviewItem, counts: dict) -> None:
    if item.criteria:
        ballots, sums = counts.get("ballots"), counts.get("sums")
        if not _count(ballots) or ballots < 1 or not isinstance(sums, dict) \
                or set(sums) != {c["name"] for c in item.criteria} \
                or not all(_number(v) and 0 <= v <= 10 * ballots for v in sums.values()):
            raise IllegalMove("纸质票须填写张数和各项总分")
    elif not counts or any(k not in review.RATING_VALUES or not _count(v) for k, v in counts.items()):
        raise IllegalMove("纸质票须按 满意 / 基本满意 / 不满意 填写张数")


def _number(value: object) -> bool:
    """An int or float from JSON, not a bool (JSON's true); NaN fails every comparison after this."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(value: object) -> bool:
    """A plausible number of paper ballots."""
    return _number(value) and isinstance(value, int) and 0 <= value <= MAX_PAPER_BALLOTS


def set_comment(session: Session, meeting: Meeting, text: str, actor: str) -> None:
    """The host's 点评 of the unit."""
    _item(session, meeting).comment = text.strip()[:4000]
    log(session, meeting, "review_comment", actor)
    session.flush()


def add_commitment(session: Session, meeting: Meeting, kind: str, text: str, actor: str) -> Commitment:
    """A problem (晒问题) or plan (谈打算) the unit stated, for the next quarter to check."""
    item = _item(session, meeting)
    if kind not in ("problem", "plan") or not text.strip():
        raise IllegalMove("请填写问题或打算的内容")
    commitment = Commitment(meeting_id=meeting.id, unit_id=item.unit_id, kind=kind, text=text.strip()[:MAX_COMMITMENT])
    session.add(commitment)
    log(session, meeting, "commitment_add", actor, unit_id=item.unit_id, kind=kind)
    session.flush()
    return commitment


def rate_commitment(session: Session, meeting: Meeting, commitment_id: int, kept: str, actor: str) -> None:
    """Whether last quarter's commitment was kept (兑现), judged at this meeting."""
    commitment = session.get(Commitment, commitment_id)
    if commitment is None or kept not in KEPT_LABELS:
        raise IllegalMove("请选择兑现情况")
    commitment.kept, commitment.rated_in_meeting_id, commitment.rated_at = kept, meeting.id, utcnow()
    log(session, meeting, "commitment_rate", actor, commitment_id=commitment_id, kept=kept)
    session.flush()


def earlier_commitments(session: Session, meeting: Meeting, unit_id: int) -> list[Commitment]:
    """What the unit committed to at last quarter's meetings (shown beside it now)."""
    earlier = select(Meeting.id).where(Meeting.quarter == previous_quarter(meeting.quarter))
    return list(session.scalars(select(Commitment).where(Commitment.unit_id == unit_id,
                                                         Commitment.meeting_id.in_(earlier)).order_by(Commitment.id)))


def own_commitments(session: Session, meeting: Meeting, unit_id: int) -> list[Commitment]:
    """What the unit committed to at this meeting."""
    return list(session.scalars(select(Commitment).where(Commitment.unit_id == unit_id,
                                                         Commitment.meeting_id == meeting.id).order_by(Commitment.id)))
