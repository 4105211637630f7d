"""Check-in, one phone per code, the host's approval for a second device, attendance states."""

from __future__ import annotations

import pytest

from quiz.live import attendance, joining
from quiz.live.attendance import AttendanceError, Binding
from quiz.live.models import Attendee


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
    with pytest.raises(joining.NotAnonymous, match="不接受匿名旁听"):
        joining.join_anonymous(session, meeting, "phone-x")
    meeting.allow_anonymous = True
    audience = joining.join_anonymous(session, meeting, "phone-x")
    stored = session.get(Attendee, audience.id)
    assert stored.anonymous and stored.status == "present" and stored.device_token == "phone-x"
    assert stored.code == audience.code and len(audience.code) == 10 and stored.checked_in_at is not None
    assert stored.groups == [] and stored.position == "" and not stored.is_secretary  # the columns' defaults


def test_an_anonymous_join_retries_a_code_that_is_taken(session, meeting, monkeypatch):
    meeting.allow_anonymous = True
    taken = joining.join_anonymous(session, meeting, "first")
    session.commit()
    picks = iter(taken.code + "B" * 10)  # the first draw repeats a stored code, the second is free
    monkeypatch.setattr(joining.secrets, "choice", lambda alphabet: next(picks))
    again = joining.join_anonymous(session, meeting, "second")
    assert again.code == "B" * 10 and again.id != taken.id


def test_a_phone_binding_is_read_by_its_code(session, meeting):
    meeting.allow_anonymous = True
    audience = joining.join_anonymous(session, meeting, "tok")
    assert joining.phone_binding(session, " " + audience.code.lower()) == joining.PhoneBinding(
        audience.id, meeting.id, "tok")
    assert joining.phone_binding(session, "") is None and joining.phone_binding(session, "X" * 13) is None


def test_attendance_summary_per_unit(session, meeting):
    attendance.check_in(session, by_name(meeting, "书记1"), "a")
    attendance.set_status(session, by_name(meeting, "副书记1"), "leave")
    meeting.allow_anonymous = True
    joining.join_anonymous(session, meeting, "x")
    rows = attendance.summary(session, meeting)
    assert [(r.name, r.expected, r.present, r.leave) for r in rows] == [
        ("单位1", 2, 1, 1), ("单位2", 2, 0, 0), ("单位3", 2, 0, 0)]


def test_the_join_page_holds_a_meeting_for_its_hold_then_reads_it_again(session, meeting):
    now = [100.0]
    targets = joining.JoinTargets(2.0, clock=lambda: now[0])
    first = targets.get(session, meeting.join_code)
    assert first == joining.JoinTarget(meeting.id, meeting.title, False, meeting.join_code)
    meeting.allow_anonymous = True
    session.commit()
    now[0] += 1.9
    assert targets.get(session, meeting.join_code) is first  # held: no read
    now[0] += 0.2
    assert targets.get(session, meeting.join_code).allow_anonymous  # read again after the hold
    meeting.status = "ended"
    session.commit()
    now[0] += 2.1
    assert targets.get(session, meeting.join_code) is None
    assert targets.get(session, "000000") is None and "000000" not in targets._held  # wrong codes are not kept
