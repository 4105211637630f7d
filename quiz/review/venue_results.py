"""述职评议 per venue: each venue's turnout and, where it cannot identify a rater, its result. Takes a session.

The overall figures stay quiz/review/service.py's `turnout` and `result`; a venue's are the same counts
restricted to it, and the venues add up to the overall: turnout = the receipts of the venue's raters (phones)
+ the venue's paper tallies; the console's paper (no venue) is a row of its own. A venue's result is shown only
for a revealed vote and where its ballots kept their venue at the close (venue_privacy.py): otherwise
「本会场票数不足 N 张，不单列结果」.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from quiz.live import venues
from quiz.live.models import Attendee, Meeting
from quiz.review import ballots as review
from quiz.review import service as reviewing
from quiz.review.models import Ballot, PaperTally, ReviewItem, VoteReceipt
from quiz.review.venue_privacy import venue_threshold

CONSOLE = "console"  # the key of paper entered at the main console (no venue)


@dataclass
class VenueVote:
    """One venue's part of an item's vote."""

    venue_id: int | str
    name: str
    phone: int = 0  # receipts of the venue's raters
    paper: int = 0
    eligible: int = 0
    tally: review.Tally | None = None  # None: withheld (or not revealed)
    withheld: str = ""

    @property
    def ballots(self) -> int:
        """Phone and paper ballots of the venue."""
        return self.phone + self.paper


@dataclass
class ItemByVenue:
    """An item's vote per venue, beside the overall figures (the truth)."""

    item: ReviewItem
    venues: list[VenueVote] = field(default_factory=list)
    ballots: int = 0
    eligible: int = 0
    tally: review.Tally | None = None


def _hall(meeting: Meeting, venue_id: int | None) -> int | None:
    hall = venues.convening(meeting)
    return venue_id if venue_id is not None else (hall.id if hall else None)


def item_by_venue(session: Session, meeting: Meeting, item: ReviewItem) -> ItemByVenue:
    """Turnout per venue for every vote; results per venue once revealed, where the venue may be told apart."""
    rows = {v.id: VenueVote(v.id, v.name) for v in meeting.venues}
    phone = session.execute(select(Attendee.venue_id, func.count()).select_from(VoteReceipt)
                            .join(Attendee, VoteReceipt.attendee_id == Attendee.id)
                            .where(VoteReceipt.item_id == item.id).group_by(Attendee.venue_id))
    for venue_id, number in phone:
        rows[_hall(meeting, venue_id)].phone += number
    eligible = session.execute(select(Attendee.venue_id, func.count()).where(
        Attendee.meeting_id == meeting.id, Attendee.status == "present", Attendee.anonymous.is_(False),
        or_(Attendee.unit_id.is_(None), Attendee.unit_id != item.unit_id)).group_by(Attendee.venue_id))
    for venue_id, number in eligible:
        rows[_hall(meeting, venue_id)].eligible += number
    tallies = list(session.scalars(select(PaperTally).where(PaperTally.item_id == item.id)))
    for tally in tallies:
        if tally.venue_id is None:
            rows.setdefault(CONSOLE, VenueVote(CONSOLE, "主持台录入的纸质票"))
        rows[tally.venue_id if tally.venue_id is not None else CONSOLE].paper += reviewing._paper_count(
            item, tally.counts)
    overall, eligible_all = reviewing.turnout(session, meeting, item)
    result = ItemByVenue(item, list(rows.values()), overall, eligible_all)
    if item.vote_state == "revealed":
        result.tally = reviewing.result(session, item)
        _venue_results(session, item, result, tallies)
    return result


def _venue_results(session: Session, item: ReviewItem, result: ItemByVenue, tallies: list[PaperTally]) -> None:
    threshold = venue_threshold(item.min_ballots)
    tagged: dict[int, list[tuple[str, dict]]] = {}
    for venue_id, group, scores in session.execute(select(Ballot.venue_id, Ballot.rater_group, Ballot.scores)
                                                   .where(Ballot.item_id == item.id, Ballot.venue_id.is_not(None))):
        tagged.setdefault(venue_id, []).append((group, scores))
    for row in result.venues:
        if row.venue_id == CONSOLE:
            continue
        ballots = tagged.get(row.venue_id, [])
        # A venue whose phone ballots were pooled at the close is never shown apart (its paper alone would be
        # overall minus the rest); nor one short of the threshold.
        if row.ballots < threshold or len(ballots) < row.phone:
            row.withheld = f"本会场票数不足 {threshold} 张，不单列结果" if row.ballots else "本会场无选票"
            continue
        paper = [t.counts for t in tallies if t.venue_id == row.venue_id]
        row.tally = review.tally(item.criteria, ballots, item.group_weights, paper)


def meeting_by_venue(session: Session, meeting: Meeting) -> list[ItemByVenue]:
    """Every review item of the meeting (in agenda order) with its per-venue turnout and results."""
    items = session.scalars(select(ReviewItem).where(ReviewItem.meeting_id == meeting.id,
                                                     ReviewItem.vote_state != "none")
                            .order_by(ReviewItem.segment_id, ReviewItem.position, ReviewItem.id))
    return [item_by_venue(session, meeting, item) for item in items]
