"""The quarter's pages through the test client, with real CSRF tokens: permissions, the breakdown and its
drill-down (never a rater's identity), recompute, approval, close / reopen, settings, the 日常考核 import and
the projector's reveal (refused before approval)."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from core.accounts.roles import Role
from quiz.live.models import Attendee
from quiz.quarter.models import DailyScore, Quarter, QuarterEvent, QuarterResult
from quiz.review.models import Ballot, VoteReceipt
from tests.factories import csrf_token, follow_job, login, make_user
from tests.quiz.conftest import make_meeting
from tests.quiz.quarter.test_quarters import Q, all_round, called_round, mark, review, secretary

PAGE = f"/quarters/{Q}"


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def post(client, path: str, data: dict | None = None, **kw):  # type: ignore[no-untyped-def]
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/quarters/")}, **kw)


def host(client, session):  # type: ignore[no-untyped-def]
    login(client, make_user(session, Role.HOST))
    return client


def small_quarter(session, raters: int = 0):  # type: ignore[no-untyped-def]
    """Four units: 单位1 strong, 单位4 weak; 单位1's review rated by `raters` named outsiders."""
    meeting = make_meeting(session, units=4)
    mark(session, meeting)
    ids = [u.id for u in meeting.units]
    for number, score in zip(ids, (10, 8, 6, 2), strict=True):
        called_round(session, meeting, secretary(meeting, number), score)
    all_round(session, meeting, {a.id: a.unit_id != ids[3] for a in meeting.attendees})
    item = review(session, meeting, ids[0], "满意", "满意", "基本满意", "不满意",
                  groups=("班子成员", "班子成员", "班子成员", "党员代表"))
    for k in range(2, 5):
        review(session, meeting, ids[k - 1], *(["满意"] * 3 if k < 4 else ["不满意"] * 3))
    for n in range(raters):
        rater = Attendee(meeting_id=meeting.id, name=f"评议人{n}", code=f"RATER{n:04d}", status="present",
                         groups=["党员代表"])
        session.add(rater)
        session.flush()
        session.add(VoteReceipt(item_id=item.id, attendee_id=rater.id))
    session.commit()
    return meeting, ids


def recompute(client) -> None:  # type: ignore[no-untyped-def]
    assert post(client, f"{PAGE}/recompute").status_code == 302


def approve(client, session, reasons: bool = True):  # type: ignore[no-untyped-def]
    session.expire_all()
    data = {}
    for row in session.scalars(select(QuarterResult).where(QuarterResult.quarter == Q)):
        data[f"grade_{row.unit_id}"] = row.proposed_grade
        data[f"reason_{row.unit_id}"] = "全员答题全部答错，点名答题得分低" if reasons else ""
    return post(client, f"{PAGE}/approve", data, follow_redirects=True)


# Permissions


def test_anonymous_visitors_are_sent_to_login_and_editors_are_refused(client, session):
    paths = ["/quarters/", PAGE, f"{PAGE}/units/1", f"{PAGE}/reveal"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), path
    login(client, make_user(session, Role.EDITOR))
    for path in paths:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/roster/")
    for action in ("recompute", "approve", "close", "reopen", "settings", "daily", "reveal"):
        assert client.post(f"{PAGE}/{action}", data={"csrf_token": token}).status_code == 403, action
    assert "季度考评" not in text(client.get("/roster/"))


def test_hosts_and_admins_see_the_nav_link_and_the_list(client, session):
    small_quarter(session)
    login(client, make_user(session, Role.ADMIN))
    page = text(client.get("/quarters/"))
    assert 'href="/quarters/"' in page and "季度考评" in page
    assert re.search(rf'<td>{Q}</td><td>1</td><td>0</td><td>0</td>', page)
    assert client.get("/quarters/2026-4").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client, session):
    host(client, session)
    assert client.post(f"{PAGE}/recompute").status_code == 400


# The breakdown and the drill-down


