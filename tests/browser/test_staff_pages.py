"""Every staff page at a phone's 360×640 and a laptop's 1366×768: nothing overflows the page sideways (tables
scroll in their own box), the menu folds behind ☰ on the phone and no menu item breaks inside its name.

The pages are the app's own GET routes, enumerated from its url_map: a new route fails this test until it is
listed below as a page (with the ids to fill in) or as not a staff page (with the reason)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from app import create_app
from tests.browser.conftest import Shots
from tests.conftest import app_settings
from tests.live_server import LiveServer, live_server, staff_session

pytestmark = pytest.mark.browser

SIZES = {"phone": (360, 640), "laptop": (1366, 768)}
NOT_STAFF_PAGES = {
    "static": "files", "favicon": "the icon (tests/core/test_app.py)", "health.healthz": "JSON",
    "jobs.state": "JSON", "jobs.download": "a download", "bank.template": "a download",
    "roster.template": "a download", "reports.quarter_download": "a download",
    "home": "a redirect to the bank", "accounts.login": "visited logged out, below",
    "public.join_any": "a phone page", "public.join": "a phone page", "public.phone": "a phone page",
    "public.screen": "the projector (its own tests, at 1920×1080 and 1280×720)",
    "meetings.prompt": "the host's prompt screen (a projector-sized screen)",
    "quarters.reveal": "the ranking reveal on the projector (test_quarter_reveal)",
    "bank.preview_screen": "the projector or phone inside the preview page's frames",
}
# Pages for printing on A4 (and the seat cards): at 360 px they scroll like a PDF viewer would, by design.
PRINT_SHEETS = {"reports.minutes", "reports.quarter_print", "meetings.cards", "meetings.venue_sheet"}

BAD_BANK_FILE = (
    "题型,题干,选项A,选项B,选项C,答案,解析,难度,分类,标签,出处\n"
    "单选,党的最高理想是（　　）,实现共产主义,发家致富,,A,党章总纲,易,党章党规/党章,理想,《中国共产党章程》\n"
    "填空,好干部标准：信念坚定、（　　）、勤政务实、（　　）,,,,为民服务、敢于担当,,,组织工作,,\n"
    "单选,党的根本宗旨是（　　）,全心全意为人民服务,发展经济,,D,,,,,\n"
)


def _staff_endpoints() -> set[str]:
    """Every GET endpoint of the app, from a throwaway app's url_map."""
    import tempfile

    app = create_app(app_settings(f"sqlite:///{tempfile.mkdtemp()}/routes.sqlite3", REALTIME=False))
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    app.extensions["db"].engine.dispose()
    return endpoints


def _wait_for_job(server: LiveServer, http: requests.Session, job_id: int) -> dict:
    """Poll a job's JSON until it is done (short waits, no sleeps beyond the request itself)."""
    for _ in range(600):
        state = http.get(f"{server.url}/jobs/{job_id}.json", timeout=5).json()
        if state["status"] in ("done", "failed", "cancelled"):
            return state
        requests.get(server.url + "/healthz", timeout=5)  # a short pause that does work
    raise AssertionError(f"job {job_id} did not finish")


def _csrf(page_html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)


