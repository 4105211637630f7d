"""Redis goes away in the middle of a question and comes back (`python app.py` twice, under eventlet and
gevent, on a private PostgreSQL database and a private redis-server that the test stops and starts again on
the same port).

The host is on worker A, phones on A and on B, the projector on B. With Redis down: A's /healthz says the
queue is unreachable (status "degraded", still 200); the host shows the question on A and A's phones get it;
every phone, B's included, answers and is acked, and each answer is stored exactly once. With Redis back:
B's phones and projector get the open question without doing anything (worker B resyncs its own clients when
its listener resubscribes), both workers report "ok", and the next host command reaches B's phones through
Redis again.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.live_server import LiveServer, live_server, seat_codes
from tests.quiz.live.test_live_flow import WAIT_S, Host, Inbox, Phone, simultaneously
from tests.quiz.live.test_workers import Workers, projector, screen_token
from tests.services import private_postgres_database, private_redis

MODES = ["eventlet", "gevent"]
PER_WORKER = 3


@contextmanager
def two_workers_on(mode: str, redis_url: str) -> Iterator[Workers]:
    """Worker A (first start: admin and demo meeting), then worker B, on one private PostgreSQL database and
    the given Redis, with a channel of this run's own."""
    shared = {"REDIS_URL": redis_url, "SOCKETIO_CHANNEL": f"shuji-test-{uuid.uuid4().hex}"}
    with ExitStack() as stack:
        database_url = stack.enter_context(private_postgres_database("shuji_redis_down"))
        a = stack.enter_context(live_server(mode, database_url, **shared))
        b = stack.enter_context(live_server(mode, database_url, first_start=False, **shared))
        yield Workers(a, b, database_url)


def health(server: LiveServer) -> tuple[int, dict]:
    response = requests.get(server.url + "/healthz", timeout=5)
    return response.status_code, response.json()


def poll(predicate: Callable[[], bool], what: str) -> None:
    """Wait for a condition that nothing notifies (an HTTP endpoint), checking every 50 ms until WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def shows(inbox: Inbox, round_id: int, phase: str) -> bool:
    """Whether the newest state received shows this round in this phase."""
    round_ = (inbox.states[-1].get("round") or {}) if inbox.states else {}
    return round_.get("id") == round_id and round_.get("phase") == phase


def give_time(database_url: str, meeting_id: int, seconds: int) -> None:
    """A long time limit: the round must not close by itself while the test stops and starts Redis."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        settings = connection.execute(text("SELECT settings FROM meetings WHERE id = :m"), {"m": meeting_id}).scalar()
        connection.execute(text("UPDATE meetings SET settings = CAST(:s AS json) WHERE id = :m"),
                           {"s": json.dumps({**settings, "time_limit_s": seconds}), "m": meeting_id})
    engine.dispose()


def stored_answers(database_url: str, round_id: int) -> dict[int, int]:
    """Attendee id → how many answers are stored for the round."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT attendee_id, COUNT(*) FROM answers WHERE round_id = :r "
                                       "GROUP BY attendee_id"), {"r": round_id}).all()
    engine.dispose()
    return dict(rows)


def drawn(host: Host) -> tuple[int, str]:
    """The previewed round's id and key, from whichever console state carries it: a check-in state that B
    published before the draw may still arrive after the draw's own (clients do not order states by rev)."""
    def preview() -> dict | None:
        return next((s["current"] for s in reversed(host.inbox.states)
                     if (s.get("current") or {}).get("phase") == "preview"), None)

    host.inbox.wait_for(lambda: preview() is not None, "the previewed question on the console")
    current = preview()
    return current["id"], current["question"]["answer"]


def queue_is(state: str, *servers: LiveServer) -> bool:
    return all(health(server)[1]["message_queue"] == state for server in servers)


@pytest.mark.parametrize("mode", MODES)
def test_answers_survive_redis_down_and_phones_resync_when_it_returns(mode: str, tmp_path: Path):
    with private_redis(tmp_path) as queue, two_workers_on(mode, queue.url) as workers:
        a, b, meeting_id = workers.a, workers.b, workers.a.demo_meeting_id
        host = Host(a, meeting_id)
        give_time(workers.database_url, meeting_id, 600)
        codes = seat_codes(a, host.http, meeting_id)
        screen, screen_inbox = projector(b, screen_token(host, a, meeting_id))
        on_a = [Phone(a, code) for code in codes[:PER_WORKER]]
        on_b = [Phone(b, code) for code in codes[PER_WORKER:2 * PER_WORKER]]
        host.inbox.wait_for(lambda: host.inbox.states and host.inbox.state["attendance"]["present"] >= 2 * PER_WORKER,
                            "check-ins from both workers (through Redis)")
        assert queue_is("ok", a, b)
        assert host.do("draw_question", mode="all", types=["single"])["ok"]
        round_id, key = drawn(host)

        queue.stop()
        poll(lambda: queue_is("unreachable", a), "A's /healthz to report the queue unreachable")
        code, body = health(a)
        assert code == 200 and body["status"] == "degraded" and body["database"] == "ok", body

        _answer_while_redis_is_down(host, on_a, on_b, round_id, key, workers.database_url)

        queue.start()  # the same port; empty, as after a crash
        _resynced_when_redis_returns(on_b, screen_inbox, round_id)
        poll(lambda: queue_is("ok", a, b), "both workers' /healthz to report the queue ok again")
        assert health(b)[1]["status"] == "ok"

        # Through Redis again: the host's next command on A reaches the phones on B.
        assert host.do("close_question")["ok"]
        for phone in on_b:
            phone.inbox.wait_for(lambda p=phone: shows(p.inbox, round_id, "closed"), "the close on B's phones")
        for client in [*(p.sio for p in on_a + on_b), screen, host.sio]:
            client.disconnect()


def _answer_while_redis_is_down(host: Host, on_a: list[Phone], on_b: list[Phone], round_id: int, key: str,
                                database_url: str) -> None:
    """The question is shown on A: A's phones get it, B's cannot; everyone's answer is acked and stored once."""
    assert host.do("show_question")["ok"]
    for phone in on_a:
        phone.inbox.wait_for(lambda p=phone: shows(p.inbox, round_id, "open"), "the question on A's phones")
    assert not any(shows(phone.inbox, round_id, "open") for phone in on_b)  # nothing can carry it to B now
    replies = simultaneously(on_a + on_b, lambda p: p.answer(round_id, key))
    assert all(r and r["ok"] and r["repeat"] is False for r in replies), replies
    stored = stored_answers(database_url, round_id)
    assert stored == {phone.me["id"]: 1 for phone in on_a + on_b}, stored


def _resynced_when_redis_returns(on_b: list[Phone], screen_inbox: Inbox, round_id: int) -> None:
    """B's listener resubscribes and B resends the committed state to its own clients."""
    for phone in on_b:
        phone.inbox.wait_for(lambda p=phone: shows(p.inbox, round_id, "open"), "the open question on B's phones")
    screen_inbox.wait_for(lambda: shows(screen_inbox, round_id, "open"), "the open question on B's projector")
    assert screen_inbox.state["round"]["answered"] == 2 * PER_WORKER
