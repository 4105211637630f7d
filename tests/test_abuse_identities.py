"""Identities that end, through a real server and real clients: a released or moved phone binding ends the old
phone's socket; device tokens are the server's own and an approval names the device by its confirmation code;
logout and a password change end every copy of a session; a meeting is run only by its assigned hosts."""

from __future__ import annotations

import re
import threading

import pytest
import requests
import socketio as socketio_client
from sqlalchemy import create_engine, select

from core.accounts import service as accounts
from core.accounts.roles import Role
from core.realtime import socketio
from quiz.live import protocol
from quiz.live.models import Answer, Attendee
from tests.factories import csrf_token, login, make_host, make_user
from tests.live_server import LiveServer, claim, live_server, seat_codes, staff_session
from tests.quiz.conftest import make_meeting
from tests.quiz.live.test_workers import two_workers

WAIT_S = 20


def connect(server: LiveServer, auth: dict, http: requests.Session | None = None) -> socketio_client.Client:
    sio = socketio_client.Client(reconnection=False, http_session=http)
    sio.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=10)
    return sio


def watched(server: LiveServer, auth: dict) -> tuple[socketio_client.Client, threading.Event, threading.Event, list]:
    """A phone that records the binding_ended notice and its disconnection."""
    sio = socketio_client.Client(reconnection=False)
    told, gone, notices = threading.Event(), threading.Event(), []
    sio.on(protocol.BINDING_ENDED, lambda data: (notices.append(data), told.set()))
    sio.on("disconnect", lambda *_: gone.set())
    sio.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=10)
    return sio, told, gone, notices


def refused_at_connect(server: LiveServer, auth: dict, http: requests.Session | None = None) -> bool:
    try:
        connect(server, auth, http).disconnect()
    except socketio_client.exceptions.ConnectionError:
        return True
    return False


def host_command(host: socketio_client.Client, name: str, **payload) -> dict:  # type: ignore[no-untyped-def]
    rev = host.call(protocol.SYNC, timeout=10)["state"]["rev"]
    return host.call(name, {"rev": rev, **payload}, timeout=10)


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_released_and_moved_bindings_end_the_old_phones_socket(tmp_path, mode):
    url = f"sqlite:///{tmp_path / 'bind.sqlite3'}"
    with live_server(mode, url) as server, staff_session(server) as http:
        code, other = seat_codes(server, http, server.demo_meeting_id)[:2]
        bystander = connect(server, {"code": other, "device": claim(server, other)})
        first = {"code": code, "device": claim(server, code)}
        phone, told, gone, notices = watched(server, first)
        attendee_id = phone.call(protocol.SYNC, timeout=10)["state"]["me"]["id"]
        host = connect(server, {"meeting_id": server.demo_meeting_id}, http)

        assert host_command(host, "release_device", attendee_id=attendee_id)["ok"]
        assert told.wait(WAIT_S) and gone.wait(WAIT_S)
        assert "绑定已解除" in notices[0]["message"]
        assert refused_at_connect(server, first)
        # The next phone is bound with a token of the server's making, whatever it asked for.
        chosen = requests.get(f"{server.url}/p/{code}", params={"d": "chosen-by-the-phone"}, allow_redirects=False)
        second = {"code": code, "device": re.search(r"[?&]d=([^&]+)", chosen.headers["Location"]).group(1)}
        assert chosen.status_code == 302 and second["device"] != "chosen-by-the-phone"
        assert refused_at_connect(server, {"code": code, "device": "chosen-by-the-phone"})
        phone, told, gone, _ = watched(server, second)

        # A third device asks; its page and the console show the same confirmation code.
        asker = requests.Session()
        pending = asker.get(f"{server.url}/p/{code}", params={"d": "my-own-token"})
        assert pending.status_code == 409
        shown = re.search(r"确认码 <b>(\d{4})</b>", pending.text).group(1)
        rows = host.call(protocol.SYNC, timeout=10)["state"]["attendees"]
        assert next(r for r in rows if r["id"] == attendee_id)["pending_code"] == shown
        wrong = f"{(int(shown) + 1) % 10_000:04d}"
        assert not host_command(host, "approve_device", attendee_id=attendee_id, confirm=wrong)["ok"]
        assert phone.connected and phone.call(protocol.SYNC, timeout=10)["ok"]  # a refused approval moves nothing
        assert host_command(host, "approve_device", attendee_id=attendee_id, confirm=shown)["ok"]
        assert told.wait(WAIT_S) and gone.wait(WAIT_S)
        assert refused_at_connect(server, second)
        assert refused_at_connect(server, {"code": code, "device": "my-own-token"})
        moved = asker.get(f"{server.url}/p/{code}", allow_redirects=False)  # its cookie holds the server's token
        assert moved.status_code == 302
        third = {"code": code, "device": re.search(r"[?&]d=([^&]+)", moved.headers["Location"]).group(1)}
        assert connect(server, third).call(protocol.SYNC, timeout=10)["ok"]

        assert bystander.call(protocol.SYNC, timeout=10)["ok"]  # the honest neighbour never noticed
        for client in (bystander, host):
            client.disconnect()
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.scalar(select(Attendee.device_token).where(Attendee.code == code)) == third["device"]
        assert connection.scalars(select(Answer.id)).all() == []
    engine.dispose()


