"""Abuse on a real server (`python app.py`) through real clients: what one phone, page or neighbour on the venue
Wi-Fi sends must not fail another phone's answer, the console, or a neighbour's join (issue 11, items 1–3, 5
and 6). Each test asserts that the honest phones are answered and that nothing stored changed that should not.

The server trusts 127.0.0.1 as its proxy, so a test can speak for several client addresses through
X-Forwarded-For, as nginx would.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio
import websocket
from sqlalchemy import create_engine, text

from core.throttle import AUDIENCE_MESSAGE, LOCKED_MESSAGE
from tests.live_server import LiveServer, claim, free_port, live_server, seat_codes, staff_session
from tests.quiz.live.test_live_flow import Host, Phone, simultaneously
from tests.quiz.live.test_workers import reachable_redis
from tests.services import private_postgres_database

HONEST = 30
POISON = "\ud800"  # one character, passes a length check, cannot be written as UTF-8


@pytest.fixture(scope="module", params=["gevent", "eventlet"])
def venue(request: pytest.FixtureRequest) -> Iterator[tuple[LiveServer, str]]:
    """One server per async mode on PostgreSQL (which refuses a lone surrogate outright) for the module."""
    with private_postgres_database("shuji_abuse") as url, live_server(request.param, url,
                                                                      TRUSTED_PROXIES="127.0.0.1") as server:
        yield server, url


@pytest.fixture(scope="module")
def seats(venue) -> list[str]:  # type: ignore[no-untyped-def]
    server, _url = venue
    with staff_session(server) as http:
        return seat_codes(server, http, server.demo_meeting_id)


def scalar(url: str, sql: str, **params) -> int:  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def open_question(host: Host) -> int:
    """A question on screen for everyone; returns its round."""
    state = host.sio.call("sync", None, timeout=10)["state"]
    if state.get("round") and state["round"]["phase"] in ("open", "paused"):
        assert host.do("close_question")["ok"]
    if state.get("round"):
        assert host.do("next_question")["ok"]
    assert host.do("draw_question", mode="all", types=["single"])["ok"]
    assert host.do("show_question")["ok"]
    return host.sio.call("sync", None, timeout=10)["state"]["round"]["id"]


# 1. Batch poisoning


def test_a_phone_sending_a_lone_surrogate_fails_no_other_phones_answer(venue, seats):  # type: ignore[no-untyped-def]
    server, url = venue
    host = Host(server, server.demo_meeting_id)
    phones = [Phone(server, code) for code in seats[:HONEST + 1]]
    round_id = open_question(host)
    poisoner = phones[-1]

    def act(phone: Phone) -> dict:
        if phone is poisoner:
            return phone.sio.call("submit_answer", {"round_id": round_id, "client_id": POISON, "answer": "A"},
                                  timeout=30)
        return phone.answer(round_id, "A")

    replies = simultaneously(phones, act)
    assert all(reply["ok"] for reply in replies[:HONEST]), replies
    assert replies[HONEST] == {"ok": False, "error": "作答数据无效"}
    assert poisoner.sio.call("submit_answer", {"round_id": round_id, "client_id": "c1", "answer": [POISON]},
                             timeout=30)["ok"] is False
    assert scalar(url, "SELECT count(*) FROM answers WHERE round_id = :r", r=round_id) == HONEST
    for phone in phones:
        phone.sio.disconnect()
    host.sio.disconnect()


# 2. Console poisoning


def test_a_lone_surrogate_already_stored_never_stops_the_console(venue):  # type: ignore[no-untyped-def]
    server, url = venue
    host = Host(server, server.demo_meeting_id)
    round_id = open_question(host)
    engine = create_engine(url)
    with engine.begin() as connection:  # stored by an older version: escaped JSON holds it as ASCII
        question = connection.execute(text("SELECT question FROM rounds WHERE id = :r"), {"r": round_id}).scalar_one()
        question["stem"] += POISON
        connection.execute(text("UPDATE rounds SET question = :q WHERE id = :r"),
                           {"q": json.dumps(question), "r": round_id})
    engine.dispose()
    cookie = "; ".join(f"{c.name}={c.value}" for c in host.http.cookies)
    for transport in ("websocket", "polling"):
        console = socketio.Client(reconnection=False)
        console.connect(server.url, headers={"Cookie": cookie}, auth={"meeting_id": server.demo_meeting_id},
                        transports=[transport], wait_timeout=10)
        synced = console.call("sync", None, timeout=10)
        assert synced["ok"] and synced["state"]["current"]["question"]["stem"].endswith("\ufffd"), transport
        console.disconnect()
    assert host.do("pause_question")["ok"] and host.do("resume_question")["ok"]  # their broadcasts encode too
    assert host.sio.call("sync", None, timeout=10)["ok"]
    host.sio.disconnect()


# 3. One address's typos


def at(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_an_addresss_wrong_codes_never_refuse_a_right_code_or_a_seat_card(venue, seats):  # type: ignore[no-untyped-def]
    server, _url = venue
    nat = at("203.0.113.50")
    with requests.Session() as guesser:
        for number in range(11):
            guesser.get(f"{server.url}/p/NOPE{number:04d}", headers=nat)
        assert guesser.get(f"{server.url}/p/NOPE9999", headers=nat).status_code == 429  # guessing is locked …
    neighbour = seats[HONEST + 2]
    opened = requests.get(f"{server.url}/p/{neighbour}", headers=nat, allow_redirects=False)
    assert opened.status_code == 302  # … the seat card's QR on the same address still opens
    device = re.search(r"[?&]d=([^&]+)", opened.headers["Location"]).group(1)
    phone = socketio.Client(reconnection=False)
    for number in range(11):  # wrong device tokens from the same address
        wrong = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            wrong.connect(server.url, auth={"code": neighbour, "device": f"x{number}"}, headers=nat,
                          transports=["websocket"], wait_timeout=5)
        close(wrong)
    phone.connect(server.url, auth={"code": neighbour, "device": device}, headers=nat, transports=["websocket"],
                  wait_timeout=10)
    assert phone.call("sync", None, timeout=10)["ok"]
    phone.disconnect()


def login(server: LiveServer, username: str, password: str, address: str) -> requests.Response:
    with requests.Session() as http:
        page = http.get(server.url + "/login", headers=at(address)).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return http.post(server.url + "/login", data={"username": username, "password": password,
                                                      "csrf_token": token}, headers=at(address),
                         allow_redirects=False)


def test_twenty_wrong_passwords_do_not_lock_the_admin_out(venue):  # type: ignore[no-untyped-def]
    server, _url = venue
    for number in range(20):
        assert login(server, "admin", "wrong-password", f"198.51.100.{number % 2}").status_code in (401, 429)
    assert login(server, "admin", "wrong-password", "198.51.100.0").status_code == 429  # the guesser waits
    assert login(server, "admin", server.admin_password, "192.0.2.10").status_code == 302  # the admin does not


# 5. One socket floods


def close(sio: socketio.Client) -> None:
    """Disconnect; a client the server dropped leaves its websocket open, so shut that too."""
    sio.disconnect()
    if sio.eio.ws is not None:
        sio.eio.ws.shutdown()


def good_phone_answered(phone: Phone) -> bool:
    reply = phone.sio.call("sync", None, timeout=20)
    return reply["ok"] and phone.sio.call("clock", None, timeout=20)["server_now_ms"] > 0


def flooder(server: LiveServer, code: str) -> tuple[socketio.Client, threading.Event, list[dict]]:
    acks: list[dict] = []
    gone = threading.Event()
    sio = socketio.Client(reconnection=False)
    sio.on("disconnect", lambda *_: gone.set())
    sio.connect(server.url, auth={"code": code, "device": claim(server, code)}, transports=["websocket"],
                wait_timeout=10)
    return sio, gone, acks


@pytest.mark.parametrize("flood", ["sync", "junk"])
def test_one_socket_flooding_events_does_not_stall_a_good_phone(venue, seats, flood):  # type: ignore[no-untyped-def]
    server, url = venue
    first = HONEST + 3 + 2 * (flood == "junk")
    good = Phone(server, seats[first])
    before = scalar(url, "SELECT count(*) FROM meeting_events")
    sio, gone, acks = flooder(server, seats[first + 1])
    count = 2000 if flood == "sync" else 5000
    try:
        for number in range(count):
            if flood == "sync":
                sio.emit("sync", None, callback=acks.append)
            else:
                sio.emit(f"junk-{number}", {"n": number})
    except socketio.exceptions.BadNamespaceError:
        assert gone.is_set()  # cut off by the server before it had sent everything
    assert good_phone_answered(good)
    assert gone.wait(30)  # the flooder was cut off
    if flood == "sync":
        assert any(ack.get("error") == "操作过于频繁，请稍后再试" for ack in acks)
    assert good_phone_answered(good)
    assert scalar(url, "SELECT count(*) FROM meeting_events") == before
    close(sio)
    good.sio.disconnect()


def test_a_socket_that_never_reads_its_thousand_syncs_does_not_stall_a_good_phone(venue, seats):  # type: ignore[no-untyped-def]
    server, _url = venue
    good = Phone(server, seats[HONEST + 7])
    code = seats[HONEST + 8]
    raw = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                      timeout=10)
    assert raw.recv().startswith("0")
    raw.send("40" + json.dumps({"code": code, "device": claim(server, code)}))
    assert raw.recv().startswith("40")
    for number in range(1000):
        raw.send(f'42{number}["sync"]')  # and never read a reply
    assert good_phone_answered(good)
    packets = []
    while not packets or packets[-1] != "41":  # what the server sent it, up to its disconnect
        try:
            packets.append(raw.recv())
        except (websocket.WebSocketException, OSError):
            break
    assert packets[-1] == "41" and len(packets) < 1000, len(packets)  # cut off, not answered a thousand times
    raw.close()
    good.sio.disconnect()


# 6. Sybils


def test_one_browser_cannot_join_as_a_crowd_of_anonymous_listeners(venue, seats):  # type: ignore[no-untyped-def]
    server, url = venue
    join_code = scalar(url, "SELECT join_code FROM meetings WHERE id = :m", m=server.demo_meeting_id)
    before = scalar(url, "SELECT count(*) FROM attendees WHERE anonymous")
    with requests.Session() as browser, requests.Session() as neighbour:
        assert browser.get(f"{server.url}/j/{join_code}").status_code == 200
        statuses = [browser.post(f"{server.url}/j/{join_code}", data={"anonymous": "1"},
                                 allow_redirects=False).status_code for _ in range(150)]
        assert statuses[:3] == [302, 302, 302] and set(statuses[3:]) == {429}
        refused = browser.post(f"{server.url}/j/{join_code}", data={"anonymous": "1"})
        assert AUDIENCE_MESSAGE in refused.text
        assert scalar(url, "SELECT count(*) FROM attendees WHERE anonymous") == before + 3
        # another browser on the same address joins
        assert neighbour.post(f"{server.url}/j/{join_code}", data={"anonymous": "1"},
                              allow_redirects=False).status_code == 302


def test_one_browser_cannot_join_as_a_crowd_over_the_socket(venue, seats):  # type: ignore[no-untyped-def]
    """The join page's listener joins over the socket: the same per-browser count, refused with its reason."""
    server, url = venue
    join_code = scalar(url, "SELECT join_code FROM meetings WHERE id = :m", m=server.demo_meeting_id)
    before = scalar(url, "SELECT count(*) FROM attendees WHERE anonymous")
    joined = []
    for _ in range(3):
        sio = socketio.Client(reconnection=False)
        sio.connect(server.url, auth={"join": join_code, "browser": "one-browser"}, transports=["websocket"],
                    wait_timeout=10)
        me = sio.call("who_am_i", None, timeout=10)
        assert me["ok"] and len(me["code"]) == 10
        joined.append(me["code"])
        sio.disconnect()
    refused, reasons = socketio.Client(reconnection=False), []
    refused.on("connect_error", lambda data: reasons.append(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused.connect(server.url, auth={"join": join_code, "browser": "one-browser"}, transports=["websocket"],
                        wait_timeout=10)
    assert reasons and AUDIENCE_MESSAGE in str(reasons[0]), reasons
    assert scalar(url, "SELECT count(*) FROM attendees WHERE anonymous") == before + 3 and len(set(joined)) == 3


# Limits shared by all workers


def test_two_workers_share_the_guessing_counts_in_redis(tmp_path: Path):
    shared = {"REDIS_URL": reachable_redis(), "SOCKETIO_CHANNEL": f"shuji-test-{uuid.uuid4().hex}",
              "TRUSTED_PROXIES": "127.0.0.1"}
    with private_postgres_database("shuji_limits") as url, live_server("gevent", url, **shared) as a, \
            live_server("gevent", url, first_start=False, **shared) as b:
        assert requests.get(a.url + "/healthz", timeout=5).json()["limits"] == "redis"
        for number in range(10):  # five wrong codes on each worker, from one address
            worker = (a, b)[number % 2]
            assert requests.get(f"{worker.url}/p/NOPE{number:04d}", headers=at("198.51.100.77")).status_code == 404
        for worker in (a, b):  # each counted all ten
            assert requests.get(f"{worker.url}/p/NOPE9999", headers=at("198.51.100.77")).status_code == 429
        assert LOCKED_MESSAGE in requests.get(f"{b.url}/p/NOPE9998", headers=at("198.51.100.77")).text
        assert requests.get(f"{b.url}/p/NOPE9997", headers=at("198.51.100.78")).status_code == 404


def test_with_redis_down_the_limits_count_in_memory_and_healthz_says_so(tmp_path: Path):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with live_server("gevent", f"sqlite:///{tmp_path / 'down.sqlite3'}", REDIS_URL=dead,
                     SOCKETIO_CHANNEL=f"shuji-test-{uuid.uuid4().hex}") as server:
        for number in range(10):
            assert requests.get(f"{server.url}/p/NOPE{number:04d}").status_code == 404
        assert requests.get(f"{server.url}/p/NOPE9999").status_code == 429  # still limited, in memory
        health = requests.get(server.url + "/healthz", timeout=10).json()
        assert health["limits"] == "memory (Redis unreachable)" and health["limits_warning"]
        assert health["status"] == "degraded"
