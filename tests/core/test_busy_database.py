"""The database busy: another process holds the write lock (SQLite) or locks every table (PostgreSQL).

A lock shorter than the busy timeout is waited out and nothing is lost. A longer one gets every user a
Chinese "数据库繁忙，请稍后重试" (never "database is locked"), stores nothing, and the app serves again as soon
as it is released. On PostgreSQL, start-up steps taking turns still wait as long as they must."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

import pytest
import requests
import socketio as socketio_client
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from core.accounts.roles import Role
from core.config import busy_timeout_ms
from core.db import BUSY_MESSAGE, Base, DatabaseBusy, db, is_busy, make_engine, wait_for_turn
from core.realtime import socketio
from question_bank.models import Question
from quiz.live import protocol
from quiz.live.models import Answer, Attendee
from tests.conftest import app_settings
from tests.factories import csrf_token, login, make_user
from tests.live_server import claim, live_server, seat_codes, staff_session
from tests.test_abuse import counts_on, current_round, live_meeting, phone

SHORT_TIMEOUT_MS = 200
STILL_WAITING_S = 0.4  # twice SHORT_TIMEOUT_MS: a write that waits this long is waiting for the lock

# Run in a process of its own: take the lock, say "locked", hold it until stdin closes, then roll back.
HOLDER = """
import sys
backend, target, what = sys.argv[1:4]
if backend == "sqlite":
    import sqlite3
    connection = sqlite3.connect(target, timeout=5, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
else:
    import psycopg2
    connection = psycopg2.connect(target, options="-c lock_timeout=5000")
    cursor = connection.cursor()
    if what == "tables":
        cursor.execute("LOCK TABLE " + ", ".join(sys.argv[4:]) + " IN EXCLUSIVE MODE")
    else:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (int(what),))
print("locked", flush=True)
sys.stdin.read()
connection.rollback()
"""


@contextmanager
def lock_held(database_url: str, what: str = "tables") -> Iterator[None]:
    """Another process holds the database's write lock (SQLite), an EXCLUSIVE lock on every table (writes
    wait, reads do not) or the advisory lock `what` (PostgreSQL) until the block ends."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    target = url.database if backend == "sqlite" else url.set(drivername="postgresql").render_as_string(False)
    tables = [f'"{table.name}"' for table in Base.metadata.sorted_tables]
    with subprocess.Popen([sys.executable, "-c", HOLDER, backend, str(target), what, *tables],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        try:
            assert holder.stdout.readline().strip() == "locked"
            yield
        finally:
            holder.stdin.close()  # the holder rolls back and exits
            holder.wait(timeout=10)


@pytest.fixture(scope="module")
def busy_app(database_url: str) -> Iterator[Flask]:
    """A second app on the test database that waits at most SHORT_TIMEOUT_MS for a lock."""
    application = create_app(app_settings(database_url, DB_BUSY_TIMEOUT_MS=SHORT_TIMEOUT_MS))
    yield application
    application.extensions["db"].engine.dispose()


def console(app: Flask, client, session, meeting):  # type: ignore[no-untyped-def]
    """An admin (who may both host and edit the bank) logged in on `client`, with a host connection."""
    login(client, make_user(session, Role.ADMIN))
    connection = socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=client)
    assert connection.is_connected()
    return connection


def question_form(token: str, stem: str) -> dict[str, str]:
    return {"type": "single", "stem": stem, "option_A": "全心全意为人民服务", "option_B": "发展经济",
            "correct": "A", "difficulty": "2", "category": "党章党规/党章", "enabled": "1", "csrf_token": token}


