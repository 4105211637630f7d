"""Joining, the phone's binding, the projector's token, the console's permissions — through the test client.
The roster is never listed to someone who has only the meeting code."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from core.accounts.roles import Role
from quiz.live.models import Attendee
from tests.factories import csrf_token, login, make_host, make_user


def test_the_join_page_never_lists_the_roster(client, session, meeting):
    page = client.get(f"/j/{meeting.join_code}").get_data(as_text=True)
    assert meeting.title in page and "个人参会码" in page
    assert not any(a.name in page for a in meeting.attendees)
    assert "旁听" not in page  # anonymous audience is off for this meeting
    assert client.get("/j/000000").status_code == 404


def test_typing_codes(client, session, meeting):
    code = meeting.attendees[0].code
    wrong = client.post(f"/j/{meeting.join_code}", data={"code": "NOPE2345"})
    assert wrong.status_code == 422 and "个人参会码不正确" in wrong.get_data(as_text=True)
    right = client.post(f"/j/{meeting.join_code}", data={"code": code.lower()})
    assert right.headers["Location"] == f"/p/{code}"


def test_anonymous_audience_where_the_meeting_allows_it(client, session, meeting):
    assert client.post(f"/j/{meeting.join_code}", data={"anonymous": "1"}).status_code == 403
    meeting.allow_anonymous = True
    session.commit()
    assert "以旁听身份加入" in client.get(f"/j/{meeting.join_code}").get_data(as_text=True)
    joined = client.post(f"/j/{meeting.join_code}", data={"anonymous": "1"})
    assert re.match(r"/p/[A-Z0-9]{10}\?d=", joined.headers["Location"])


def test_the_join_page_is_the_same_for_every_phone_and_sets_no_cookie(app, client, meeting):
    first = client.get(f"/j/{meeting.join_code}")
    second = app.test_client().get(f"/j/{meeting.join_code}")
    assert first.status_code == second.status_code == 200 and "Set-Cookie" not in first.headers
    assert first.get_data() == second.get_data() and b"csrf_token" not in first.get_data()


def test_a_join_form_posted_from_another_site_is_refused(client, session, meeting):
    meeting.allow_anonymous = True
    session.commit()
    code = meeting.attendees[0].code
    evil = {"Origin": "https://evil.example"}
    for form in ({"anonymous": "1"}, {"code": code}):
        refused = client.post(f"/j/{meeting.join_code}", data=form, headers=evil)
        assert refused.status_code == 400 and "不要从其他网站提交" in refused.get_data(as_text=True)
    refused = client.post("/j", data={"join_code": meeting.join_code}, headers={"Origin": "null"})
    assert refused.status_code == 400
    assert session.scalar(select(func.count()).select_from(Attendee).where(Attendee.anonymous)) == 0
    own = client.post(f"/j/{meeting.join_code}", data={"anonymous": "1"}, headers={"Origin": "http://localhost"})
    assert own.status_code == 302  # the page's own origin (the host it was addressed to)


def test_a_code_binds_to_the_first_phone_and_a_second_one_waits(app, session, meeting):
    code = meeting.attendees[0].code
    first = app.test_client()
    opened = first.get(f"/p/{code}")
    assert opened.status_code == 302 and "?d=" in opened.headers["Location"]
    page = first.get(opened.headers["Location"]).get_data(as_text=True)
    assert f'data-code="{code}"' in page and meeting.attendees[0].name in page
    # Reopening the bare link (WeChat dropped the query) finds the device by its cookie.
    assert first.get(f"/p/{code}").headers["Location"] == opened.headers["Location"]
    second = app.test_client().get(f"/p/{code}")
    assert second.status_code == 409 and "已向主持人发送更换设备的请求" in second.get_data(as_text=True)
    session.expire_all()
    assert meeting.attendees[0].pending_device_token is not None and meeting.attendees[0].status == "present"


def test_unknown_codes_and_projector_tokens(client, session, meeting):
    assert client.get("/p/NOPE2345").status_code == 404
    assert client.get("/s/not-a-token").status_code == 404
    screen = client.get(f"/s/{meeting.screen_token}").get_data(as_text=True)
    assert meeting.join_code in screen and "<svg" in screen
    assert not any(a.name in screen for a in meeting.attendees)


def test_the_projector_warns_when_its_qr_code_points_at_this_machine_only(app, client, session, meeting, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "http://127.0.0.1:5000")
    screen = client.get(f"/s/{meeting.screen_token}").get_data(as_text=True)
    assert 'id="url-warning"' in screen and "PUBLIC_URL" in screen and "127.0.0.1" in screen
    monkeypatch.setitem(app.config, "PUBLIC_URL", "http://192.168.1.20:5000")
    screen = client.get(f"/s/{meeting.screen_token}").get_data(as_text=True)
    assert 'id="url-warning"' not in screen and "http://192.168.1.20:5000/j/" in screen


def test_meeting_pages_need_a_host(client, session, meeting):
    for path in [f"/meetings/{meeting.id}/console", f"/meetings/{meeting.id}/cards", "/meetings/"]:
        assert client.get(path).status_code == 302, path
    login(client, make_user(session, Role.EDITOR))
    assert client.get(f"/meetings/{meeting.id}/console").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bank/")})
    login(client, make_host(session, meeting))
    console = client.get(f"/meetings/{meeting.id}/console").get_data(as_text=True)
    assert "PUBLIC_URL" in console  # phones cannot reach an unset address: the console says so
    cards = client.get(f"/meetings/{meeting.id}/cards").get_data(as_text=True)
    assert all(a.code in cards for a in meeting.attendees) and cards.count("<svg") == len(meeting.attendees)


def test_creating_and_copying_meetings_through_the_pages(client, session, meeting):
    login(client, make_user(session, Role.HOST))
    token = csrf_token(client, "/meetings/new")
    bad = client.post("/meetings/new", data={"title": "新会", "quarter": "2026-4", "held_on": "2026-12-01",
                                             "csrf_token": token})
    assert bad.status_code == 422 and "季度格式" in bad.get_data(as_text=True)
    made = client.post("/meetings/new", data={"title": "新会", "quarter": "2026Q4", "held_on": "2026-12-01",
                                              "unit_ids": [str(meeting.units[0].id)], "agenda_call": "1",
                                              "csrf_token": token})
    assert made.status_code == 302 and "/console" in made.headers["Location"]
    copied = client.post("/meetings/copy-latest", data={"csrf_token": token})
    assert copied.status_code == 302
    listing = client.get("/meetings/").get_data(as_text=True)
    assert "2027Q1" in listing and "新会" in listing


def test_review_settings_in_the_meeting_form(client, session, meeting):
    login(client, make_host(session, meeting))
    token = csrf_token(client, f"/meetings/{meeting.id}/edit")
    base = {"title": meeting.title, "quarter": "2026Q4", "held_on": "2026-11-22", "agenda_review": "1",
            "unit_ids": [str(u.id) for u in meeting.units], "csrf_token": token}
    bad = client.post(f"/meetings/{meeting.id}/edit", data=base | {"criteria": "抓党建成效:很多"})
    assert bad.status_code == 422 and "评议项目第1行的权重“很多”不是数字" in bad.get_data(as_text=True)
    settings = {"criteria": "抓党建成效:2\n问题查摆", "group_weights": "班子成员：2", "speech_minutes": "8",
                "min_ballots": "5"}
    good = client.post(f"/meetings/{meeting.id}/edit", data=base | settings)
    assert good.status_code == 302
    session.refresh(meeting)
    assert meeting.settings["review"] == {"speech_limit_s": 480, "min_ballots": 5, "group_weights": {"班子成员": 2.0},
                                          "criteria": [{"name": "抓党建成效", "weight": 2.0},
                                                       {"name": "问题查摆", "weight": 1.0}]}
    form = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert "抓党建成效:2\n问题查摆:1" in form and "班子成员:2" in form


def test_seat_cards_for_a_big_meeting_are_drawn_by_a_job(client, session, meeting, monkeypatch):
    from quiz.live import jobs as quiz_jobs

    monkeypatch.setattr(quiz_jobs, "CARDS_INLINE_MAX", 1)  # this meeting counts as big
    login(client, make_host(session, meeting))
    queued = client.get(f"/meetings/{meeting.id}/cards")
    assert queued.status_code == 302 and "/jobs/" in queued.headers["Location"]
    page = client.get(queued.headers["Location"]).get_data(as_text=True)
    sheet = client.get(re.search(r'id="job-download" href="([^"]+)"', page).group(1))
    cards = sheet.get_data(as_text=True)
    sheet.close()
    assert sheet.mimetype == "text/html" and "attachment" not in sheet.headers.get("Content-Disposition", "")
    assert all(a.code in cards for a in meeting.attendees) and cards.count("<svg") == len(meeting.attendees)