def test_recompute_shows_every_units_breakdown_with_links_to_the_numbers(client, session):
    _, ids = small_quarter(session)
    host(client, session)
    assert "尚未计算" in text(client.get(PAGE))
    response = follow_job(client, post(client, f"{PAGE}/recompute"))  # a job; its page comes back here
    page = text(response)
    assert "已重新计算" in page
    rows = re.findall(r'<tr class="[^"]*" data-unit="(\d+)">', page)
    assert [int(unit) for unit in rows] == [ids[1], ids[0], ids[2], ids[3]]  # 92, 86, 84, 8
    assert f'href="{PAGE}/units/{ids[0]}#called">100.00</a>' in page
    assert f'href="{PAGE}/units/{ids[0]}#total">' in page
    assert "1次点名，平均10分（满分10分）" in page and "排名靠后" in page and "软弱涣散" in page


def test_the_drill_down_lists_answers_and_ballot_counts_but_never_who_voted(client, session):
    _, ids = small_quarter(session, raters=4)
    host(client, session)
    recompute(client)
    page = text(client.get(f"{PAGE}/units/{ids[0]}"))
    assert 'id="called"' in page and "点名题" in page and "书记1" in page
    assert re.search(r"全部手机票</td><td class=\"num\">4</td><td></td>\s*<td class=\"num\">2</td>"
                     r"<td class=\"num\">1</td><td class=\"num\">1</td>", page)
    assert "票数较少，不单列" in page  # 党员代表 gave one ballot: not shown apart
    assert "（40 × 100.00 + 20 × 100.00 + 40 × 65.00）÷ 100 = 86.00" in page
    for n in range(4):
        assert f"评议人{n}" not in page
    for token in session.scalars(select(Ballot.token)):
        assert token not in page
    assert client.get(f"{PAGE}/units/99999").status_code == 404


# Approval, close, reopen, settings


def test_approval_needs_a_reason_for_weak_and_then_enables_the_reveal(client, session):
    _, ids = small_quarter(session)
    host(client, session)
    recompute(client)
    assert client.get(f"{PAGE}/reveal").status_code == 409
    assert "审定后才能" in text(post(client, f"{PAGE}/reveal", follow_redirects=True))
    refused = text(approve(client, session, reasons=False))
    assert "认定为软弱涣散，须填写理由" in refused
    session.expire_all()
    assert session.get(Quarter, Q).approved is False
    assert "已审定各单位等次" in text(approve(client, session))
    session.expire_all()
    assert session.get(Quarter, Q).approved is True
    assert session.get(QuarterResult, (Q, ids[3])).grade == "软弱涣散"
    reveal = client.post(f"{PAGE}/reveal", data={"csrf_token": csrf_token(client, PAGE)})
    assert reveal.status_code == 302 and reveal.headers["Location"].endswith(f"{PAGE}/reveal")
    page = text(client.get(f"{PAGE}/reveal"))
    assert page.count('class="reveal-row veiled') == 4 and 'data-step="1"' in page
    assert "排名靠后" in page and "软弱涣散" in page
    assert "<style" not in page and re.search(r"<script(?![^>]*src=)", page) is None
    assert "js/quarter/ranking-reveal.js" in page and "css/ranking.css" in page
    session.expire_all()
    assert session.get(Quarter, Q).revealed is True


def test_closing_locks_the_forms_and_reopening_needs_a_reason(client, session):
    small_quarter(session)
    host(client, session)
    recompute(client)
    assert "请先完成审定" in text(post(client, f"{PAGE}/close", follow_redirects=True))
    approve(client, session)
    assert "已封存" in text(post(client, f"{PAGE}/close", follow_redirects=True))
    page = text(client.get(PAGE))
    assert "解封理由" in page and "重新计算</button>" not in page and "保存设置" not in page
    assert "已封存" in text(follow_job(client, post(client, f"{PAGE}/recompute")))  # the job's reason
    settings = {"weight_called": 10, "weight_all": 10, "weight_review": 10, "weight_daily": 0,
                "excellent": 90, "weak": 60, "bottom_n": 1}
    assert "已封存" in text(post(client, f"{PAGE}/settings", settings, follow_redirects=True))
    assert "解封须说明理由" in text(post(client, f"{PAGE}/reopen", {"reason": " "}, follow_redirects=True))
    assert "已解封" in text(post(client, f"{PAGE}/reopen", {"reason": "复核点名成绩"}, follow_redirects=True))
    session.expire_all()
    assert session.get(Quarter, Q).status == "open"
    assert session.scalar(select(QuarterEvent.reason).where(QuarterEvent.kind == "reopen")) == "复核点名成绩"