def _seed(server: LiveServer, http: requests.Session) -> dict[str, str]:
    """Make every page have something to show; returns the URL of each staff page by endpoint."""
    base = server.url
    token = _csrf(http.get(base + "/bank/import").text)
    upload = http.post(base + "/bank/import", data={"csrf_token": token},
                       files={"file": ("题库.csv", BAD_BANK_FILE.encode())})
    check_id = int(re.search(r"/jobs/(\d+)", upload.url).group(1))
    _wait_for_job(server, http, check_id)
    token = _csrf(http.get(f"{base}/bank/import/report/{check_id}").text)
    commit = http.post(f"{base}/bank/import/{check_id}", data={"csrf_token": token, "action": "valid"})
    commit_id = int(re.search(r"/jobs/(\d+)", commit.url).group(1))
    _wait_for_job(server, http, commit_id)
    # The roster's import too (its report's bad row, 、 in a name, has the row's text and a fix).
    roster_file = "单位,单位类型,姓名,职务,第一责任人,分组\n演示甲县,,新来的干部,科员,,\n演示甲县,,张三、李四,科员,,\n"
    upload = http.post(base + "/roster/import", data={"csrf_token": _csrf(http.get(base + "/roster/import").text)},
                       files={"file": ("名册.csv", roster_file.encode())})
    roster_check = int(re.search(r"/jobs/(\d+)", upload.url).group(1))
    _wait_for_job(server, http, roster_check)
    report = http.get(f"{base}/roster/import/report/{roster_check}").text
    roster_token = re.search(r'action="/roster/import/([^"]+)"', report).group(1)
    commit = http.post(f"{base}/roster/import/{roster_token}", data={"csrf_token": _csrf(report), "action": "valid"})
    roster_commit = int(re.search(r"/jobs/(\d+)", commit.url).group(1))
    _wait_for_job(server, http, roster_commit)
    # A job page that stays put once done (a check's page goes on to its report by itself): an export's.
    export = http.post(base + "/roster/export", data={"csrf_token": token})
    export_id = int(re.search(r"/jobs/(\d+)", export.url).group(1))
    _wait_for_job(server, http, export_id)
    question_id = re.search(r'href="/bank/(\d+)"', http.get(base + "/bank/").text).group(1)
    meeting = server.demo_meeting_id
    quarter = re.search(r"\d{4}Q[1-4]", http.get(f"{base}/meetings/").text).group(0)
    person_id = re.search(r'href="/roster/people/(\d+)"', http.get(base + "/roster/").text).group(1)
    venues_page = http.get(f"{base}/meetings/{meeting}/venues").text
    venue_id = re.search(rf'href="/meetings/{meeting}/venues/(\d+)/sheet"', venues_page).group(1)
    unit_id = re.search(r'href="/quarters/[^/]+/units/(\d+)"', http.get(f"{base}/quarters/{quarter}").text)
    unit = unit_id.group(1) if unit_id else re.search(r'value="(\d+)"', http.get(base + "/roster/").text).group(1)
    return {
        "bank.index": "/bank/", "bank.edit": f"/bank/{question_id}", "bank.preview": f"/bank/{question_id}/preview",
        "bank.category_tree": "/bank/categories", "bank.import_start": "/bank/import",
        "bank.import_report": f"/bank/import/report/{check_id}", "bank.import_done": f"/bank/import/done/{commit_id}",
        "bank.create": "/bank/new", "jobs.index": "/jobs/", "jobs.show": f"/jobs/{export_id}",
        "roster.import_report": f"/roster/import/report/{roster_check}",
        "roster.import_done": f"/roster/import/done/{roster_commit}",
        "backups.index": "/admin/backup/", "accounts.users": "/admin/users",
        "meetings.index": "/meetings/", "meetings.create": "/meetings/new",
        "meetings.edit": f"/meetings/{meeting}/edit", "meetings.console": f"/meetings/{meeting}/console",
        "meetings.cards": f"/meetings/{meeting}/cards",
        "meetings.venue_list": f"/meetings/{meeting}/venues",
        "meetings.venue_sheet": f"/meetings/{meeting}/venues/{venue_id}/sheet",
        "reports.venue_results": f"/reports/meeting/{meeting}/venues",
        "quarters.index": "/quarters/", "quarters.show": f"/quarters/{quarter}",
        "quarters.unit": f"/quarters/{quarter}/units/{unit}",
        "reports.index": "/reports/", "reports.minutes": f"/reports/meeting/{meeting}/minutes",
        "reports.quarter_print": f"/reports/quarter/{quarter}/print", "reports.unit": f"/reports/unit/{unit}",
        "roster.index": "/roster/", "roster.import_start": "/roster/import", "roster.unit_list": "/roster/units",
        "roster.person_new": "/roster/people/new", "roster.person_edit": f"/roster/people/{person_id}",
    }


