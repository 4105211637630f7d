"""The meeting benchmark: N phones join the real app, a host drives K questions, every phone answers at once.

    python -m bench.meeting --phones 2000 --questions 3 [--mode gevent] [--repeat 3]
                            [--database URL] [--workers 2 --redis URL] [--url URL --password PW --meeting ID]
                            [--profile FILE] [--no-bare] [--staff-load]

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
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.load import Target, run_app, run_bare
from bench.processes import Server, start_app, start_bare, start_profiler, stop_profiler

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


def _target(servers: list[Server]) -> Target:
    return Target([s.url for s in servers], servers[0].admin_password, servers[0].meeting_id,
                  lambda: sum(s.cpu_seconds() for s in servers), lambda: sum(s.peak_rss_mb() for s in servers))


def app_run(args: argparse.Namespace, channel: str) -> dict[str, Any]:
    """One run of the app: start its workers on a fresh database, load them, count the answers stored."""
    with fresh_database(args.database) as database, ExitStack() as stack:
        queue = {"REDIS_URL": args.redis, "SOCKETIO_CHANNEL": channel} if args.workers > 1 else {}
        servers = [start_app(args.mode, database, **queue)]
        stack.callback(servers[0].stop)
        for _ in range(args.workers - 1):
            servers.append(start_app(args.mode, database, first_start=False, **queue))
            stack.callback(servers[-1].stop)
        if args.profile:
            profiler = start_profiler(servers[0], args.profile)
            stack.callback(stop_profiler, profiler)
        target = _target(servers)
        figures = asyncio.run(run_app(target, args.phones, args.questions, args.staff_load))
        stack.close()
        return _with_counts(figures, database, target.rounds)


def _with_counts(figures: dict[str, Any], database: str, rounds: list[int]) -> dict[str, Any]:
    stored, duplicated = count_answers(database, rounds)
    acked = figures.pop("acked")
    return figures | {"lost": acked - stored, "duplicated": duplicated, "stored": stored}


def bare_run(args: argparse.Namespace, channel: str, shown: dict[str, Any] | None) -> dict[str, Any]:
    """One run of the bare server, with as many processes (and the same Redis) as the app had, broadcasting
    the app's question state (`shown`)."""
    redis_url = args.redis if args.workers > 1 else ""
    servers = [start_bare(args.mode, redis_url, channel) for _ in range(args.workers)]
    try:
        return asyncio.run(run_bare(_target(servers), args.phones, args.questions, shown))
    finally:
        for server in servers:
            server.stop()


def url_run(args: argparse.Namespace) -> dict[str, Any]:
    """One run against an app already running at --url."""
    target = Target(args.url.split(","), args.password, args.meeting)
    figures = asyncio.run(run_app(target, args.phones, args.questions))
    if args.database:
        return _with_counts(figures, args.database, target.rounds)
    return figures | {"lost": None, "duplicated": None, "stored": None}


def ratio(app: float | None, bare: float | None) -> float | None:
    return round(app / bare, 2) if app is not None and bare else None


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
        if not (args.no_bare or args.url):
            run["bare"] = bare_run(args, channel, None if args.tiny_bare else shown)
            run["ratios"] = {"fanout_p99": ratio(run["app"]["fanout_ms"]["p99"], run["bare"]["fanout_ms"]["p99"]),
                             "all_acked": ratio(run["app"]["burst"]["all_acked_s"],
                                                run["bare"]["burst"]["all_acked_s"]),
                             # server CPU for the join (page, anonymous join, socket) per phone, against a
                             # bare connect: the same phones, so the ratio of the totals is the ratio per phone
                             "join_cpu": ratio(run["app"]["join_cpu_s"], run["bare"]["join_cpu_s"])}
        runs.append(run)
    summary = medians(runs)
    for key in ("lost", "duplicated", "stored"):
        counts = [r["app"][key] for r in runs]
        summary["app"][key] = None if None in counts else sum(counts)
    summary["app"]["burst"]["refused"] = sum(r["app"]["burst"]["refused"] for r in runs)
    return {"phones": args.phones, "questions": args.questions, "mode": args.mode, "workers": args.workers,
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
    parser.add_argument("--profile", default="", help="record the (first) app server with py-spy into this file "
                                                      "(collapsed stacks; needs `pip install py-spy`)")
    args = parser.parse_args(argv)
    if args.workers > 1 and not args.database.startswith("postgresql"):
        parser.error("--workers > 1 needs --database postgresql://…")
    return args


def main() -> None:
    result = measure(parse())
    print(json.dumps(result, ensure_ascii=False))
    app = result["app"]
    raise SystemExit(1 if app["lost"] or app["duplicated"] or app["burst"]["refused"] else 0)


if __name__ == "__main__":
    main()
