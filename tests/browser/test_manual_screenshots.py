"""The screenshots of the user manual (docs/用户手册.md), taken from a real quarter in Chromium: preparing it
(roster and bank imports with their reports, the meeting and its agenda), running the demo meeting (console,
projector, phones; a round and a 述职评议 vote) and closing it (recompute, 审定, the printed 通报).

    MANUAL_SCREENSHOTS=1 .venv/bin/python -m pytest -q tests/browser/test_manual_screenshots.py

writes them into docs/manual/ (re-run it after a screen changes); without the variable they go to
test-artifacts/screenshots/manual/, so an ordinary test run checks the walk-through without touching the docs.
The meeting is driven through the host's socket commands, not the console's buttons, so the walk-through
holds while the console's layout changes; the console is photographed as it is.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import SCREENSHOTS
from tests.live_server import live_server, seat_codes
from tests.quiz.live.test_live_flow import Host, Phone, simultaneously

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1280, "height": 720}  # the smaller of the two projector sizes: smaller files
PHONE = {"width": 360, "height": 640}
ROSTER_FILE = ("单位,单位类型,姓名,职务,第一责任人,分组\n"
               "演示甲县,县(市、区),周示七,宣传部部长,否,班子成员\n"
               "演示乙市,县区,吴示七,统战部部长,1,\n"
               "演示丙区,县(市、区),郑示七、王示八,党员代表,,党员代表\n")
BANK_FILE = ("题型,题干,选项A,选项B,选项C,答案,解析,难度,分类,标签,出处\n"
             "单选,中国共产党的根本宗旨是（　　）,全心全意为人民服务,发展生产力,共同富裕,A,党章总纲,易,党章党规/党章,"
             "宗旨,《中国共产党章程》\n"
             "填空,好干部标准：信念坚定、（　　）、勤政务实、（　　）、清正廉洁,,,,为民服务、敢于担当,,,组织工作,,\n"
             "判断,党员有权对党的工作提出建议和倡议。,,,,对的,,,党章党规/党章,,\n"
             "多选,党的纪律包括（　　）,政治纪律,组织纪律,廉洁纪律,A.B.C,,,党章党规/纪律处分条例,,\n")


class ManualShots:
    """Viewport screenshots by name, into docs/manual/ or the test artifacts."""

    def __init__(self) -> None:
        if os.environ.get("MANUAL_SCREENSHOTS") == "1":
            self.folder = ROOT / "docs" / "manual"
        else:
            self.folder = SCREENSHOTS / "manual"
            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.taken: list[str] = []

    def take(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        page.screenshot(path=str(self.folder / f"{name}.png"))
        self.taken.append(name)


def wait_text(page, words: str, timeout: int = 20_000) -> None:  # type: ignore[no-untyped-def]
    """Until the page shows these words (its script applies a broadcast after the command's reply)."""
    page.wait_for_function("words => document.body.innerText.includes(words)", arg=words, timeout=timeout)


def _upload(page, path: str, name: str, content: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / name
    file.write_text(content, encoding="utf-8")
    page.goto(path)
    page.set_input_files('input[type="file"]', str(file))
    page.click('form[enctype="multipart/form-data"] button[type="submit"]')
    page.wait_for_selector("#problems")
    page.locator("#problems").scroll_into_view_if_needed()


def _prepare(page, base: str, shots: ManualShots, tmp_path: Path, meeting_id: int) -> None:  # type: ignore[no-untyped-def]
    """准备一个季度: roster, bank, meeting."""
    page.goto(base + "/roster/?q=zsy")
    shots.take(page, "roster-search")
    _upload(page, base + "/roster/import", "名册.csv", ROSTER_FILE, tmp_path)
    assert page.locator("#problems td.fix").count() >= 2
    shots.take(page, "roster-import-report")
    page.click('button[value="valid"]')
    page.wait_for_selector("#created-count")
    _upload(page, base + "/bank/import", "题库.csv", BANK_FILE, tmp_path)
    assert "答案请写成“为民服务|敢于担当”" in page.locator("#problems").inner_text()
    shots.take(page, "bank-import-report")
    page.goto(base + "/bank/?q=党章")
    shots.take(page, "bank-list")
    page.goto(base + "/meetings/")
    shots.take(page, "meetings")
    page.goto(f"{base}/meetings/{meeting_id}/edit")
    shots.take(page, "meeting-form")


def test_the_manuals_screenshots(browser, tmp_path: Path):  # type: ignore[no-untyped-def]
    shots = ManualShots()
    database = f"sqlite:///{tmp_path / 'manual.sqlite3'}"
    # A venue address for the join links (the screens warn about a loopback one, which the manual must not show);
    # the browsers still reach the server where it runs, which the origin check accepts by its Host.
    with live_server("gevent", database, PUBLIC_URL="http://192.168.1.20:5000") as server:
        engine = create_engine(database)  # the demo stands in for a real quarter (demo data never counts)
        with engine.begin() as connection:
            for table in ("meetings", "units", "people"):
                connection.execute(text(f"UPDATE {table} SET demo = :no"), {"no": False})
        engine.dispose()
        host = Host(server, server.demo_meeting_id)
        cookies = [{"name": c.name, "value": c.value, "url": server.url} for c in host.http.cookies]
        staff = browser.new_context(viewport=LAPTOP, locale="zh-CN")
        login = staff.new_page()
        login.goto(server.url + "/login")
        shots.take(login, "login")
        staff.add_cookies(cookies)
        page = staff.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        _prepare(page, server.url, shots, tmp_path, server.demo_meeting_id)

        # 开一次会
        codes = seat_codes(server, host.http, server.demo_meeting_id)
        page.goto(f"{server.url}/meetings/{server.demo_meeting_id}/cards")
        shots.take(page, "seat-cards")
        console = staff.new_page()
        console.on("dialog", lambda dialog: dialog.accept())
        console.goto(f"{server.url}/meetings/{server.demo_meeting_id}/console")
        screen_url = console.locator("a[href^='/s/']").first.get_attribute("href")
        projector = browser.new_context(viewport=PROJECTOR, locale="zh-CN").new_page()
        projector.goto(server.url + screen_url)
        phone = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True,
                                    locale="zh-CN").new_page()
        phone.goto(f"{server.url}/p/{codes[0]}")
        sockets = [Phone(server, code) for code in codes[1:12]]  # the rest of the first four units
        host.inbox.wait_for(lambda: host.inbox.states and host.inbox.state["attendance"]["present"] >= 12,
                            "check-ins")
        wait_text(projector, "12")
        shots.take(projector, "projector-lobby")
        shots.take(phone, "phone-waiting")
        shots.take(console, "console-lobby")
        # 主会场 + 分会场: the staff's venue page, a branch hall's projector, its operator's page (an admin may
        # open any venue's).
        page.goto(f"{server.url}/meetings/{server.demo_meeting_id}/venues")
        shots.take(page, "venues-admin")
        branch = next(v for v in host.inbox.state["venues"] if v["branch"])
        branch_screen = browser.new_context(viewport=PROJECTOR, locale="zh-CN").new_page()
        branch_screen.goto(server.url + urlparse(branch["screen_url"]).path)
        wait_text(branch_screen, branch["join_code"])
        shots.take(branch_screen, "projector-branch")
        operator = staff.new_page()
        operator.goto(f"{server.url}/venues/{branch['id']}")
        wait_text(operator, "本会场出席")

        assert host.do("start_meeting")["ok"]  # as the console's first step does, then the agenda's first item
        first = next(s for s in host.inbox.state["segments"] if s["kind"] == "call")
        assert host.do("set_segment", segment_id=first["id"])["ok"]
        assert host.do("draw_person")["ok"]
        called = host.inbox.state["call"]["name"]
        wait_text(projector, called)
        shots.take(projector, "projector-called")
        assert host.do("draw_question", mode="all", types=["single"])["ok"]
        stem = host.inbox.state["current"]["question"]["stem"]
        wait_text(console, stem[:8])
        shots.take(console, "console-preview")
        assert host.do("show_question")["ok"]
        round_id = host.inbox.state["current"]["id"]
        key = host.inbox.state["current"]["question"]["answer"]
        wait_text(phone, stem[:8])
        shots.take(phone, "phone-question")
        shots.take(projector, "projector-question")
        wait_text(operator, stem[:8])
        shots.take(operator, "venue-operator")
        simultaneously(sockets, lambda p: p.answer(round_id, key if sockets.index(p) % 3 else "B" if key != "B"
                                                   else "C"))
        assert host.do("close_question")["ok"] and host.do("reveal_answer")["ok"]
        explanation = host.inbox.state["current"]["question"].get("explanation") or stem
        wait_text(projector, explanation[:8])
        shots.take(projector, "projector-reveal")
        shots.take(console, "console-reveal")
        assert host.do("next_question")["ok"]

        review = next(s for s in host.inbox.state["segments"] if s["kind"] == "review")
        assert host.do("set_segment", segment_id=review["id"])["ok"]
        phone_unit = sockets[0].me["unit"]  # the browser phone holds the first card; the next two share its unit
        item = next(i for i in host.inbox.state["review_items"] if i["unit"] != phone_unit)
        assert host.do("review_select", item_id=item["id"])["ok"] and host.do("review_open_vote")["ok"]
        wait_text(phone, "满意")
        shots.take(phone, "phone-review-ballot")
        raters = [p for p in sockets if p.me["unit_id"] != host.inbox.state["review"]["unit_id"]]
        simultaneously(raters, lambda p: p.sio.call("submit_rating", {"item_id": item["id"],
                                                                      "ballot": {"rating": "满意"}}, timeout=30))
        shots.take(console, "console-review")
        assert host.do("review_close_vote")["ok"] and host.do("review_reveal")["ok"]
        wait_text(projector, item["unit"])
        shots.take(projector, "projector-review-result")
        quarter = re.search(r"\d{4}Q[1-4]", host.inbox.state["meeting"]["title"]).group(0)
        for socket_phone in sockets:
            socket_phone.sio.disconnect()
        host.sio.disconnect()

        # 季度收尾
        page.goto(f"{server.url}/quarters/{quarter}")
        page.click("button:has-text('重新计算')")
        page.wait_for_selector("#approve-form")
        shots.take(page, "quarter-computed")
        for reason in page.locator("#approve-form input.reason").all():
            reason.fill("经审定")
        page.click("#approve-form button[type=submit]")
        page.wait_for_selector("text=已审定各单位等次")
        page.click("button:has-text('封存')")
        page.wait_for_selector("text=解封理由")
        page.goto(f"{server.url}/reports/quarter/{quarter}/print")
        assert "排名" in page.content()
        shots.take(page, "notice-print")

        small = browser.new_context(viewport=PHONE, locale="zh-CN")
        small.add_cookies(cookies)
        narrow = small.new_page()
        narrow.goto(server.url + "/roster/")
        narrow.click(".menu-button")
        shots.take(narrow, "staff-on-a-phone")
    manual = ROOT / "docs" / "用户手册.md"
    if manual.exists():
        documented = set(re.findall(r"manual/([\w-]+)\.png", manual.read_text(encoding="utf-8")))
        assert documented == set(shots.taken), "the manual shows exactly the screenshots this test takes"

