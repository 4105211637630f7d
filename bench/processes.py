"""Starting the servers under test as their own processes, and reading their CPU time and peak memory."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
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
    """A started server: its address, process, and what the app printed at start."""

    url: str
    process: subprocess.Popen
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


def _wait_for(process: subprocess.Popen, marker: str, timeout: float = 120) -> str:
    deadline, printed = time.monotonic() + timeout, ""
    while marker not in printed:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise RuntimeError(f"server did not print {marker!r}: {printed[-2000:]}")
        chunk = os.read(process.stdout.fileno(), 65536).decode("utf-8", errors="replace")
        if not chunk:
            raise RuntimeError(f"server exited: {printed[-2000:]}")
        printed += chunk
    return printed


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        select.select([], [], [], 0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def start_app(mode: str, database_url: str, **env: str) -> Server:
    """`python app.py` exactly as the venue command runs it, on a free port."""
    port = free_port()
    environ = {**os.environ, "ASYNC_MODE": mode, "PORT": str(port), "DATABASE_URL": database_url,
               "SECRET_KEY": "bench-secret", "PUBLIC_URL": f"http://127.0.0.1:{port}", "PYTHONUNBUFFERED": "1",
               **env}
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=environ, bufsize=0,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    printed = _wait_for(process, "主持台")
    _wait_for_port(port)
    return Server(f"http://127.0.0.1:{port}", process, re.search(r"密码 (\S+?)（", printed).group(1),
                  int(re.search(r"/meetings/(\d+)/console", printed).group(1)))


def start_profiler(server: Server, output: str) -> subprocess.Popen:
    """py-spy sampling the server (without pausing it) until `stop_profiler`; raw collapsed stacks."""
    return subprocess.Popen(["py-spy", "record", "--pid", str(server.process.pid), "--nonblocking", "--rate", "200",
                             "--format", "raw", "--output", output], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop_profiler(profiler: subprocess.Popen) -> None:
    """Let py-spy write its file (it does so on SIGINT)."""
    profiler.send_signal(signal.SIGINT)
    profiler.wait(timeout=60)


def start_bare(mode: str) -> Server:
    """The bare Flask-SocketIO server, with the same tuning."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.bare_server", mode, str(port)], cwd=ROOT, bufsize=0,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    _wait_for(process, "bare server ready")
    _wait_for_port(port)
    return Server(f"http://127.0.0.1:{port}", process)
