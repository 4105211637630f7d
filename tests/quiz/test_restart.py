"""Crash and restart: kill -9 the server while a question is open and start it again. The meeting resumes
in the same state, phones reconnect by themselves and resync, every answer acked before the crash is there,
and the deadline holds (the restarted server's timer closes the round on time)."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import socketio
from sqlalchemy import create_engine, text

from tests.live_server import claim, live_server, seat_codes
from tests.quiz.test_live_flow import WAIT_S, Host, Inbox

PHONES = 5


def deadline_of(engine, round_id: int):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(text("SELECT deadline_at FROM rounds WHERE id = :r"), {"r": round_id}).scalar()


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_kill_9_mid_question_and_restart(mode: str, tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    with live_server(mode, database) as first:
        host = Host(first, first.demo_meeting_id)
        codes = seat_codes(first, host.http, first.demo_meeting_id)[:PHONES]
        phones = []
        for code in codes:
            phone = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
            inbox = Inbox()
            inbox.connected = threading.Event()
            phone.on("state", lambda payload, i=inbox: i.add("states", payload))
            phone.on("connect", inbox.connected.set)
            phone.connect(first.url, auth={"code": code, "device": claim(first, code)}, transports=["websocket"],
                          wait_timeout=10)
            phones.append((phone, inbox))
        engine = create_engine(database)
        with engine.begin() as connection:
            connection.execute(text("UPDATE meetings SET settings = :s WHERE id = :m"),
                               {"s": '{"time_limit_s": 8, "recent_meetings": 0}', "m": first.demo_meeting_id})
        assert host.do("draw_question", mode="all", types=["judge"])["ok"] and host.do("show_question")["ok"]
        round_id = host.inbox.state["current"]["id"]
        answer = host.inbox.state["current"]["question"]["answer"]
        acked = [p.call("submit_answer", {"round_id": round_id, "client_id": f"c{i}", "answer": answer}, timeout=10)
                 for i, (p, _) in enumerate(phones)]
        assert all(a["ok"] for a in acked)
        deadline = deadline_of(engine, round_id)
        host.sio.disconnect()
        for _, inbox in phones:
            inbox.connected.clear()
        first.process.kill()  # kill -9: no clean shutdown, no chance to close the round
        first.process.wait()
        port = urlsplit(first.url).port

    with live_server(mode, database, first_start=False, port=port) as second:
        for phone, inbox in phones:
            # The client reconnects by itself; the server identifies it again and it resyncs.
            assert inbox.connected.wait(WAIT_S), "the phone did not reconnect by itself"
            state = phone.call("sync", None, timeout=WAIT_S)["state"]
            assert state["round"]["id"] == round_id and state["me"]["answer"] == answer
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT COUNT(*) FROM answers WHERE round_id = :r"),
                                        {"r": round_id}).scalar()
        # Nothing acked was lost; the deadline is unchanged.
        assert stored == PHONES and deadline_of(engine, round_id) == deadline
        phone, inbox = phones[0]
        inbox.wait_for(lambda: any((s.get("round") or {}).get("phase") == "closed" for s in inbox.states),
                       "the restarted server's timer to close the round")
        late = phone.call("submit_answer", {"round_id": round_id, "client_id": "late", "answer": answer}, timeout=10)
        assert late["ok"] is False
        for phone, _ in phones:
            phone.disconnect()
        engine.dispose()
        assert second.url.endswith(f":{port}")
