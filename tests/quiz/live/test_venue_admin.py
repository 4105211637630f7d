"""The staff venue pages through the test client: who may use them, CSRF, refused names, moves refused once the
meeting has started, a removed venue's people back in the main hall, the venue sheet, and the join form's
answer to a personal code typed at another venue's page."""

from __future__ import annotations

import time

import pytest

from core.accounts.roles import Role
from core.db import utcnow
from quiz.live import venues
from quiz.live.models import Attendee, MeetingEvent
from tests.factories import csrf_token, login, make_host, make_user
from tests.quiz.conftest import make_meeting


@pytest.fixture()
def planned(session):  # type: ignore[no-untyped-def]
    """A meeting not yet started: 单位2's people at 东区分会场 (负责人 张负责), the rest in the main hall."""
    meeting = make_meeting(session, held=False)
    east = venues.add_venue(session, meeting, "东区分会场", "张负责")
    venues.move_units(session, meeting, [meeting.units[1].id], east)
    session.commit()
    return meeting, east


def post(client, path: str, page: str, **form):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, page), **form})


def page_of(meeting) -> str:  # type: ignore[no-untyped-def]
    return f"/meetings/{meeting.id}/venues"


def test_admins_and_the_meetings_hosts_may_manage_venues_and_nobody_else(app, session, planned):
    meeting, east = planned
    other = make_meeting(session, held=False)
    people = {"admin": make_user(session, Role.ADMIN), "host": make_host(session, meeting),
              "editor": make_user(session, Role.EDITOR), "operator": make_user(session, Role.OPERATOR),
              "other_host": make_host(session, other)}
    for name, user in people.items():
        client = app.test_client()
        login(client, user)
        listing = client.get(page_of(meeting))
        sheet = client.get(f"{page_of(meeting)}/{east.id}/sheet")
        if name in ("admin", "host"):
            text = listing.get_data(as_text=True)
            assert listing.status_code == 200 and "东区分会场" in text and "张负责" in text, name
            assert east.join_code in text and east.screen_token in text and meeting.screen_token in text
            assert sheet.status_code == 200 and east.join_code in sheet.get_data(as_text=True)
        else:
            assert listing.status_code in (302, 403) and sheet.status_code in (302, 403), name
            # Nor may they post: the other meeting's host holds a valid token of its own meeting's page.
            if name == "other_host":
                token = csrf_token(client, page_of(other))
                refused = client.post(f"{page_of(meeting)}/add", data={"csrf_token": token, "name": "偷建会场"})
                assert refused.status_code == 403
    session.expire_all()
    assert [v.name for v in meeting.venues] == ["主会场", "东区分会场"]


def test_the_attendee_list_and_the_sheet_say_where_each_person_attends(client, session, planned):
    meeting, east = planned
    login(client, make_host(session, meeting))
    text = client.get(page_of(meeting)).get_data(as_text=True)
    assert text.count('<td class="venue">东区分会场</td>') == 2 and text.count('<td class="venue">主会场</td>') == 4
    sheet = client.get(f"{page_of(meeting)}/{east.id}/sheet").get_data(as_text=True)
    assert "书记2" in sheet and "副书记2" in sheet and "书记1" not in sheet and "<svg" in sheet
    assert f"/j/{east.join_code}" in sheet and f"/s/{east.screen_token}" in sheet
    other = make_meeting(session, held=False)
    foreign = venues.add_venue(session, other, "别人的会场")
    session.commit()
    assert client.get(f"{page_of(meeting)}/{foreign.id}/sheet").status_code == 404


