"""The venue operator's page (分会场管理员) in Chromium, at a laptop's 1366×768 and a phone's 360×640: the operator
logs in, sees only its venue's people, marks one present and enters the venue's paper answers to the round
in progress; nothing overflows sideways. Screenshots in the test's tmp_path, test-artifacts/screenshots/ and
/tmp/shots/ (for a person to look at)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import socketio as socketio_client

from quiz.live import protocol
from tests.browser.conftest import Shots
from tests.live_server import live_server, staff_session
from tests.test_venue_operators_live import PASSWORD, create_operator

pytestmark = pytest.mark.browser
TIMEOUT = 20_000
SIZES = {"laptop": (1366, 768), "phone": (360, 640)}
LOOK = Path("/tmp/shots")


def host_opens_a_round(server) -> None:  # type: ignore[no-untyped-def]
    """The admin, on the console's socket, starts the demo meeting and shows an 全员答题 single-choice question."""
    http = staff_session(server)
    host = socketio_client.Client(reconnection=False, http_session=http)
    host.connect(server.url, auth={"meeting_id": server.demo_meeting_id}, transports=["websocket"], wait_timeout=10)
    for name, payload in (("start_meeting", {}), ("draw_question", {"mode": "all", "types": ["single"]}),
                          ("show_question", {})):
        rev = host.call(protocol.SYNC, timeout=10)["state"]["rev"]
        reply = host.call(name, {"rev": rev, **payload}, timeout=10)
        assert reply["ok"], (name, reply)
    host.disconnect()


def test_the_operator_page_at_a_laptop_and_a_phone(browser, tmp_path: Path, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    LOOK.mkdir(parents=True, exist_ok=True)
    saved = []
    url = f"sqlite:///{tmp_path / 'venue-page.sqlite3'}"
    with live_server("gevent", url) as server:
        venue_id, codes = create_operator(server, url, "演示丁区分会场")
        host_opens_a_round(server)
        operator = staff_session(server, "op-ding", PASSWORD)
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
            context.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in operator.cookies])
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda error, seen=errors: seen.append(str(error)))
            page.goto(server.url + "/")
            page.wait_for_selector("h1:has-text('我的会场')")
            assert [t.strip() for t in page.locator(".topbar nav a").all_text_contents()] == ["我的会场"]
            page.click("a:has-text('进入会场')")
            page.wait_for_selector("text=已连接", timeout=TIMEOUT)
            page.wait_for_selector("#people tr[data-id]", timeout=TIMEOUT)
            rows = page.locator("#people tr")
            assert rows.count() == len(codes[venue_id])  # its venue's people only
            row = rows.nth(0 if size == "laptop" else 1)
            row.locator("button[data-status=present]").click()
            row.locator("button.current[data-status=present]").wait_for(timeout=TIMEOUT)
            assert row.locator("td").nth(3).inner_text() == "出席"
            present = page.locator("#figures dd").nth(1).inner_text()
            form = page.locator("#answer-form")
            form.wait_for(state="visible", timeout=TIMEOUT)
            form.locator("input[data-key=A]").fill("1")
            form.locator("input[name=answered]").fill("1")
            form.locator("button[type=submit]").click()
            page.wait_for_selector("#answer-entered:has-text('已录入：作答 1 人')", timeout=TIMEOUT)
            assert page.locator("#message").inner_text() == "已保存"
            assert "本会场已作答 1 人" in page.locator("#round-count").inner_text()
            wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 0, f"{size}: the page is {wide} px wider than the screen"
            shot = shots.take(page, f"{size}-venue")
            for folder in (tmp_path, LOOK):
                copy = folder / f"operator-page-{size}.png"
                shutil.copy(shot, copy)
                saved.append(str(copy))
            assert present in {"1", "2"} and not errors
            context.close()
    print("screenshots:", *saved, sep="\n  ")
