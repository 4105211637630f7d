"""Two worker processes serve one meeting (`python app.py` twice, under eventlet and gevent): one PostgreSQL
database, Redis as Socket.IO's message queue. The host is on worker A, ten phones on worker B and ten on A,
the projector on B: the question reaches B's phones, a truly simultaneous burst of 20 answers lands exactly
once each in the database, and the projector on B counts all 20; after the reveal B's phones get their own
results, which worker A sends. And two workers started at the same moment on an empty database both come up,
with one admin and one demo meeting between them.

Redis pub/sub ignores the database number in REDIS_URL, so each run uses a channel of its own
(SOCKETIO_CHANNEL): two runs, or a developer's app, on the same Redis never hear each other.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
import redis
import requests
import socketio
from sqlalchemy import create_engine, text

from tests.live_server import ROOT, LiveServer, free_port, live_server, seat_codes
from tests.quiz.live.test_live_flow import Host, Inbox, Phone, client, correct_letter, simultaneously
from tests.services import private_postgres_database, unavailable

MODES = ["eventlet", "gevent"]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PER_WORKER = 10


def reachable_redis() -> str:
    """The test Redis's URL, or a skip (a failure under REQUIRE_SERVICES=1) saying why not."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as error:
        unavailable(f"Redis is not reachable at {REDIS_URL}: {error}")
    finally:
        connection.close()
    return REDIS_URL


@dataclasses.dataclass
class Workers:
    """Two running workers of one app, and the database they share."""

    a: LiveServer
    b: LiveServer
    database_url: str

    @property
    def ports(self) -> tuple[int, int]:
        return tuple(int(server.url.rsplit(":", 1)[1]) for server in (self.a, self.b))  # type: ignore[return-value]


@contextmanager
def two_workers(mode: str, prefix: str = "shuji_workers") -> Iterator[Workers]:
    """Worker A sets the database up (first admin, demo meeting); then worker B starts on the same database,
    both with the same REDIS_URL, channel and SECRET_KEY (a session cookie from A is valid on B)."""
    redis_url = reachable_redis()
    shared = {"REDIS_URL": redis_url, "SOCKETIO_CHANNEL": f"shuji-test-{uuid.uuid4().hex}"}
    with ExitStack() as stack:
        database_url = stack.enter_context(private_postgres_database(prefix))
        a = stack.enter_context(live_server(mode, database_url, **shared))
        b = stack.enter_context(live_server(mode, database_url, first_start=False, **shared))
        b = dataclasses.replace(b, admin_password=a.admin_password, demo_meeting_id=a.demo_meeting_id)
        yield Workers(a, b, database_url)


def screen_token(host: Host, server: LiveServer, meeting_id: int) -> str:
    """The projector's secret token, from the console's 打开大屏 link."""
    page = host.http.get(f"{server.url}/meetings/{meeting_id}/console").text
    return re.search(r'href="/s/([^"]+)"', page).group(1)


def projector(server: LiveServer, token: str, transports: list[str] | None = None) -> tuple[socketio.Client, Inbox]:
    inbox = Inbox()
    sio = client(inbox)
    sio.connect(server.url, auth={"screen": token}, transports=transports or ["websocket"], wait_timeout=10)
    assert sio.call("sync", None, timeout=10)["ok"]
    return sio, inbox


