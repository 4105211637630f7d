"""Check-in, one phone per code, the host's approval for a second device, attendance states."""

from __future__ import annotations

import pytest

from quiz.live import attendance
from quiz.live.attendance import AttendanceError, Binding


def by_name(meeting, name: str):  # type: ignore[no-untyped-def]
    return next(a for a in meeting.attendees if a.name == name)


def test_first_device_binds_and_checks_in(session, meeting):
    person = by_name(meeting, "书记1")
    assert attendance.check_in(session, person, "phone-a") is Binding.BOUND
    assert person.status == "present" and person.checked_in_at is not None
    assert attendance.check_in(session, person, "phone-a") is Binding.BOUND  # the same phone again


def test_a_second_device_waits_for_the_host(session, meeting):
    person = by_name(meeting, "书记1")
    attendance.check_in(session, person, "phone-a")
    assert attendance.check_in(session, person, "phone-b") is Binding.PENDING
    assert person.device_token == "phone-a" and person.pending_device_token == "phone-b"
    attendance.approve_device(session, person, attendance.confirmation_code("phone-b"))
    assert person.device_token == "phone-b" and person.pending_device_token is None
    with pytest.raises(AttendanceError):
        attendance.approve_device(session, person, attendance.confirmation_code("phone-b"))
    attendance.release_device(session, person)
    assert attendance.check_in(session, person, "phone-c") is Binding.BOUND


def test_statuses_and_deputies(session, meeting):
    secretary, deputy = by_name(meeting, "书记1"), by_name(meeting, "副书记1")
    attendance.set_status(session, secretary, "leave")
    assert secretary.status == "leave"
    with pytest.raises(AttendanceError, match="代会须指定"):
        attendance.set_status(session, secretary, "deputized")
    attendance.set_status(session, secretary, "deputized", deputy)
    assert secretary.deputy_id == deputy.id
    with pytest.raises(AttendanceError):
        attendance.set_status(session, secretary, "asleep")


def test_anonymous_audience_only_where_allowed(session, meeting):
    with pytest.raises(AttendanceError, match="不接受匿名旁听"):
        attendance.join_anonymous(session, meeting, "phone-x")
    meeting.allow_anonymous = True
    audience = attendance.join_anonymous(session, meeting, "phone-x")
    assert audience.anonymous and audience.status == "present" and audience.device_token == "phone-x"


def test_attendance_summary_per_unit(session, meeting):
    attendance.check_in(session, by_name(meeting, "书记1"), "a")
    attendance.set_status(session, by_name(meeting, "副书记1"), "leave")
    meeting.allow_anonymous = True
    attendance.join_anonymous(session, meeting, "x")
    rows = attendance.summary(session, meeting)
    assert [(r.name, r.expected, r.present, r.leave) for r in rows] == [
        ("单位1", 2, 1, 1), ("单位2", 2, 0, 0), ("单位3", 2, 0, 0)]