def test_settings_are_saved_and_applied_at_once(client, session):
    _, ids = small_quarter(session)
    host(client, session)
    recompute(client)
    settings = {"weight_called": 100, "weight_all": 0, "weight_review": 0, "weight_daily": 0,
                "excellent": 95, "weak": 30, "bottom_n": 1}
    assert "已保存设置并重新计算" in text(post(client, f"{PAGE}/settings", settings, follow_redirects=True))
    session.expire_all()
    assert session.get(Quarter, Q).weights == {"called": 100, "all": 0, "review": 0, "daily": 0}
    assert [(r.total, r.bottom, r.proposed_grade) for r in session.scalars(
        select(QuarterResult).where(QuarterResult.quarter == Q).order_by(QuarterResult.rank))] == [
        (100.0, False, "先进"), (80.0, False, "一般"), (60.0, False, "一般"), (20.0, True, "软弱涣散")]
    bad = text(post(client, f"{PAGE}/settings", {**settings, "bottom_n": "两个"}, follow_redirects=True))
    assert "须填写数字" in bad


# 日常考核 import


def upload(client, content: str, name: str = "日常考核.csv", **kw):  # type: ignore[no-untyped-def]
    return post(client, f"{PAGE}/daily", {"file": (io.BytesIO(content.encode("utf-8")), name)},
                content_type="multipart/form-data", **kw)


def test_a_bad_daily_file_is_reported_by_row_and_cannot_be_committed(client, session):
    small_quarter(session)
    host(client, session)
    report = upload(client, "单位,分数\n单位1,95\n单位9,80\n单位2,abc\n")
    page = text(report)
    assert report.status_code == 200
    assert "<td>第3行</td><td>单位</td><td>名册中没有单位“单位9”</td>" in page
    assert "<td>第4行</td><td>分数</td><td>分数应为数字（现为“abc”）</td>" in page
    assert re.search(r'value="commit" class="primary" disabled', page)
    action = re.search(r'action="([^"]+/daily/[^"]+)"', page).group(1)
    refused = text(post(client, action, {"action": "commit"}, follow_redirects=True))
    assert "有2行存在问题，未导入" in refused
    assert session.scalars(select(DailyScore)).all() == []
    assert "表头缺少“分数”列" in text(upload(client, "单位,备注\n单位1,好\n", follow_redirects=True))


def test_a_good_daily_file_is_committed_or_cancelled(client, session):
    _, ids = small_quarter(session)
    host(client, session)
    page = text(upload(client, "单位,分数\n单位1,95\n单位2,80.5\n"))
    action = re.search(r'action="([^"]+/daily/[^"]+)"', page).group(1)
    done = text(post(client, action, {"action": "commit"}, follow_redirects=True))
    assert "已导入 2 个单位的日常考核分数" in done
    session.expire_all()
    assert sorted((d.unit_id, d.score) for d in session.scalars(select(DailyScore))) == [(ids[0], 95.0), (ids[1], 80.5)]
    assert "已完成、已取消或已过期" in text(post(client, action, {"action": "commit"}, follow_redirects=True))
    page = text(upload(client, "单位,分数\n单位3,60\n"))
    action = re.search(r'action="([^"]+/daily/[^"]+)"', page).group(1)
    assert "已取消导入" in text(post(client, action, {"action": "cancel"}, follow_redirects=True))
    session.expire_all()
    assert len(session.scalars(select(DailyScore)).all()) == 2
