"""Meetings: creation with attendees and codes, quarters, copying last quarter's, editing."""

from __future__ import annotations

from datetime import date

import pytest

from quiz.live import meetings
from quiz.live.meetings import CODE_ALPHABET, MeetingError, MeetingPlan
from quiz.roster import service as roster
from tests.quiz.conftest import make_meeting


def test_a_meeting_snapshots_its_attendees_with_personal_codes(session, meeting):
    assert [s.kind for s in meeting.segments] == ["call", "all", "review", "results"]
    assert len(meeting.attendees) == 6 and len(meeting.join_code) == 6 and meeting.join_code.isdigit()
    codes = [a.code for a in meeting.attendees]
    assert len(set(codes)) == 6 and all(len(c) == 8 and set(c) <= set(CODE_ALPHABET) for c in codes)
    secretary = next(a for a in meeting.attendees if a.is_secretary)
    assert (secretary.name, secretary.position, secretary.status) == ("书记1", "党委书记", "expected")
    assert meetings.attendee_by_code(session, f" {secretary.code.lower()} ").id == secretary.id
    assert meetings.by_join_code(session, meeting.join_code).id == meeting.id


def test_quarters():
    assert meetings.quarter_of(date(2026, 11, 22)) == "2026Q4" and meetings.quarter_of(date(2027, 1, 1)) == "2027Q1"
    assert meetings.next_quarter("2026Q4") == "2027Q1" and meetings.next_quarter("2026Q2") == "2026Q3"


def test_bad_plans_are_refused(session):
    cases = [({"title": ""}, "会议名称"), ({"quarter": "2026-4"}, "季度格式"), ({"unit_ids": []}, "参会单位"),
             ({"agenda": ["dance"]}, "未知的环节")]
    for plan, phrase in cases:
        values = {"title": "会", "quarter": "2026Q4", "held_on": date(2026, 11, 22), "unit_ids": [1]} | plan
        with pytest.raises(MeetingError, match=phrase):
            meetings.create_meeting(session, MeetingPlan(**values))


def test_copy_last_quarters_meeting_takes_todays_roster(session, meeting):
    moved = next(a for a in meeting.attendees if a.name == "副书记1")
    person = session.get(roster.Person, moved.person_id)
    roster.move_person(session, person, session.get(roster.Unit, meeting.units[1].id), "党委副书记")
    session.commit()
    copy = meetings.copy_meeting(session, meeting, date(2027, 2, 1))
    session.commit()
    assert (copy.quarter, copy.title) == ("2027Q1", "2027Q1 书记问效会")
    assert [u.id for u in copy.units] == [u.id for u in meeting.units]
    assert [s.kind for s in copy.segments] == ["call", "all", "review", "results"]
    assert next(a for a in copy.attendees if a.name == "副书记1").unit_id == meeting.units[1].id
    assert moved.unit_id == meeting.units[0].id  # last quarter's record is unchanged
    assert {a.code for a in copy.attendees}.isdisjoint({a.code for a in meeting.attendees})


def test_editing_adds_attendees_of_new_units(session):
    meeting = make_meeting(session, units=3)
    extra = roster.add_unit(session, "新单位", "国有企业")
    roster.add_person(session, "新书记", "党委书记", extra, is_secretary=True)
    plan = MeetingPlan(title="改名", quarter="2026Q4", held_on=date(2026, 11, 23),
                       unit_ids=[u.id for u in meeting.units] + [extra.id], rehearsal=True)
    meetings.update_meeting(session, meeting, plan)
    session.commit()
    assert meeting.title == "改名" and meeting.rehearsal and any(a.name == "新书记" for a in meeting.attendees)


def test_last_quarters_bottom_units_get_a_pledge_segment(session, meeting):
    from quiz.quarter.models import QuarterResult

    session.add(QuarterResult(quarter="2026Q4", unit_id=meeting.units[0].id, components={}, bottom=True))
    session.commit()
    copy = meetings.copy_meeting(session, meeting, date(2027, 2, 1))
    assert [s.kind for s in copy.segments] == ["pledge", "call", "all", "review", "results"]
