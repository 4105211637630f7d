"""The guided console in Chromium: a whole meeting — a 点名答题 round per unit and a 述职评议 of every unit — run
with the → key alone, the attendees on real sockets; the console's states at 1366×768 and 1440×900 (no page
scrolling while a round is in progress), the `?` help, ending with the consequences in numbers, reopening
with a reason, and the 提示屏. Screenshots under test-artifacts/screenshots/."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import requests
import socketio as socketio_client

from quiz.live import protocol
from tests.browser.conftest import Shots
from tests.live_server import LiveServer, claim, live_server, seat_codes, staff_session

pytestmark = pytest.mark.browser
TIMEOUT = 20_000


@pytest.fixture()
def meeting_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    with live_server("gevent", f"sqlite:///{tmp_path / 'console.sqlite3'}") as server:
        yield server


def console_page(browser, server: LiveServer, http: requests.Session, meeting_id: int,
                 size: tuple[int, int] = (1366, 768)):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    context.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in http.cookies])
    page = context.new_page()
    page.goto(f"{server.url}/meetings/{meeting_id}/console")
    page.wait_for_selector("text=已连接")
    return page


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight")


def small_meeting(server: LiveServer, http: requests.Session, units: int = 3) -> int:
    """A fresh meeting of the demo roster's first units: 点名答题, 述职评议, 结果公布; at least one ballot to show."""
    form = http.get(f"{server.url}/meetings/new").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    unit_ids = re.findall(r'name="unit_ids" value="(\d+)"', form)[:units]
    quarter = re.search(r'name="quarter"[^>]*value="([^"]+)"', form).group(1)
    held_on = re.search(r'name="held_on"[^>]*value="([^"]+)"', form).group(1)
    response = http.post(f"{server.url}/meetings/new", allow_redirects=False, data={
        "csrf_token": token, "title": "主按钮演练", "quarter": quarter, "held_on": held_on, "unit_ids": unit_ids,
        "agenda_call": "1", "agenda_review": "1", "agenda_results": "1", "min_ballots": "1", "time_limit_s": "60",
        "points": "10", "speech_minutes": "5"})
    assert response.status_code == 302, response.text[:500]
    return int(re.search(r"/meetings/(\d+)/console", response.headers["Location"]).group(1))


class Phone:
    """An attendee on a real socket that answers every question put to it and rates every speaker it may."""

    def __init__(self, server: LiveServer, code: str) -> None:
        self.sio = socketio_client.Client(reconnection=False)
        self.sio.connect(server.url, auth={"code": code, "device": claim(server, code)}, transports=["websocket"],
                         wait_timeout=10)
        self.done: set[str] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            try:
                self.act(self.sio.call(protocol.SYNC, timeout=10)["state"])
            except (socketio_client.exceptions.TimeoutError, socketio_client.exceptions.BadNamespaceError, KeyError):
                continue

    def act(self, state: dict) -> None:
        round_, me, review = state["round"], state["me"], state["review"]
        if round_ and round_["phase"] == "open" and f"r{round_['id']}" not in self.done:
            mine = round_["mode"] == "all" or (round_["called"] or {}).get("attendee_id") == me["id"]
            if mine and round_["question"]["phone_answerable"]:
                reply = self.sio.call(protocol.SUBMIT_ANSWER, {"round_id": round_["id"], "client_id": f"c{round_['id']}",
                                                               "answer": "A"}, timeout=10)
                if reply.get("ok"):
                    self.done.add(f"r{round_['id']}")
        if review and review["vote_state"] == "open" and me.get("can_rate") and f"v{review['item_id']}" not in self.done:
            reply = self.sio.call(protocol.SUBMIT_RATING, {"item_id": review["item_id"], "ballot": {"rating": "满意"}},
                                  timeout=10)
            if reply.get("ok"):
                self.done.add(f"v{review['item_id']}")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sio.disconnect()


def press_next(page, label_before: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Press → once the primary button is ready; returns the label it had."""
    button = page.locator("#primary:not([disabled])")
    button.wait_for(timeout=TIMEOUT)
    label = button.inner_text()
    page.keyboard.press("ArrowRight")
    return label


def test_the_primary_key_alone_runs_a_round_per_unit_and_the_review(browser, meeting_server, request):
    server = meeting_server
    shots = Shots(request.node.name)
    http = staff_session(server)
    meeting_id = small_meeting(server, http)
    phones = [Phone(server, code) for code in seat_codes(server, http, meeting_id)]
    try:
        console = console_page(browser, server, http, meeting_id)
        console.check('#types input[value="single"]')  # the draw's filter: questions a phone can answer
        console.locator("#attendance-line", has_text="实到 9").wait_for(timeout=TIMEOUT)
        pressed: list[str] = []
        shot_at = {"出示题目", "公布答案", "下一题", "开始评议投票", "公布评议结果"}
        for _ in range(80):
            label = console.locator("#primary").inner_text()
            if label == "结束会议" and console.locator("#primary:not([disabled])").count():
                break
            if label == "提前收卷":  # the room is still answering: a host waits for the count, as here
                console.locator("#primary", has_text="公布答案").wait_for(timeout=TIMEOUT)
                continue
            if label == "结束投票":  # likewise for the vote: every rater has voted
                console.wait_for_function("() => /已投 (\\d+) \\/ \\1$/.test(document.getElementById('primary-hint')"
                                          ".textContent)", timeout=TIMEOUT)
            if label in shot_at and len(pressed) < 12:
                shots.take(console, f"before-{label}")
            previous = console.evaluate("document.getElementById('primary').getAttribute('data-next') + "
                                        "document.getElementById('primary').textContent")
            pressed.append(press_next(console))
            try:
                console.wait_for_function(
                    "p => document.getElementById('primary').getAttribute('data-next') + "
                    "document.getElementById('primary').textContent !== p", arg=previous, timeout=TIMEOUT)
            except Exception:
                shots.take(console, "stuck")
                raise AssertionError((pressed, console.locator("#message").inner_text(), previous))
        else:
            pytest.fail(f"the meeting did not reach its end: {pressed[-12:]}")
        print(pressed)
        assert pressed[0] == "开始会议"
        assert pressed.count("随机点名") == 3 and pressed.count("公布答案") == 3  # once per unit
        assert pressed.count("开始评议投票") == 3 and pressed.count("公布评议结果") == 3
        assert not [p for p in pressed if p.startswith("再按一次")]  # everyone answered and voted: nothing cut short
        assert "进入下一环节：结果公布" in pressed
        shots.take(console, "end-proposed")
        press_next(console)  # opens the confirmation …
        console.wait_for_selector("#end-dialog[open]")
        assert "人未签到" not in console.locator("#end-consequences").inner_text()  # all nine are in
        shots.take(console, "end-confirmation")
        console.keyboard.press("ArrowRight")  # … and the next press confirms it
        console.locator("#meeting-state", has_text="会议已结束").wait_for(timeout=TIMEOUT)
        assert console.locator("#primary").is_disabled()
        shots.take(console, "ended")
    finally:
        for phone in phones:
            phone.close()
