"""Starting the servers under test as their own processes, and reading their CPU time and peak memory."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A started server: its address, process, log file, and what the app printed at start."""

    url: str
    process: subprocess.Popen
    log: Path
    admin_password: str = ""
    meeting_id: int = 0

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def peak_rss_mb(self) -> float:
        """The process's peak resident memory."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024

    def stop(self) -> None:
        """Terminate and reap the process."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _launch(command: list[str], env: dict[str, str], port: int, marker: str) -> Server:
    """Start a server writing to a log file (a pipe nobody reads would fill and stall it), wait for `marker`
    in its output and for its port."""
    log = Path(tempfile.mkdtemp(prefix="bench-")) / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=sink,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while marker not in (printed := log.read_text("utf-8", errors="replace")):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not print {marker!r}: {printed[-2000:]}")
        time.sleep(0.05)
    _wait_for_port(port)
    return Server(f"http://127.0.0.1:{port}", process, log)


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def start_app(mode: str, database_url: str, first_start: bool = True, **env: str) -> Server:
    """`python app.py` exactly as the venue command runs it, on a free port. A further worker on a database
    another one set up (`first_start=False`) prints no password and no demo meeting."""
    port = free_port()
    environ = {**os.environ, "ASYNC_MODE": mode, "PORT": str(port), "DATABASE_URL": database_url,
               "SECRET_KEY": "bench-secret", "PUBLIC_URL": f"http://127.0.0.1:{port}",
               # the job worker's queue and files apart from any other app's (it runs beside this server)
               "JOBS_DIR": tempfile.mkdtemp(prefix="bench-jobs-"), "JOBS_QUEUE": f"bench-jobs-{port}",
               # Every simulated phone joins anonymously from 127.0.0.1: thousands of joins a minute from one
               # address, which the venue's cap on anonymous joins per address would refuse.
               "LIMIT_AUDIENCE_PER_ADDRESS": "1000000 per minute",
               # ... and all of them hold a connection from that one address (the cap must stay below
               # MAX_CONNECTIONS, 10,000 by default).
               "MAX_CONNECTIONS_PER_ADDRESS": "9000", **env}
    server = _launch([sys.executable, "app.py"], environ, port, "主持台" if first_start else "手机访问地址")
    if first_start:
        printed = server.log.read_text("utf-8")
        server.admin_password = re.search(r"密码 (\S+?)（", printed).group(1)
        server.meeting_id = int(re.search(r"/meetings/(\d+)/console", printed).group(1))
    return server


def start_profiler(server: Server, output: str) -> subprocess.Popen:
    """py-spy sampling the server (without pausing it) until `stop_profiler`; raw collapsed stacks."""
    return subprocess.Popen(["py-spy", "record", "--pid", str(server.process.pid), "--nonblocking", "--rate", "200",
                             "--format", "raw", "--output", output], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop_profiler(profiler: subprocess.Popen) -> None:
    """Let py-spy write its file (it does so on SIGINT)."""
    profiler.send_signal(signal.SIGINT)
    profiler.wait(timeout=60)


def start_bare(mode: str, redis_url: str = "", channel: str = "") -> Server:
    """The bare Flask-SocketIO server, with the same tuning (and the same message queue, if any)."""
    port = free_port()
    command = [sys.executable, "-m", "bench.bare_server", mode, str(port), redis_url, channel]
    return _launch(command, dict(os.environ), port, "bare server ready")
