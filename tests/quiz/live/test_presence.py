"""Who is connected at each venue (quiz/live/presence.py): counting in memory, the sum over workers through
Redis (a dead worker's counts expire; a Redis that is away leaves each worker its own), and two real workers
whose console sees a branch projector and phones connected to the other one."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from quiz.live import presence
from quiz.live.presence import Presence, VenuePresence
from tests.live_server import claim
from tests.quiz.live.test_live_flow import Host, Inbox, client
from tests.quiz.live.test_venue_console import halls
from tests.quiz.live.test_workers import reachable_redis, two_workers


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_counts_by_meeting_venue_and_kind_and_the_labels():
    clock = Clock()
    here = Presence(clock=clock)
    for kind in ("screen", "phone", "phone", "operator", "host", "junk"):
        here.connected(1, 7, kind)
    here.connected(1, None, "phone")  # a phone of the convening hall names no venue
    here.connected(2, 7, "phone")
    assert here.take_dirty() == {1, 2} and here.take_dirty() == set()
    east = here.venues(1)[7]
    assert (east.screens, east.phones, east.operators, east.label) == (1, 2, 1, "在线")
    assert 2 not in {k for k in here.venues(1)} and here.venues(2)[7].phones == 1
    clock.now += 60
    here.disconnected(1, 7, "screen")
    here.disconnected(1, 7, "screen")  # a second disconnect never goes below zero
    east = here.venues(1)[7]
    assert (east.screens, east.status, east.label) == (0, "screen_down", "大屏离线")
    assert east.screen_seen_ms == int(clock.now * 1000)
    for _ in range(2):
        here.disconnected(1, 7, "phone")
    here.disconnected(1, 7, "operator")
    assert here.venues(1)[7].label == "未连接" and here.venues(1)[7].as_dict()["screen_seen_ms"]
    # The convening hall's row counts the phones that name no venue with its own projector.
    here.connected(1, 3, "screen")
    hall = presence.for_venue(here.venues(1), 3, convening=True)
    assert (hall.screens, hall.phones) == (1, 1)
    assert presence.for_venue(here.venues(1), 3, convening=False).phones == 0
    assert presence.for_venue({}, 9, convening=True) == VenuePresence()


def test_merge_skips_what_it_cannot_read():
    parts = [{"count:1:7:phone": "2", "count:1::phone": "1", "seen:1:7": "5"},
             {b"count:1:7:phone": b"3", "count:1:7:bogus": "1", "count:x:7:phone": "1", "count:1:7:phone:x": "4",
              "seen:1:7": "9", "count:1:7:screen": "-3", "what": "1"}]
    merged = presence.merge(parts)[1]
    assert (merged[7].phones, merged[7].screens, merged[7].screen_seen_ms, merged[None].phones) == (5, 0, 9, 1)


def test_workers_sum_through_redis_and_a_dead_one_expires():
    url = reachable_redis()
    channel = f"presence-test-{uuid.uuid4().hex}"
    a, b = Presence(url, channel), Presence(url, channel)
    a.connected(1, 7, "screen")
    b.connected(1, 7, "phone")
    b.connected(1, 7, "phone")
    assert a.publish() and b.publish()
    assert (a.venues(1)[7].screens, a.venues(1)[7].phones) == (1, 2)
    assert b.venues(1)[7].screens == 1
    # A worker's own counts are current even before its next write.
    a.connected(1, 8, "phone")
    assert a.venues(1)[8].phones == 1 and 8 not in b.venues(1)
    # B stops: its hash expires and leaves the sum (and the list of workers).
    store = redis.Redis.from_url(url)
    store.expire(f"presence:{channel}:{b.worker}", 1)
    time.sleep(1.2)
    assert a.venues(1)[7].phones == 0
    assert store.smembers(f"presence:{channel}:workers") == {a.worker.encode()}
    ttl = store.ttl(f"presence:{channel}:{a.worker}")
    assert 0 < ttl <= presence.TTL_S
    store.delete(f"presence:{channel}:{a.worker}", f"presence:{channel}:workers")


def test_a_redis_that_is_away_leaves_each_worker_its_own_counts():
    away = Presence("redis://127.0.0.1:9/0", "nowhere")  # nothing listens on the discard port
    away.connected(1, 7, "phone")
    started = time.monotonic()
    assert away.publish() is False
    assert away.venues(1)[7].phones == 1
    assert time.monotonic() - started < 3
    # Once failed, Redis is left alone for a while: a console's state does not wait on it again and again.
    started = time.monotonic()
    for _ in range(20):
        assert away.venues(1)[7].phones == 1 and away.publish() is False
    assert time.monotonic() - started < 0.2
    away.down_until = 0.0  # the pause is over: it is tried again
    assert away.publish() is False and away.down_until > time.monotonic()


@pytest.mark.parametrize("mode", ["gevent"])
def test_the_console_on_one_worker_sees_a_branch_connected_to_the_other(mode: str):
    with two_workers(mode, "shuji_presence") as workers:
        a, b, meeting_id = workers.a, workers.b, workers.a.demo_meeting_id
        venues, codes = halls(workers.database_url, meeting_id)
        east = sorted(venues, key=lambda v: venues[v]["position"])[1]
        host = Host(a, meeting_id)
        host.inbox.presence = []
        host.sio.on("presence", lambda payload: host.inbox.add("presence", payload))

        def east_now() -> dict:
            return (host.inbox.presence[-1]["venues"] if host.inbox.presence else {}).get(str(east), {})

        screen = client(Inbox())
        screen.connect(b.url, auth={"screen": venues[east]["token"]}, transports=["websocket"], wait_timeout=10)
        phone = client(Inbox())
        code = codes[east][0]
        phone.connect(b.url, auth={"code": code, "device": claim(b, code)}, transports=["websocket"],
                      wait_timeout=10)
        host.inbox.wait_for(lambda: east_now().get("screens") == 1 and east_now().get("phones") == 1,
                            "B's connections on A's console")
        state = host.sio.call("sync", None, timeout=10)["state"]
        row = next(v for v in state["venues"] if v["id"] == east)
        assert (row["presence"]["screens"], row["presence"]["phones"], row["presence"]["label"]) == (1, 1, "在线")
        screen.disconnect()
        host.inbox.wait_for(lambda: east_now().get("status") == "screen_down", "B's projector gone, on A")
        phone.disconnect()
        host.inbox.wait_for(lambda: east_now().get("status") == "offline", "B's phone gone, on A")
        host.sio.disconnect()
