"""The meeting benchmark: N phones join the real app, a host drives K questions, every phone answers at once.

    python -m bench.meeting --phones 2000 --questions 5 [--mode gevent] [--database URL] [--url URL]

The same load then runs against a bare Flask-SocketIO server (no app logic, no database, the same tuning),
and the app's figures are reported as ratios to it. The last line printed is one JSON object. Lost and
duplicated answers are counted against the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text

from bench.processes import Server, start_app, start_bare, start_profiler, stop_profiler
from bench.sioclient import RawClient

JOIN_CONCURRENCY = 100
WAIT_S = 120


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max in milliseconds."""
    if not values:
        return {"p50": 0, "p95": 0, "p99": 0, "max": 0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1] * 1000, 1)}


class Phone:
    """One simulated phone: when each round was first seen open."""

    def __init__(self) -> None:
        self.seen: dict[Any, float] = {}
        self.arrived = asyncio.Event()
        self.client = RawClient(self.on_event)

    def on_event(self, name: str, data: Any, at: float) -> None:
        if name != "state" or not isinstance(data, dict):
            return
        key = (data.get("round") or {}).get("id") if "round" in data else data.get("go")
        if key is not None and key not in self.seen and ((data.get("round") or {}).get("phase", "open") == "open"):
            self.seen[key] = at
            self.arrived.set()


async def burst(phones: list[Phone], event: str, payload_for) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Everyone answers at once; returns answers/s, ack latency and the time until all were acked."""
    start = time.perf_counter()
    latencies: list[float] = []
    failures: list[Any] = []

    async def one(phone: Phone) -> None:
        sent = time.perf_counter()
        reply = await phone.client.call(event, payload_for(phone), timeout=WAIT_S)
        latencies.append(time.perf_counter() - sent)
        if not (isinstance(reply, dict) and reply.get("ok")):
            failures.append(reply)

    await asyncio.gather(*(one(p) for p in phones))
    elapsed = time.perf_counter() - start
    return {"answers_per_s": round(len(phones) / elapsed, 1), "ack_p99_ms": percentiles(latencies)["p99"],
            "all_acked_s": round(elapsed, 3), "refused": len(failures)}


async def wait_all(phones: list[Phone], key: Any) -> None:
    deadline = time.perf_counter() + WAIT_S
    while any(key not in p.seen for p in phones):
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{sum(key not in p.seen for p in phones)} phones never saw {key}")
        await asyncio.sleep(0.01)


# ---- the app ----------------------------------------------------------------------------------------------

async def _login(http: aiohttp.ClientSession, url: str, password: str) -> str:
    async with http.get(url + "/login") as response:
        page = await response.text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": "admin", "password": password, "csrf_token": token}
    async with http.post(url + "/login", data=form, allow_redirects=False):
        pass
    return "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)


async def _join(url: str, join_code: str, phone: Phone, gate: asyncio.Semaphore) -> None:
    async with gate, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{url}/j/{join_code}") as response:
            page = await response.text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        async with http.post(f"{url}/j/{join_code}", data={"anonymous": "1", "csrf_token": token},
                             allow_redirects=False) as response:
            location = response.headers["Location"]
        code, device = re.search(r"/p/([A-Z0-9]+)\?d=([^&]+)", location).groups()
        await phone.client.connect(url, {"code": code, "device": device})


class Host:
    """The host's console connection."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.client = RawClient(self.on_event)

    def on_event(self, name: str, data: Any, at: float) -> None:
        if name == "state":
            self.state = data

    async def do(self, name: str, **payload: Any) -> dict:
        reply = await self.client.call(name, {"rev": self.state.get("rev", 0), **payload})
        if not reply.get("ok"):
            raise RuntimeError(f"{name}: {reply}")
        self.state["rev"] = reply["rev"]
        return reply


