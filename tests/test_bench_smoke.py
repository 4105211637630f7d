"""The meeting benchmark as a smoke test (about 200 phones): it must finish with every acked answer stored
once. No timing is asserted here — figures live in docs/performance.md. The meeting held in several halls
(`--venues`) runs tiny: every venue's phones and projector must be counted at their own venue."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from tests.services import POSTGRES_ADMIN_URL, private_redis, unavailable

ROOT = Path(__file__).resolve().parents[1]


def bench(*options: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "bench.meeting", *options], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_the_benchmark_runs_and_loses_nothing(mode: str):
    figures = bench("--phones", "200", "--questions", "2", "--mode", mode)
    app = figures["app"]
    assert (app["lost"], app["duplicated"], app["burst"]["refused"], app["stored"]) == (0, 0, 0, 400)
    assert set(figures["ratios"]) == {"fanout_p99", "all_acked", "join_cpu"}
    assert "venues" not in app  # the one-hall run keeps its figures' shape


def assert_every_venue_counted(figures: dict[str, Any], branches: int, per_venue: int, questions: int) -> None:
    """Each hall's phones answered and were stored at that hall (a phone joined with another hall's code, or
    one hall's answers stored under another, shows as a lost answer there), and each projector showed its own
    hall with its own listeners."""
    app, bare = figures["app"], figures["bare"]
    names = ["主会场", *(f"压测{n:02d}县分会场" for n in range(1, branches + 1))]
    assert list(app["venues"]) == names and list(bare["venues"]) == names
    for name in names:
        row = app["venues"][name]
        assert (row["phones"], row["acked"], row["stored"], row["lost"]) == (
            per_venue, per_venue * questions, per_venue * questions, 0), (name, row)
        assert (row["projector_shows"], row["projector_listeners"]) == (name, per_venue), (name, row)
        assert row["fanout_p99_ms"] > 0 and row["projector_fanout_max_ms"] > 0
        assert bare["venues"][name]["phones"] == per_venue and bare["venues"][name]["projector_fanout_max_ms"] > 0
    total = (branches + 1) * per_venue
    assert (figures["phones"], app["projectors"], bare["projectors"]) == (total, branches + 1, branches + 1)
    assert (app["lost"], app["duplicated"], app["burst"]["refused"], app["stored"]) == (0, 0, 0, total * questions)
    assert set(figures["ratios"]) == {"fanout_p99", "all_acked", "join_cpu", "projector_fanout_p99",
                                      "worst_venue_fanout_p99"}
    # a projector's state carries its hall's attendance table: larger than a phone's
    assert app["state_bytes"]["projector_max"] > app["state_bytes"]["phone"] > 0


def test_venues_on_one_process():
    figures = bench("--venues", "2", "--phones-per-venue", "5", "--questions", "1")
    assert_every_venue_counted(figures, 2, 5, 1)


def test_venues_on_two_workers_with_postgres_and_redis(tmp_path: Path):
    try:
        create_engine(POSTGRES_ADMIN_URL).connect().close()
    except OperationalError as error:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    with private_redis(tmp_path) as redis_server:
        figures = bench("--venues", "2", "--phones-per-venue", "5", "--questions", "2", "--workers", "2",
                        "--database", POSTGRES_ADMIN_URL, "--redis", redis_server.url)
    assert (figures["workers"], figures["database"]) == (2, "postgresql")
    assert_every_venue_counted(figures, 2, 5, 2)


def test_venues_refuse_what_they_cannot_do():
    for options in (["--venues", "60"], ["--venues", "2", "--url", "http://127.0.0.1:1"],
                    ["--venues", "2", "--staff-load"], ["--venues", "2", "--phones-per-venue", "0"]):
        result = subprocess.run([sys.executable, "-m", "bench.meeting", *options], cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 2 and "--venues" in result.stderr, options


def test_the_per_hall_figures_keep_each_hall_apart():
    from bench.load import Phone, by_hall

    def client(hall: str, delays: list[float], acked: int = 0, projector: bool = False) -> Phone:
        made = Phone(hall, projector)
        made.delays, made.acked = delays, acked
        return made

    halls = by_hall([client("甲", [0.010, 0.020], 2), client("甲", [0.030, 0.040], 1),
                     client("甲", [0.050, 0.400], projector=True), client("乙", [0.005], 1),
                     client("乙", [0.006], projector=True)])
    assert halls["甲"] == {"phones": 2, "fanout_p99_ms": 400.0, "projector_fanout_max_ms": 400.0, "acked": 3}
    assert halls["乙"] == {"phones": 1, "fanout_p99_ms": 6.0, "projector_fanout_max_ms": 6.0, "acked": 1}


def test_the_slowest_hall_is_compared_with_the_bare_servers_slowest():
    from bench.meeting import ratios

    def run(p99s: list[float], projector_p99: float) -> dict[str, Any]:
        return {"fanout_ms": {"p99": max(p99s)}, "burst": {"all_acked_s": 1.0}, "join_cpu_s": 2.0,
                "projector_fanout_ms": {"p99": projector_p99},
                "venues": {f"v{n}": {"fanout_p99_ms": p} for n, p in enumerate(p99s)}}

    figures = ratios(run([100, 300, 120], 300), run([100, 150, 110], 60))
    assert figures["worst_venue_fanout_p99"] == 2.0 and figures["projector_fanout_p99"] == 5.0
    one_hall = {"fanout_ms": {"p99": 1}, "burst": {"all_acked_s": 1}, "join_cpu_s": 1}
    assert set(ratios(one_hall, one_hall)) == {"fanout_p99", "all_acked", "join_cpu"}


def test_the_host_keeps_the_newest_state():
    """With several workers, an attendance refresh built before `show_question` can arrive after its state."""
    from bench.load import Host

    host = Host()
    host.on_event("state", {"rev": 7, "round": {"id": 3, "phase": "open"}}, 0.0)
    host.on_event("state", {"rev": 6, "round": None}, 0.0)  # older: dropped, as the console drops it
    assert host.state["round"] == {"id": 3, "phase": "open"}
    host.on_event("state", {"rev": 7, "round": {"id": 3, "phase": "open"}, "attendance": {}}, 0.0)
    assert "attendance" in host.state  # the same revision, refreshed: kept
