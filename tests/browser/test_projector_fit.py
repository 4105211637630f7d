"""Every projector screen fits 1920×1080 and 1280×720 with the longest questions of the bundled bank and of
../shared/data's banks: text shrinks down to its minimum size, a long explanation or list turns its pages, and
nothing is clipped or leaves the screen. Screenshots under test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import dataclasses
import re

import pytest

from question_bank.kinds import QuestionType
from tests.browser.conftest import Shots
from tests.browser.fake_live import (
    called_person,
    deliver,
    meeting_results,
    open_page,
    public_state,
    review_state,
    round_state,
    units,
)
from tests.browser.screen_checks import FONT_SIZES, MINIMUM_SIZES, OVERFLOWS, SHARED_BANKS, bank_drafts, longest
from tests.live_server import live_server, staff_session

pytestmark = pytest.mark.browser
SIZES = [(1920, 1080), (1280, 720)]


@pytest.fixture(scope="module")
def screen_url(tmp_path_factory):  # type: ignore[no-untyped-def]
    with live_server("gevent", f"sqlite:///{tmp_path_factory.mktemp('fit') / 'fit.sqlite3'}") as server:
        console = staff_session(server).get(f"{server.url}/meetings/{server.demo_meeting_id}/console").text
        yield server.url + re.search(r'href="(/s/[^"]+)"', console).group(1)


@pytest.fixture(scope="module", params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def projector(request, browser, screen_url):  # type: ignore[no-untyped-def]
    page = open_page(browser, screen_url, *request.param)
    yield page
    page.context.close()


def assert_fits(page, what: str) -> None:  # type: ignore[no-untyped-def]
    problems = page.evaluate(OVERFLOWS)
    assert problems == [], f"{what}: {problems}"
    sizes = page.evaluate(FONT_SIZES, list(MINIMUM_SIZES))
    small = {selector: round(size, 1) for selector, size in sizes.items() if size < MINIMUM_SIZES[selector] - 0.5}
    assert small == {}, f"{what}: below the minimum size {small}"


PAGER = "#screen > section:not([hidden]) .pager:not([hidden])"


def pages_seen(page, shots: Shots, step: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Check the screen on each of its pages (turned by hand instead of every 12 s); returns each page's text."""
    texts = [page.locator("#screen > section:not([hidden])").inner_text()]
    shots.take(page, step)
    while page.locator(PAGER).count() and len(texts) < 40:
        if not page.evaluate("Fit.next()") or page.locator(PAGER).first.inner_text().startswith("第 1 /"):
            break
        assert_fits(page, f"{step} page {len(texts) + 1}")
        texts.append(page.locator("#screen > section:not([hidden])").inner_text())
        shots.take(page, f"{step}-p{len(texts)}")
    return texts


def bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def worst_case(drafts):  # type: ignore[no-untyped-def]
    """One question made of the bank's longest stem, options, explanation and source together."""
    pieces = longest(drafts)
    options = max((d.options for d in drafts), key=lambda o: sum(map(len, o)))
    question = dataclasses.replace(pieces["stem"], explanation=pieces["explanation"].explanation,
                                   source=pieces["source"].source)
    if options:
        question = dataclasses.replace(question, type=QuestionType.MULTIPLE, options=options,
                                       answer="ABCDEFGH"[: len(options) - 1])
    return question


@pytest.mark.parametrize("bank", ["bundled", *SHARED_BANKS])
def test_the_longest_questions_fit_every_question_screen(projector, bank, request):  # type: ignore[no-untyped-def]
    drafts = bank_drafts(bank)
    if not drafts:
        pytest.skip(f"../shared/data/{bank} is absent (the real banks live beside the project, not in it)")
    shots = Shots(request.node.name)
    cases = longest(drafts) | {"all-longest": worst_case(drafts)}
    for case, draft in cases.items():
        for phase, mode in [("open", "all"), ("open", "called"), ("revealed", "all")]:
            called = called_person() if mode == "called" else None
            deliver(projector, public_state(round=round_state(draft, phase, mode, called)))
            what = f"{bank} {case} {phase} {mode}"
            assert_fits(projector, what)
            shown = bare("".join(pages_seen(projector, shots, f"{case}-{phase}-{mode}")))
            assert bare(draft.stem) in shown, what
            if phase == "revealed":  # the answer's text (not only its letter), the explanation and the 出处
                if draft.type.is_choice:
                    texts = [bare(f"{letter}．{draft.options[ord(letter) - 65]}") for letter in draft.answer]
                    assert all(text in shown for text in texts), what
                assert bare(draft.explanation) in shown and bare(draft.source) in shown, what


