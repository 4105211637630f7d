"""What an editor sees and does in a real browser: log in, create a question (and meet a validation
message), find it with a two-character search, import a file, read the report, commit the valid rows,
and preview a question on a phone-sized page. Each step leaves a screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.question_bank.test_exchange import GOOD_AND_BAD

pytestmark = pytest.mark.browser


def log_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill('input[name="username"]', "editor")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(base + "/bank/")


def test_editor_journey(browser, live_server, shots, tmp_path: Path):
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "工作人员登录"
    shots.take(page, "login")

    log_in(page, live_server)
    total = int(page.locator("h1 small").inner_text().split()[1])
    assert total >= 200, "the bundled doctrine bank is loaded"
    shots.take(page, "bank-list")

    page.click("text=新建题目")
    page.select_option('select[name="type"]', "single")
    page.fill('textarea[name="stem"]', "浏览器测试：党章规定党的最高理想是（　　）")
    page.fill('input[name="option_A"]', "实现共产主义")
    page.click('button:has-text("保存")')
    assert "⚠" not in page.locator(".field-error").first.inner_text()  # the marker is CSS, not text
    assert "单选题至少需要2个选项" in page.locator(".field-error").all_inner_texts()
    shots.take(page, "validation-message")

    page.fill('input[name="option_B"]', "发家致富")
    page.check('input[name="correct"][value="A"]')
    page.fill('input[name="category"]', "浏览器测试/党章")
    page.click('button:has-text("保存")')
    assert "已保存第" in page.locator(".flash-ok").inner_text()
    shots.take(page, "saved")

    page.goto(live_server + "/bank/")
    page.fill('input[name="q"]', "党章")
    page.click('button:has-text("筛选")')
    assert "共" in page.locator("h1 small").inner_text()
    stems = page.locator("td.stem").all_inner_texts()
    assert "浏览器测试：党章规定党的最高理想是（　　）" in stems  # newest first
    page.select_option('select[name="category"]', "浏览器测试/党章")
    page.click('button:has-text("筛选")')
    assert page.locator("td.stem").all_inner_texts() == ["浏览器测试：党章规定党的最高理想是（　　）"]
    shots.take(page, "two-character-search")

    upload = tmp_path / "导入测试.csv"
    upload.write_text(GOOD_AND_BAD.replace("党的最高理想", "导入测试：党的最高理想"), encoding="utf-8-sig")
    page.click("text=导入")
    page.set_input_files('input[type="file"]', str(upload))
    page.click('button:has-text("上传并检查")')
    page.wait_for_url("**/bank/import/report/*")  # the check job's page goes on to its report by itself
    problems = page.locator("#problems tbody tr").all_inner_texts()
    assert any("第3行" in row and "答案" in row and "多选题至少需要2个正确答案" in row for row in problems)
    assert any("第7行" in row and "题型" in row for row in problems)
    assert page.locator('button[value="all"]').is_disabled()
    shots.take(page, "import-report")

    page.click('button[value="valid"]')
    page.wait_for_url("**/bank/import/done/*")
    assert page.locator("#created-count").inner_text() == "4"
    shots.take(page, "import-done")
    page.close()


def test_phone_preview_fits_a_360px_screen(browser, live_server, shots):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, live_server)
    page.goto(live_server + "/bank/?q=四种形态&type=single")
    page.locator("text=预览").first.click()
    shots.take(page, "preview-both-screens")
    phone_url = page.locator('iframe[title="手机预览"]').get_attribute("src")
    projector_url = page.locator('iframe[title="大屏预览"]').get_attribute("src")
    cookies = page.context.cookies()

    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                has_touch=True)
    phone.add_cookies(cookies)
    screen = phone.new_page()
    screen.goto(live_server + phone_url)
    assert screen.evaluate("document.documentElement.scrollWidth") <= 360, "no horizontal scrolling"
    font = screen.evaluate("parseFloat(getComputedStyle(document.querySelector('.stem')).fontSize)")
    tap = screen.evaluate("document.querySelector('.choice').getBoundingClientRect().height")
    assert font >= 16 and tap >= 48
    assert screen.locator(".reveal").count() == 0, "no answer key before the reveal"
    shots.take(screen, "phone-360")
    screen.goto(live_server + phone_url + "?reveal=1")
    assert screen.locator(".choice.correct").count() == 1
    shots.take(screen, "phone-360-revealed")

    projector = browser.new_context(viewport={"width": 1920, "height": 1080})
    projector.add_cookies(cookies)
    big = projector.new_page()
    big.goto(live_server + projector_url)
    stem_px = big.evaluate("parseFloat(getComputedStyle(document.querySelector('.stem')).fontSize)")
    option_px = big.evaluate("parseFloat(getComputedStyle(document.querySelector('.options li')).fontSize)")
    assert stem_px >= 44 and option_px >= 36
    shots.take(big, "projector-1920")
    big.set_viewport_size({"width": 1280, "height": 720})
    assert big.evaluate("document.documentElement.scrollWidth") <= 1280
    shots.take(big, "projector-1280")
    phone.close()
    projector.close()
