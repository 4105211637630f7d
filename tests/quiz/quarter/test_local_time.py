"""One time zone for every time a person reads: the 考评日志 on the quarter page, the minutes and the 通报's
date are in TIMEZONE (default Asia/Shanghai), not UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.accounts.roles import Role
from core.config import load_config
from core.localtime import local_time
from quiz.live.models import PersonDraw
from quiz.quarter.models import Quarter, QuarterEvent
from quiz.quarter.reports.minutes import meeting_minutes
from tests.factories import login, make_user

LATE_EVENING_UTC = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # 01:30 the next day in Beijing


def test_the_quarter_log_and_the_minutes_show_beijing_time(app, client, session, meeting):
    session.add(Quarter(quarter=meeting.quarter))
    session.add(QuarterEvent(quarter=meeting.quarter, kind="recompute", actor="staff", at=LATE_EVENING_UTC))
    attendee = meeting.attendees[0]
    session.add(PersonDraw(meeting_id=meeting.id, seed=1, candidates=[attendee.id], chosen_id=attendee.id,
                           created_at=LATE_EVENING_UTC))
    session.commit()
    login(client, make_user(session, Role.HOST))
    page = client.get(f"/quarters/{meeting.quarter}").get_data(as_text=True)
    assert "2026-12-02 01:30" in page and "2026-12-01 17:30" not in page
    with app.app_context():
        assert meeting_minutes(session, meeting.id)["draws"][0]["time"] == "01:30"
        app.config["TIMEZONE"] = "UTC"
        try:
            assert local_time(LATE_EVENING_UTC) == "2026-12-01 17:30"
        finally:
            app.config["TIMEZONE"] = "Asia/Shanghai"


def test_the_setting_is_checked():
    assert load_config({}, "/tmp/instance")["TIMEZONE"] == "Asia/Shanghai"
    assert load_config({"TIMEZONE": "Europe/Berlin"}, "/tmp/instance")["TIMEZONE"] == "Europe/Berlin"
    with pytest.raises(ValueError, match="not a known time zone"):
        load_config({"TIMEZONE": "Mars/Olympus"}, "/tmp/instance")