@pytest.mark.parametrize("mode", MODES)
def test_two_workers_serve_one_meeting(mode: str):
    with two_workers(mode) as workers:
        a, b, meeting_id = workers.a, workers.b, workers.a.demo_meeting_id
        assert requests.get(b.url + "/healthz", timeout=5).json()["async_mode"] == mode
        host = Host(a, meeting_id)
        codes = seat_codes(a, host.http, meeting_id)
        assert len(codes) >= 2 * PER_WORKER
        screen, screen_inbox = projector(b, screen_token(host, a, meeting_id))
        on_b = [Phone(b, code) for code in codes[:PER_WORKER]]
        on_a = [Phone(a, code) for code in codes[PER_WORKER:2 * PER_WORKER]]
        phones = on_b + on_a
        # Check-ins on B reach the console on A.
        host.inbox.wait_for(lambda: host.inbox.states and host.inbox.state["attendance"]["present"] >= len(phones),
                            "check-ins from both workers")

        assert host.do("draw_question", mode="all", types=["single"])["ok"]
        shown_at = time.monotonic()
        assert host.do("show_question")["ok"]
        for phone in phones:
            phone.inbox.wait_for(lambda p=phone: p.inbox.states and (p.inbox.state.get("round") or {}).get("phase")
                                 == "open", "the question on every phone, B's included")
        fan_out_s = time.monotonic() - shown_at
        round_id, key = on_b[0].inbox.state["round"]["id"], correct_letter(host)
        assert all(p.inbox.state["round"]["id"] == round_id for p in phones)

        # All 20 at once, half right; B's phones are stored by B's writer, A's by A's.
        wrong = next(letter for letter in "ABCD" if letter != key)
        started = time.monotonic()
        replies = simultaneously(phones, lambda p: p.answer(round_id, key if phones.index(p) % 2 == 0 else wrong))
        burst_s = time.monotonic() - started
        assert all(r and r["ok"] and r["repeat"] is False for r in replies), replies

        # The projector on B and the console on A both count all 20 (each worker counts from the database).
        screen_inbox.wait_for(lambda: any(c["round_id"] == round_id and c["answered"] == len(phones)
                                          for c in screen_inbox.counts), "answer_count 20 on the projector (B)")
        host.inbox.wait_for(lambda: any(c["round_id"] == round_id and c["answered"] == len(phones)
                                        for c in host.inbox.counts), "answer_count 20 on the console (A)")
        assert max(c["answered"] for c in screen_inbox.counts) == len(phones)

        # The reveal runs on A; each phone on B still gets its own result.
        assert host.do("reveal_answer")["ok"]
        for index, phone in enumerate(on_b):
            phone.inbox.wait_for(lambda p=phone: p.inbox.results, "a personal result on B")
            assert phone.inbox.results[-1]["correct"] is (index % 2 == 0)

        engine = create_engine(workers.database_url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT attendee_id, COUNT(*) FROM answers WHERE round_id = :r "
                                           "GROUP BY attendee_id"), {"r": round_id}).all()
            right = connection.execute(text("SELECT COUNT(*) FROM answers WHERE round_id = :r AND correct"),
                                       {"r": round_id}).scalar()
        engine.dispose()
        assert sorted(attendee for attendee, _ in rows) == sorted(p.me["id"] for p in phones)
        assert all(count == 1 for _, count in rows) and right == PER_WORKER
        print(f"\n{mode}: question on all 20 phones {fan_out_s * 1000:.0f} ms after the ack; "
              f"20 answers acked in {burst_s * 1000:.0f} ms")
        for phone in phones:
            phone.sio.disconnect()
        screen.disconnect()
        host.sio.disconnect()


def test_two_workers_started_at_once_on_an_empty_database():
    """Both run the first-start steps; they take turns, so one creates the admin and the demo and the other
    finds them (before, the second crashed on the admin's unique username)."""
    with private_postgres_database("shuji_first_start") as url:
        processes, outputs = [], []
        try:
            for _ in range(2):
                port = free_port()
                environ = {**os.environ, "ASYNC_MODE": "eventlet", "PORT": str(port), "DATABASE_URL": url,
                           "SECRET_KEY": "test-secret", "PYTHONUNBUFFERED": "1", "REDIS_URL": ""}
                process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=environ,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                processes.append((f"http://127.0.0.1:{port}", process))
            deadline = time.monotonic() + 90
            for worker_url, process in processes:
                while True:
                    try:
                        if requests.get(worker_url + "/healthz", timeout=2).status_code == 200:
                            break
                    except requests.ConnectionError:
                        pass
                    assert process.poll() is None, "a worker exited at start"
                    assert time.monotonic() < deadline, "a worker did not come up"
                    time.sleep(0.1)
        finally:
            for _, process in processes:
                process.terminate()
            for _, process in processes:
                outputs.append(process.communicate(timeout=20)[0].decode("utf-8", errors="replace"))
        printed = "".join(outputs)
        assert printed.count("已创建管理员账号") == 1 and printed.count("已创建演示名册") == 1, printed[-3000:]
        engine = create_engine(url)
        with engine.connect() as connection:
            counts = [connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
                      for table in ("users", "meetings")]
        engine.dispose()
        assert counts == [1, 1]
