"""A quarter from the demo meeting to its 通报, in Chromium: phones answer and rate (real Socket.IO clients),
staff recompute, confirm the grades (审定), reveal the ranking on the projector from the bottom up, close the
quarter and print its 通报. Screenshots of each step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import Shots
from tests.live_server import live_server, seat_codes
from tests.quiz.live.test_live_flow import Host, Phone, simultaneously

pytestmark = pytest.mark.browser


def test_a_quarter_from_meeting_to_report(browser, tmp_path: Path, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    database = f"sqlite:///{tmp_path / 'quarter.sqlite3'}"
    with live_server("gevent", database) as server:
        # Demo data never counts in a quarter (tests/quiz/live/test_demo.py): here the demo's roster and meeting
        # stand in for a real one, so they are made real first.
        engine = create_engine(database)
        with engine.begin() as connection:
            for table in ("meetings", "units", "people"):
                connection.execute(text(f"UPDATE {table} SET demo = :no"), {"no": False})
        engine.dispose()
        host = Host(server, server.demo_meeting_id)
        codes = seat_codes(server, host.http, server.demo_meeting_id)
        phones = [Phone(server, code) for code in codes[:12]]  # the people of the first four units
        host.inbox.wait_for(lambda: host.inbox.states and host.inbox.state["attendance"]["present"] >= 12,
                            "check-ins")
        assert host.do("draw_question", mode="all", types=["judge"])["ok"] and host.do("show_question")["ok"]
        round_id = host.inbox.state["current"]["id"]
        key = host.inbox.state["current"]["question"]["answer"]
        simultaneously(phones, lambda p: p.answer(round_id, key if phones.index(p) % 3 else (not key)))
        assert host.do("close_question")["ok"] and host.do("reveal_answer")["ok"] and host.do("next_question")["ok"]
        review = next(s for s in host.inbox.state["segments"] if s["kind"] == "review")
        assert host.do("set_segment", segment_id=review["id"])["ok"]
        item = host.inbox.state["review_items"][0]
        assert host.do("review_select", item_id=item["id"])["ok"] and host.do("review_open_vote")["ok"]
        raters = [p for p in phones if p.me["unit_id"] != host.inbox.state["review"]["unit_id"]]
        simultaneously(raters, lambda p: p.sio.call("submit_rating", {"item_id": item["id"],
                                                                      "ballot": {"rating": "满意"}}, timeout=30))
        assert host.do("review_close_vote")["ok"] and host.do("review_reveal")["ok"]
        quarter = re.search(r"\d{4}Q[1-4]", host.inbox.state["meeting"]["title"]).group(0)

        staff = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
        staff.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in host.http.cookies])
        page = staff.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{server.url}/quarters/{quarter}")
        page.click("button:has-text('重新计算')")
        page.wait_for_selector("#approve-form")
        shots.take(page, "quarter-computed")
        for reason in page.locator("#approve-form input.reason").all():
            reason.fill("演示：经审定")
        page.click("#approve-form button[type=submit]")
        page.wait_for_selector("text=已审定各单位等次")
        shots.take(page, "quarter-approved")

        page.click("button:has-text('大屏揭晓排名')")
        page.wait_for_selector("#reveal-list")
        rows = page.locator(".reveal-row")
        total = rows.count()
        assert total == 13 and page.locator(".reveal-row.veiled").count() == total
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.keyboard.press("ArrowRight")
        last = page.locator(".reveal-row:not(.veiled)")
        last.first.wait_for()  # the step is applied by the page's script, not by the time press() returns
        assert last.count() == 1 and last.locator(".rank").inner_text() == str(total)  # from the bottom up
        assert last.locator(".flag-cell").inner_text() in ("排名靠后", "连续靠后")
        shots.take(page, "reveal-first-step")
        for _ in range(total):
            page.keyboard.press("ArrowRight")
        assert page.locator(".reveal-row.veiled").count() == 0
        assert page.locator(".reveal-row.is-bottom").count() == 3
        shots.take(page, "reveal-complete")

        page.set_viewport_size({"width": 1366, "height": 1000})
        page.goto(f"{server.url}/quarters/{quarter}")
        page.click("button:has-text('封存')")
        page.wait_for_selector("text=解封理由")
        shots.take(page, "quarter-closed")
        page.goto(f"{server.url}/reports/quarter/{quarter}/print")
        assert "排名" in page.content() and "×组通〔" in page.content()
        shots.take(page, "report-print")
        with page.expect_download() as download:
            page.evaluate(f"window.location.href = '/reports/quarter/{quarter}.docx'")
        assert download.value.suggested_filename.endswith(".docx")
        for phone in phones:
            phone.sio.disconnect()
        host.sio.disconnect()
