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
    """No page scrolling, and the next step, the live count and the round's controls in view."""
    return page.evaluate("""() => document.scrollingElement.scrollHeight <= window.innerHeight &&
        ['#primary', '#live-count', '.controls'].every(s => { const n = document.querySelector(s);
          return !n.offsetParent || n.getBoundingClientRect().bottom <= window.innerHeight; })""")


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
                answer = {"round_id": round_["id"], "client_id": f"c{round_['id']}", "answer": "A"}
                if self.sio.call(protocol.SUBMIT_ANSWER, answer, timeout=10).get("ok"):
                    self.done.add(f"r{round_['id']}")
        voting = review and review["vote_state"] == "open" and me.get("can_rate")
        if voting and f"v{review['item_id']}" not in self.done:
            ballot = {"item_id": review["item_id"], "ballot": {"rating": "满意"}}
            if self.sio.call(protocol.SUBMIT_RATING, ballot, timeout=10).get("ok"):
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


def show_prompt(console, server: LiveServer, meeting_id: int, shots: Shots) -> bool:  # type: ignore[no-untyped-def]
    prompt = console.context.new_page()
    prompt.set_viewport_size({"width": 1280, "height": 800})
    prompt.goto(f"{server.url}/meetings/{meeting_id}/prompt")
    prompt.wait_for_selector(".answer-box .answer")
    right = prompt.locator(".options li.correct").inner_text()
    assert prompt.locator(".answer-box .answer").inner_text() == right and len(right) > 3  # "B. 2016年1月1日"
    assert prompt.locator("#prompt-next").inner_text() == "出示题目"
    assert prompt.evaluate("parseFloat(getComputedStyle(document.querySelector('.answer')).fontSize)") >= 48
    shots.take(prompt, "prompt-single")
    prompt.close()
    return True


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
        prompt_shown = False
        shot_at, shot = {"出示题目", "公布答案", "下一题", "开始评议投票", "结束投票", "公布评议结果"}, set()
        for _ in range(80):
            label = console.locator("#primary").inner_text()
            if label == "结束会议":
                console.locator("#primary:not([disabled])").wait_for(timeout=TIMEOUT)
                break
            if label == "提前收卷":  # the room is still answering: a host waits for the count, as here
                console.locator("#primary", has_text="公布答案").wait_for(timeout=TIMEOUT)
                continue
            if label == "结束投票":  # likewise for the vote: every rater has voted
                console.wait_for_function("() => /已投 (\\d+) \\/ \\1$/.test(document.getElementById('primary-hint')"
                                          ".textContent)", timeout=TIMEOUT)
            if label == "出示题目" and not prompt_shown:  # the 提示屏 of a 单选: the answer with its text
                prompt_shown = show_prompt(console, server, meeting_id, shots)
            if label == "下一题":  # after the reveal the console shows how the room answered, as bars
                assert console.evaluate("""() => { const rows = [...document.querySelectorAll('.bar-row')];
                    return rows.length >= 2 && rows.every(r => (r.querySelector('.bar-count').textContent === '0')
                      === (r.querySelector('.bar span').getBoundingClientRect().width === 0)); }""")
            if label in shot_at - shot:
                shot.add(label)
                assert fits(console), label
                shots.take(console, f"before-{label}")
            previous = console.evaluate("document.getElementById('primary').getAttribute('data-next') + "
                                        "document.getElementById('primary').textContent")
            pressed.append(press_next(console))
            try:
                console.wait_for_function(
                    "p => document.getElementById('primary').getAttribute('data-next') + "
                    "document.getElementById('primary').textContent !== p", arg=previous, timeout=TIMEOUT)
            except Exception as error:  # the screen and the presses so far say where it stopped
                shots.take(console, "stuck")
                raise AssertionError((pressed, console.locator("#message").inner_text(), previous)) from error
        else:
            pytest.fail(f"the meeting did not reach its end: {pressed[-12:]}")
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


