"""Demo data stays demo: the first start's roster and meeting are marked, never reach a quarter, a ranking, a
通报 or an export, and staff clear them with one recorded action offered on the roster import. A meeting that
was never held can be deleted (recorded); one that was held cannot."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.accounts.roles import Role
from core.db import utcnow
from quiz.live import demo
from quiz.live.meetings import quarter_of
from quiz.live.models import Meeting
from quiz.quarter import service as quarters
from quiz.quarter.models import Quarter, QuarterEvent, QuarterResult
from quiz.quarter.reports.quarter import quarter_report_context, quarter_turnout
from quiz.roster.models import Person, Unit
from tests.factories import csrf_token, login, make_user
from tests.quiz.conftest import make_meeting


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_the_demo_never_counts_and_is_cleared_with_one_recorded_action(client, session):
    today = date(2026, 11, 20)
    meeting = demo.create_demo(session, today)
    session.commit()
    assert meeting.demo and all(u.demo for u in session.scalars(select(Unit)))
    assert all(p.demo for p in session.scalars(select(Person)))
    assert not any(name.startswith("市") for name in session.scalars(select(Unit.name)))  # nothing real-sounding
    for attendee in meeting.attendees:
        attendee.status = "present"
    meeting.started_at = utcnow()  # even a demo someone ran through
    session.commit()
    quarter = quarter_of(today)
    quarters.recompute(session, quarter, actor="staff")
    session.commit()
    assert count(session, QuarterResult) == 0
    assert quarter_turnout(session, quarter).meetings == [] and quarter_turnout(session, quarter).expected == 0
    assert quarter_report_context(session, quarter)["rows"] == []

    login(client, make_user(session, Role.EDITOR))
    page = client.get("/roster/import").get_data(as_text=True)
    assert "清除演示数据" in page
    reply = client.post("/roster/demo/clear", data={"csrf_token": csrf_token(client, "/roster/import")})
    assert reply.status_code == 302
    session.expire_all()
    assert (count(session, Meeting), count(session, Unit), count(session, Person)) == (0, 0, 0)
    event = session.scalars(select(QuarterEvent).where(QuarterEvent.kind == "demo_clear")).one()
    assert event.quarter == quarter and event.detail["units"] == 13 and event.detail["meetings"] == 1
    after = client.get("/roster/import").get_data(as_text=True)
    assert "已清除演示数据：会议1个、单位13个、人员39人" in after and 'id="demo-notice"' not in after


def test_a_never_held_meeting_can_be_deleted_and_a_held_one_cannot(client, session):
    held = make_meeting(session, units=2)
    planned = make_meeting(session, units=1, held=False, title="2026Q4 未召开的会")
    login(client, make_user(session, Role.ADMIN))  # an admin runs every meeting (hosts only their own)
    listing = client.get("/meetings/").get_data(as_text=True)
    assert f"/meetings/{planned.id}/delete" in listing and f"/meetings/{held.id}/delete" not in listing
    token = csrf_token(client, "/meetings/")
    assert client.post(f"/meetings/{held.id}/delete", data={"csrf_token": token}).status_code == 302
    assert "会议已召开，不能删除" in client.get("/meetings/").get_data(as_text=True)
    assert client.post(f"/meetings/{planned.id}/delete", data={"csrf_token": token}).status_code == 302
    session.expire_all()
    assert [m.id for m in session.scalars(select(Meeting))] == [held.id]
    event = session.scalars(select(QuarterEvent).where(QuarterEvent.kind == "meeting_delete")).one()
    assert event.detail["title"] == "2026Q4 未召开的会" and event.actor


def test_a_meeting_counts_only_once_started(session):
    held = make_meeting(session, units=2)
    make_meeting(session, units=2, held=False)
    session.add(Quarter(quarter=held.quarter))
    assert [m for m, _ in quarter_turnout(session, held.quarter).meetings] and \
        len(quarter_turnout(session, held.quarter).meetings) == 1