def test_a_release_on_one_worker_ends_the_phone_held_by_the_other(tmp_path):
    with two_workers("gevent", "shuji_release") as workers, staff_session(workers.a) as http:
        code = seat_codes(workers.a, http, workers.a.demo_meeting_id)[0]
        phone, told, gone, _ = watched(workers.b, {"code": code, "device": claim(workers.a, code)})
        attendee_id = phone.call(protocol.SYNC, timeout=10)["state"]["me"]["id"]
        host = connect(workers.a, {"meeting_id": workers.a.demo_meeting_id}, http)
        assert host_command(host, "release_device", attendee_id=attendee_id)["ok"]
        assert told.wait(WAIT_S) and gone.wait(WAIT_S)  # through Redis, then disconnected by worker B itself
        host.disconnect()


def logout(server: LiveServer, http: requests.Session) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(server.url + "/meetings/").text).group(1)
    assert http.post(server.url + "/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 302


def copy_of(http: requests.Session) -> requests.Session:
    """Another browser holding a copy of the session cookie."""
    thief = requests.Session()
    thief.cookies.update(http.cookies)
    return thief


def test_logout_ends_every_copy_of_the_session_and_the_open_console(tmp_path):
    with live_server("gevent", f"sqlite:///{tmp_path / 'logout.sqlite3'}") as server:
        http = staff_session(server)
        thief = copy_of(http)
        assert thief.get(server.url + "/meetings/", allow_redirects=False).status_code == 200
        console = connect(server, {"meeting_id": server.demo_meeting_id}, http)
        logout(server, http)
        assert thief.get(server.url + "/meetings/", allow_redirects=False).status_code == 302
        assert refused_at_connect(server, {"meeting_id": server.demo_meeting_id}, thief)
        reply = console.call("start_meeting", {"rev": 0}, timeout=10)
        assert reply["ok"] is False and "重新登录" in reply["error"]
        again = staff_session(server)  # the real user logs in again as usual
        assert again.get(server.url + "/meetings/", allow_redirects=False).status_code == 200


def test_a_password_change_ends_every_session(app, client, session):
    user = make_user(session, Role.HOST)
    login(client, user)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/meetings/").status_code == 200
    accounts.set_password(session, user, "another-long-password")
    session.commit()
    assert client.get("/meetings/").status_code == 302 and copy.get("/meetings/").status_code == 302


def test_meetings_are_run_only_by_their_hosts_and_admins(app, client, session):
    meeting = make_meeting(session)
    assigned, other = make_host(session, meeting), make_user(session, Role.HOST)
    pages = [f"/meetings/{meeting.id}/{page}" for page in ("console", "cards", "prompt", "edit")]
    login(client, other)
    assert all(client.get(page).status_code == 403 for page in pages)
    listing = client.get("/meetings/").get_data(as_text=True)
    assert meeting.title not in listing and meeting.screen_token not in listing
    refused = socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=client)
    assert not refused.is_connected()
    # The other host makes a meeting of their own: they are its host, and may assign the first host too.
    token = csrf_token(client, "/meetings/new")
    created = client.post("/meetings/new", data={"title": "另一场", "quarter": "2026Q4", "held_on": "2026-12-01",
                                                 "unit_ids": [str(u.id) for u in meeting.units], "agenda_call": "1",
                                                 "host_ids": [str(assigned.id)], "csrf_token": token})
    assert created.status_code == 302
    own = int(re.search(r"/meetings/(\d+)/console", created.headers["Location"]).group(1))
    assert client.get(f"/meetings/{own}/console").status_code == 200

    for user, allowed in ((assigned, [meeting.id, own]), (make_user(session, Role.ADMIN), [meeting.id, own])):
        fresh = app.test_client()
        login(fresh, user)
        assert all(fresh.get(f"/meetings/{mid}/console").status_code == 200 for mid in allowed)
        host = socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=fresh)
        assert host.is_connected()
        host.disconnect()