def both_sizes(page, shots: Shots, step: str, must_fit: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Screenshots at 1366×768 and 1440×900; `must_fit`: the page does not scroll at either."""
    for width, height in ((1440, 900), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        if must_fit:
            assert fits(page), (step, width, page.evaluate("document.scrollingElement.scrollHeight"))
        shots.take(page, f"{step}-{width}")


def test_console_states_help_oral_scoring_end_and_reopen(browser, meeting_server, request):
    server = meeting_server
    shots = Shots(request.node.name)
    http = staff_session(server)
    codes = seat_codes(server, http, server.demo_meeting_id)
    phones = [Phone(server, code) for code in (codes[0], codes[3])]  # two secretaries; 37 others never come
    try:
        console = console_page(browser, server, http, server.demo_meeting_id)
        console.locator("#attendance-line", has_text="实到 2").wait_for(timeout=TIMEOUT)
        assert "版本" not in console.inner_text("body")  # no developer words
        assert console.locator("#primary").inner_text() == "开始会议"
        assert console.get_attribute('[data-command="show_question"]', "title") == "当前没有题目"
        both_sizes(console, shots, "not-started", must_fit=True)
        console.set_viewport_size({"width": 360, "height": 740})  # a phone in a pinch: one column, no sideways
        assert console.evaluate("""() => [...document.querySelectorAll('#console *')].every(n => {
            const box = n.getBoundingClientRect();
            return !box.width || box.right <= document.documentElement.clientWidth; })""")  # the staff menu aside
        shots.take(console, "not-started-360")
        console.set_viewport_size({"width": 1366, "height": 768})

        console.keyboard.press("?")
        console.wait_for_selector("#help[open]")
        assert "PageDown" in console.locator("#help").inner_text()
        shots.take(console, "help")
        console.keyboard.press("Escape")
        console.wait_for_selector("#help", state="hidden")

        console.check('#types input[value="essay"]')  # a 简答, scored by the host point by point
        console.click("text=点名范围与重抽")
        console.locator("#keyword").press_sequentially("a b")  # a space (and an →) typed in a field …
        console.locator("#keyword").press("ArrowRight")
        assert console.locator("#keyword").input_value() == "a b"
        assert console.locator("#primary").inner_text() == "开始会议"  # … presses nothing
        console.locator("#keyword").fill("")
        console.click("text=点名范围与重抽")
        for label in ("开始会议", "随机点名", "为被点名者抽题"):
            assert press_next(console) == label
            console.locator("#primary", has_text=label).wait_for(state="detached", timeout=TIMEOUT)
        console.locator("#primary", has_text="出示题目").wait_for(timeout=TIMEOUT)
        both_sizes(console, shots, "preview", must_fit=True)

        prompt = console.context.new_page()
        prompt.set_viewport_size({"width": 1280, "height": 800})
        prompt.goto(f"{server.url}/meetings/{server.demo_meeting_id}/prompt")
        prompt.wait_for_selector(".answer-points li")
        assert prompt.locator("#prompt-name").inner_text().startswith("请问")
        assert prompt.locator("#prompt-next").inner_text() == "出示题目"
        shots.take(prompt, "prompt-essay")

        press_next(console)
        console.locator("#primary", has_text="提前收卷").wait_for(timeout=TIMEOUT)
        assert console.get_attribute('[data-command="show_question"]', "title") == "题目已出示"
        assert console.locator('[data-command="draw_person"], #draw-person').first.is_disabled()
        console.locator("#key-points input").first.check()
        before = console.locator("#live-count").inner_text()
        console.keyboard.press("p")  # pause and resume: two new states for the panel to survive
        console.locator("#primary", has_text="继续计时").wait_for(timeout=TIMEOUT)
        console.keyboard.press("p")
        console.locator("#primary", has_text="提前收卷").wait_for(timeout=TIMEOUT)
        console.wait_for_function("t => document.getElementById('live-count').textContent !== t", arg=before)
        assert console.locator("#key-points input").first.is_checked()  # the tick survived every update
        both_sizes(console, shots, "round-open", must_fit=True)
        console.click("#score-points")
        console.locator("#oral-result .scored").wait_for(timeout=TIMEOUT)
        marks = console.locator("#oral-result .marks li")
        assert marks.first.inner_text().startswith("✓") and marks.count() > 1
        assert console.locator("#oral-result .scored").inner_text().startswith("已记录：演示")
        console.locator("#primary", has_text="公布答案").wait_for(timeout=TIMEOUT)
        shots.take(console, "oral-scored")
        press_next(console)
        console.locator("#primary", has_text="下一题").wait_for(timeout=TIMEOUT)
        assert console.locator("#oral-result .marks li").count() == marks.count()  # what was scored stays shown
        both_sizes(console, shots, "revealed", must_fit=True)
        press_next(console)
        console.locator("#primary", has_text="随机点名").wait_for(timeout=TIMEOUT)

        console.click("#end-open")
        console.wait_for_selector("#end-dialog[open]")
        consequences = console.locator("#end-consequences").inner_text()
        assert "37 人未签到，将按缺席计入出席统计" in consequences
        assert "11 个单位无人出席" in consequences and "各项得分按 0 分计" in consequences
        shots.take(console, "end-confirmation")
        console.click("#end-confirm")
        console.locator("#meeting-state", has_text="会议已结束").wait_for(timeout=TIMEOUT)
        assert console.locator("#primary").is_disabled() and console.locator("#end-open").is_hidden()
        assert console.get_attribute("#draw-person", "title") == "会议已结束"
        assert console.locator("#ended-banner").is_visible()
        shots.take(console, "ended")
        prompt.locator("#prompt-where", has_text="会议已结束").wait_for(timeout=TIMEOUT)
        listing = console.context.new_page()
        listing.goto(f"{server.url}/meetings/")
        assert "已结束" in listing.locator("tr", has_text="演示").first.inner_text()

        console.click("#reopen-open")
        console.wait_for_selector("#reopen-dialog[open]")
        console.fill("#reopen-reason", "补录迟到人员的签到")
        shots.take(console, "reopen-dialog")
        console.click("#reopen-confirm")
        console.locator("#message", has_text="会议已重新开放").wait_for(timeout=TIMEOUT)
        assert console.locator("#meeting-state").inner_text().startswith("进行中")
        assert console.locator("#primary").inner_text() == "随机点名"
        shots.take(console, "reopened")
    finally:
        for phone in phones:
            phone.close()