class Scene:
    """A live meeting on `app`: the staff's HTTP client, the host's console, a phone, and the three writes."""

    def __init__(self, app: Flask, session) -> None:  # type: ignore[no-untyped-def]
        self.app, self.session = app, session
        self.meeting = live_meeting(session)
        self.client = app.test_client()
        self.console = console(app, self.client, session, self.meeting)
        self.phone = phone(app, self.meeting)
        self.token = csrf_token(self.client, "/bank/new")
        self.rev = self.console.emit(protocol.SYNC, callback=True)["state"]["rev"]
        self.round_id = current_round(session, self.meeting).id
        self.absent = self.meeting.attendees[-1].id

    def create_question(self, **headers: str):  # type: ignore[no-untyped-def]
        return self.client.post("/bank/new", data=question_form(self.token, "党的根本宗旨是（　　）"), headers=headers)

    def set_leave(self) -> dict[str, Any]:
        payload = {"rev": self.rev, "attendee_id": self.absent, "status": "leave"}
        return self.console.emit("set_attendance", payload, callback=True)

    def answer(self) -> dict[str, Any]:
        payload = {"round_id": self.round_id, "client_id": "busy-1", "answer": "A"}
        return self.phone.emit(protocol.SUBMIT_ANSWER, payload, callback=True)

    def counts(self) -> dict[str, int]:
        return counts_on(self.app.extensions["db"].engine)

    def status_of_absent(self) -> str:
        self.session.expire_all()
        return self.session.get(Attendee, self.absent).status

    def close(self) -> None:
        self.console.disconnect()
        self.phone.disconnect()


def test_a_lock_shorter_than_the_timeout_is_waited_out_and_nothing_is_lost(app, session, database_url):
    scene = Scene(app, session)
    before = scene.counts()
    writes: list[Callable[[], Any]] = [scene.create_question, scene.set_leave, scene.answer]
    with ThreadPoolExecutor(len(writes)) as pool:
        with lock_held(database_url):
            pending = [pool.submit(write) for write in writes]
            done, _ = wait(pending, timeout=STILL_WAITING_S)
            assert not done, "every write waits while the lock is held"
        created, left, answered = (future.result(timeout=10) for future in pending)
    assert created.status_code == 302
    assert left == {"ok": True, "rev": scene.rev + 1}
    assert answered["ok"] is True and answered["answer"] == "A"
    after = scene.counts()
    assert after[Question.__tablename__] == before[Question.__tablename__] + 1
    assert after[Answer.__tablename__] == before[Answer.__tablename__] + 1
    assert scene.status_of_absent() == "leave"
    scene.close()


def test_b_a_longer_lock_gets_a_chinese_retry_everywhere_and_stores_nothing(busy_app, session, database_url):
    scene = Scene(busy_app, session)
    before = scene.counts()
    with lock_held(database_url):
        started = time.monotonic()
        page = scene.create_question()
        assert time.monotonic() - started < 3, "the configured timeout applies, not a 30 s one"
        text = page.get_data(as_text=True)
        assert page.status_code == 503 and BUSY_MESSAGE in text and page.headers["Retry-After"]
        assert "locked" not in text.lower() and "OperationalError" not in text
        as_json = scene.create_question(Accept="application/json")
        assert (as_json.status_code, as_json.json) == (503, {"ok": False, "error": BUSY_MESSAGE})
        assert scene.set_leave() == {"ok": False, "error": BUSY_MESSAGE, "rev": scene.rev}
        refused = scene.answer()
        assert refused == {"ok": False, "error": BUSY_MESSAGE}
        assert scene.counts() == before
    assert scene.counts() == before and scene.status_of_absent() != "leave"
    assert scene.console.emit(protocol.SYNC, callback=True)["state"]["rev"] == scene.rev
    # Released: the very same actions go through.
    assert scene.create_question().status_code == 302
    assert scene.set_leave() == {"ok": True, "rev": scene.rev + 1}
    assert scene.answer()["ok"] is True
    after = scene.counts()
    assert after[Question.__tablename__] == before[Question.__tablename__] + 1
    assert after[Answer.__tablename__] == before[Answer.__tablename__] + 1
    assert scene.status_of_absent() == "leave"
    scene.close()


