"""The load itself: phones joining, a host driving questions, everyone answering at once — against the app and
against the bare server. Servers are reached by URL; phones are spread over the given worker URLs in turn, as
a sticky load balancer would spread them (each phone stays on its worker).

A meeting held in several halls (`Target.halls`, from bench/venues.py) gets one projector per venue, opened with
the venue's screen token before its phones join with the venue's join code; the fan-out then counts every
phone and every projector, and each figure is also broken down per venue so that one slow hall shows."""

from __future__ import annotations

import asyncio
import gc
import re
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.sioclient import RawClient

JOIN_CONCURRENCY = 100
WAIT_S = 120


@dataclass
class Target:
    """Where the load goes: the workers' URLs (the host uses the first), and how to log in."""

    urls: list[str]
    admin_password: str = ""
    meeting_id: int = 0
    cpu_seconds: Callable[[], float | None] = lambda: None
    peak_rss_mb: Callable[[], float | None] = lambda: None
    rounds: list[int] = field(default_factory=list)
    halls: list[Hall] = field(default_factory=list)  # a meeting in several halls; empty: the demo meeting's one


@dataclass
class Hall:
    """One venue of the benchmark's meeting: its phones join with `join_code`; its projector (when it has a
    `screen_token`) opens the venue's projector URL."""

    name: str
    join_code: str = ""
    screen_token: str = ""
    phones: int = 0
    venue_id: int | None = None


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 / p95 / p99 / max in milliseconds."""
    if not values:
        return {"p50": 0, "p95": 0, "p99": 0, "max": 0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1] * 1000, 1)}


class Phone:
    """One simulated phone (or a venue's projector): when each round was first seen open, how long that took
    after the host's command, and how many of its answers were acked."""

    def __init__(self, hall: str = "", projector: bool = False) -> None:
        self.hall, self.projector = hall, projector
        self.seen: dict[Any, float] = {}
        self.delays: list[float] = []
        self.acked = 0
        self.shown: dict[str, Any] | None = None  # the state that showed the last question
        self.shown_bytes = 0  # its Socket.IO packet's size in UTF-8 (what one client is sent per question)
        self.client = RawClient(self.on_event)

    def on_event(self, name: str, data: Any, at: float) -> None:
        if name != "state" or not isinstance(data, dict):
            return
        if "go" in data:  # the bare server's broadcast
            self.seen.setdefault(data["go"], at)
            return
        round_ = data.get("round") or {}
        if round_.get("phase") == "open" and round_.get("id") not in self.seen:
            self.seen[round_["id"]] = at
            self.shown = data
            self.shown_bytes = len(self.client.last_message.encode())


class Host:
    """The host's console connection."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.stale = 0  # states older than one already received (reported: `console_stale_states`)
        self.client = RawClient(self.on_event)

    def on_event(self, name: str, data: Any, at: float) -> None:
        """Keep the newest state, as the console does (static/js/live/live-common.js drops an older `rev`): with
        several workers a state built before a command (the attendance refresh of another worker's ticker) can
        arrive after the command's own, and would hide the question just shown."""
        if name != "state" or not isinstance(data, dict):
            return
        if data.get("rev", 0) >= self.state.get("rev", 0):
            self.state = data
        else:
            self.stale += 1

    async def shown_round(self, earlier: set[int]) -> int:
        """The round the console's broadcast state shows open (one not in `earlier`)."""
        deadline = time.perf_counter() + WAIT_S
        while time.perf_counter() < deadline:
            round_ = self.state.get("round") or {}
            if round_.get("phase") == "open" and round_.get("id") not in earlier:
                return round_["id"]
            await asyncio.sleep(0.005)
        raise RuntimeError("the console never showed the question open")

    async def do(self, name: str, **payload: Any) -> dict:
        reply = await self.client.call(name, {"rev": self.state.get("rev", 0), **payload})
        if not reply.get("ok"):
            raise RuntimeError(f"{name}: {reply}")
        self.state["rev"] = reply["rev"]
        return reply


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
        else:
            phone.acked += 1

    await asyncio.gather(*(one(p) for p in phones))
    elapsed = time.perf_counter() - start
    return {"answers_per_s": round(len(phones) / elapsed, 1), "ack_p99_ms": percentiles(latencies)["p99"],
            "all_acked_s": round(elapsed, 3), "refused": len(failures)}


async def wait_all(phones: list[Phone], key: Any) -> None:
    """Until every phone has seen `key` (a round id, or the bare server's number)."""
    deadline = time.perf_counter() + WAIT_S
    while any(key not in p.seen for p in phones):
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{sum(key not in p.seen for p in phones)} phones never saw {key}")
        await asyncio.sleep(0.01)


def note_fanout(clients: list[Phone], key: Any, sent: float) -> list[float]:
    """Each client's delay from `sent` (the host's command) to its state showing `key`; kept per client too."""
    delays = []
    for client in clients:
        client.delays.append(client.seen[key] - sent)
        delays.append(client.delays[-1])
    return delays


def by_hall(clients: list[Phone]) -> dict[str, dict[str, Any]]:
    """Per venue: its phones' and its projector's fan-out, and its phones' acked answers (one slow hall shows)."""
    halls: dict[str, list[Phone]] = {}
    for client in clients:
        halls.setdefault(client.hall, []).append(client)
    figures = {}
    for name, members in halls.items():
        phones = [c for c in members if not c.projector]
        projector = [d for c in members if c.projector for d in c.delays]
        figures[name] = {"phones": len(phones),
                         "fanout_p99_ms": percentiles([d for c in members for d in c.delays])["p99"],
                         "projector_fanout_max_ms": percentiles(projector)["max"] if projector else None,
                         "acked": sum(c.acked for c in phones)}
    return figures


def median_burst(bursts: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each burst figure over the questions; refusals added up."""
    medians = {key: round(statistics.median(b[key] for b in bursts), 3)
               for key in ("answers_per_s", "ack_p99_ms", "all_acked_s")}
    return medians | {"refused": sum(b["refused"] for b in bursts)}


# ---- the app ----------------------------------------------------------------------------------------------

async def _login(http: aiohttp.ClientSession, url: str, password: str) -> str:
    async with http.get(url + "/login") as response:
        page = await response.text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": "admin", "password": password, "csrf_token": token}
    async with http.post(url + "/login", data=form, allow_redirects=False) as response:
        if response.status != 302:
            raise RuntimeError("login failed: check the admin password")
    return "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)


async def _join(url: str, join_code: str, phone: Phone, gate: asyncio.Semaphore) -> None:
    """As a listener's phone does: the join page (HTTP), then the socket, which joins (static/js/live/phone.js),
    and asks for its own code."""
    async with gate:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/j/{join_code}") as response:
            await response.read()
        await phone.client.connect(url, {"join": join_code, "browser": uuid.uuid4().hex[:16]})
        me = await phone.client.call("who_am_i")
        if not me.get("ok"):
            raise RuntimeError(f"the join was refused: {me}")


async def open_projectors(target: Target, auth_for: Callable[[int, Hall], dict]) -> list[Phone]:
    """One projector per venue that has a screen token, spread over the workers as the phones are."""
    projectors = []
    for number, hall in enumerate(h for h in target.halls if h.screen_token):
        projector = Phone(hall.name, projector=True)
        await projector.client.connect(target.urls[number % len(target.urls)], auth_for(number, hall))
        projectors.append(projector)
    return projectors


def phones_of(target: Target) -> list[tuple[Phone, Hall]]:
    """Every venue's phones, in venue order."""
    return [(Phone(hall.name), hall) for hall in target.halls for _ in range(hall.phones)]


def state_bytes(phones: list[Phone], projectors: list[Phone], before: dict[int, int], questions: int
                ) -> dict[str, Any]:
    """The size of the question's state as sent to one phone and to a venue's projector; what showing one
    question sends down a venue's link (`per_venue_max`: every phone's state and the projector's); and what
    the whole of a question (show, every state and ack after it, close, next) carried per phone and per venue
    (`…_per_question`; `before`: each client's received bytes before the questions)."""
    per_hall: dict[str, int] = {}
    whole: dict[str, int] = {}
    for client in [*phones, *projectors]:
        per_hall[client.hall] = per_hall.get(client.hall, 0) + client.shown_bytes
        whole[client.hall] = whole.get(client.hall, 0) + client.client.received_bytes - before[id(client)]
    phone_whole = [p.client.received_bytes - before[id(p)] for p in phones]
    return {"phone": max((p.shown_bytes for p in phones), default=0),
            "projector_max": max((p.shown_bytes for p in projectors), default=0),
            "per_venue_max": max(per_hall.values(), default=0),
            "phone_per_question": round(statistics.median(phone_whole) / max(questions, 1)) if phone_whole else 0,
            "venue_per_question_max": round(max(whole.values(), default=0) / max(questions, 1))}


async def run_app(target: Target, phones_wanted: int, questions: int, staff_load: bool = False) -> dict[str, Any]:
    """Join the phones, then per question: draw, show (fan-out), everyone answers (burst), close, next. With
    `staff_load`, the same questions are run a second time while a staff session imports and exports
    (bench/staff.py), and `staff_load` compares the two phases. With `target.halls`, each venue's projector
    opens first and each venue's phones join with its own code."""
    staff = None
    if staff_load:
        from bench.staff import StaffProcess

        staff = StaffProcess(target.urls[0], target.admin_password)
        await staff.prepare()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        cookie = await _login(http, target.urls[0], target.admin_password)
    host = Host()
    await host.client.connect(target.urls[0], {"meeting_id": target.meeting_id}, {"Cookie": cookie})
    host.state = (await host.client.call("sync"))["state"]
    if not target.halls:
        target.halls = [Hall("主会场", host.state["join"]["code"], phones=phones_wanted)]
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)
    cpu_before = target.cpu_seconds()
    started = time.perf_counter()
    projectors = await open_projectors(target, lambda number, hall: {"screen": hall.screen_token})
    joining = phones_of(target)
    await asyncio.gather(*(_join(target.urls[n % len(target.urls)], hall.join_code, p, gate)
                           for n, (p, hall) in enumerate(joining)))
    join_s = time.perf_counter() - started
    join_cpu = _cpu_since(target, cpu_before)
    phones = [p for p, _ in joining]
    settle_client_memory()
    before = {id(c): c.client.received_bytes for c in [*phones, *projectors]}
    fanout, bursts = await _questions(target, host, phones, questions, projectors)
    figures = _figures(target, join_s, fanout, bursts, cpu_before) | {"join_cpu_s": join_cpu,
                                                                     "console_stale_states": host.stale}
    if projectors:
        halls = by_hall(projectors + phones)
        for projector in projectors:  # what the projector showed with the last question: its own hall's view
            shown = projector.shown or {}
            halls[projector.hall] |= {"projector_shows": (shown.get("venue") or {}).get("name"),
                                      "projector_listeners": (shown.get("attendance") or {}).get("anonymous")}
        figures |= {"projectors": len(projectors), "venues": halls,
                    "projector_fanout_ms": percentiles([d for p in projectors for d in p.delays]),
                    "state_bytes": state_bytes(phones, projectors, before, questions),
                    "shown_screens": {p.hall: p.shown for p in projectors}}
    if staff is not None:
        _, quiet = await staff.during(False, lambda: asyncio.sleep(2))
        (loaded_fanout, loaded_bursts), busy = await staff.during(
            True, lambda: _questions(target, host, phones, questions))
        bursts += loaded_bursts
        loaded = {"fanout_ms": percentiles(loaded_fanout), "burst": median_burst(loaded_bursts)}
        figures["staff_load"] = {
            "fanout_p99_ratio": round(loaded["fanout_ms"]["p99"] / figures["fanout_ms"]["p99"], 2),
            "all_acked_ratio": round(loaded["burst"]["all_acked_s"] / figures["burst"]["all_acked_s"], 2),
            "healthz_worst_ms": busy["healthz_worst_ms"], "healthz_worst_quiet_ms": quiet["healthz_worst_ms"],
            "jobs_done": busy["jobs_done"], "loaded": loaded}
    return figures | {"acked": sum(len(phones) - b["refused"] for b in bursts), "shown": phones[0].shown}


async def _questions(target: Target, host: Host, phones: list[Phone], questions: int,
                     projectors: list[Phone] = ()) -> tuple[list[float], list[dict[str, Any]]]:
    """Per question: draw, show, wait until every phone and projector shows it open, burst, close, next."""
    clients = [*phones, *projectors]
    fanout: list[float] = []
    bursts = []
    for _ in range(questions):
        await host.do("draw_question", mode="all", types=["single", "judge"])
        sent = time.perf_counter()
        await host.do("show_question")
        round_id = await host.shown_round(set(target.rounds))
        await wait_all(clients, round_id)
        fanout += note_fanout(clients, round_id, sent)
        # The answer key only now: a sync during the fan-out would add its own work to what is measured.
        answer = (await host.client.call("sync"))["state"]["current"]["question"]["answer"]
        target.rounds.append(round_id)
        bursts.append(await burst(phones, "submit_answer", lambda p, r=round_id, a=answer: {
            "round_id": r, "client_id": uuid.uuid4().hex, "answer": a}))
        await host.do("close_question")
        await host.do("next_question")
    return fanout, bursts


def _figures(target: Target, join_s: float, fanout: list[float], bursts: list[dict], cpu_before: float | None
             ) -> dict[str, Any]:
    cpu_after = target.cpu_seconds()
    rss = target.peak_rss_mb()
    return {"join_s": round(join_s, 2), "fanout_ms": percentiles(fanout), "burst": median_burst(bursts),
            "cpu_s": round(cpu_after - cpu_before, 2) if cpu_after is not None else None,
            "peak_rss_mb": round(rss, 1) if rss is not None else None}


# ---- the bare server --------------------------------------------------------------------------------------

async def run_bare(target: Target, phones_wanted: int, questions: int, shown: dict[str, Any] | None = None,
                   shown_screens: dict[str, Any] | None = None) -> dict[str, Any]:
    """The same load on the bare server: connect, a broadcast per question, everyone answers at once. The
    broadcast carries `shown` — the very state the app sent its phones for a question — so both servers send
    the same bytes to each phone (a phone's work on receiving them counts in both). With `target.halls`, the
    same clients as the app's: each venue's projector in a room of its own, sent its venue's state from the
    app's run (`shown_screens`, venue name → state), and each venue's phones."""
    host = RawClient()
    await host.connect(target.urls[0])
    if not target.halls:
        target.halls = [Hall("主会场", phones=phones_wanted)]
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)

    async def connect(phone: Phone, url: str) -> None:
        async with gate:
            await phone.client.connect(url)

    cpu_before = target.cpu_seconds()
    started = time.perf_counter()
    projectors = await open_projectors(target, lambda number, hall: {"room": f"screen-{number}"})
    phones = [p for p, _ in phones_of(target)]
    await asyncio.gather(*(connect(p, target.urls[n % len(target.urls)]) for n, p in enumerate(phones)))
    join_s = time.perf_counter() - started
    join_cpu = _cpu_since(target, cpu_before)
    settle_client_memory()
    screens = {f"screen-{n}": (shown_screens or {}).get(p.hall) for n, p in enumerate(projectors)}
    clients = [*phones, *projectors]
    fanout, bursts = [], []
    for number in range(questions):
        sent = time.perf_counter()
        await host.call("go", {"go": number, "shown": shown, "screens": screens})
        await wait_all(clients, number)
        fanout += note_fanout(clients, number, sent)
        bursts.append(await burst(phones, "answer", lambda p, n=number: {"round_id": n, "answer": "A"}))
    figures = _figures(target, join_s, fanout, bursts, cpu_before) | {"join_cpu_s": join_cpu}
    if projectors:
        figures |= {"projectors": len(projectors), "venues": by_hall(clients),
                    "projector_fanout_ms": percentiles([d for p in projectors for d in p.delays])}
    return figures


def settle_client_memory() -> None:
    """The load generator's own garbage collector, out of the measurement: the thousands of phones it holds
    made each full collection of this process take up to 550 ms (seen with gc.callbacks), a pause that every
    phone's clock counted as fan-out or ack time, against the app and the bare server alike. Everything
    alive after the join is frozen out of the collector's view; what the questions allocate stays small."""
    gc.collect()
    gc.freeze()


def _cpu_since(target: Target, before: float | None) -> float | None:
    """The servers' CPU seconds since `before` (None when they are not ours to measure)."""
    now = target.cpu_seconds()
    return round(now - before, 2) if now is not None and before is not None else None
