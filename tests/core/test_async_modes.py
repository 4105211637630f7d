"""`python app.py` really serves in each async mode: HTTP, the first admin, a real Socket.IO client, and
PostgreSQL queries that do not block the event loop."""

from __future__ import annotations

import json
import os
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

import pytest
import socketio

from tests.services import private_postgres_database

ROOT = Path(__file__).resolve().parents[2]
MODES = ["eventlet", "gevent"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_some(process: subprocess.Popen, deadline: float) -> str:
    """Whatever the server has printed so far (raw reads: select sees no data hidden in a buffer)."""
    ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
    if not ready:
        raise AssertionError("the server printed nothing before the deadline")
    return os.read(process.stdout.fileno(), 65536).decode("utf-8", errors="replace")


@contextmanager
def running_server(mode: str, database_url: str) -> Iterator[tuple[str, list[str]]]:
    """Start `python app.py`, wait until it prints its start-up lines and answers /healthz."""
    port = free_port()
    env = {**os.environ, "ASYNC_MODE": mode, "PORT": str(port), "DATABASE_URL": database_url,
           "SECRET_KEY": "test-secret", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, bufsize=0,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        printed = ""
        while "首次启动" not in printed:
            chunk = read_some(process, deadline)
            assert chunk, f"server exited early: {printed}"
            printed += chunk
        lines = printed.splitlines()
        while True:
            try:
                with urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "".join(lines)
                select.select([], [], [], 0.1)  # poll again shortly
        yield base, lines
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()


@pytest.mark.parametrize("mode", MODES)
def test_python_app_py_serves_http_and_socketio(mode: str, tmp_path: Path):
    with running_server(mode, f"sqlite:///{tmp_path / 'live.sqlite3'}") as (base, lines):
        with urlopen(base + "/healthz") as response:
            health = json.load(response)
        assert health == {"status": "ok", "database": "ok", "schema": "current", "async_mode": mode}
        assert re.search(r"管理员账号 admin，密码 \S{12,}", "".join(lines))
        assert any("PUBLIC_URL" in line and "未设置" in line for line in lines)
        client = socketio.Client(reconnection=False)
        client.connect(base, transports=["websocket"], wait_timeout=10)
        assert client.connected and client.transport() == "websocket"
        client.disconnect()


@pytest.mark.parametrize("mode", MODES)
def test_postgresql_queries_run_concurrently_under_the_async_mode(mode: str):
    with private_postgres_database("shuji_async") as url:
        result = subprocess.run([sys.executable, "-m", "tests.probes.pg_concurrency", mode, url], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["concurrent"] == probe["sleepers"], probe
