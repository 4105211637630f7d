"""A listener (旁听) joins from the join page in Chromium at 360 px: one tap, no second page — the socket joins,
the address becomes the listener's own, a reload comes back as the same listener, not a second one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import Shots
from tests.live_server import live_server

pytestmark = pytest.mark.browser


def listeners(database: str, meeting_id: int) -> int:
    engine = create_engine(database)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM attendees WHERE anonymous AND meeting_id = :m"),
                                   {"m": meeting_id}).scalar()
    engine.dispose()
    return count


def test_a_listener_joins_with_one_tap_and_a_reload_keeps_it(browser, tmp_path: Path, request):  # type: ignore[no-untyped-def]
    database = f"sqlite:///{tmp_path / 'listen.sqlite3'}"
    shots = Shots(request.node.name)
    with live_server("gevent", database) as server:
        engine = create_engine(database)
        with engine.connect() as connection:
            join_code = connection.execute(text("SELECT join_code FROM meetings WHERE id = :m"),
                                           {"m": server.demo_meeting_id}).scalar()
        engine.dispose()
        context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                      locale="zh-CN")
        phone = context.new_page()
        posts = []
        forms = lambda r: r.method == "POST" and "/socket.io/" not in r.url  # noqa: E731
        phone.on("request", lambda r: posts.append(r.url) if forms(r) else None)
        phone.goto(f"{server.url}/j/{join_code}")
        shots.take(phone, "join-page")
        phone.click("text=以旁听身份加入")
        phone.wait_for_url("**/p/*?d=*")  # the address is the listener's own now
        phone.wait_for_selector("#status.status:not(:has-text('正在'))")
        assert not posts  # no form was posted: the socket joined
        assert phone.locator("#join").is_hidden() and phone.locator("#app").is_visible()
        assert listeners(database, server.demo_meeting_id) == 1
        shots.take(phone, "listening")
        phone.reload()
        phone.wait_for_selector("#status.status:not(:has-text('正在'))")
        assert "/p/" in phone.url and listeners(database, server.demo_meeting_id) == 1
        shots.take(phone, "after-reload")
        context.close()
