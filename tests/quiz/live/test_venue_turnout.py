"""The console's per-venue figures and the venue-limited draw as services: answers per venue (phones plus the
paper tally, counted once), the vote's turnout per venue (receipts plus paper), the draw's venue, and the
payloads of hand_over_main and a venue pool under hostile input."""

from __future__ import annotations

import pytest

from quiz.live import attendance, calling, commands, payloads, snapshots, venues
from quiz.live import hosting as live
from quiz.live.models import Answer, AnswerTally, Attendee
from quiz.review.models import PaperTally, ReviewItem, VoteReceipt
from tests.factories import make_question
from tests.quiz.conftest import make_halls, make_meeting

BASE = "http://192.168.1.20:5000"


@pytest.fixture()
def halls(session):  # type: ignore[no-untyped-def]
    """单位1 in the main hall, 单位2 at 东区, 单位3 at 西区; everyone checked in; the meeting started."""
    meeting, east, west = make_halls(session)
    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"phone-{number}")
    session.commit()
    return meeting, east, west


def rows(session, meeting) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {r["name"]: r for r in snapshots.venues_part(session, meeting, BASE)}


def test_answers_per_venue_count_phones_and_the_paper_tally_once(session, halls):
    meeting, east, west = halls
    assert {r["turnout"]["round"] for r in rows(session, meeting).values()} == {None}  # no round up
    question = make_question(session)
    live.begin(session, meeting.id, meeting.revision)
    live.pick_question(session, meeting, question.id, "all", "host")
    live.show(session, meeting, "host")
    session.commit()
    round_id = meeting.current_round_id
    by_unit = {u.id: [a for a in meeting.attendees if a.unit_id == u.id] for u in meeting.units}
    for attendee in by_unit[meeting.units[0].id] + by_unit[meeting.units[1].id][:1]:
        session.add(Answer(round_id=round_id, attendee_id=attendee.id, payload="A", correct=True, score=1,
                           source="phone", client_id=f"c{attendee.id}"))
    session.add(AnswerTally(round_id=round_id, venue_id=west.id, answered=7, correct=3, counts={"A": 7},
                            entered_by="op"))
    session.commit()
    figures = rows(session, meeting)
    assert figures["主会场"]["turnout"]["round"] == 2 and figures["东区分会场"]["turnout"]["round"] == 1
    assert figures["西区分会场"]["turnout"]["round"] == 7
    # The tally entered again replaces the count (one row per round and venue): counted once.
    session.query(AnswerTally).filter_by(round_id=round_id, venue_id=west.id).update({"answered": 5})
    session.commit()
    assert rows(session, meeting)["西区分会场"]["turnout"]["round"] == 5


def test_the_votes_turnout_per_venue_says_who_voted_where_never_how(session, halls):
    meeting, east, west = halls
    assert {r["turnout"]["vote"] for r in rows(session, meeting).values()} == {None}
    segment = meeting.segments[0]
    item = ReviewItem(meeting_id=meeting.id, segment_id=segment.id, unit_id=meeting.units[0].id, vote_state="open")
    session.add(item)
    session.flush()
    meeting.current_review_id = item.id
    raters = [a for a in meeting.attendees if a.unit_id in (meeting.units[1].id, meeting.units[2].id)]
    for rater in raters[:3]:
        session.add(VoteReceipt(item_id=item.id, attendee_id=rater.id))
    session.add(PaperTally(item_id=item.id, counts={"满意": 4, "不满意": 1, "无效": 9}, entered_by="op",
                           venue_id=west.id))
    session.add(PaperTally(item_id=item.id, counts={"满意": 2}, entered_by="host"))  # the console's: no venue
    session.commit()
    figures = rows(session, meeting)
    east_voters = sum(1 for r in raters[:3] if r.venue_id == east.id)
    assert figures["东区分会场"]["turnout"]["vote"] == east_voters
    assert figures["西区分会场"]["turnout"]["vote"] == 3 - east_voters + 5
    assert figures["主会场"]["turnout"]["vote"] == 0


