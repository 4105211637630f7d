"""`python app.py` really serves in each async mode: HTTP, the first admin, websockets for a known client
(anonymous sockets are refused), and PostgreSQL queries that do not block the event loop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import socketio

from tests.live_server import ROOT, claim, live_server, seat_codes, staff_session
from tests.services import private_postgres_database

MODES = ["eventlet", "gevent"]


@pytest.mark.parametrize("mode", MODES)
def test_python_app_py_serves_http_and_socketio(mode: str, tmp_path: Path):
    with live_server(mode, f"sqlite:///{tmp_path / 'live.sqlite3'}", PUBLIC_URL="", REDIS_URL="") as server:
        health = requests.get(server.url + "/healthz").json()
        assert health == {"status": "ok", "database": "ok", "schema": "current", "async_mode": mode,
                          "message_queue": "none", "limits": "memory"}
        assert len(server.admin_password) >= 12
        assert "PUBLIC_URL）：未设置" in server.start_output
        anonymous = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            anonymous.connect(server.url, transports=["websocket"], wait_timeout=10)
        code = seat_codes(server, staff_session(server), server.demo_meeting_id)[0]
        phone = socketio.Client(reconnection=False)
        phone.connect(server.url, auth={"code": code, "device": claim(server, code)}, transports=["websocket"],
                      wait_timeout=10)
        assert phone.transport() == "websocket" and phone.call("sync", None, timeout=10)["ok"]
        phone.disconnect()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("descriptors", ["low", "high-fds"])
def test_postgresql_queries_run_concurrently_under_the_async_mode(mode: str, descriptors: str):
    """Also with every database connection on a descriptor above 1,024 (a server holding 1,000+ phones):
    the wait must not use select(), which fails there ("filedescriptor out of range")."""
    with private_postgres_database("shuji_async") as url:
        result = subprocess.run([sys.executable, "-m", "tests.probes.pg_concurrency", mode, url, descriptors],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["concurrent"] == probe["sleepers"], probe
    assert (probe["fd"] > 1024) == (descriptors == "high-fds"), probe


@pytest.mark.parametrize("mode", MODES)
def test_a_write_waiting_for_sqlites_lock_lets_the_process_run(mode: str, tmp_path: Path):
    """A staff job in the worker holding SQLite's write lock must not freeze the hall: while one green thread
    waits for the lock, another keeps running (SQLite's own busy wait would block the whole loop: 1 tick)."""
    result = subprocess.run([sys.executable, "-m", "tests.probes.sqlite_wait", mode, str(tmp_path / "w.sqlite3")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["stored"] == 1 and probe["ticks_while_waiting"] >= 10, probe