OVERFLOW = """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
  wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
    && !e.closest('.table-scroll, table.grid')).slice(0, 5).map(e => e.tagName + '.' + e.className)})"""
# Lines a menu item's text takes: one per distinct top of its text's line boxes.
MENU_LINES = """() => [...document.querySelectorAll('.topbar nav a, .whoami span')].map(a => {
  const range = document.createRange(); range.selectNodeContents(a);
  return [a.textContent.trim(), new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
})"""


def _check_page(page, url: str, name: str, size: str, shots: Shots) -> list[str]:  # type: ignore[no-untyped-def]
    """Problems of one page at one size (empty when it is right)."""
    page.goto(url)
    problems = []
    menu_button = page.locator(".menu-button")
    if size == "phone" and menu_button.count():
        assert page.locator(".topbar nav").is_hidden(), f"{name}: the menu is folded on a phone"
        menu_button.click()
        page.locator(".topbar nav").wait_for(state="visible")
    elif menu_button.count():
        assert menu_button.is_hidden() and page.locator(".topbar nav").is_visible(), f"{name}: menu open on a laptop"
    measured = page.evaluate(OVERFLOW)
    if measured["scroll"] > measured["inner"]:
        problems.append(f"{name} at {size}: page {measured['scroll']} px wide > {measured['inner']} "
                        f"({measured['wide']})")
    wrapped = [label for label, lines in page.evaluate(MENU_LINES) if lines > 1]
    if wrapped:
        problems.append(f"{name} at {size}: menu items wrap: {wrapped}")
    shots.take(page, f"{size}-{name}")
    return problems


def _clearing_the_demo_asks_first(browser, server: LiveServer, http: requests.Session) -> None:  # type: ignore[no-untyped-def]
    """The dangerous buttons confirm first (an inline onclick never ran under the Content-Security-Policy)."""
    context = browser.new_context(locale="zh-CN")
    context.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in http.cookies])
    page = context.new_page()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.goto(server.url + "/roster/import")
    page.click("text=清除演示数据")
    assert asked == ["确定清除全部演示数据？此操作将记入考评日志。"]
    page.goto(server.url + "/roster/import")
    assert page.locator("#demo-notice").is_visible()  # dismissed: nothing cleared
    context.close()


def test_every_staff_page_fits_a_phone_and_a_laptop(browser, tmp_path: Path, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    database = f"sqlite:///{tmp_path / 'pages.sqlite3'}"
    with live_server("gevent", database) as server:
        http = staff_session(server)
        _clearing_the_demo_asks_first(browser, server, http)
        engine = create_engine(database)  # real units and a real meeting, so the quarter pages have results
        with engine.begin() as connection:
            for table in ("meetings", "units", "people"):
                connection.execute(text(f"UPDATE {table} SET demo = :no"), {"no": False})
        engine.dispose()
        pages = _seed(server, http)
        unlisted = _staff_endpoints() - set(pages) - set(NOT_STAFF_PAGES)
        assert not unlisted, f"new GET routes: list them in PAGES or NOT_STAFF_PAGES: {sorted(unlisted)}"
        problems = []
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
            page = context.new_page()
            page.goto(server.url + "/login")
            problems += _check_page(page, server.url + "/login", "login", size, shots)
            context.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in http.cookies])
            for name, path in pages.items():
                if name in PRINT_SHEETS and size == "phone":
                    continue
                response = page.request.get(server.url + path)
                # 409: the 通报 of a quarter not yet approved is refused with a page saying so.
                assert response.status in (200, 409), f"{name} {path}: {response.status}"
                problems += _check_page(page, server.url + path, name, size, shots)
            context.close()
        assert not problems, "\n".join(problems)
