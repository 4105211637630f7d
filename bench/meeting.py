"""The meeting benchmark: N phones join the real app, a host drives K questions, every phone answers at once.

    python -m bench.meeting --phones 2000 --questions 3 [--mode gevent] [--repeat 3]
                            [--database URL] [--workers 2 --redis URL] [--url URL --password PW --meeting ID]
                            [--profile FILE] [--no-bare] [--staff-load]
    python -m bench.meeting --venues 10 [--phones-per-venue 300] --questions 3 [--workers 2 --database URL …]

Each repetition runs the app (started as the venue command starts it, on a fresh database) and then a bare
Flask-SocketIO server (no app logic, no database, the same tuning, the same message queue) under the same load;
the app's figures are reported as ratios to the bare server's in the same repetition. The last line printed
is one JSON object: every run, and the median of each figure over the runs. Lost and duplicated answers are
counted against the database and added up over the runs.

`--database postgresql://…/db` runs the app on a fresh database created on that server for each run (and
dropped after). `--workers N` starts N app processes (and N bare ones) sharing the database and Redis; phones
are spread over them in turn, each staying on its worker (what a sticky load balancer does). `--url` targets an
app that is already running (e.g. behind nginx; comma-separated worker URLs); it then measures no server CPU
or memory and compares with no bare server.

`--venues N` holds the meeting in a main hall and N branch venues (主会场 + 分会场, bench/venues.py makes it):
each venue's projector opens its own projector URL and `--phones-per-venue` phones (300; the main hall gets as
many) join with the venue's own code. Fan-out counts every phone and every projector; each venue's fan-out p99,
its projector's worst fan-out, its acked answers and the ones stored from its attendees (its lost) are reported
under `venues`, and the bare server gets the same clients (each projector in a room of its own). With `--url`
(nginx in front of running workers) it needs that app's `--database`, where it makes its meeting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.load import Hall, Target, run_app, run_bare
from bench.processes import ROOT, Server, start_app, start_bare, start_profiler, stop_profiler

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def count_answers(database_url: str, rounds: list[int]) -> tuple[int, int]:
    """(rows stored for the rounds, rows beyond one per attendee and round) — the second must be 0."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT round_id, attendee_id, COUNT(*) FROM answers GROUP BY round_id, attendee_id")).all()
    engine.dispose()
    wanted = [r for r in rows if r[0] in set(rounds)]
    return sum(r[2] for r in wanted), sum(r[2] - 1 for r in wanted)


