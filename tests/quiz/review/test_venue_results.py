"""述职评议 per venue: the sealed ballot carries its rater's venue without growing, the close keeps a venue only
where it cannot identify a rater, the venues' turnouts add up to the overall one, and a small venue's result is
withheld (also when it could be had as overall minus the rest)."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from quiz.live import attendance, venues
from quiz.review import ballot_box, vote
from quiz.review import service as reviewing
from quiz.review.models import Ballot, PaperTally, ReviewItem
from quiz.review.venue_privacy import MIN_VENUE_BALLOTS, tagged_venues, venue_threshold
from quiz.review.venue_results import CONSOLE, item_by_venue
from tests.quiz.conftest import make_meeting


def test_the_sealed_rating_is_one_length_with_or_without_a_venue():
    key = secrets.token_bytes(ballot_box.KEY_BYTES)
    plain = ballot_box.seal(key, 7, "h", "", {"rating": "满意"})
    placed = ballot_box.seal(key, 7, "h", "班子成员", {"rating": "基本满意"}, venue_id=123456789)
    assert len(plain) == len(placed) == ballot_box.NONCE_BYTES + ballot_box.SEALED_PLAINTEXT + 16
    assert ballot_box.unseal(key, 7, "h", placed) == ("班子成员", {"rating": "基本满意"}, 123456789)
    assert ballot_box.unseal(key, 7, "h", plain)[2] is None


def test_which_venues_keep_their_ballots():
    many = [("east", "")] * 5
    assert tagged_venues(many + [("hall", "")] * 4, 3) == {"east", "hall"}
    # Two ballots at a venue are two people: pooled. The pool (2) would then be overall minus east: east pools too.
    assert tagged_venues(many + [("west", "")] * 2, 3) == set()
    assert tagged_venues(many + [("west", "")] * 2 + [("hall", "")] * 2, 3) == {"east"}  # a pool of 4 hides both
    # A lone 班子成员 among a venue's raters is a person: the venue is pooled (a pool of 5 with the rest).
    assert tagged_venues([("east", "")] * 4 + [("east", "班子成员")] + [("hall", "")] * 6, 3) == {"hall"}
    assert tagged_venues([("east", "")] * 3 + [("east", "班子成员")] * 3 + [("hall", "")] * 3, 3) == {"east", "hall"}
    # …and so is the lone ungrouped rater among three 班子成员.
    assert tagged_venues([("east", "")] + [("east", "班子成员")] * 3 + [("hall", "")] * 3, 3) == {"hall"}
    assert tagged_venues([(None, "")] * 9, 3) == set()  # a ballot sealed without a venue
    assert venue_threshold(0) == venue_threshold(1) == MIN_VENUE_BALLOTS and venue_threshold(8) == 8


@pytest.fixture()
def voting(app, session):  # type: ignore[no-untyped-def]
    """Six units; 单位1–2 in the hall, 单位3–5 at 东区 (6 people), 单位6 at 西区 (2); everyone checked in; the vote
    on 单位1 open."""
    meeting = make_meeting(session, units=6)
    east = venues.add_venue(session, meeting, "东区分会场")
    west = venues.add_venue(session, meeting, "西区分会场")
    for attendee in meeting.attendees:  # the meeting has started: place people as the plan had them
        position = [u.id for u in meeting.units].index(attendee.unit_id)
        attendee.venue_id = east.id if 2 <= position <= 4 else west.id if position == 5 else None
        attendance.check_in(session, attendee, f"dev-{attendee.id}")
    segment = next(s for s in meeting.segments if s.kind == "review")
    item = reviewing.ensure_items(session, meeting, segment)[0]
    meeting.current_review_id = item.id
    with app.app_context():
        vote.open_vote(session, meeting, "host")
    session.commit()
    return meeting, item, east, west


def rate_everyone(app, session, meeting, item) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        for number, attendee in enumerate(meeting.attendees):
            if reviewing.can_rate(attendee, item):
                rating = ("满意", "基本满意", "不满意")[number % 3]
                vote.submit_ballot(session, item, attendee, {"rating": rating})
        session.commit()


def test_the_close_keeps_only_venues_that_cannot_identify_a_rater(app, session, voting):
    meeting, item, east, west = voting
    rate_everyone(app, session, meeting, item)
    with app.app_context():
        vote.close_vote(session, meeting, "host")
    session.commit()
    stored = [b.venue_id for b in session.scalars(select(Ballot).where(Ballot.item_id == item.id))]
    # east: 6 ballots (3 of 班子成员, none weighted: the group is "" for all); hall 2 and west 2: pooled (4 ≥ 3).
    assert sorted(stored, key=str) == sorted([east.id] * 6 + [None] * 4, key=str)


def test_turnout_per_venue_adds_up_and_a_small_venues_result_is_withheld(app, session, voting):
    meeting, item, east, west = voting
    rate_everyone(app, session, meeting, item)
    session.add_all([PaperTally(item_id=item.id, venue_id=west.id, counts={"满意": 2}, entered_by="op"),
                     PaperTally(item_id=item.id, counts={"不满意": 1}, entered_by="host")])
    session.commit()
    opened = item_by_venue(session, meeting, item)
    rows = {r.venue_id: r for r in opened.venues}
    hall = venues.convening(meeting)
    assert (rows[hall.id].phone, rows[east.id].phone, rows[west.id].phone) == (2, 6, 2)
    assert (rows[west.id].paper, rows[CONSOLE].paper) == (2, 1)
    assert (rows[hall.id].eligible, rows[east.id].eligible, rows[west.id].eligible) == (2, 6, 2)
    assert sum(r.ballots for r in opened.venues) == opened.ballots == reviewing.turnout(session, meeting, item)[0] == 13
    assert sum(r.eligible for r in opened.venues if r.venue_id != CONSOLE) == opened.eligible == 10
    assert all(r.tally is None for r in opened.venues) and opened.tally is None  # not revealed yet
    with app.app_context():
        vote.close_vote(session, meeting, "host")
    item.vote_state = "revealed"
    session.commit()
    shown = item_by_venue(session, meeting, item)
    rows = {r.venue_id: r for r in shown.venues}
    assert rows[east.id].tally is not None and rows[east.id].tally.ballots == 6
    # The hall's two ballots are two people; west's phones were pooled, so its paper alone is never shown apart.
    assert rows[hall.id].tally is None and rows[hall.id].withheld == "本会场票数不足 3 张，不单列结果"
    assert rows[west.id].tally is None and rows[west.id].withheld == "本会场票数不足 3 张，不单列结果"
    assert shown.tally.ballots == 13 and sum(rows[east.id].tally.ratings.values()) == 6
    assert sum(r.ballots for r in shown.venues) == 13  # turnout still adds up after the close


def test_a_vote_below_the_items_minimum_at_a_venue_is_withheld(app, session, voting):
    meeting, item, east, west = voting
    item.min_ballots = 7  # east's six are fewer than the item's minimum
    session.commit()
    rate_everyone(app, session, meeting, item)
    with app.app_context():
        vote.close_vote(session, meeting, "host")
    item.vote_state = "revealed"
    session.commit()
    assert {b.venue_id for b in session.scalars(select(Ballot))} == {None}
    rows = {r.venue_id: r for r in item_by_venue(session, meeting, session.get(ReviewItem, item.id)).venues}
    assert rows[east.id].tally is None and rows[east.id].withheld == "本会场票数不足 7 张，不单列结果"


def test_a_venue_without_phones_takes_part_through_its_paper_tally(app, session, voting):
    meeting, item, east, west = voting
    with app.app_context():
        for attendee in meeting.attendees:
            if reviewing.can_rate(attendee, item) and attendee.venue_id != west.id:
                vote.submit_ballot(session, item, attendee, {"rating": "满意"})
        session.add(PaperTally(item_id=item.id, venue_id=west.id, counts={"不满意": 3}, entered_by="op"))
        session.commit()
        vote.close_vote(session, meeting, "host")
    item.vote_state = "revealed"
    session.commit()
    rows = {r.venue_id: r for r in item_by_venue(session, meeting, item).venues}
    assert (rows[west.id].phone, rows[west.id].paper) == (0, 3)
    assert rows[west.id].tally.ballots == 3 and rows[west.id].tally.ratings["不满意"] == 3
    # The hall's two phones would be overall minus east: east's six were pooled with them at the close.
    assert {b.venue_id for b in session.scalars(select(Ballot))} == {None}
    assert rows[east.id].tally is None and rows[venues.convening(meeting).id].tally is None
    assert reviewing.result(session, item).ballots == 11
