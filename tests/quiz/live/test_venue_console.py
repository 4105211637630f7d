"""The demo meeting's main hall and two branch venues against a real server (`python app.py`) with real
Socket.IO clients: each venue's projector gets its own state, every host action reaches all three halls'
projectors and phones, the console sees who is connected where, a branch venue loses its network and comes
back in step, the main role is handed over on the record, and a draw limited to one venue calls only its
people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.live_server import LiveServer, live_server
from tests.quiz.live.test_live_flow import Host, Inbox, Phone, client
from tests.services import private_postgres_database


class Screen:
    """A venue's projector page: its secret token, its own inbox."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.server, self.token, self.inbox = server, token, Inbox()
        self.connect()

    def connect(self) -> None:
        self.sio = client(self.inbox)
        self.sio.connect(self.server.url, auth={"screen": self.token}, transports=["websocket"], wait_timeout=10)
        reply = self.sio.call("sync", None, timeout=10)
        assert reply["ok"], reply
        self.synced = reply["state"]

    def wait_phase(self, round_id: int, phase: str) -> None:
        self.inbox.wait_for(lambda: any((s.get("round") or {}).get("id") == round_id
                                        and s["round"]["phase"] == phase for s in self.inbox.states), phase)


@pytest.fixture(params=[("eventlet", "sqlite"), ("gevent", "postgresql")], ids=lambda p: "-".join(p))
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    mode, backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'venues.sqlite3'}"
        with live_server(mode, url) as running:
            yield running, url
    else:
        with private_postgres_database("shuji_venues") as url, live_server(mode, url) as running:
            yield running, url


def halls(database_url: str, meeting_id: int) -> tuple[dict, dict[int | None, list[str]]]:
    """venue id → (name, screen token, join code) for the convening hall (id of position 0) and each branch;
    attendee codes per venue id (None: the convening hall), secretaries first."""
    engine = create_engine(database_url)
    with engine.connect() as db:
        meeting = db.execute(text("SELECT screen_token, join_code FROM meetings WHERE id = :m"),
                             {"m": meeting_id}).one()
        rows = db.execute(text("SELECT id, position, name, screen_token, join_code FROM venues "
                               "WHERE meeting_id = :m ORDER BY position"), {"m": meeting_id}).all()
        people = db.execute(text("SELECT code, venue_id FROM attendees WHERE meeting_id = :m AND NOT anonymous "
                                 "ORDER BY is_secretary DESC, id"), {"m": meeting_id}).all()
    engine.dispose()
    venues = {r.id: {"name": r.name, "position": r.position, "token": r.screen_token or meeting.screen_token,
                     "code": r.join_code or meeting.join_code} for r in rows}
    codes: dict[int | None, list[str]] = {}
    for code, venue_id in people:
        codes.setdefault(venue_id, []).append(code)
    return venues, codes


def row(host: Host, venue_id: int, state: dict | None = None) -> dict:
    return next(v for v in (state or host.inbox.state)["venues"] if v["id"] == venue_id)


def presence_of(host: Host, venue_id: int) -> dict:
    """The newest presence the console heard of a venue: the last `presence` event's, else the last state's."""
    for event in reversed(host.inbox.presence):
        if str(venue_id) in event["venues"]:
            return event["venues"][str(venue_id)]
    return row(host, venue_id)["presence"] if host.inbox.states else {}


