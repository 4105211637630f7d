"""Start the real app (`python app.py`) in its own process for tests that need a live server, and reach it as
the people in a meeting do: a host through the login form, phones through their seat-card codes."""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """A running server and what it printed at start."""

    url: str
    process: subprocess.Popen
    admin_password: str
    demo_meeting_id: int
    start_output: str


def _read(process: subprocess.Popen, deadline: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
    if not ready:
        raise AssertionError("the server printed nothing before the deadline")
    return os.read(process.stdout.fileno(), 65536).decode("utf-8", errors="replace")


@contextmanager
def live_server(mode: str, database_url: str, first_start: bool = True, port: int | None = None,
                **env: str) -> Iterator[LiveServer]:
    """`python app.py` on a free port; waits for its start-up lines and a healthy /healthz.

    `first_start=False` is for a further worker on a database another server already set up: it prints no
    admin password and no demo meeting, so those fields are left empty ("" and 0). `port` restarts a server
    where it was (a crash test)."""
    port = port or free_port()
    # Each server's job queue and files apart from every other's (a restart test passes the same JOBS_DIR).
    jobs_dir = env.pop("JOBS_DIR", None) or tempfile.mkdtemp(prefix="jobs-")
    environ = {**os.environ, "ASYNC_MODE": mode, "PORT": str(port), "DATABASE_URL": database_url,
               "SECRET_KEY": "test-secret", "PYTHONUNBUFFERED": "1", "PUBLIC_URL": f"http://127.0.0.1:{port}",
               "JOBS_DIR": jobs_dir, "JOBS_QUEUE": f"jobs-{port}-{os.getpid()}", **env}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=environ, bufsize=0,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        printed = ""
        last_line = "主持台" if first_start else "手机访问地址"
        while not re.search(f"{last_line}.*\n", printed):
            chunk = _read(process, deadline)
            assert chunk, f"server exited early: {printed}"
            printed += chunk
        password, meeting_id = "", 0
        if first_start:
            password = re.search(r"密码 (\S+?)（", printed).group(1)
            meeting_id = int(re.search(r"/meetings/(\d+)/console", printed).group(1))
        while True:
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None, printed
                select.select([], [], [], 0.1)
        yield LiveServer(url, process, password, meeting_id, printed)
    except BaseException:
        os.set_blocking(process.stdout.fileno(), False)
        tail = (process.stdout.read() or b"").decode("utf-8", errors="replace")[-4000:]
        print(f"---- server output ({mode}) ----\n{tail}", file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def staff_session(server: LiveServer, username: str = "admin", password: str | None = None) -> requests.Session:
    """An HTTP session logged in through the real form (CSRF token included)."""
    http = requests.Session()
    page = http.get(server.url + "/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = http.post(server.url + "/login", data={"username": username, "password": password or
                                                      server.admin_password, "csrf_token": token},
                         allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return http


def seat_codes(server: LiveServer, http: requests.Session, meeting_id: int) -> list[str]:
    """The personal codes printed on the meeting's seat cards, in card order."""
    page = http.get(f"{server.url}/meetings/{meeting_id}/cards").text
    return re.findall(r"参会码 <b>([A-Z0-9]+)</b>", page)


def claim(server: LiveServer, code: str) -> str:
    """Open a seat card's link as a fresh phone would; returns the device token bound to it."""
    response = requests.get(f"{server.url}/p/{code}", allow_redirects=False)
    assert response.status_code == 302, response.status_code
    return re.search(r"[?&]d=([^&]+)", response.headers["Location"]).group(1)
