"""Abuse from the venue network, through a real server and real clients, under both async modes: half-sent
requests and idle keep-alive sockets, one address holding too many connections, pages of other origins opening
the host's socket, and off-site `next` redirects. Honest phones are answered; nothing stored changes."""

from __future__ import annotations

import select
import socket
import time

import pytest
import requests
import socketio as socketio_client
from requests.adapters import HTTPAdapter
from sqlalchemy import create_engine

from core.web import CONTENT_SECURITY_POLICY
from quiz.live import protocol
from tests.factories import PASSWORD, csrf_token, make_user
from tests.live_server import LiveServer, claim, live_server, seat_codes, staff_session
from tests.test_abuse import counts_on

MODES = ["gevent", "eventlet"]
HALF_SENT = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "  # the headers never end
CLOSE_WITHIN_S = 30  # a deadline for the server to act, far above the 1 s timeouts the tests configure


class FromAddress(HTTPAdapter):
    """requests' adapter whose connections leave from `source` (any 127/8 address is this machine)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


def session_from(source: str) -> requests.Session:
    http = requests.Session()
    http.mount("http://", FromAddress(source))
    return http


def phone_auth(server: LiveServer) -> dict[str, str]:
    """A seat card's code and the device token its first phone was given."""
    with staff_session(server) as http:
        code = seat_codes(server, http, server.demo_meeting_id)[0]
    return {"code": code, "device": claim(server, code)}


def port_of(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def half_sent(server: LiveServer, count: int, source: str = "127.0.0.1") -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port_of(server)), timeout=10, source_address=(source, 0))
        sock.sendall(HALF_SENT)
        sockets.append(sock)
    return sockets


def closed_by_server(sockets: list[socket.socket]) -> int:
    """How many of `sockets` the server closed (end of file or reset) before the deadline."""
    waiting, closed = list(sockets), 0
    deadline = time.monotonic() + CLOSE_WITHIN_S
    while waiting and time.monotonic() < deadline:
        readable, _, _ = select.select(waiting, [], [], max(0.0, deadline - time.monotonic()))
        for sock in readable:
            try:
                data = sock.recv(4096)
            except ConnectionError:
                data = b""
            if not data or data.startswith(b"HTTP/1.1 400"):
                closed += 1
                waiting.remove(sock)
    return closed


def answered_phone(server: LiveServer, auth: dict[str, str], transport: str = "websocket",
                   http: requests.Session | None = None) -> bool:
    """A phone connects and its sync is answered with the state."""
    sio = socketio_client.Client(reconnection=False, http_session=http)
    sio.connect(server.url, auth=auth, transports=[transport], wait_timeout=10)
    try:
        return sio.call(protocol.SYNC, timeout=10)["ok"] is True
    finally:
        sio.disconnect()


@pytest.mark.parametrize("mode", MODES)
def test_half_sent_requests_and_idle_sockets_are_closed_and_phones_still_answered(tmp_path, mode):
    url = f"sqlite:///{tmp_path / 'slow.sqlite3'}"
    with live_server(mode, url, HEADER_TIMEOUT_S="1", IDLE_TIMEOUT_S="1") as server:
        auth = phone_auth(server)
        engine = create_engine(url)
        before = counts_on(engine)
        slow = half_sent(server, 500)
        idle = socket.create_connection(("127.0.0.1", port_of(server)), timeout=10)
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert idle.recv(4096).startswith(b"HTTP/1.1 200")  # answered, then kept alive and left idle
        assert answered_phone(server, auth)  # while the 500 hang
        assert closed_by_server(slow) == 500
        assert closed_by_server([idle]) == 1
        assert answered_phone(server, auth)
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
        for sock in [*slow, idle]:
            sock.close()
        after = counts_on(engine)
        engine.dispose()
    assert after == before


@pytest.mark.parametrize("mode", MODES)
def test_one_address_is_capped_while_another_still_gets_in(tmp_path, mode):
    url = f"sqlite:///{tmp_path / 'cap.sqlite3'}"
    with live_server(mode, url, MAX_CONNECTIONS_PER_ADDRESS="20", HEADER_TIMEOUT_S="120") as server:
        auth = phone_auth(server)
        engine = create_engine(url)
        before = counts_on(engine)
        held = half_sent(server, 20)
        extra = socket.create_connection(("127.0.0.1", port_of(server)), timeout=10)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        reply = extra.recv(4096)
        assert reply.startswith(b"HTTP/1.1 503"), reply
        assert "连接过多" in reply.decode("utf-8", errors="replace")
        with session_from("127.0.0.2") as other:
            assert other.get(server.url + "/healthz", timeout=5).status_code == 200
            assert answered_phone(server, auth, "polling", other)
        for sock in held:  # the 20 were left alone by the refusal
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1)
            sock.close()
        extra.close()
        after = counts_on(engine)
        engine.dispose()
    assert after == before


def polling_handshake(server: LiveServer, origin: str, http: requests.Session | None = None) -> requests.Response:
    return (http or requests).get(server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"},
                                  headers={"Origin": origin}, timeout=10)


@pytest.mark.parametrize("mode", MODES)
def test_only_the_apps_own_origins_open_a_socket(tmp_path, mode):
    url = f"sqlite:///{tmp_path / 'origin.sqlite3'}"
    with live_server(mode, url) as server:
        auth = phone_auth(server)
        engine = create_engine(url)
        before = counts_on(engine)
        foreign = ["http://evil.example", f"http://127.0.0.1:{port_of(server) + 1}", "null",
                   server.url.replace("http://", "https://evil.")]
        with staff_session(server) as http:  # the host's cookie rides along with every attempt
            for origin in foreign:
                assert polling_handshake(server, origin, http).status_code == 400, origin
                for transport in ("websocket", "polling"):
                    # websocket-client sends an Origin of its own; its `origin` option replaces it
                    sio = socketio_client.Client(reconnection=False, http_session=http,
                                                 websocket_extra_options={"origin": origin})
                    with pytest.raises(socketio_client.exceptions.ConnectionError):
                        sio.connect(server.url, auth={"meeting_id": server.demo_meeting_id}, transports=[transport],
                                    headers={"Origin": origin} if transport == "polling" else {}, wait_timeout=10)
            own = polling_handshake(server, server.url, http)
            assert own.status_code == 200 and own.headers["Access-Control-Allow-Origin"] == server.url
            assert own.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
            assert own.headers["X-Content-Type-Options"] == "nosniff"
            host = socketio_client.Client(reconnection=False, http_session=http)
            host.connect(server.url, auth={"meeting_id": server.demo_meeting_id}, transports=["websocket"],
                         wait_timeout=10)  # websocket-client's own Origin: the server's
            assert host.call(protocol.SYNC, timeout=10)["ok"]
            host.disconnect()
        refusal = polling_handshake(server, "http://evil.example")
        assert refusal.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in refusal.headers
        assert answered_phone(server, auth, "websocket")
        after = counts_on(engine)
        engine.dispose()
    assert after == before


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example", "/%0d%0aSet-Cookie:x=1",
                                    "/%5C/evil.example", "//evil.example", "https://evil.example", "/%7F/evil"])
def test_login_never_redirects_off_site_or_fails_on_a_bad_next(app, client, session, target):
    user = make_user(session)
    response = client.post(f"/login?next={target}", data={"username": user.username, "password": PASSWORD,
                                                          "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/login?next=" + target).status_code == 200


def test_login_keeps_a_same_site_next(app, client, session):
    user = make_user(session)
    response = client.post("/login?next=/meetings/", data={"username": user.username, "password": PASSWORD,
                                                           "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/meetings/"
