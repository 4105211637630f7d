"""The per-connection buckets on their own (core/flood.py), time passed in."""

from __future__ import annotations

from core.flood import FloodGuard, Rate


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def guard(clock: Clock) -> FloodGuard:
    return FloodGuard({"sync": Rate(3, 1), "junk": Rate(1, 0.5)}, Rate(5, 1),
                      lambda sid, event: None if sid == "host" else ("sync" if event == "sync" else "junk"),
                      lambda kind: None, clock)


def test_a_bucket_admits_its_capacity_then_refills_at_its_rate():
    clock = Clock()
    flood = guard(clock)
    assert [flood.admit("a", "sync")[0] for _ in range(4)] == [True, True, True, False]
    assert flood.admit("b", "sync")[0]  # another connection has its own bucket
    clock.now = 1.0
    assert flood.admit("a", "sync")[0] and not flood.admit("a", "sync")[0]
    assert flood.admit("a", "junk")[0] and not flood.admit("a", "junk")[0]  # each kind its own bucket


def test_refusals_exhaust_patience_and_unlimited_connections_are_never_counted():
    clock = Clock()
    flood = guard(clock)
    flood.admit("a", "junk")
    results = [flood.admit("a", "junk") for _ in range(6)]
    assert [r[2] for r in results] == [False] * 5 + [True]  # the sixth refusal: flooding
    assert all(flood.admit("host", "junk")[0] for _ in range(1000))
    assert "host" not in flood.connections
    flood.forget("a")
    assert flood.admit("a", "junk") == (True, "junk", False)
