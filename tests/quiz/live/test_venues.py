"""Venues (主会场 + 分会场) as a service: codes, who attends where, per-venue attendance that adds up to the
meeting's, each projector's own view, the handover of the main role, next quarter's copy."""

from __future__ import annotations

from datetime import date

import pytest

from quiz.live import attendance, joining, meetings, snapshots, venues
from quiz.live.attendance_figures import attendance_figures, venue_figures
from quiz.live.models import MeetingEvent
from quiz.live.venues import VenueError
from tests.quiz.conftest import make_halls

BASE = "http://192.168.1.20:5000"


@pytest.fixture()
def halls(session):  # type: ignore[no-untyped-def]
    """A meeting of three units: 单位1 in the main hall, 单位2 and 单位3 each at its own branch venue."""
    return make_halls(session)


def test_every_meeting_has_its_convening_hall_and_branches_get_their_own_codes(session, halls):
    meeting, east, west = halls
    hall = venues.convening(meeting)
    assert (hall.position, hall.name, hall.join_code, hall.screen_token) == (0, "主会场", None, None)
    codes = {meeting.join_code, east.join_code, west.join_code}
    assert len(codes) == 3 and all(len(c) == 6 and c.isdigit() for c in codes)
    assert len({meeting.screen_token, east.screen_token, west.screen_token}) == 3
    assert meetings.by_join_code(session, east.join_code).id == meeting.id
    target = joining.join_target(session, east.join_code)
    assert (target.id, target.venue_id, target.venue_name, target.join_code) == (
        meeting.id, east.id, "东区分会场", east.join_code)
    assert joining.join_target(session, meeting.join_code).venue_id is None
    assert venues.screen_venue(session, west.screen_token) == (meeting.id, west.id)
    assert venues.screen_venue(session, meeting.screen_token) == (meeting.id, hall.id)
    assert venues.screen_venue(session, "nope") is None


def test_names_are_checked(session, halls):
    meeting, east, _ = halls
    for name in ["", " ", "x" * 61, "东区\x00", "坏\ud800"]:
        with pytest.raises(VenueError):
            venues.add_venue(session, meeting, name)
    with pytest.raises(VenueError, match="已存在"):
        venues.add_venue(session, meeting, " 东区分会场 ")
    with pytest.raises(VenueError, match="主会场不能删除"):
        venues.remove_venue(session, venues.convening(meeting))


def test_people_are_moved_only_before_the_meeting_starts(session, halls):
    meeting, east, west = halls
    person = next(a for a in meeting.attendees if a.unit_id == meeting.units[0].id)
    assert venues.move_attendees(session, meeting, [person.id], west) == 1
    assert venues.venue_of(meeting, person).id == west.id
    venues.move_attendees(session, meeting, [person.id], venues.convening(meeting))
    assert person.venue_id is None and venues.venue_of(meeting, person).position == 0
    meeting.started_at = meeting.created_at
    with pytest.raises(VenueError, match="会议已开始"):
        venues.move_attendees(session, meeting, [person.id], east)
    with pytest.raises(VenueError, match="会议已开始"):
        venues.remove_venue(session, east)


def test_removing_a_branch_sends_its_people_back_to_the_main_hall(session, halls):
    meeting, east, _ = halls
    moved = [a.id for a in meeting.attendees if a.venue_id == east.id]
    venues.remove_venue(session, east)
    session.commit()
    assert moved and all(a.venue_id is None for a in meeting.attendees if a.id in moved)
    assert [v.name for v in meeting.venues] == ["主会场", "西区分会场"]


