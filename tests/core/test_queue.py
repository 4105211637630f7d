"""The message queue manager against a private redis-server that the tests stop and start: a failed publish
pauses publishing (one log line per outage, no attempt per emit), the listener resubscribes within seconds
and runs the recovery hook, and /healthz says "degraded" (still 200) when Redis cannot be reached."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis

from app import create_app
from core.queue import RETRY_MAX_S, QueueManager
from tests.conftest import app_settings
from tests.services import PrivateRedis, private_redis

WAIT_S = 10


class Stopped(Exception):
    """Ends the listener's loop at its next back-off."""


@pytest.fixture()
def queue(tmp_path: Path) -> Iterator[PrivateRedis]:
    with private_redis(tmp_path) as server:
        yield server


def manager_for(server: PrivateRedis, logger: logging.Logger | None = None) -> QueueManager:
    return QueueManager(server.url, "test-queue", logger or logging.getLogger("test-queue"))


def wait(predicate, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_failed_publish_pauses_publishing_and_is_logged_once(queue: PrivateRedis, caplog, monkeypatch):
    manager = manager_for(queue)
    assert manager._publish({"method": "emit"}) == 0 and not manager.status()["degraded"]
    queue.stop()
    sent = []
    send = manager._send
    monkeypatch.setattr(manager, "_send", lambda message: sent.append(message) or send(message))
    with caplog.at_level(logging.WARNING, "test-queue"):
        for _ in range(20):
            assert manager._publish({"method": "emit"}) is None
    assert len(sent) == 1 and manager.dropped == 20  # one attempt, then the pause
    assert manager.status()["degraded"] and manager.status()["down_s"] >= 0
    assert len(caplog.records) == 1 and "unreachable" in caplog.records[0].message  # once per outage
    assert not manager.probe()

    queue.start()
    wait(lambda: manager._publish({"method": "emit"}) == 0, "publishing to work once the pause is over")
    assert not manager.status()["degraded"] and manager.dropped == 0 and manager.probe()


def test_the_listener_resubscribes_within_seconds_and_runs_the_recovery_hook(queue: PrivateRedis):
    manager = manager_for(queue)
    stop = threading.Event()

    def sleep(seconds: float) -> None:
        if stop.is_set():
            raise Stopped
        assert seconds <= RETRY_MAX_S
        time.sleep(seconds)

    manager.server = SimpleNamespace(sleep=sleep)
    recovered, received = threading.Event(), []
    manager.recovery_hooks.append(recovered.set)

    def listen() -> None:
        try:
            for message in manager._listen():
                received.append(message)
        except Stopped:
            pass

    listener = threading.Thread(target=listen, daemon=True)
    publisher = redis.Redis(port=queue.port)
    listener.start()
    try:
        wait(lambda: publisher.publish("test-queue", b"one") == 1, "the first subscription")
        wait(lambda: b"one" in received, "the first message")
        assert not recovered.is_set()  # the first subscription is no recovery

        queue.stop()
        wait(lambda: manager.status()["degraded"], "the listener to notice")
        assert manager._publish({"method": "emit"}) is None and manager.listener_lost  # nothing tried meanwhile
        started = time.monotonic()
        queue.start()
        assert recovered.wait(WAIT_S), "no recovery hook after Redis came back"
        assert time.monotonic() - started <= RETRY_MAX_S + 2  # not the library's up-to-60-s back-off
        assert not manager.status()["degraded"]
        publisher = redis.Redis(port=queue.port)
        wait(lambda: publisher.publish("test-queue", b"two") == 1, "the subscription after the restart")
        wait(lambda: b"two" in received, "a message after the restart")
    finally:
        stop.set()
        queue.stop()
        listener.join(timeout=WAIT_S)
    assert not listener.is_alive()


def test_healthz_reports_an_unreachable_queue_as_degraded_but_up(tmp_path: Path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(app_settings(f"sqlite:///{tmp_path / 'q.sqlite3'}", REDIS_URL=f"redis://127.0.0.1:{port}/0"))
    response = app.test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["status"], body["message_queue"], body["database"]) == ("degraded", "unreachable", "ok")
    app.extensions["db"].engine.dispose()