def count_by_venue(database_url: str, rounds: list[int]) -> dict[int | None, int]:
    """Answers stored for the rounds, per attendee venue (None: the convening hall)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT attendees.venue_id, answers.round_id, COUNT(*) FROM answers "
            "JOIN attendees ON attendees.id = answers.attendee_id GROUP BY attendees.venue_id, answers.round_id")).all()
    engine.dispose()
    counts: dict[int | None, int] = {}
    for venue_id, round_id, count in rows:
        if round_id in set(rounds):
            counts[venue_id] = counts.get(venue_id, 0) + count
    return counts


def make_venues(database_url: str, branches: int, per_venue: int) -> tuple[int, list[Hall]]:
    """The meeting in a main hall and `branches` branch venues, made by bench/venues.py in a process of its own;
    (its id, its halls with `per_venue` phones each)."""
    done = subprocess.run([sys.executable, "-m", "bench.venues", database_url, str(branches)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"setting up the venues failed: {done.stderr[-2000:]}")
    made = json.loads(done.stdout.strip().splitlines()[-1])
    halls = [Hall(v["name"], v["join_code"], v["screen_token"], per_venue, None if n == 0 else v["id"])
             for n, v in enumerate(made["venues"])]
    return made["meeting_id"], halls


@contextmanager
def fresh_database(given: str) -> Iterator[str]:
    """A new SQLite file, or a new database on the given PostgreSQL server (dropped afterwards)."""
    if not given:
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-')) / 'bench.sqlite3'}"
        return
    if not given.startswith("postgresql"):
        yield given
        return
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(given, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(given).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _target(servers: list[Server], halls: list[Hall] = ()) -> Target:
    return Target([s.url for s in servers], servers[0].admin_password, servers[0].meeting_id,
                  lambda: sum(s.cpu_seconds() for s in servers), lambda: sum(s.peak_rss_mb() for s in servers),
                  halls=list(halls))


def app_run(args: argparse.Namespace, channel: str) -> dict[str, Any]:
    """One run of the app: start its workers on a fresh database, load them, count the answers stored."""
    with fresh_database(args.database) as database, ExitStack() as stack:
        queue = {"REDIS_URL": args.redis, "SOCKETIO_CHANNEL": channel} if args.workers > 1 else {}
        servers = [start_app(args.mode, database, **queue)]
        stack.callback(servers[0].stop)
        halls: list[Hall] = []
        if args.venues:
            servers[0].meeting_id, halls = make_venues(database, args.venues, args.phones_per_venue)
        for _ in range(args.workers - 1):
            servers.append(start_app(args.mode, database, first_start=False, **queue))
            stack.callback(servers[-1].stop)
        if args.profile:
            profiler = start_profiler(servers[0], args.profile)
            stack.callback(stop_profiler, profiler)
        target = _target(servers, halls)
        figures = asyncio.run(run_app(target, args.phones, args.questions, args.staff_load))
        stack.close()
        return _with_counts(figures, database, target.rounds, halls) | {"halls": halls}


def _with_counts(figures: dict[str, Any], database: str, rounds: list[int], halls: list[Hall] = ()
                 ) -> dict[str, Any]:
    stored, duplicated = count_answers(database, rounds)
    acked = figures.pop("acked")
    if halls:  # each venue's acked answers against those stored from its attendees
        by_venue = count_by_venue(database, rounds)
        for hall in halls:
            row = figures["venues"][hall.name]
            row["stored"] = by_venue.get(hall.venue_id, 0)
            row["lost"] = row["acked"] - row["stored"]
    return figures | {"lost": acked - stored, "duplicated": duplicated, "stored": stored}


def bare_run(args: argparse.Namespace, channel: str, shown: dict[str, Any] | None, halls: list[Hall] = (),
             shown_screens: dict[str, Any] | None = None) -> dict[str, Any]:
    """One run of the bare server, with as many processes (and the same Redis) as the app had, broadcasting
    the app's question state (`shown`; each venue's projector its own, `shown_screens`) to as many clients."""
    redis_url = args.redis if args.workers > 1 else ""
    servers = [start_bare(args.mode, redis_url, channel) for _ in range(args.workers)]
    try:
        return asyncio.run(run_bare(_target(servers, halls), args.phones, args.questions, shown, shown_screens))
    finally:
        for server in servers:
            server.stop()


def url_run(args: argparse.Namespace) -> dict[str, Any]:
    """One run against an app already running at --url (e.g. behind nginx). With --venues, a new meeting in
    several halls is made first on its --database (a benchmark's database: a roster is added to it)."""
    meeting, halls = (make_venues(args.database, args.venues, args.phones_per_venue) if args.venues
                      else (args.meeting, []))
    target = Target(args.url.split(","), args.password, meeting, halls=list(halls))
    figures = asyncio.run(run_app(target, args.phones, args.questions))
    if args.database:
        return _with_counts(figures, args.database, target.rounds, halls) | {"halls": halls}
    return figures | {"lost": None, "duplicated": None, "stored": None}


def ratio(app: float | None, bare: float | None) -> float | None:
    return round(app / bare, 2) if app is not None and bare else None


def ratios(app: dict[str, Any], bare: dict[str, Any]) -> dict[str, float | None]:
    """The app's figures over the bare server's, in the same run."""
    figures = {"fanout_p99": ratio(app["fanout_ms"]["p99"], bare["fanout_ms"]["p99"]),
               "all_acked": ratio(app["burst"]["all_acked_s"], bare["burst"]["all_acked_s"]),
               # server CPU for the join (page, anonymous join, socket) per phone, against a bare connect: the
               # same phones, so the ratio of the totals is the ratio per phone
               "join_cpu": ratio(app["join_cpu_s"], bare["join_cpu_s"])}
    if "venues" in app and "venues" in bare:
        # the slowest hall of each: a venue whose phones or projector lag shows here, not in the overall p99
        figures["projector_fanout_p99"] = ratio(app["projector_fanout_ms"]["p99"], bare["projector_fanout_ms"]["p99"])
        figures["worst_venue_fanout_p99"] = ratio(max(v["fanout_p99_ms"] for v in app["venues"].values()),
                                                  max(v["fanout_p99_ms"] for v in bare["venues"].values()))
    return figures


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every number over the runs, keeping the figures' shape."""
    first = runs[0]
    if isinstance(first, dict):
        return {key: medians([r[key] for r in runs]) for key in first}
    values = [v for v in runs if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return round(statistics.median(values), 3) if values else first


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Every run, their medians, and the answers lost or duplicated over all of them."""
    runs = []
    for _ in range(args.repeat):
        channel = f"bench-{uuid.uuid4().hex}"
        run: dict[str, Any] = {"app": url_run(args) if args.url else app_run(args, channel)}
        shown = run["app"].pop("shown")
        shown_screens = run["app"].pop("shown_screens", None)
        halls = run["app"].pop("halls", [])
        if not (args.no_bare or args.url):
            run["bare"] = bare_run(args, channel, None if args.tiny_bare else shown, halls,
                                   None if args.tiny_bare else shown_screens)
            run["ratios"] = ratios(run["app"], run["bare"])
        runs.append(run)
    summary = medians(runs)
    for key in ("lost", "duplicated", "stored"):
        counts = [r["app"][key] for r in runs]
        summary["app"][key] = None if None in counts else sum(counts)
    summary["app"]["burst"]["refused"] = sum(r["app"]["burst"]["refused"] for r in runs)
    for name, row in summary["app"].get("venues", {}).items():  # counts over all runs, as above
        for key in ("acked", "stored", "lost"):
            row[key] = sum(r["app"]["venues"][name][key] for r in runs)
    phones = (args.venues + 1) * args.phones_per_venue if args.venues else args.phones
    return {"phones": phones, "venues": args.venues, "questions": args.questions, "mode": args.mode,
            "workers": args.workers,
            "bare_payload": "tiny" if args.tiny_bare else "the app's question state",
            "database": (args.database or "sqlite").split(":")[0], "repeat": args.repeat, **summary, "runs": runs}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="书记问效 meeting benchmark")
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="gevent")
    parser.add_argument("--repeat", type=int, default=1, help="runs (the figures are their medians)")
    parser.add_argument("--database", default="", help="SQLite or PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--workers", type=int, default=1, help="app processes sharing the database and Redis")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis for --workers > 1")
    parser.add_argument("--url", default="", help="target a running app (comma-separated worker URLs)")
    parser.add_argument("--password", default="", help="the admin password of the app at --url")
    parser.add_argument("--meeting", type=int, default=1, help="the meeting id at --url")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-server comparison")
    parser.add_argument("--tiny-bare", action="store_true",
                        help="the bare server broadcasts a few bytes instead of the app's question state")
    parser.add_argument("--staff-load", action="store_true",
                        help="run the questions again while a staff session imports 5,000 rows and exports a "
                             "10,000-question bank; report the ratios of the two phases and the worst /healthz")
    parser.add_argument("--venues", type=int, default=0,
                        help="hold the meeting in a main hall and this many branch venues (主会场 + 分会场)")
    parser.add_argument("--phones-per-venue", type=int, default=300,
                        help="with --venues: phones at each venue, the main hall included (--phones is ignored)")
    parser.add_argument("--profile", default="", help="record the (first) app server with py-spy into this file "
                                                      "(collapsed stacks; needs `pip install py-spy`)")
    args = parser.parse_args(argv)
    if args.workers > 1 and not args.database.startswith("postgresql"):
        parser.error("--workers > 1 needs --database postgresql://…")
    if args.venues and (args.staff_load or (args.url and not args.database)):
        parser.error("--venues sets up its own meeting: not with --staff-load, and with --url only with the "
                     "app's --database")
    if not 0 <= args.venues <= 59 or args.phones_per_venue < 1:
        parser.error("--venues 0–59 (a meeting has at most 60 halls) and --phones-per-venue ≥ 1")
    return args


def main() -> None:
    result = measure(parse())
    print(json.dumps(result, ensure_ascii=False))
    app = result["app"]
    venue_lost = any(v["lost"] for v in app.get("venues", {}).values())
    raise SystemExit(1 if app["lost"] or app["duplicated"] or app["burst"]["refused"] or venue_lost else 0)


if __name__ == "__main__":
    main()
