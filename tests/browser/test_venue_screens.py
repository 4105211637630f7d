"""A branch venue's projector in Chromium at 1920×1080 and 1280×720 — its lobby with its own QR code, join code
and attendance, a person called at another venue, a question for everyone — a branch phone saying where its
person attends, and the console's 会场 panel at 1366×768, all against a real server. Screenshots go to the
test's tmp_path and to /tmp/shots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_console import console_page, fits, small_meeting
from tests.browser.test_projector_fit import assert_fits
from tests.live_server import live_server, staff_session
from tests.quiz.live.test_live_flow import Host, Phone
from tests.quiz.live.test_venue_console import halls

pytestmark = pytest.mark.browser
TIMEOUT = 20_000
CHECKS = Path(__file__).parent / "screen_checks.js"
SHARED_SHOTS = Path("/tmp/shots")


class TwoPlaces:
    """Each screenshot saved under tmp_path and /tmp/shots/ (named by step)."""

    def __init__(self, tmp_path: Path) -> None:
        self.folders = [tmp_path / "shots", SHARED_SHOTS]
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
        self.saved: list[Path] = []

    def take(self, page, step: str) -> None:  # type: ignore[no-untyped-def]
        for folder in self.folders:
            path = folder / f"venue-{step}.png"
            page.screenshot(path=str(path))
            self.saved.append(path)


def both_sizes(page, shots: TwoPlaces, step: str) -> None:  # type: ignore[no-untyped-def]
    for width, height in ((1920, 1080), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)  # the fit runs on resize
        assert_fits(page, f"{step} at {width}×{height}")
        shots.take(page, f"{step}-{width}x{height}")


def test_a_branch_projector_a_branch_phone_and_the_venue_panel(browser, tmp_path):  # type: ignore[no-untyped-def]
    shots = TwoPlaces(tmp_path)
    url = f"sqlite:///{tmp_path / 'venues.sqlite3'}"
    with live_server("gevent", url) as server:
        meeting_id = server.demo_meeting_id
        venues, codes = halls(url, meeting_id)
        main_id, east_id, west_id = sorted(venues, key=lambda v: venues[v]["position"])
        host = Host(server, meeting_id)
        phones = [Phone(server, code) for code in codes[None][:2]] + [Phone(server, codes[east_id][0])]

        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        context.add_init_script(path=str(CHECKS))
        screen = context.new_page()
        screen.goto(f"{server.url}/s/{venues[east_id]['token']}")
        screen.locator("#link-state", has_text="已连接").wait_for(timeout=TIMEOUT)
        screen.locator("#present", has_text="1").wait_for(timeout=TIMEOUT)

        # The lobby: this venue's name and role, its own code and QR, its own attendance and the meeting's.
        assert screen.inner_text("#venue-name") == venues[east_id]["name"]
        assert screen.inner_text("#venue-role").startswith("分会场")
        assert screen.inner_text(".join-code") == venues[east_id]["code"] != venues[main_id]["code"]
        assert venues[east_id]["code"] in screen.inner_text("#join-url")
        assert screen.locator(".qr-big svg").bounding_box()["width"] >= 360
        assert screen.inner_text("#expected") == str(len(codes[east_id]))
        overall = sum(len(c) for c in codes.values())
        assert re.fullmatch(rf"全场 3 / {overall}", screen.inner_text("#overall"))
        both_sizes(screen, shots, "branch-lobby")

        # A person called at the main hall: the branch projector says where they are.
        assert host.do("draw_person", pool="secretaries", every_unit_once=False, venue_id=main_id)["ok"]
        screen.locator("#call-venue:not([hidden])").wait_for(timeout=TIMEOUT)
        screen.wait_for_timeout(2600)  # the roll lands
        assert screen.inner_text("#call-venue") == f"（{venues[main_id]['name']}）"
        both_sizes(screen, shots, "branch-call-elsewhere")

        # A question for everyone, on the branch projector as on the main one.
        assert host.do("draw_question", mode="all", types=["single"])["ok"] and host.do("show_question")["ok"]
        screen.locator("#question:not([hidden]) .stem").wait_for(timeout=TIMEOUT)
        both_sizes(screen, shots, "branch-question")

        # The main role handed to the branch: its bar says so.
        assert host.do("hand_over_main", venue_id=east_id, reason="演练：移交主会场")["ok"]
        screen.locator("#venue-role", has_text="主会场").wait_for(timeout=TIMEOUT)
        assert not screen.inner_text("#venue-role").startswith("分会场")
        context.close()

        # A branch phone: which hall its person attends, and where the called person is.
        phone_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
        phone = phone_context.new_page()
        phone.goto(f"{server.url}/p/{codes[east_id][1]}")
        phone.locator("#venue-line", has_text=venues[east_id]["name"]).wait_for(timeout=TIMEOUT)
        shots.take(phone, "branch-phone-360")
        phone_context.close()

        # The console's 会场 panel at 1366×768: a line per venue, the page still fits; the table in its dialog.
        http = staff_session(server)
        console = console_page(browser, server, http, meeting_id)
        console.locator("#venues-panel:not([hidden]) .venue-row").first.wait_for(timeout=TIMEOUT)
        rows = console.locator(".venue-row")
        assert rows.count() == 3
        east_row = console.locator(f'.venue-row[data-venue="{east_id}"]')
        east_row.locator(".main-badge").wait_for(timeout=TIMEOUT)
        # Its projector page was closed above, its phone is still here; nothing ever connected at the west venue.
        assert re.search(r"大屏离线（\d\d:\d\d 起）", east_row.inner_text())
        assert "未连接" in console.locator(f'.venue-row[data-venue="{west_id}"]').inner_text()
        assert "大屏离线" in console.locator(f'.venue-row[data-venue="{main_id}"]').inner_text()  # phones, no projector
        assert fits(console), console.evaluate("document.scrollingElement.scrollHeight")
        assert console.locator("#pool-venue option").count() == 4
        shots.take(console, "console-1366x768")
        console.click("#venues-open")
        console.locator("#venue-table tr").first.wait_for(timeout=TIMEOUT)
        assert console.locator("#venue-table tr").count() == 3
        assert venues[west_id]["code"] in console.inner_text("#venue-table")
        shots.take(console, "console-venues-dialog")
        # 移交主会场 from the dialog: refused without a reason, then confirmed and recorded.
        console.click("#handover-confirm")
        assert console.inner_text("#handover-message") == "移交主会场须填写原因"  # in the dialog, not behind it
        console.select_option("#handover-venue", str(west_id))
        console.fill("#handover-reason", "演练：再移交戊县")
        console.once("dialog", lambda dialog: dialog.accept())
        console.click("#handover-confirm")
        console.locator("#handover-message", has_text="已将主会场移交给" + venues[west_id]["name"]).wait_for(
            timeout=TIMEOUT)
        shots.take(console, "console-handed-over")
        console.locator(f'.venue-row[data-venue="{west_id}"] .main-badge').wait_for(timeout=TIMEOUT)
        assert console.locator(f'.venue-row[data-venue="{east_id}"] .main-badge').count() == 0
        assert str(west_id) not in console.eval_on_selector_all("#handover-venue option", "os => os.map(o => o.value)")
        console.context.close()
        # A meeting held in one hall shows no 会场 panel and no venue choice in the draw.
        single = console_page(browser, server, http, small_meeting(server, http))
        single.locator("#primary:not([disabled])").wait_for(timeout=TIMEOUT)
        assert single.locator("#venues-panel").is_hidden() and single.locator("#pool-venue-row").is_hidden()
        single.context.close()
        for client in [host, *phones]:
            client.sio.disconnect()
    print("screenshots:", *shots.saved, sep="\n  ")
