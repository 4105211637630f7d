"""Crash and restart: kill -9 the server while a question is open and start it again. The meeting resumes
in the same state, phones reconnect by themselves and resync, every answer acked before the crash is there,
and the deadline holds (the restarted server's timer closes the round on time)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import socketio
from sqlalchemy import create_engine, text

from tests.live_server import claim, live_server, seat_codes
from tests.quiz.live.test_live_flow import WAIT_S, Host, Inbox

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
        # The restarted server's timer closes the round: broadcast if the phone was back before the deadline,
        # else already closed when it resynced (a slow restart outlives the 8 s question).
        deadline_s = time.monotonic() + WAIT_S
        while not (any((s.get("round") or {}).get("phase") == "closed" for s in inbox.states)
                   or (phone.call("sync", None, timeout=10)["state"].get("round") or {}).get("phase") == "closed"):
            assert time.monotonic() < deadline_s, "the restarted server's timer did not close the round"
            time.sleep(0.5)  # a phone's sync is rate-limited per connection (2 a second)
        late = phone.call("submit_answer", {"round_id": round_id, "client_id": "late", "answer": answer}, timeout=10)
        assert late["ok"] is False
        for phone, _ in phones:
            phone.disconnect()
        engine.dispose()
        assert second.url.endswith(f":{port}")


def test_kill_9_mid_vote_loses_no_acked_ballot(tmp_path: Path):
    """While a 述职评议 vote is open its ratings wait sealed under a key kept in VOTE_KEY_DIR: a crash loses
    neither. After the restart each phone still sees its own ballot, the close counts every acked one, and
    the key is gone."""
    database = f"sqlite:///{tmp_path / 'vote-crash.sqlite3'}"
    keys = tmp_path / "keys"
    with live_server("gevent", database, VOTE_KEY_DIR=str(keys)) as first:
        host = Host(first, first.demo_meeting_id)
        codes = seat_codes(first, host.http, first.demo_meeting_id)[:12]
        phones = [socketio.Client(reconnection=False) for _ in codes]
        for phone, code in zip(phones, codes, strict=True):
            phone.connect(first.url, auth={"code": code, "device": claim(first, code)}, transports=["websocket"],
                          wait_timeout=10)
        engine = create_engine(database)
        with engine.connect() as connection:
            segment = connection.execute(text(
                "SELECT id FROM segments WHERE meeting_id = :m AND kind = 'review'"), {"m": first.demo_meeting_id}
            ).scalar()
        assert host.do("set_segment", segment_id=segment)["ok"]
        with engine.connect() as connection:
            item_id = connection.execute(text("SELECT id FROM review_items WHERE segment_id = :s ORDER BY position "
                                              "LIMIT 1"), {"s": segment}).scalar()
        assert host.do("review_select", item_id=item_id)["ok"] and host.do("review_open_vote")["ok"]
        ratings = ["满意", "基本满意", "不满意"]
        acked = {}
        for number, phone in enumerate(phones):
            rating = ratings[number % 3]
            reply = phone.call("submit_rating", {"item_id": item_id, "ballot": {"rating": rating}}, timeout=10)
            if reply["ok"]:
                acked[number] = rating
            else:
                assert reply["error"] == "不能评议本单位"
        assert len(acked) >= 9
        assert len(list(keys.glob("vote-*.key"))) == 1
        host.sio.disconnect()
        for phone in phones:
            phone.disconnect()
        first.process.kill()  # kill -9 mid-vote
        first.process.wait()

    with live_server("gevent", database, first_start=False, VOTE_KEY_DIR=str(keys)) as second:
        second.admin_password = first.admin_password
        host = Host(second, first.demo_meeting_id)
        for number, rating in acked.items():
            phone = socketio.Client(reconnection=False)
            code = codes[number]
            with engine.connect() as connection:
                device = connection.execute(text("SELECT device_token FROM attendees WHERE code = :c"),
                                            {"c": code}).scalar()
            phone.connect(second.url, auth={"code": code, "device": device}, transports=["websocket"],
                          wait_timeout=10)
            assert phone.call("sync", None, timeout=WAIT_S)["state"]["me"]["ballot"] == {"rating": rating}
            phone.disconnect()
        assert host.do("review_close_vote")["ok"]
        with engine.connect() as connection:
            stored = [json.loads(s)["rating"] for s in connection.execute(
                text("SELECT scores FROM ballots WHERE item_id = :i"), {"i": item_id}).scalars()]
        assert sorted(stored) == sorted(acked.values())
        assert list(keys.glob("vote-*.key")) == []
        host.sio.disconnect()
        engine.dispose()
