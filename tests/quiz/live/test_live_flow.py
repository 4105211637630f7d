"""A whole round against a real server process (`python app.py`, under eventlet and gevent, on SQLite and
PostgreSQL) with real Socket.IO clients: a host and 20 phones through join, the draw of a person and of a
question, a truly simultaneous burst of answers, a duplicate, a late answer, a reconnect, the timer, the
reveal — and every answer counted in the database exactly once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import socketio
from sqlalchemy import create_engine, text

from tests.live_server import LiveServer, claim, live_server, seat_codes, staff_session
from tests.services import private_postgres_database

PHONES = 20
WAIT_S = 20


class Inbox:
    """Events received by one client, with a bounded wait for a condition on them."""

    def __init__(self) -> None:
        self.states: list[dict] = []
        self.results: list[dict] = []
        self.counts: list[dict] = []
        self.votes: list[dict] = []
        self.changed = threading.Condition()

    def add(self, kind: str, payload: dict) -> None:
        with self.changed:
            getattr(self, kind).append(payload)
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[], bool], what: str) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, timeout=WAIT_S), f"timed out waiting for {what}"

    @property
    def state(self) -> dict:
        return self.states[-1]


def client(inbox: Inbox, transports: list[str] | None = None) -> socketio.Client:
    sio = socketio.Client(reconnection=False)
    sio.on("state", lambda payload: inbox.add("states", payload))
    sio.on("result", lambda payload: inbox.add("results", payload))
    sio.on("answer_count", lambda payload: inbox.add("counts", payload))
    sio.on("vote_count", lambda payload: inbox.add("votes", payload))
    return sio


class Host:
    def __init__(self, server: LiveServer, meeting_id: int) -> None:
        http = staff_session(server)
        self.inbox = Inbox()
        self.sio = client(self.inbox)
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.sio.connect(server.url, headers={"Cookie": cookie}, auth={"meeting_id": meeting_id},
                         transports=["websocket"], wait_timeout=10)
        synced = self.sio.call("sync", None, timeout=10)
        assert synced["ok"], synced
        self.rev = synced["state"]["rev"]
        self.http = http

    def do(self, name: str, **payload) -> dict:  # type: ignore[no-untyped-def]
        if self.inbox.states:  # like the console: the newest broadcast state names the current revision
            self.rev = max(self.rev, self.inbox.state["rev"])
        reply = self.sio.call(name, {"rev": self.rev, **payload}, timeout=15)
        if reply.get("rev") is not None:
            self.rev = reply["rev"]
        return reply


class Phone:
    def __init__(self, server: LiveServer, code: str, transports: list[str] | None = None) -> None:
        self.server, self.code, self.device = server, code, claim(server, code)
        self.inbox = Inbox()
        self.transports = transports or ["websocket"]
        self.connect()

    def connect(self) -> None:
        self.sio = client(self.inbox)
        self.sio.connect(self.server.url, auth={"code": self.code, "device": self.device},
                         transports=self.transports, wait_timeout=10)
        self.me = self.sio.call("sync", None, timeout=10)["state"]["me"]

    def answer(self, round_id: int, answer, client_id: str | None = None) -> dict:  # type: ignore[no-untyped-def]
        return self.sio.call("submit_answer", {"round_id": round_id, "client_id": client_id or uuid.uuid4().hex,
                                               "answer": answer}, timeout=30)


@pytest.fixture(params=[("eventlet", "sqlite"), ("gevent", "sqlite"), ("eventlet", "postgresql"),
                        ("gevent", "postgresql")], ids=lambda p: "-".join(p))
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    mode, backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
        with live_server(mode, url) as running:
            yield running, url
    else:
        with private_postgres_database("shuji_live") as url, live_server(mode, url) as running:
            yield running, url


def simultaneously(phones: list[Phone], act: Callable[[Phone], dict]) -> list[dict]:
    """Everyone at once: the threads wait at a barrier, then all send."""
    barrier = threading.Barrier(len(phones))
    replies: list[dict | None] = [None] * len(phones)

    def run(index: int) -> None:
        barrier.wait()
        replies[index] = act(phones[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return replies  # type: ignore[return-value]


def correct_letter(host: Host) -> str:
    return host.inbox.state["current"]["question"]["answer"]


def test_a_whole_round(server):  # type: ignore[no-untyped-def]
    running, database_url = server
    meeting_id = running.demo_meeting_id
    host = Host(running, meeting_id)
    codes = seat_codes(running, host.http, meeting_id)
    assert len(codes) >= PHONES
    phones = [Phone(running, code, ["polling"] if i == 0 else None) for i, code in enumerate(codes[:PHONES])]
    host.inbox.wait_for(lambda: host.inbox.states and host.inbox.state["attendance"]["present"] >= PHONES,
                        "check-ins")

    # A phone cannot drive the meeting.
    refused = phones[1].sio.call("draw_person", {"rev": host.rev}, timeout=10)
    assert refused == {"ok": False, "error": "只有主持人可以操作会议"}

    # 随机点名 lands on a checked-in secretary, shown to everyone.
    assert host.do("draw_person", pool="secretaries", every_unit_once=True)["ok"]
    called = host.inbox.state["call"]
    assert called and called["line"].startswith("请问")
    phones[2].inbox.wait_for(lambda: phones[2].inbox.states and phones[2].inbox.state["call"], "the call")

    # 全员作答: draw a single-choice question into preview: phones see nothing of it yet.
    assert host.do("draw_question", mode="all", types=["single"])["ok"]
    preview = host.inbox.state["current"]
    assert preview["phase"] == "preview" and phones[3].sio.call("sync", None)["state"]["round"] is None
    assert host.do("show_question")["ok"]
    phones[3].inbox.wait_for(lambda: (phones[3].inbox.state.get("round") or {}).get("phase") == "open", "the question")
    round_state = phones[3].inbox.state["round"]
    assert "answer" not in round_state["question"] and "explanation" not in round_state["question"]
    round_id = round_state["id"]
    key = correct_letter(host)

    # A truly simultaneous burst: every phone answers at once; half right, half wrong.
    wrong = next(letter for letter in "ABCD" if letter != key)
    client_ids = [uuid.uuid4().hex for _ in phones]
    replies = simultaneously(phones, lambda p: p.answer(round_id, key if phones.index(p) % 2 == 0 else wrong,
                                                        client_ids[phones.index(p)]))
    assert all(r and r["ok"] for r in replies), replies

    # A repeat with the same id returns the stored answer; a second, different answer is not stored.
    again = phones[0].answer(round_id, key, client_ids[0])
    assert again["ok"] and again["answer"] == key and again["repeat"] is False
    changed = phones[1].answer(round_id, key)
    assert changed["ok"] and changed["answer"] == wrong and changed["repeat"] is True

    # The projector and console get aggregated counts.
    host.inbox.wait_for(lambda: any(c["round_id"] == round_id and c["answered"] == PHONES
                                    for c in host.inbox.counts), "the count")

    # A reconnecting phone gets the current state and its own answer back.
    phones[4].sio.disconnect()
    phones[4].connect()
    assert phones[4].me["answer"] == key

    # Close; a late answer is refused with a clear message.
    assert host.do("close_question")["ok"]
    late = Phone(running, codes[PHONES])
    assert late.answer(round_id, key) == {"ok": False, "error": "作答时间已结束，本次作答未被记录"}

    # Reveal: each phone gets its own result; the distribution is public.
    assert host.do("reveal_answer")["ok"]
    for index in (0, 1):
        phones[index].inbox.wait_for(lambda i=index: phones[i].inbox.results, "a personal result")
    assert phones[0].inbox.results[-1]["correct"] is True and phones[1].inbox.results[-1]["correct"] is False
    revealed = phones[5].inbox
    revealed.wait_for(lambda: (revealed.state.get("round") or {}).get("phase") == "revealed", "the reveal")
    assert revealed.state["round"]["question"]["answer"] == key
    assert revealed.state["round"]["distribution"]["total"] == PHONES

    # Stale revisions are refused (a double click cannot skip a step).
    stale = host.sio.call("next_question", {"rev": host.rev - 1}, timeout=10)
    assert stale["ok"] is False and "刷新" in stale["error"]

    # The timer closes a round by itself (server clock).
    assert host.do("next_question")["ok"]
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE meetings SET settings = :s WHERE id = :m"),
                           {"s": '{"time_limit_s": 1, "recent_meetings": 0}', "m": meeting_id})
    assert host.do("draw_question", mode="all", types=["judge"])["ok"]
    assert host.do("show_question")["ok"]
    host.inbox.wait_for(lambda: (host.inbox.state.get("round") or {}).get("phase") == "closed", "the timer")

    # 述职评议: the first unit reports; everyone else rates at once; the close leaves no rater → ballot link.
    review = next(s for s in host.inbox.state["segments"] if s["kind"] == "review")
    assert host.do("set_segment", segment_id=review["id"])["ok"]
    item = host.inbox.state["review_items"][0]
    assert host.do("review_select", item_id=item["id"])["ok"] and host.do("review_open_vote")["ok"]
    speaker_unit = host.inbox.state["review"]["unit_id"]
    raters = [p for p in phones if p.me["unit_id"] != speaker_unit]
    own = next(p for p in phones if p.me["unit_id"] == speaker_unit)
    assert own.sio.call("submit_rating", {"item_id": item["id"], "ballot": {"rating": "满意"}}, timeout=10) == {
        "ok": False, "error": "不能评议本单位"}
    ballots = simultaneously(raters, lambda p: p.sio.call("submit_rating", {"item_id": item["id"],
                                                                            "ballot": {"rating": "满意"}}, timeout=30))
    assert all(b and b["ok"] for b in ballots), ballots
    host.inbox.wait_for(lambda: any(c.get("ballots") == len(raters) for c in host.inbox.votes), "the turnout")
    assert host.do("review_close_vote")["ok"] and host.do("review_reveal")["ok"]
    assert host.inbox.state["review"]["result"]["ballots"] == len(raters)

    # Every answer of the burst is in the database exactly once; every ballot too, and no link survives.
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT attendee_id, COUNT(*) FROM answers WHERE round_id = :r "
                                       "GROUP BY attendee_id"), {"r": round_id}).all()
        right = connection.execute(text("SELECT COUNT(*) FROM answers WHERE round_id = :r AND correct"),
                                   {"r": round_id}).scalar()
        stored_ballots = connection.execute(text("SELECT COUNT(*) FROM ballots")).scalar()
        receipts = connection.execute(text("SELECT COUNT(*) FROM vote_receipts")).scalar()
        links = connection.execute(text("SELECT COUNT(*) FROM pending_ballots")).scalar()
    engine.dispose()
    assert len(rows) == PHONES and all(count == 1 for _, count in rows)
    assert right == PHONES // 2
    assert (stored_ballots, receipts, links) == (len(raters), len(raters), 0)
    for phone in [*phones, late]:
        phone.sio.disconnect()
    host.sio.disconnect()