def test_a_long_explanation_turns_its_pages(projector, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    draft = worst_case(bank_drafts("bundled"))
    text = "".join(f"第{i + 1}段：{d.explanation}" for i, d in enumerate(bank_drafts("bundled")[:12]) if d.explanation)
    draft = dataclasses.replace(draft, explanation=text[:2400])
    deliver(projector, public_state(round=round_state(draft, "revealed")))
    assert_fits(projector, "long explanation")
    assert projector.locator(PAGER).inner_text().startswith("第 1 / ")
    pieces = []
    for _ in range(len(pages_seen(projector, shots, "explanation"))):
        if projector.locator(".explanation").count():
            pieces.append(projector.locator(".explanation").inner_text())
            assert projector.locator(".reveal .source").is_visible()
        projector.evaluate("Fit.next()")
    assert len(pieces) >= 2 and "".join(pieces) == draft.explanation  # every part shown once, nothing lost


SCREENS = {
    "lobby": public_state(),
    "lobby-many-units": public_state(attendance={"expected": 480, "present": 200, "anonymous": 0,
                                                 "units": units(40, long_names=True)}),
    "called-person": public_state(call=called_person()),
    "review-speaking": public_state(review=review_state("pending", commitments=3)),
    "review-vote-open": public_state(review=review_state("open", commitments=3)),
    "review-result": public_state(review=review_state("revealed", commitments=3, result=True)),
    "review-many-commitments": public_state(review=review_state("revealed", commitments=14, result=True)),
    "results-14-units": public_state(results=meeting_results(14)),
    "results-40-units": public_state(results=meeting_results(40)),
    "ended": public_state(meeting={"id": 1, "title": "2026年第四季度书记问效会", "status": "ended",
                                   "rehearsal": False}),
}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_other_screen_fits(projector, screen, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    deliver(projector, SCREENS[screen])
    assert_fits(projector, screen)
    pages = pages_seen(projector, shots, screen)
    if screen in ("lobby-many-units", "results-40-units", "review-many-commitments"):
        assert len(pages) >= 2, f"{screen} should turn its pages"
    if screen.startswith("results"):
        units_shown = "".join(pages)
        assert all(f"第{i + 1}街道党工委" in units_shown for i in range(len(SCREENS[screen]["results"])))
        assert projector.locator(".result-head", has_text="述职评议得分").is_visible()
    if screen == "review-vote-open":
        assert "述成绩" not in projector.locator("#question").inner_text()


def test_the_lobby_url_stays_whole_and_warns_of_a_loopback_address(projector, request):  # type: ignore[no-untyped-def]
    deliver(projector, public_state())
    url = projector.locator("#join-url")
    lines = projector.evaluate("node => ScreenChecks.lines(node)", url.element_handle())
    assert lines == 1 and url.inner_text().startswith("http://127.0.0.1:")
    # A venue's LAN address stays on one line at both sizes; a long domain name may wrap, but only after a slash.
    for address, one_line in [("http://192.168.100.200:5000/j/482913", True),
                              ("https://dangjian-zuzhibu.example-district.gov.cn:8443/j/482913", False)]:
        projector.evaluate("url => { const n = document.getElementById('join-url'); n.setAttribute('data-url', url);"
                           " window.dispatchEvent(new Event('resize')); }", address)
        assert bare(url.inner_text()) == address
        assert_fits(projector, address)
        lines = projector.evaluate("node => ScreenChecks.lines(node)", url.element_handle())
        assert lines == 1 if one_line else lines >= 1
        unbroken = projector.evaluate("n => [...n.querySelectorAll('.url-part')]"
                                      ".every(p => p.getClientRects().length === 1)", url.element_handle())
        assert unbroken, f"{address} breaks inside a piece"
        Shots(request.node.name + "-" + str(len(address))).take(projector, "url")
    # The test server's PUBLIC_URL is 127.0.0.1: phones could not open the QR code, and the projector says so.
    assert "PUBLIC_URL" in projector.locator("#url-warning").inner_text()
    assert projector.locator("#link-state").inner_text() == "已连接"
    projector.evaluate("window.__live.fire('disconnect')")
    assert projector.locator("#link-state").inner_text() == "正在重连…"
    Shots(request.node.name).take(projector, "reconnecting")
    projector.evaluate("window.__live.fire('connect')")


# A branch venue's projector: the longest venue names the form allows beside the meeting's title and both
# attendance figures, a person called at another hall (its name after the call line), the longest question
# in called mode, and this hall's own call (本会场).
LONG_HALL = "中共某某市某某区某某街道工作委员会党群服务中心第二会议室分会场"
BRANCH = {"venue": {"id": 9, "name": LONG_HALL, "leader": "", "branch": True, "main": False,
                    "main_name": "中共某某市委党校报告厅（主会场）", "count": 12},
          "attendance": {"expected": 48, "present": 41, "anonymous": 0, "units": units(4),
                         "overall": {"expected": 1688, "present": 1571}}}


def test_a_branch_projector_fits_with_its_venue(projector, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    elsewhere = called_person() | {"venue_id": 3, "venue": "中共某某市委党校报告厅（主会场）"}
    here = called_person() | {"venue_id": 9, "venue": LONG_HALL}
    draft = worst_case(bank_drafts("bundled"))
    for step, parts in [("lobby", {}), ("called-elsewhere", {"call": elsewhere}), ("called-here", {"call": here}),
                        ("question-called", {"call": elsewhere, "round": round_state(draft, "open", "called",
                                                                                     elsewhere)})]:
        deliver(projector, public_state(**BRANCH, **parts))
        projector.wait_for_timeout(100)
        assert_fits(projector, f"branch {step}")
        assert projector.locator("#venue-name").inner_text() == LONG_HALL
        assert "分会场 · 主会场：" in projector.locator("#venue-role").inner_text()
        assert projector.locator("#overall").inner_text() == "全场 1571 / 1688"
        bar = projector.evaluate("() => { const b = document.querySelector('.bar'); "
                                 "return b.scrollWidth <= b.clientWidth; }")
        assert bar, f"branch {step}: the bar overflows"
        if step == "called-elsewhere":
            projector.wait_for_timeout(2600)  # the roll lands
            assert projector.locator("#call-venue").inner_text() == "（中共某某市委党校报告厅（主会场））"
        if step == "called-here":
            projector.wait_for_timeout(2600)
            assert projector.locator("#call-venue.here").inner_text() == "本会场"
        pages_seen(projector, shots, f"branch-{step}")