def test_three_halls_one_meeting(server):  # type: ignore[no-untyped-def]
    running, database_url = server
    meeting_id = running.demo_meeting_id
    venues, codes = halls(database_url, meeting_id)
    main_id, east_id, west_id = sorted(venues, key=lambda v: venues[v]["position"])
    host = Host(running, meeting_id)
    host.inbox.presence = []
    host.sio.on("presence", lambda payload: host.inbox.add("presence", payload))

    # Each venue's projector: its own name, code and attendance; the meeting's overall figure beside it.
    screens = {v: Screen(running, venues[v]["token"]) for v in (main_id, east_id, west_id)}
    for venue_id, screen in screens.items():
        state = screen.synced
        assert state["venue"]["id"] == venue_id and state["venue"]["name"] == venues[venue_id]["name"]
        assert state["join"]["code"] == venues[venue_id]["code"]
        assert state["venue"]["branch"] is (venue_id != main_id)
        assert state["attendance"]["expected"] == len(codes[None if venue_id == main_id else venue_id])
    overall = sum(len(c) for c in codes.values())
    assert all(s.synced["attendance"]["overall"]["expected"] == overall for s in screens.values())

    # Phones at every venue (the first two people of each: its secretaries); claiming checks them in.
    phones = {v: [Phone(running, code) for code in codes[None if v == main_id else v][:2]] for v in screens}
    host.inbox.wait_for(lambda: all(presence_of(host, v).get("phones") == 2 for v in (main_id, east_id, west_id)),
                        "every venue's phones counted")
    assert presence_of(host, west_id)["screens"] == 1 and presence_of(host, west_id).get("status") == "online"
    synced = host.sio.call("sync", None, timeout=10)["state"]
    assert row(host, east_id, synced)["presence"]["phones"] == 2 and row(host, east_id, synced)["presence"][
        "label"] == "在线"
    assert row(host, west_id, synced)["attendance"]["present"] == 2
    assert all(p.me["venue_id"] == east_id for p in phones[east_id])
    assert all(p.me["venue_id"] == main_id for p in phones[main_id])

    # A branch projector goes: the console says so, with when it was last seen.
    screens[west_id].sio.disconnect()
    host.inbox.wait_for(lambda: presence_of(host, west_id).get("status") == "screen_down", "西 projector gone")
    assert presence_of(host, west_id)["label"] == "大屏离线" and presence_of(host, west_id)["screen_seen_ms"]
    screens[west_id].connect()
    host.inbox.wait_for(lambda: presence_of(host, west_id).get("status") == "online", "西 projector back")

    # A phone and another meeting's venue cannot limit a draw; a draw limited to the east venue calls its people.
    assert phones[east_id][0].sio.call("draw_person", {"rev": host.rev, "venue_id": east_id}, timeout=10)[
        "ok"] is False
    assert host.do("draw_person", pool="secretaries", venue_id=10**6)["error"] == "会场不存在"
    assert host.do("draw_person", pool="secretaries", every_unit_once=False, venue_id=east_id)["ok"]
    call = host.inbox.state["call"]
    assert call["venue_id"] == east_id and call["venue"] == venues[east_id]["name"]
    engine = create_engine(database_url)
    with engine.connect() as db:
        draw = db.execute(text("SELECT candidates, pool FROM person_draws WHERE meeting_id = :m ORDER BY id DESC"),
                          {"m": meeting_id}).first()
        candidates = draw.candidates if isinstance(draw.candidates, list) else json.loads(draw.candidates)
        pool = draw.pool if isinstance(draw.pool, dict) else json.loads(draw.pool)
        where = {r.id: r.venue_id for r in db.execute(text("SELECT id, venue_id FROM attendees WHERE meeting_id = :m"),
                                                      {"m": meeting_id}) if r.id in set(candidates)}
    assert pool["venue_id"] == east_id
    assert candidates and set(where.values()) == {east_id}
    for screen in screens.values():  # every hall's projector shows the call and where the person is
        screen.inbox.wait_for(lambda s=screen: s.inbox.states and (s.inbox.state["call"] or {}).get(
            "venue_id") == east_id, "the call")

    # A question for everyone reaches all three halls' projectors and phones.
    assert host.do("draw_question", mode="all", types=["single"])["ok"]
    assert host.do("show_question")["ok"]
    round_id = host.inbox.state["round"]["id"]
    for venue_id, screen in screens.items():
        screen.wait_phase(round_id, "open")
        for phone in phones[venue_id]:
            phone.inbox.wait_for(lambda p=phone: (p.inbox.state.get("round") or {}).get("id") == round_id, "open")
    key = host.inbox.state["current"]["question"]["answer"]
    assert phones[west_id][0].answer(round_id, key)["ok"] and phones[main_id][0].answer(round_id, key)["ok"]
    host.inbox.wait_for(lambda: row(host, west_id, host.sio.call("sync", None, timeout=10)["state"])[
        "turnout"]["round"] == 1, "the west venue's turnout")

    # The west venue loses its network: projector and phones gone while the host closes and reveals.
    screens[west_id].sio.disconnect()
    for phone in phones[west_id]:
        phone.sio.disconnect()
    host.inbox.wait_for(lambda: presence_of(host, west_id).get("status") == "offline", "西 offline")
    assert presence_of(host, west_id)["label"] == "未连接"
    assert host.do("close_question")["ok"] and host.do("reveal_answer")["ok"]
    for venue_id in (main_id, east_id):  # the connected halls' projectors and phones, at once
        screens[venue_id].wait_phase(round_id, "revealed")
        for phone in phones[venue_id]:
            phone.inbox.wait_for(lambda p=phone: (p.inbox.state.get("round") or {}).get("phase") == "revealed",
                                 "the reveal on a phone")
    phones[main_id][0].inbox.wait_for(lambda: phones[main_id][0].inbox.results, "the main hall's own result")
    assert phones[main_id][0].inbox.results[-1]["correct"] is True
    seen_by_main = screens[main_id].inbox.state
    assert screens[east_id].inbox.state["round"] == seen_by_main["round"]

    # Back with the same credentials: one sync and the hall is where the others are.
    screens[west_id].connect()
    back = screens[west_id].synced
    assert back["rev"] == seen_by_main["rev"] == host.rev
    assert back["round"] == seen_by_main["round"] and back["round"]["phase"] == "revealed"
    assert back["call"] == seen_by_main["call"] and back["join"]["code"] == venues[west_id]["code"]
    for phone in phones[west_id]:
        phone.connect()
    assert phones[west_id][0].me["result"]["correct"] is True and phones[west_id][0].me["answer"] == key
    assert "result" not in phones[west_id][1].me  # it never answered: no result, but the same revealed round
    assert phones[west_id][1].sio.call("sync", None, timeout=10)["state"]["round"]["phase"] == "revealed"
    host.inbox.wait_for(lambda: presence_of(host, west_id).get("status") == "online", "西 back online")

    # 移交主会场: refused without a reason and from a phone; recorded with the reason; every projector says so.
    assert host.do("hand_over_main", venue_id=west_id, reason=" ")["ok"] is False
    for intruder in (phones[west_id][0].sio, screens[west_id].sio):  # a phone or a branch projector: never
        assert intruder.call("hand_over_main", {"rev": host.rev, "venue_id": west_id, "reason": "x"},
                             timeout=10) == {"ok": False, "error": "只有主持人可以操作会议"}
    assert host.do("hand_over_main", venue_id=west_id, reason="主会场线路故障，移交西区")["ok"]
    assert row(host, west_id)["main"] is True and row(host, main_id)["main"] is False
    for screen in screens.values():
        screen.inbox.wait_for(lambda s=screen: s.inbox.state["venue"]["main_name"] == venues[west_id]["name"],
                              "the handover on every projector")
    assert host.do("hand_over_main", venue_id=west_id, reason="again")["error"].endswith("已是主会场")
    with engine.connect() as db:
        logged = db.execute(text("SELECT note, actor FROM meeting_events WHERE meeting_id = :m AND kind = "
                                 "'hand_over_main'"), {"m": meeting_id}).all()
        refused = db.execute(text("SELECT COUNT(*) FROM meeting_events WHERE meeting_id = :m AND kind = "
                                  "'refused_host_event'"), {"m": meeting_id}).scalar()
    engine.dispose()
    assert [(r.note, r.actor) for r in logged] == [("主会场线路故障，移交西区", "admin")]
    assert refused >= 3  # the phone's draw, the phone's and the projector's handover
    for sio in [host.sio, *(s.sio for s in screens.values()), *(p.sio for ps in phones.values() for p in ps)]:
        sio.disconnect()
