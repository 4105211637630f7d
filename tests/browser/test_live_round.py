"""One full round as people see it, in Debian's Chromium: the host console, the projector (1920×1080) and
three phones (360 px; one with WeChat's user agent and its text size at 130%, one that types its code).
Every step leaves screenshots under test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import Shots
from tests.live_server import live_server, seat_codes, staff_session

pytestmark = pytest.mark.browser

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2118A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47")
TEXT_130 = "document.addEventListener('DOMContentLoaded', () => { document.documentElement.style.fontSize = '130%'; });"


@pytest.fixture()
def meeting_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    with live_server("gevent", f"sqlite:///{tmp_path / 'round.sqlite3'}") as server:
        yield server


def phone_context(browser, **extra):  # type: ignore[no-untyped-def]
    return browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                               has_touch=True, locale="zh-CN", **extra)


def no_horizontal_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_one_full_round(browser, meeting_server, request):  # type: ignore[no-untyped-def]
    server = meeting_server
    shots = Shots(request.node.name)
    http = staff_session(server)
    codes = seat_codes(server, http, server.demo_meeting_id)
    secretaries = [codes[0], codes[3], codes[6]]  # each unit's card list starts with its secretary

    host_context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    host_context.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in http.cookies])
    console = host_context.new_page()
    console.on("dialog", lambda dialog: dialog.accept())
    console.goto(f"{server.url}/meetings/{server.demo_meeting_id}/console")
    console.wait_for_selector("text=已连接")
    screen_url = console.locator("a.button:has-text('打开大屏')").get_attribute("href")

    projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    projector.goto(server.url + screen_url)
    projector.wait_for_selector(".qr-big svg")
    assert projector.locator(".join-code").inner_text().strip().isdigit()
    shots.take(projector, "projector-lobby")

    plain = phone_context(browser).new_page()
    plain.goto(f"{server.url}/p/{secretaries[0]}")
    wechat_context = phone_context(browser, user_agent=WECHAT_UA)
    wechat_context.add_init_script(TEXT_130)
    wechat = wechat_context.new_page()
    wechat.goto(f"{server.url}/p/{secretaries[1]}")
    typed = phone_context(browser).new_page()
    typed.goto(server.url + "/j")
    typed.fill('input[name="join_code"]', projector.locator(".join-code").inner_text().strip())
    typed.click("text=下一步")
    typed.fill('input[name="code"]', secretaries[2].lower())
    typed.click("text=进入会议")
    phones = [plain, wechat, typed]
    for number, phone in enumerate(phones):
        phone.wait_for_selector("text=请稍候，主持人即将出题")
        assert no_horizontal_scroll(phone)
        shots.take(phone, f"phone{number + 1}-waiting")
    assert wechat.evaluate("getComputedStyle(document.body).fontSize") == "22.1px"  # 17px × 130%
    projector.locator("#present", has_text="3").wait_for()
    shots.take(projector, "projector-attendance")

    console.click("#draw-person")
    projector.wait_for_selector(".call-line.landed")
    called = projector.locator("#call-line").inner_text()
    assert called.startswith("请问")
    shots.take(projector, "projector-called")
    called_phone = next(p for p in phones if p.locator(".you-called").count())
    shots.take(called_phone, "phone-you-are-called")
    shots.take(console, "console-called")

    console.select_option("#mode", "all")
    console.check('#types input[value="single"]')
    console.click("#draw-question")
    console.wait_for_selector("#preview .key")
    assert plain.locator(".choice").count() == 0  # the previewed question stays on the console
    shots.take(console, "console-preview")
    console.click('button[data-command="show_question"]')
    for phone in phones:
        phone.wait_for_selector("button.choice")
        assert phone.locator("#view .stem").inner_text().startswith("【单选】")
    projector.wait_for_selector("#timer:not([hidden])")
    assert projector.locator("#link-state").inner_text() == "已连接"
    shots.take(projector, "projector-question")

    key = console.locator("#preview .key").inner_text().replace("答案：", "").strip()
    choices = [key, key, "A" if key != "A" else "B"]
    for number, (phone, letter) in enumerate(zip(phones, choices, strict=True)):
        phone.locator("button.choice", has_text=letter).first.click()
        assert phone.locator("button.choice.selected").count() == 1
        shots.take(phone, f"phone{number + 1}-chosen")
        tap = phone.evaluate("document.querySelector('button.submit').getBoundingClientRect().height")
        assert tap >= 48
        phone.click("button.submit")
        phone.wait_for_selector("text=已作答，等待揭晓")
        assert no_horizontal_scroll(phone)
    projector.locator("#live-count", has_text="已作答 3").wait_for(state="attached")
    shots.take(projector, "projector-count")

    # Each click acts on the revision the console last saw: wait for its effect before the next one.
    console.click('button[data-command="close_question"]')
    projector.locator("#live-count", has_text="已收卷").wait_for(state="attached")
    console.click('button[data-command="reveal_answer"]')
    projector.wait_for_selector(".reveal .answer")
    correct_text = projector.locator(".options li.correct .option-text").inner_text()
    assert projector.locator(".reveal .answer").inner_text() == f"{key}．{correct_text}"  # the text, not just a letter
    assert projector.locator(".options li.correct").count() == 1
    shots.take(projector, "projector-revealed")
    for number, phone in enumerate(phones):
        phone.wait_for_selector(".you-right, .you-wrong")
        shots.take(phone, f"phone{number + 1}-result")
    assert plain.locator(".you-right").count() == 1 and typed.locator(".you-wrong").count() == 1
    assert plain.locator(".choice.mine .badge").inner_text() == "您的选择 ✓"
    assert typed.locator(".choice.mine .badge").inner_text() == "您的选择 ✗"

    console.click('button[data-command="next_question"]')
    projector.wait_for_selector("#lobby:not([hidden]), #call:not([hidden])")
    console.click("#segments button:has-text('结果公布')")
    projector.wait_for_selector(".result-bars li")
    assert projector.locator(".result-bars li").count() == 13
    assert projector.locator(".result-head").inner_text().count("述职评议得分") == 1
    shots.take(projector, "projector-results")
    shots.take(console, "console-after-round")
    projector.set_viewport_size({"width": 1280, "height": 720})
    assert no_horizontal_scroll(projector)
    assert projector.locator(".result-bars li").count() == 13  # refitted, on one page still
    shots.take(projector, "projector-results-1280")


def test_phones_rate_a_speaker(browser, meeting_server, request):  # type: ignore[no-untyped-def]
    server = meeting_server
    shots = Shots(request.node.name)
    http = staff_session(server)
    codes = seat_codes(server, http, server.demo_meeting_id)
    host_context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    host_context.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in http.cookies])
    console = host_context.new_page()
    console.on("dialog", lambda dialog: dialog.accept())
    console.goto(f"{server.url}/meetings/{server.demo_meeting_id}/console")
    console.wait_for_selector("text=已连接")
    projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    projector.goto(server.url + console.locator("a.button:has-text('打开大屏')").get_attribute("href"))

    speaker_phone = phone_context(browser).new_page()
    speaker_phone.goto(f"{server.url}/p/{codes[0]}")  # the first unit's secretary: the first to report
    raters = []
    for code in (codes[3], codes[4], codes[6]):  # people of three other units
        page = phone_context(browser).new_page()
        page.goto(f"{server.url}/p/{code}")
        raters.append(page)
    projector.locator("#present", has_text="4").wait_for()

    # Each click acts on the revision the console last saw, so wait for its effect before the next one.
    console.click("#segments button:has-text('述职评议')")
    console.locator("#review-items button").first.wait_for()
    console.locator("#review-items button").first.click()
    projector.wait_for_selector("#speech-clock")
    console.click("#speech-start")
    projector.locator(".question .stem", has_text="述成绩").wait_for()
    console.click('[data-review-part="problems"]')
    projector.locator(".question .stem", has_text="晒问题").wait_for()
    console.click("#vote-open")
    projector.locator("#turnout", has_text="评议投票中").wait_for()
    assert "晒问题" not in projector.locator("#question").inner_text()  # the screen follows the vote
    speaker_phone.wait_for_selector("text=本单位述职，不参与评议。")
    shots.take(speaker_phone, "speaker-phone-own-unit")
    for number, (page, rating) in enumerate(zip(raters, ["满意", "满意", "基本满意"], strict=True)):
        page.wait_for_selector("button.choice")
        assert "匿名" in page.locator(".anon-note").inner_text() and "晒问题" not in page.locator("#view").inner_text()
        page.locator("button.choice", has_text=rating).first.click()
        page.click("button.submit")
        page.wait_for_selector("text=已评议（投票结束前可修改）")
        shots.take(page, f"rater{number + 1}-voted")
    projector.locator("#turnout", has_text="已投 3").wait_for()
    shots.take(projector, "projector-turnout")
    console.click("#vote-close")
    projector.locator("#turnout", has_text="投票已结束").wait_for()
    console.click("#vote-reveal")
    projector.wait_for_selector(".reveal .answer")
    assert projector.locator(".reveal .answer").inner_text() == "86.67 分（3 票）"
    shots.take(projector, "projector-review-result")
    raters[0].wait_for_selector("text=评议结果：86.67 分")
    shots.take(raters[0], "rater-sees-result")
    shots.take(console, "console-review")