async def run_app(server: Server, phones_wanted: int, questions: int) -> dict[str, Any]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        cookie = await _login(http, server.url, server.admin_password)
    host = Host()
    await host.client.connect(server.url, {"meeting_id": server.meeting_id}, {"Cookie": cookie})
    host.state = (await host.client.call("sync"))["state"]
    phones = [Phone() for _ in range(phones_wanted)]
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)
    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(_join(server.url, host.state["join"]["code"], p, gate) for p in phones))
    join_s = time.perf_counter() - started
    fanout: list[float] = []
    bursts, rounds = [], []
    for _ in range(questions):
        await host.do("draw_question", mode="all", types=["single", "judge"])
        sent = time.perf_counter()
        await host.do("show_question")
        round_id = host.state["round"]["id"] if host.state.get("round") else None
        round_id = round_id or (await host.client.call("sync"))["state"]["round"]["id"]
        await wait_all(phones, round_id)
        fanout += [p.seen[round_id] - sent for p in phones]
        question = (await host.client.call("sync"))["state"]["current"]["question"]
        answer = question["answer"]
        rounds.append(round_id)
        bursts.append(await burst(phones, "submit_answer", lambda p, r=round_id, a=answer: {
            "round_id": r, "client_id": uuid.uuid4().hex, "answer": a}))
        await host.do("close_question")
        await host.do("next_question")
    return {"join_s": round(join_s, 2), "fanout_ms": percentiles(fanout), "burst": _median_burst(bursts),
            "cpu_s": round(server.cpu_seconds() - cpu_before, 2), "peak_rss_mb": round(server.peak_rss_mb(), 1),
            "rounds": rounds, "acked": sum(len(phones) - b["refused"] for b in bursts)}


def _median_burst(bursts: list[dict[str, Any]]) -> dict[str, Any]:
    medians = {key: round(statistics.median(b[key] for b in bursts), 3)
               for key in ("answers_per_s", "ack_p99_ms", "all_acked_s")}
    return medians | {"refused": sum(b["refused"] for b in bursts)}


def count_answers(database_url: str, rounds: list[int]) -> tuple[int, int]:
    """(rows stored for the rounds, rows beyond one per attendee and round) — the second must be 0."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT round_id, attendee_id, COUNT(*) FROM answers GROUP BY round_id, attendee_id")).all()
    engine.dispose()
    wanted = [r for r in rows if r[0] in set(rounds)]
    return sum(r[2] for r in wanted), sum(r[2] - 1 for r in wanted)


# ---- the bare server --------------------------------------------------------------------------------------

async def run_bare(server: Server, phones_wanted: int, questions: int) -> dict[str, Any]:
    host = RawClient()
    await host.connect(server.url)
    phones = [Phone() for _ in range(phones_wanted)]
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)

    async def connect(phone: Phone) -> None:
        async with gate:
            await phone.client.connect(server.url)

    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(connect(p) for p in phones))
    join_s = time.perf_counter() - started
    fanout, bursts = [], []
    for number in range(questions):
        sent = time.perf_counter()
        await host.call("go", {"go": number})
        await wait_all(phones, number)
        fanout += [p.seen[number] - sent for p in phones]
        bursts.append(await burst(phones, "answer", lambda p, n=number: {"round_id": n, "answer": "A"}))
    return {"join_s": round(join_s, 2), "fanout_ms": percentiles(fanout), "burst": _median_burst(bursts),
            "cpu_s": round(server.cpu_seconds() - cpu_before, 2), "peak_rss_mb": round(server.peak_rss_mb(), 1)}


# ---- the whole run ----------------------------------------------------------------------------------------

def ratio(app: float, bare: float) -> float | None:
    return round(app / bare, 2) if bare else None


def main() -> None:
    parser = argparse.ArgumentParser(description="书记问效 meeting benchmark")
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="gevent")
    parser.add_argument("--database", default="", help="DATABASE_URL for the app (default: a fresh SQLite file)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-server comparison")
    parser.add_argument("--profile", default="", help="record the app server with py-spy into this file "
                                                      "(collapsed stacks; needs `pip install py-spy`)")
    args = parser.parse_args()
    database = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    app_server = start_app(args.mode, database)
    profiler = start_profiler(app_server, args.profile) if args.profile else None
    try:
        app = asyncio.run(run_app(app_server, args.phones, args.questions))
    finally:
        if profiler is not None:
            stop_profiler(profiler)
        app_server.stop()
    stored, duplicated = count_answers(database, app.pop("rounds"))
    app.update(lost=app.pop("acked") - stored, duplicated=duplicated, stored=stored)
    result: dict[str, Any] = {"phones": args.phones, "questions": args.questions, "mode": args.mode,
                              "database": database.split(":")[0], "app": app}
    if not args.no_bare:
        bare_server = start_bare(args.mode)
        try:
            bare = asyncio.run(run_bare(bare_server, args.phones, args.questions))
        finally:
            bare_server.stop()
        result["bare"] = bare
        result["ratios"] = {"fanout_p99": ratio(app["fanout_ms"]["p99"], bare["fanout_ms"]["p99"]),
                            "all_acked": ratio(app["burst"]["all_acked_s"], bare["burst"]["all_acked_s"])}
    print(json.dumps(result, ensure_ascii=False))
    raise SystemExit(1 if app["lost"] or app["duplicated"] or app["burst"]["refused"] else 0)


if __name__ == "__main__":
    main()