def test_add_edit_operators_and_move_through_the_forms(client, session, planned):
    meeting, east = planned
    login(client, make_host(session, meeting))
    operator = make_user(session, Role.OPERATOR)
    editor = make_user(session, Role.EDITOR)
    page = page_of(meeting)
    assert post(client, f"{page}/add", page, name="西区分会场", leader="李负责").status_code == 302
    twice = post(client, f"{page}/add", page, name="西区分会场", leader="李负责")  # a double submit
    assert twice.status_code == 422 and "会场“西区分会场”已存在" in twice.get_data(as_text=True)
    session.expire_all()
    west = next(v for v in meeting.venues if v.name == "西区分会场")
    assert west.leader == "李负责" and len(west.join_code) == 6
    assert post(client, f"{page}/{west.id}/edit", page, name="西区县分会场", leader="王负责").status_code == 302
    # An editor's id, a disabled operator's and junk among the posted operators are ignored.
    retired = make_user(session, Role.OPERATOR)
    retired.active = False
    session.commit()
    posted = [operator.id, editor.id, retired.id, "x", "99999999999"]
    assert post(client, f"{page}/{west.id}/operators", page, user_ids=posted).status_code == 302
    assert post(client, f"{page}/units", page, unit_ids=[meeting.units[2].id], venue_id=west.id).status_code == 302
    session.expire_all()
    assert (west.name, west.leader, [u.id for u in west.operators]) == ("西区县分会场", "王负责", [operator.id])
    assert {a.venue_id for a in meeting.attendees if a.unit_id == meeting.units[2].id} == {west.id}
    single = next(a for a in meeting.attendees if a.name == "书记1")
    assert post(client, f"{page}/people", page, attendee_ids=[single.id], venue_id=east.id).status_code == 302
    session.expire_all()
    assert session.get(Attendee, single.id).venue_id == east.id
    # A venue of another meeting is not a target.
    other = make_meeting(session, held=False)
    foreign = venues.add_venue(session, other, "别人的会场")
    session.commit()
    refused = post(client, f"{page}/people", page, attendee_ids=[single.id], venue_id=foreign.id)
    assert refused.status_code == 422 and "会场不属于本次会议" in refused.get_data(as_text=True)
    refused = post(client, f"{page}/{foreign.id}/edit", page, name="改名", leader="")
    assert refused.status_code == 422 and foreign.name == "别人的会场"
    kinds = [e.kind for e in session.query(MeetingEvent).filter_by(meeting_id=meeting.id)]
    assert {"venue_add", "venue_edit", "venue_operators", "venue_move"} <= set(kinds)


def test_forms_without_a_csrf_token_are_refused(client, session, planned):
    meeting, _ = planned
    login(client, make_host(session, meeting))
    refused = client.post(f"{page_of(meeting)}/add", data={"name": "无令牌会场"})
    assert refused.status_code == 400
    session.expire_all()
    assert [v.name for v in meeting.venues] == ["主会场", "东区分会场"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 61, "东区\u200b分会场", "东区\u202e场会分", "坏\x7f名", "坏\x00名",
                                  "\ufeff会场"])
def test_unicode_junk_in_a_name_is_refused_in_chinese(client, session, planned, name):
    meeting, east = planned
    login(client, make_host(session, meeting))
    page = page_of(meeting)
    refused = post(client, f"{page}/add", page, name=name)
    assert refused.status_code == 422 and "会场名称须为1–60字" in refused.get_data(as_text=True)
    refused = post(client, f"{page}/{east.id}/edit", page, name="东区分会场", leader=name if name.strip() else "\u200e")
    assert refused.status_code == 422 and "负责人须为" in refused.get_data(as_text=True)
    session.expire_all()
    assert [v.name for v in meeting.venues] == ["主会场", "东区分会场"] and east.leader == "张负责"


def test_once_started_only_names_leaders_and_operators_change(client, session, planned):
    meeting, east = planned
    login(client, make_host(session, meeting))
    meeting.started_at = utcnow()
    session.commit()
    page = page_of(meeting)
    text = client.get(page).get_data(as_text=True)
    assert "会议已开始" in text and 'name="attendee_ids"' not in text
    single = next(a for a in meeting.attendees if a.name == "书记1")
    for path, form in [(f"{page}/people", {"attendee_ids": single.id, "venue_id": east.id}),
                       (f"{page}/units", {"unit_ids": meeting.units[0].id, "venue_id": east.id}),
                       (f"{page}/{east.id}/remove", {}), (f"{page}/add", {"name": "迟到的会场"})]:
        refused = post(client, path, page, **form)
        assert refused.status_code == 422 and "会议已开始" in refused.get_data(as_text=True), path
    assert post(client, f"{page}/{east.id}/edit", page, name="东区分会场（改）", leader="新负责").status_code == 302
    session.expire_all()
    assert session.get(Attendee, single.id).venue_id is None and len(meeting.venues) == 2
    assert east.name == "东区分会场（改）"


