"""Ending and reopening a meeting through the host's socket: the console's state carries the guide and what
ending would mean in numbers; a reopen needs a reason, is logged, and is refused once the quarter is approved."""

from __future__ import annotations

from sqlalchemy import select

from core.realtime import socketio
from quiz.live import attendance
from quiz.live.models import MeetingEvent
from quiz.quarter.models import Quarter
from tests.factories import login, make_host


def host_client(app, client, session, meeting):  # type: ignore[no-untyped-def]
    login(client, make_host(session, meeting))
    host = socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=client)
    assert host.is_connected()
    return host


def sync(host) -> dict:  # type: ignore[no-untyped-def]
    return host.emit("sync", None, callback=True)["state"]


def test_the_console_state_says_what_to_press_and_what_ending_means(app, client, session, meeting):
    attendance.check_in(session, meeting.attendees[0], "dev-1")  # one of 单位1's two people
    attendance.set_status(session, meeting.attendees[2], "leave")  # 单位2: one on leave, one never came
    session.commit()
    host = host_client(app, client, session, meeting)
    state = sync(host)
    assert state["guide"]["next"]["command"] == "set_segment"
    assert state["guide"]["blocked"]["show_question"] == "当前没有题目"
    closing = state["closing"]
    assert (closing["expected"], closing["present"], closing["leave"], closing["unchecked"]) == (6, 1, 1, 4)
    assert closing["absent_units"] == ["单位2", "单位3"]  # nobody present: their meeting components count 0
    assert closing["reopen_refusal"] == "会议未结束"
    first = state["guide"]["next"]["payload"]["segment_id"]
    assert host.emit("set_segment", {"rev": state["rev"], "segment_id": first}, callback=True)["ok"]
    calling = sync(host)["guide"]["next"]
    assert (calling["command"], calling["hint"]) == ("draw_person", "本环节第 1 / 1 题")  # one unit present
    host.disconnect()


def test_an_ended_meeting_reopens_with_a_reason_until_its_quarter_is_approved(app, client, session, meeting):
    host = host_client(app, client, session, meeting)
    rev = sync(host)["rev"]
    assert host.emit("end_meeting", {"rev": rev}, callback=True)["ok"]
    state = sync(host)
    assert state["meeting"]["status"] == "ended" and state["guide"]["next"]["label"] == "会议已结束"
    assert set(state["guide"]["blocked"].values()) == {"会议已结束"} and state["closing"]["reopen_refusal"] is None
    refused = host.emit("draw_person", {"rev": state["rev"]}, callback=True)
    assert refused["ok"] is False and refused["error"] == "会议已结束"
    blank = host.emit("reopen_meeting", {"rev": state["rev"], "reason": " "}, callback=True)
    assert blank["ok"] is False and "原因" in blank["error"]
    reopened = host.emit("reopen_meeting", {"rev": state["rev"], "reason": "补录一名迟到人员的签到"}, callback=True)
    assert reopened["ok"], reopened
    again = host.emit("reopen_meeting", {"rev": reopened["rev"], "reason": "再开一次"}, callback=True)
    assert again["ok"] is False and again["error"] == "会议未结束，无需重新开放"  # a double press does nothing twice
    assert sync(host)["meeting"]["status"] == "open"
    notes = session.scalars(select(MeetingEvent.note).where(MeetingEvent.meeting_id == meeting.id,
                                                            MeetingEvent.kind == "meeting_reopened")).all()
    assert notes == ["补录一名迟到人员的签到"]

    assert host.emit("end_meeting", {"rev": reopened["rev"]}, callback=True)["ok"]
    session.add(Quarter(quarter=meeting.quarter, approved=True))
    session.commit()
    state = sync(host)
    assert state["closing"]["reopen_refusal"] == "2026Q4的成绩已审定，本季度的会议不能再重新开放"
    locked = host.emit("reopen_meeting", {"rev": state["rev"], "reason": "更正"}, callback=True)
    assert locked["ok"] is False and "已审定" in locked["error"]
    host.disconnect()
