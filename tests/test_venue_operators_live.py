"""A venue operator (分会场管理员) through a real server and real clients: the admin creates the account on the
users page, the operator logs in and lands on 「我的会场」, approves and releases a phone at its own venue (the
old phone's socket is actually ended), and is refused — through the pages and the socket, nothing stored — for
people of the other branch venue and of the main hall, for another venue's room, for host commands, and once
its session cookie was logged out."""

from __future__ import annotations

import re
import threading

import requests
import socketio as socketio_client
from sqlalchemy import create_engine, select

from core.accounts.models import User
from quiz.live import protocol
from quiz.live.models import Attendee, MeetingEvent, Venue, venue_operators
from tests.live_server import LiveServer, claim, live_server, staff_session

WAIT_S = 20
PASSWORD = "operator-password-1"
ONLY_HERE = "该参会人员不在本会场，不能在此操作"


def csrf(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(url).text).group(1)


def create_operator(server: LiveServer, database_url: str, venue_name: str) -> tuple[int, dict[str, list]]:
    """The admin adds an operator account through the users page and gives it `venue_name` on the meeting's
    venues page. Returns the venue's id and the demo meeting's codes by venue id (None: the main hall)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        venue_id = connection.scalar(select(Venue.id).where(Venue.name == venue_name))
    with staff_session(server) as admin:
        created = admin.post(server.url + "/admin/users", allow_redirects=False, data={
            "csrf_token": csrf(admin, server.url + "/admin/users"), "username": "op-ding", "password": PASSWORD,
            "role": "operator", "display_name": "丁区管理员"})
        assert created.status_code == 302 and "分会场管理员" in admin.get(server.url + "/admin/users").text
        with engine.connect() as connection:
            user_id = connection.scalar(select(User.id).where(User.username == "op-ding"))
        page = f"{server.url}/meetings/{server.demo_meeting_id}/venues"
        given = admin.post(f"{page}/{venue_id}/operators", allow_redirects=False,
                           data={"csrf_token": csrf(admin, page), "user_ids": [str(user_id)]})
        assert given.status_code in (302, 303), given.text[:300]
    with engine.connect() as connection:
        assert connection.scalar(select(venue_operators.c.user_id).where(venue_operators.c.venue_id == venue_id)) \
            == user_id
        rows = connection.execute(select(Attendee.venue_id, Attendee.code).where(
            Attendee.meeting_id == server.demo_meeting_id, Attendee.anonymous.is_(False))).all()
    engine.dispose()
    codes: dict = {}
    for venue, code in rows:
        codes.setdefault(venue, []).append(code)
    return venue_id, codes


def connect(server: LiveServer, auth: dict, http: requests.Session | None = None) -> socketio_client.Client:
    sio = socketio_client.Client(reconnection=False, http_session=http)
    sio.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=10)
    return sio


def refused_at_connect(server: LiveServer, auth: dict, http: requests.Session) -> bool:
    try:
        connect(server, auth, http).disconnect()
    except socketio_client.exceptions.ConnectionError:
        return True
    return False


def test_an_operator_keeps_its_venue_and_nothing_else(tmp_path):
    url = f"sqlite:///{tmp_path / 'operators.sqlite3'}"
    with live_server("gevent", url) as server:
        venue_id, codes = create_operator(server, url, "演示丁区分会场")
        other_id = next(v for v in codes if v not in (None, venue_id))
        operator = staff_session(server, "op-ding", PASSWORD)
        landing = operator.get(server.url + "/")
        assert landing.url.endswith("/venues/") and "演示丁区分会场" in landing.text
        assert operator.get(f"{server.url}/venues/{venue_id}").status_code == 200
        for page in (f"/venues/{other_id}", "/meetings/", f"/meetings/{server.demo_meeting_id}/console", "/bank/",
                     "/roster/", "/admin/users"):
            assert operator.get(server.url + page, allow_redirects=False).status_code == 403, page

        # A phone at the venue, then a second device asking for the same code.
        code = codes[venue_id][0]
        first = {"code": code, "device": claim(server, code)}
        phone = socketio_client.Client(reconnection=False)
        told, gone = threading.Event(), threading.Event()
        phone.on(protocol.BINDING_ENDED, lambda _data: told.set())
        phone.on("disconnect", lambda *_: gone.set())
        phone.connect(server.url, auth=first, transports=["websocket"], wait_timeout=10)
        attendee_id = phone.call(protocol.SYNC, timeout=10)["state"]["me"]["id"]
        asker = requests.Session()
        pending = asker.get(f"{server.url}/p/{code}")
        shown = re.search(r"确认码 <b>(\d{4})</b>", pending.text).group(1)

        desk = connect(server, {"venue": venue_id}, operator)
        state = desk.call(protocol.SYNC, timeout=10)["state"]
        row = next(p for p in state["people"] if p["id"] == attendee_id)
        assert row["pending_code"] == shown and "attendees" not in state and "current" not in state
        reply = desk.call("venue_approve_device", {"attendee_id": attendee_id, "confirm": shown}, timeout=10)
        assert reply == {"ok": True}
        assert told.wait(WAIT_S) and gone.wait(WAIT_S)  # the old phone's socket really ended
        assert desk.call("venue_release_device", {"attendee_id": attendee_id}, timeout=10) == {"ok": True}
        assert desk.call("venue_set_attendance", {"attendee_id": attendee_id, "status": "leave"},
                         timeout=10) == {"ok": True}

        # Elsewhere: the other branch's people and the main hall's, through the socket; nothing is stored.
        engine = create_engine(url)
        with engine.connect() as connection:
            strangers = connection.execute(select(Attendee.id, Attendee.device_token, Attendee.status).where(
                Attendee.code.in_([codes[other_id][0], codes[None][0]]))).all()
        for stranger_id, _, _ in strangers:
            for event, extra in (("venue_set_attendance", {"status": "present"}), ("venue_release_device", {}),
                                 ("venue_approve_device", {"confirm": "0000"})):
                assert desk.call(event, {"attendee_id": stranger_id, **extra}, timeout=10) == {
                    "ok": False, "error": ONLY_HERE}
        assert desk.call("start_meeting", {"rev": state["rev"]}, timeout=10)["error"] == "只有主持人可以操作会议"
        assert refused_at_connect(server, {"venue": other_id}, operator)
        assert refused_at_connect(server, {"meeting_id": server.demo_meeting_id}, operator)
        with engine.connect() as connection:
            after = connection.execute(select(Attendee.id, Attendee.device_token, Attendee.status).where(
                Attendee.id.in_([s[0] for s in strangers]))).all()
            assert sorted(after) == sorted(strangers)
            logged = connection.execute(select(MeetingEvent.kind, MeetingEvent.actor, MeetingEvent.detail).where(
                MeetingEvent.kind.in_(["venue_approve_device", "venue_release_device", "venue_set_attendance"]))
                .order_by(MeetingEvent.id)).all()
            assert [(k, a) for k, a, _ in logged] == [("venue_approve_device", "op-ding"),
                                                       ("venue_release_device", "op-ding"),
                                                       ("venue_set_attendance", "op-ding")]
            assert all(d["venue_id"] == venue_id for _, _, d in logged)
            assert connection.scalar(select(Attendee.device_token).where(Attendee.id == attendee_id)) is None

        # A copy of the cookie, once the operator logged out, is refused; the open page's commands too.
        thief = requests.Session()
        thief.cookies.update(operator.cookies)
        token = csrf(operator, f"{server.url}/venues/")
        logged_out = operator.post(server.url + "/logout", data={"csrf_token": token}, allow_redirects=False)
        assert logged_out.status_code == 302
        assert thief.get(f"{server.url}/venues/{venue_id}", allow_redirects=False).status_code == 302
        assert refused_at_connect(server, {"venue": venue_id}, thief)
        late = desk.call("venue_set_attendance", {"attendee_id": attendee_id, "status": "present"}, timeout=10)
        assert late["ok"] is False and "重新登录" in late["error"]
        with engine.connect() as connection:
            assert connection.scalar(select(Attendee.status).where(Attendee.id == attendee_id)) == "leave"
        engine.dispose()
        desk.disconnect()
