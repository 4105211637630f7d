"""Staff load beside a meeting: a logged-in staff session imports a 5,000-row file and exports the bank (10,000
questions loaded first) to .xlsx, again and again, while the questions are shown and answered; `/healthz` is
timed all along. Everything goes through the app's pages, as a person's browser would, from a process of its
own (`python -m bench.staff prepare|probe|load URL PASSWORD`, driven by `StaffProcess`)."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench.bankgen import generated_drafts
from question_bank.transfer.writing import to_xlsx

ROOT = Path(__file__).resolve().parents[1]
BANK_QUESTIONS, IMPORT_ROWS = 10_000, 5_000
BATCHES = 8  # import files made before the meeting: making them during it would load the load generator
HEALTH_EVERY_S = 0.05
JOB_WAIT_S = 600


def _job_id(response: aiohttp.ClientResponse) -> int:
    """The id of the job a page queued, from its redirect to /jobs/<id>[?auto=1]."""
    return int(response.headers["Location"].split("?")[0].rsplit("/", 1)[1])


class StaffLoad:
    """One staff browser: prepare the bank, then load the server during a phase of the meeting."""

    def __init__(self, url: str, password: str) -> None:
        self.url, self.password = url, password
        self.bank = to_xlsx(generated_drafts(BANK_QUESTIONS))
        self.batches = [to_xlsx(generated_drafts(IMPORT_ROWS, first=BANK_QUESTIONS + n * IMPORT_ROWS + 1))
                        for n in range(BATCHES)]
        self.batch = 0
        self.jobs_done = 0

    async def _session(self) -> aiohttp.ClientSession:
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        form = {"username": "admin", "password": self.password, "csrf_token": await self._token(http, "/login")}
        async with http.post(self.url + "/login", data=form, allow_redirects=False) as response:
            assert response.status == 302, "staff login failed"
        return http

    async def _token(self, http: aiohttp.ClientSession, path: str) -> str:
        async with http.get(self.url + path) as response:
            return re.search(r'name="csrf_token" value="([^"]+)"', await response.text()).group(1)

    async def _wait(self, http: aiohttp.ClientSession, job_id: int) -> dict[str, Any]:
        deadline = time.perf_counter() + JOB_WAIT_S
        while time.perf_counter() < deadline:
            async with http.get(f"{self.url}/jobs/{job_id}.json") as response:
                state = await response.json()
            if state["finished"]:
                if state["status"] != "done":
                    raise RuntimeError(f"staff job failed: {state}")
                self.jobs_done += 1
                return state
            await asyncio.sleep(0.2)
        raise RuntimeError(f"staff job {job_id} did not finish")

    async def _import(self, http: aiohttp.ClientSession, data: bytes, name: str) -> None:
        form = aiohttp.FormData()
        form.add_field("csrf_token", await self._token(http, "/bank/import"))
        form.add_field("file", data, filename=name)
        async with http.post(self.url + "/bank/import", data=form, allow_redirects=False) as response:
            check_id = _job_id(response)
        await self._wait(http, check_id)
        token = await self._token(http, f"/bank/import/report/{check_id}")
        async with http.post(f"{self.url}/bank/import/{check_id}", data={"action": "valid", "csrf_token": token},
                             allow_redirects=False) as response:
            await self._wait(http, _job_id(response))

    async def _export(self, http: aiohttp.ClientSession) -> None:
        token = await self._token(http, "/bank/")
        async with http.post(self.url + "/bank/export.xlsx", data={"csrf_token": token},
                             allow_redirects=False) as response:
            state = await self._wait(http, _job_id(response))
        async with http.get(self.url + state["download_url"]) as response:
            await response.read()

    async def prepare(self) -> None:
        """Load the 10,000-question bank before the meeting starts (not measured)."""
        async with await self._session() as http:
            await self._import(http, self.bank, "bank.xlsx")

    async def _work(self, stop: asyncio.Event) -> None:
        async with await self._session() as http:
            while not stop.is_set():
                rows = self.batches[self.batch % BATCHES]
                self.batch += 1
                await asyncio.gather(self._import(http, rows, f"batch{self.batch}.xlsx"), self._export(http))

    async def _probe(self, stop: asyncio.Event) -> float:
        """The worst /healthz latency (ms) until `stop`."""
        worst = 0.0
        async with aiohttp.ClientSession() as http:
            while not stop.is_set():
                sent = time.perf_counter()
                async with http.get(self.url + "/healthz") as response:
                    await response.read()
                worst = max(worst, time.perf_counter() - sent)
                await asyncio.sleep(HEALTH_EVERY_S)
        return round(worst * 1000, 1)

    async def run_until_stdin_closes(self, load: bool) -> dict[str, Any]:
        """Probe /healthz (and, with `load`, import and export again and again) until the parent closes our
        standard input; then the figures."""
        stop = asyncio.Event()
        work = asyncio.create_task(self._work(stop)) if load else None
        probe = asyncio.create_task(self._probe(stop))
        if load:
            await asyncio.sleep(1.0)  # the first import and export are under way
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        stop.set()
        if work is not None:
            await work
        return {"healthz_worst_ms": await probe, "jobs_done": self.jobs_done}


class StaffProcess:
    """The staff browser in a process of its own: its uploads, downloads and polls never share the event loop
    of the simulated phones, whose receive times are what the benchmark measures."""

    def __init__(self, url: str, password: str) -> None:
        self.url, self.password = url, password

    async def _start(self, mode: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.staff", mode, self.url, self.password, cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)

    async def prepare(self) -> None:
        """Load the 10,000-question bank before the meeting starts (not measured)."""
        process = await self._start("prepare")
        await process.communicate()
        if process.returncode != 0:
            raise RuntimeError("staff load: preparing the bank failed")

    async def during(self, load: bool, phase: Callable[[], Awaitable[Any]]) -> tuple[Any, dict[str, Any]]:
        """Run `phase` while the staff process probes /healthz (and imports and exports, with `load`)."""
        process = await self._start("load" if load else "probe")
        assert process.stdout is not None and process.stdin is not None
        if (await process.stdout.readline()).strip() != b"ready":
            raise RuntimeError("staff load did not start")
        try:
            outcome = await phase()
        finally:
            process.stdin.close()
        figures = json.loads((await process.stdout.read()).decode())
        await process.wait()
        return outcome, figures


async def _main(mode: str, url: str, password: str) -> None:
    staff = StaffLoad(url, password)
    if mode == "prepare":
        await staff.prepare()
        return
    print(json.dumps(await staff.run_until_stdin_closes(mode == "load")), flush=True)


if __name__ == "__main__":
    asyncio.run(_main(*sys.argv[1:4]))
