"""Reaching the real services tests need (PostgreSQL, Redis, Chromium), or saying clearly why not; and a
private redis-server for tests that stop it.

On a laptop without them those tests skip with the reason; CI sets REQUIRE_SERVICES=1, which turns every
such skip into a failure, so CI always runs them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def unavailable(reason: str) -> None:
    """Skip with the reason, or fail where the services are required (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: CI must run this test)")
    pytest.skip(reason)


@contextmanager
def private_postgres_database(prefix: str = "shuji_test") -> Iterator[str]:
    """Create a PostgreSQL database of this test run's own, yield its URL, and drop it afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class PrivateRedis:
    """A redis-server of one test's own, on a free port of 127.0.0.1, that the test may stop and start again
    on the same port (the machine's shared Redis is never touched)."""

    def __init__(self, binary: str, directory: Path, port: int) -> None:
        self.binary, self.directory, self.port = binary, directory, port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 10.0) -> None:
        """Start it (nothing persisted: a restart comes back empty, as after a crash) and wait for a PONG."""
        with open(self.directory / "redis.log", "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                             "--save", "", "--appendonly", "no", "--daemonize", "no",
                                             "--dir", str(self.directory)],
                                            cwd=self.directory, stdout=log, stderr=subprocess.STDOUT)
        connection = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    connection.ping()
                    return
                except redis.RedisError:
                    assert self.process.poll() is None, (self.directory / "redis.log").read_text()[-2000:]
                    assert time.monotonic() < deadline, "the private redis-server did not answer"
                    time.sleep(0.05)
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop it (SIGTERM) and wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    """A running PrivateRedis, stopped afterwards; a skip (a failure under REQUIRE_SERVICES=1) without
    `redis-server`."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PrivateRedis(binary, directory, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