def test_per_venue_attendance_adds_up_to_the_meetings(session, halls):
    meeting, east, west = halls
    people = {a.name: a for a in meeting.attendees}
    attendance.set_status(session, people["书记1"], "present")
    attendance.set_status(session, people["书记2"], "present")
    attendance.set_status(session, people["副书记2"], "leave")
    attendance.set_status(session, people["书记3"], "absent")
    attendance.set_status(session, people["副书记3"], "deputized", people["书记1"])
    session.commit()
    per_venue = venue_figures(session, meeting.id)
    _, total = attendance_figures(session, [meeting.id])
    assert set(per_venue) == {None, east.id, west.id}
    for field in ("expected", "present", "leave", "absent", "deputized", "unchecked"):
        assert sum(getattr(t, field) for _, t in per_venue.values()) == getattr(total, field)
    east_total = per_venue[east.id][1]
    assert (east_total.expected, east_total.present, east_total.leave) == (2, 1, 1)
    west_total = per_venue[west.id][1]
    assert (west_total.expected, west_total.absent, west_total.deputized) == (2, 1, 1)
    by_venue = attendance.summary_by_venue(session, meeting)
    assert [u.name for u in by_venue[east.id]] == [meeting.units[1].name]


def test_each_projector_gets_its_own_code_and_attendance(session, halls):
    meeting, east, west = halls
    attendance.set_status(session, next(a for a in meeting.attendees if a.name == "书记2"), "present")
    session.commit()
    states = snapshots.screen_states(session, meeting, BASE)
    hall = venues.convening(meeting)
    assert states[None] is states[hall.id]
    assert states[hall.id]["join"] == {"url": f"{BASE}/j/{meeting.join_code}", "code": meeting.join_code}
    assert states[east.id]["join"] == {"url": f"{BASE}/j/{east.join_code}", "code": east.join_code}
    assert states[east.id]["venue"] | {} == {"id": east.id, "name": "东区分会场", "leader": "张负责", "branch": True,
                                             "main": False, "main_name": "主会场", "count": 3}
    assert (states[east.id]["attendance"]["expected"], states[east.id]["attendance"]["present"]) == (2, 1)
    assert states[east.id]["attendance"]["overall"] == {"expected": 6, "present": 1}
    assert [u["name"] for u in states[west.id]["attendance"]["units"]] == [meeting.units[2].name]
    host = snapshots.host_state(session, meeting, BASE)
    assert (host["attendance"]["expected"], host["attendance"]["present"]) == (6, 1)
    assert [(v["name"], v["attendance"]["expected"]) for v in host["venues"]] == [
        ("主会场", 2), ("东区分会场", 2), ("西区分会场", 2)]
    assert host["venues"][1]["screen_url"] == f"{BASE}/s/{east.screen_token}"


def test_the_call_says_which_venue_the_called_person_attends(session, halls):
    meeting, east, _ = halls
    person = next(a for a in meeting.attendees if a.name == "书记2")
    called = snapshots._called(person)
    assert (called["venue_id"], called["venue"]) == (east.id, "东区分会场")


def test_handing_over_the_main_role_is_recorded_with_its_reason(session, halls):
    meeting, east, _ = halls
    with pytest.raises(VenueError, match="原因"):
        venues.hand_over(session, meeting, east.id, " ", "host")
    venues.hand_over(session, meeting, east.id, "主会场网络中断", "host")
    session.commit()
    assert venues.main_venue(meeting).id == east.id and meeting.main_venue_id == east.id
    event = session.query(MeetingEvent).filter_by(meeting_id=meeting.id, kind="hand_over_main").one()
    assert (event.note, event.detail["name"], event.detail["previous"]) == ("主会场网络中断", "东区分会场", "主会场")
    with pytest.raises(VenueError, match="已是主会场"):
        venues.hand_over(session, meeting, east.id, "again", "host")
    venues.hand_over(session, meeting, venues.convening(meeting).id, "网络恢复", "host")
    assert meeting.main_venue_id is None


def test_next_quarter_keeps_the_halls_and_who_attends_where(session, halls):
    meeting, east, west = halls
    copy = meetings.copy_meeting(session, meeting, date(2027, 2, 1))
    session.commit()
    assert [v.name for v in copy.venues] == ["主会场", "东区分会场", "西区分会场"]
    assert {v.join_code for v in copy.venues[1:]}.isdisjoint({east.join_code, west.join_code})
    copied_east = copy.venues[1]
    assert sorted(a.name for a in copy.attendees if a.venue_id == copied_east.id) == ["书记2", "副书记2"]