def test_removing_a_venue_returns_its_people_to_the_main_hall(client, session, planned):
    meeting, east = planned
    login(client, make_user(session, Role.ADMIN))
    moved = [a.id for a in meeting.attendees if a.venue_id == east.id]
    page = page_of(meeting)
    assert post(client, f"{page}/{east.id}/remove", page).status_code == 302
    session.expire_all()
    assert len(moved) == 2 and all(session.get(Attendee, i).venue_id is None for i in moved)
    assert [v.name for v in meeting.venues] == ["主会场"]
    hall = venues.convening(meeting)
    refused = post(client, f"{page}/{hall.id}/remove", page)
    assert refused.status_code == 422 and "主会场不能删除" in refused.get_data(as_text=True)


def test_a_code_typed_at_the_wrong_venue_is_told_where_it_belongs(client, session, planned):
    meeting, east = planned
    main_person = next(a for a in meeting.attendees if a.name == "书记1")
    east_person = next(a for a in meeting.attendees if a.name == "书记2")
    wrong = client.post(f"/j/{east.join_code}", data={"code": main_person.code})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 409 and "您的参会会场是“主会场”" in text and "不是本会场" in text
    wrong = client.post(f"/j/{meeting.join_code}", data={"code": east_person.code})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 409 and "“东区分会场”（负责人：张负责）" in text
    right = client.post(f"/j/{east.join_code}", data={"code": east_person.code})
    assert right.status_code == 302 and right.headers["Location"] == f"/p/{east_person.code}"
    # The refusal binds nothing: the person's phone is still free for their own venue's page.
    session.expire_all()
    assert session.get(Attendee, main_person.id).device_token is None


def test_each_projector_offers_its_own_halls_wifi(app, client, session, planned):
    meeting, east = planned
    app.config["VENUE_WIFI_SSID"], app.config["VENUE_WIFI_PASSWORD"] = "MainHall", "main-secret"
    login(client, make_host(session, meeting))
    page = page_of(meeting)
    assert "MainHall" in client.get(f"/s/{meeting.screen_token}").get_data(as_text=True)
    branch = client.get(f"/s/{east.screen_token}").get_data(as_text=True)
    assert "MainHall" not in branch and "会场无线网络" not in branch  # never the main hall's network
    too_long = post(client, f"{page}/{east.id}/edit", page, name=east.name, leader="", wifi_ssid="网" * 11)
    assert too_long.status_code == 422 and "无线网络名称最长32字节" in too_long.get_data(as_text=True)
    no_name = post(client, f"{page}/{east.id}/edit", page, name=east.name, leader="", wifi_password="x")
    assert no_name.status_code == 422
    saved = post(client, f"{page}/{east.id}/edit", page, name=east.name, leader="", wifi_ssid="东区会议室",
                 wifi_password="east-pass")
    assert saved.status_code == 302
    branch = client.get(f"/s/{east.screen_token}").get_data(as_text=True)
    assert "会场无线网络：东区会议室" in branch and "MainHall" not in branch


def test_a_renamed_venue_reaches_its_open_projector(app, client, session, planned):
    """Stored, then told: an open projector shows the change without being reloaded (the attendance ticker's
    pass after the commit)."""
    from core.realtime import socketio

    meeting, east = planned
    login(client, make_host(session, meeting))
    screen = socketio.test_client(app, auth={"screen": east.screen_token})
    assert screen.is_connected()
    screen.get_received()
    page = page_of(meeting)
    assert post(client, f"{page}/{east.id}/edit", page, name="东区县分会场", leader="张负责").status_code == 302
    deadline = time.monotonic() + 5
    names = []
    while time.monotonic() < deadline and "东区县分会场" not in names:
        names += [p["args"][0]["venue"]["name"] for p in screen.get_received() if p["name"] == "state"]
        time.sleep(0.05)
    assert "东区县分会场" in names
    screen.disconnect()