def test_a_draw_limited_to_a_venue_calls_only_its_people_and_is_recorded(session, halls):
    meeting, east, west = halls
    live.begin(session, meeting.id, meeting.revision)
    draw = live.draw_person(session, meeting, calling.Pool(every_unit_once=False, venue_id=west.id), "host")
    session.commit()
    assert draw.pool["venue_id"] == west.id and draw.candidates
    assert {session.get(Attendee, i).venue_id for i in draw.candidates} == {west.id}
    hall = venues.convening(meeting)
    live.begin(session, meeting.id, meeting.revision)
    draw = live.draw_person(session, meeting, calling.Pool(every_unit_once=False, venue_id=hall.id), "host")
    assert {session.get(Attendee, i).venue_id for i in draw.candidates} == {None}  # the main hall's people
    assert snapshots.public_state(session, meeting)["call"]["venue"] == "主会场"
    live.begin(session, meeting.id, meeting.revision)
    everyone = live.draw_person(session, meeting, calling.Pool(every_unit_once=False), "host")
    # Every venue: of the three secretaries, the one not yet called (at 东区) is what is left.
    assert everyone.pool["venue_id"] is None
    assert [session.get(Attendee, i).venue_id for i in everyone.candidates] == [east.id]


def test_a_deputy_stands_in_at_the_deputys_venue():
    secretary = calling.AttendeeFacts(1, 10, "deputized", True, deputy_id=2, venue_id=5)
    deputy = calling.AttendeeFacts(2, 10, "present", venue_id=6)
    assert calling.pool_members([secretary, deputy], calling.Pool(venue_id=6), {10}) == [deputy]
    assert calling.pool_members([secretary, deputy], calling.Pool(venue_id=5), {10}) == []


@pytest.mark.parametrize("bad", [
    {"venue_id": 1, "reason": ""}, {"venue_id": 1, "reason": "   "}, {"venue_id": 1},
    {"venue_id": 1, "reason": "坏\ud800"}, {"venue_id": 1, "reason": "换\x00行"}, {"venue_id": "1", "reason": "x"},
    {"venue_id": True, "reason": "x"}, {"venue_id": 0, "reason": "x"}, {"venue_id": 2**31, "reason": "x"},
    {"venue_id": 1, "reason": "长" * 201}, {"reason": "x"},
])
def test_hand_over_payloads_refuse_what_is_not_a_venue_and_a_reason(bad):
    with pytest.raises(payloads.Invalid):
        payloads.parse(payloads.HandOverCommand, {"rev": 1, **bad}, labels=payloads.LABELS)


def test_pool_venue_is_optional_and_strict():
    assert payloads.parse(payloads.PoolCommand, {"rev": 1}).venue_id is None
    assert payloads.parse(payloads.PoolCommand, {"rev": 1, "venue_id": 4}).venue_id == 4
    for bad in ("4", True, -1, 4.0):
        with pytest.raises(payloads.Invalid, match="会场"):
            payloads.parse(payloads.PoolCommand, {"rev": 1, "venue_id": bad}, labels=payloads.LABELS)


def test_hand_over_is_recorded_and_refused_without_a_reason_or_for_the_presiding_venue(session, halls):
    meeting, east, _ = halls
    with pytest.raises(venues.VenueError, match="原因"):
        venues.hand_over(session, meeting, east.id, " ", "host")
    venues.hand_over(session, meeting, east.id, "线路故障", "host")
    assert rows(session, meeting)["东区分会场"]["main"] and not rows(session, meeting)["主会场"]["main"]
    state = snapshots.screen_state(session, meeting, BASE, venue_id=venues.convening(meeting).id)
    assert (state["venue"]["main"], state["venue"]["main_name"]) == (False, "东区分会场")
    with pytest.raises(venues.VenueError, match="已是主会场"):
        venues.hand_over(session, meeting, east.id, "again", "host")


def test_another_meetings_venue_is_neither_a_pool_nor_a_handover_target(session, halls):
    meeting, east, _ = halls
    other = make_meeting(session, held=False)
    theirs = venues.add_venue(session, other, "别的分会场")
    session.commit()
    with pytest.raises(commands.BadPayload, match="会场不存在"):
        commands._pool(session, meeting, payloads.PoolCommand(rev=0, venue_id=theirs.id))
    with pytest.raises(venues.VenueError, match="会场不存在"):
        venues.hand_over(session, meeting, theirs.id, "越权", "host")
    assert meeting.main_venue_id is None and other.main_venue_id is None
    assert commands._pool(session, meeting, payloads.PoolCommand(rev=0, venue_id=east.id)).venue_id == east.id