def test_start_up_steps_wait_for_their_turn_beyond_the_timeout(busy_app, session, database_url):
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    key = 727_999
    with busy_app.app_context(), ThreadPoolExecutor(1) as pool:
        turn = db.new_session()
        with lock_held(database_url, str(key)):
            waiting = pool.submit(wait_for_turn, turn, key)
            assert not wait([waiting], timeout=STILL_WAITING_S).done, "still waiting past the busy timeout"
        waiting.result(timeout=10)
        turn.rollback()
        turn.close()


def test_the_real_server_under_eventlet_answers_busy_and_serves_on(tmp_path):
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    with live_server("eventlet", url, DB_BUSY_TIMEOUT_MS=str(SHORT_TIMEOUT_MS), LOAD_BUNDLED_BANK="0") as server:
        with staff_session(server) as http:
            first, second = seat_codes(server, http, server.demo_meeting_id)[:2]
        bystander = socketio_client.Client(reconnection=False)
        bystander.connect(server.url, auth={"code": first, "device": claim(server, first)}, transports=["websocket"])
        engine = make_engine(url)
        before = counts_on(engine)
        with lock_held(url):
            refused = requests.get(f"{server.url}/p/{second}", allow_redirects=False, timeout=10)
            assert refused.status_code == 503 and BUSY_MESSAGE in refused.text and "locked" not in refused.text
            assert bystander.call(protocol.SYNC, timeout=10)["ok"], "the server keeps serving while it is busy"
            assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
            assert counts_on(engine) == before
        assert claim(server, second)  # released: the same phone joins
        bystander.disconnect()
        engine.dispose()


# The pieces


def sqlite_busy_error(tmp_path) -> OperationalError:  # type: ignore[no-untyped-def]
    """A real "database is locked", as SQLAlchemy raises it without the app's translation."""
    path = tmp_path / "locked.sqlite3"
    with sqlite3.connect(path, isolation_level=None) as owner:
        owner.execute("CREATE TABLE t (x)")
        owner.execute("BEGIN IMMEDIATE")
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("INSERT INTO t VALUES (1)")
        except sqlite3.OperationalError as error:
            return OperationalError("INSERT", {}, error)
        finally:
            other.close()
    raise AssertionError("the second connection was not refused")


def test_is_busy_recognises_locks_and_lock_timeouts_only(tmp_path):
    assert is_busy(sqlite_busy_error(tmp_path))
    assert is_busy(sqlite3.OperationalError("database is locked"))
    assert not is_busy(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: t")))
    for code, busy in [("55P03", True), ("40P01", True), ("40001", True), ("23505", False), ("08006", False)]:
        error = type("PgError", (Exception,), {"pgcode": code})("lock timeout")
        assert is_busy(OperationalError("UPDATE", {}, error)) is busy, code
    assert not is_busy(ValueError("database is locked"))


def test_the_engine_raises_database_busy_after_the_configured_wait(tmp_path):
    url = f"sqlite:///{tmp_path / 'engine.sqlite3'}"
    engine = make_engine(url, busy_timeout_ms=150)
    with engine.begin() as connection:
        # SQLite waits a slice of 10 ms at a time; the rest of the 150 ms is waited in Python (cooperatively)
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10
        connection.exec_driver_sql("CREATE TABLE t (x)")
    with lock_held(url):
        started = time.monotonic()
        with pytest.raises(DatabaseBusy), engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert 0.1 < time.monotonic() - started < 2
    with pytest.raises(OperationalError) as other, engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO missing VALUES (1)")
    assert not isinstance(other.value, DatabaseBusy)
    engine.dispose()


def test_the_busy_timeout_setting():
    assert busy_timeout_ms("5000") == 5000
    for bad in ["0", "-1", "soon", ""]:
        with pytest.raises(ValueError, match="DB_BUSY_TIMEOUT_MS"):
            busy_timeout_ms(bad)
