"""Reports: the quarter's .xlsx and .docx (refused before approval), the printable page, a meeting's minutes,
a unit's history with its chart, permissions, and that no ballot token or rater appears anywhere."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import docx
import openpyxl
import pytest
from sqlalchemy import select

from core.accounts.roles import Role
from core.db import utcnow
from quiz.live.models import Answer, Attendee, PersonDraw, Round
from quiz.quarter import reports
from quiz.quarter.models import Quarter, QuarterResult
from quiz.review.models import Ballot, Commitment, PaperTally, PendingBallot, ReviewItem, VoteReceipt
from quiz.roster.models import Unit
from tests.factories import login, make_user
from tests.quiz.conftest import make_meeting

TOKENS = ["TOKENsecretAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "TOKENsecretBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
          "TOKENsecretCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"]
RATER = "评委甲乙"
WEIGHTS = {"called": 30, "all": 30, "review": 30, "daily": 10}


def component(value, status="ok", weight=30, basis="3题得24分"):  # type: ignore[no-untyped-def]
    return {"value": value, "status": status, "weight": weight, "basis": basis}


def full(value: float):  # type: ignore[no-untyped-def]
    return {key: component(value, weight=weight) for key, weight in WEIGHTS.items()}


def units_of(session) -> list[Unit]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(Unit).order_by(Unit.position)))


def build_quarter(session, approved: bool = True):  # type: ignore[no-untyped-def]
    """A meeting of four units and the quarter's stored results: every status and flag appears once."""
    meeting = make_meeting(session, units=4)
    one, two, three, four = units_of(session)
    session.add(Quarter(quarter="2026Q4", weights=WEIGHTS, bottom_n=1, approved=approved))
    excused = full(80) | {"called": component(None, "excused", basis="请假1人")}
    absent = full(60) | {"called": component(0, "absent", basis="缺席"),
                         "daily": component(None, "none", weight=10, basis="=1+1")}
    session.add_all([
        QuarterResult(quarter="2026Q4", unit_id=one.id, components=full(92.5), total=92.5, rank=1, grade="先进"),
        QuarterResult(quarter="2026Q4", unit_id=two.id, components=excused, total=80.0, rank=2, grade="一般"),
        QuarterResult(quarter="2026Q4", unit_id=three.id, components=absent, total=45.0, rank=3, bottom=True,
                      repeat_bottom=True, grade="软弱涣散"),
        QuarterResult(quarter="2026Q4", unit_id=four.id, components={k: component(None, "none") for k in WEIGHTS},
                      total=None, rank=None, proposed_grade="一般"),
    ])
    session.commit()
    return meeting


def attendee(meeting, name: str) -> Attendee:  # type: ignore[no-untyped-def]
    return next(a for a in meeting.attendees if a.name == name)


def set_statuses(session, meeting) -> None:  # type: ignore[no-untyped-def]
    statuses = {"书记1": "present", "副书记1": "present", "书记2": "leave", "副书记2": "present",
                "书记3": "absent", "副书记3": "deputized", "书记4": "present"}
    for name, status in statuses.items():
        attendee(meeting, name).status = status
    attendee(meeting, "副书记3").deputy_id = attendee(meeting, "副书记1").id
    rater = Attendee(name=RATER, unit_id=units_of(session)[3].id, code="RATER0001", status="present")
    meeting.attendees.append(rater)
    session.flush()


def add_draws(session, meeting) -> None:  # type: ignore[no-untyped-def]
    first = PersonDraw(meeting_id=meeting.id, seed=1, pool={"kind": "secretaries"}, candidates=[1, 2, 3],
                       chosen_id=attendee(meeting, "书记1").id)
    session.add(first)
    session.flush()
    session.add(PersonDraw(meeting_id=meeting.id, seed=2, pool={"kind": "secretaries"}, candidates=[1, 2],
                           chosen_id=attendee(meeting, "副书记2").id, redraw_of_id=first.id,
                           redraw_reason="被点名人临时离场接电话"))
    session.flush()


def question(stem: str) -> dict:
    return {"type": "单选", "stem": stem, "options": ["实现共产主义", "发家致富"], "answer": "A"}


def add_rounds(session, meeting) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    called = Round(meeting_id=meeting.id, mode="called", question=question("点名题：党的最高理想是什么"),
                   called_id=attendee(meeting, "副书记2").id, phase="revealed", opened_at=now)
    replaced = Round(meeting_id=meeting.id, mode="all", question=question("被换掉的题"), phase="replaced",
                     opened_at=now, replaced_reason="题目表述有歧义")
    everyone = Round(meeting_id=meeting.id, mode="all", question=question("全员题：党的根本宗旨"), phase="revealed",
                     opened_at=now + timedelta(minutes=3))
    skipped = Round(meeting_id=meeting.id, mode="all", question=question("只预览未出示的题"), phase="replaced",
                    replaced_reason="未出示")
    session.add_all([called, replaced, everyone, skipped])
    session.flush()
    session.add(Answer(round_id=called.id, attendee_id=called.called_id, client_id="h1", payload={}, source="host",
                       correct=True, score=10))
    for index, (name, correct) in enumerate([("书记1", True), ("副书记1", True), ("书记4", False)]):
        session.add(Answer(round_id=everyone.id, attendee_id=attendee(meeting, name).id, client_id=f"c{index}",
                           payload="A" if correct else "B", correct=correct, score=10 if correct else 0))
    session.flush()


def add_review(session, meeting) -> None:  # type: ignore[no-untyped-def]
    segment = next(s for s in meeting.segments if s.kind == "review")
    one, two, *_ = units_of(session)
    revealed = ReviewItem(meeting_id=meeting.id, segment_id=segment.id, unit_id=one.id, position=0,
                          speaker_id=attendee(meeting, "书记1").id, vote_state="revealed",
                          criteria=[{"name": "综合评价", "weight": 1}], comment="问题找得准，整改措施还要再细化")
    closed = ReviewItem(meeting_id=meeting.id, segment_id=segment.id, unit_id=two.id, position=1,
                        speaker_id=attendee(meeting, "副书记2").id, vote_state="closed")
    session.add_all([revealed, closed])
    session.flush()
    rater = attendee(meeting, RATER)
    session.add_all([Ballot(token=TOKENS[0], item_id=revealed.id, rater_group="班子成员", scores={"综合评价": 9}),
                     Ballot(token=TOKENS[1], item_id=revealed.id, scores={"综合评价": 8}),
                     Ballot(token=TOKENS[2], item_id=closed.id, scores={"rating": "不满意"}),
                     PaperTally(item_id=revealed.id, counts={"ballots": 1, "sums": {"综合评价": 7}},
                                entered_by="staff"),
                     VoteReceipt(item_id=revealed.id, attendee_id=rater.id),
                     PendingBallot(item_id=closed.id, handle=TOKENS[2], sealed=b"sealed")])
    session.add_all([Commitment(meeting_id=meeting.id, unit_id=one.id, kind="problem", text="党员教育管理不够规范"),
                     Commitment(meeting_id=meeting.id, unit_id=two.id, kind="plan", text="年底前建成党群服务中心",
                                kept="kept", rated_in_meeting_id=meeting.id)])
    session.flush()


def build_meeting(session):  # type: ignore[no-untyped-def]
    """The quarter plus a meeting with attendance, a redraw, replaced and answered questions, a review."""
    meeting = build_quarter(session)
    set_statuses(session, meeting)
    add_draws(session, meeting)
    add_rounds(session, meeting)
    add_review(session, meeting)
    session.commit()
    return meeting


def host(client, session):  # type: ignore[no-untyped-def]
    login(client, make_user(session, Role.HOST))
    return client


def xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value)


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# Pure formatting


def test_statuses_are_written_in_words():
    assert reports.component_text({"value": 86.5, "status": "ok"}) == "86.50"
    assert reports.component_text({"value": None, "status": "excused"}) == "请假（不计）"
    assert reports.component_text({"value": 0, "status": "absent"}) == "缺席（计0分）"
    assert reports.component_text({"value": None, "status": "none"}) == "无数据（不计）"
    assert reports.component_text(None) == "无数据（不计）"
    assert reports.flags_text(True, True) == "排名靠后、连续靠后" and reports.flags_text(False, False) == ""
    assert reports.grade_text("", "一般") == "一般（拟）" and reports.grade_text("先进", "一般") == "先进"


def test_labels_and_weights():
    assert reports.quarter_label("2026Q4") == "2026年第四季度"
    assert reports.doc_number("2026Q4") == "×组通〔2026〕×号"
    keys = ["called", "all", "review", "daily"]
    assert reports.weight_shares(WEIGHTS, keys) == [("点名答题", "30%"), ("全员答题", "30%"), ("述职评议", "30%"),
                                                     ("日常考核", "10%")]
    fractions = {"called": 0.4, "all": 0.4, "review": 0.2}
    assert reports.weight_shares(fractions, keys[:3])[2] == ("述职评议", "20%")


def test_a_revealed_vote_is_shown_as_its_aggregate_only():
    from quiz.review import ballots as review

    default = review.tally([], [("", {"rating": "满意"})], {}, [{"满意": 1, "基本满意": 2}])
    assert reports.vote_result(default, []) == [("得分", "80.00分"), ("评价", "满意2票，基本满意2票，不满意0票")]
    criteria = [{"name": "综合评价", "weight": 1}]
    scored = review.tally(criteria, [("", {"综合评价": 9})], {}, [{"ballots": 1, "sums": {"综合评价": 7}}])
    assert reports.vote_result(scored, criteria) == [("得分", "80.00分"), ("综合评价", "平均8.00分")]
    assert reports.vote_result(review.tally([], [], {}, []), []) == []


# The quarter's files


def test_the_workbook_lists_the_ranking_with_statuses_in_words(session, tmp_path):
    build_quarter(session)
    path = reports.export_quarter(session, "2026Q4", tmp_path / "q.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["排名", "说明", "计分依据", "出席情况"]
    rows = [[c.value for c in row] for row in workbook["排名"].iter_rows()]
    assert rows[0] == ["名次", "单位", "总分", "点名答题", "全员答题", "述职评议", "日常考核", "标记", "等次"]
    assert rows[1] == [1, "单位1", 92.5, 92.5, 92.5, 92.5, 92.5, None, "先进"]
    assert rows[2][:4] == [2, "单位2", 80, "请假（不计）"]
    assert rows[3] == [3, "单位3", 45, "缺席（计0分）", 60, 60, "无数据（不计）", "排名靠后、连续靠后", "软弱涣散"]
    assert rows[4][0] == "未排名" and rows[4][2] == "—" and rows[4][-1] == "一般（拟）"
    notes = "\n".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value)
    assert "30%" in notes and "10%" in notes and "版本 1" in notes
    assert "缺席" in notes and "请假" in notes and "并列" in notes and "排名后1名" in notes
    basis = [[c.value for c in row] for row in workbook["计分依据"].iter_rows()]
    formula_like = next(row for row in basis if row[4] == "=1+1")
    assert formula_like[:3] == ["单位3", "日常考核", "无数据（不计）"]
    cell = next(c for row in workbook["计分依据"].iter_rows() for c in row if c.value == "=1+1")
    assert cell.data_type == "s"  # text, never a formula


def test_columns_and_weights_follow_the_stored_components(session):
    """quarters.py stores Quarter.weights empty (defaults apply) and each component with its weight."""
    make_meeting(session, units=1)
    unit = units_of(session)[0]
    components = {"called": component(90, weight=40), "all": component(80, weight=20),
                  "review": component(70, weight=40), "daily": component(None, "none", weight=0, basis="未导入")}
    session.add(Quarter(quarter="2026Q4", weights={}, thresholds={"excellent": 85, "weak": 55}, approved=True))
    session.add(QuarterResult(quarter="2026Q4", unit_id=unit.id, components=components, total=80.0, rank=1))
    session.commit()
    context = reports.quarter_report_context(session, "2026Q4")
    assert context["columns"] == ["点名答题", "全员答题", "述职评议"]
    assert context["weights"] == [("点名答题", "40%"), ("全员答题", "20%"), ("述职评议", "40%")]
    assert "总分85分及以上为“先进”，55分以下为“软弱涣散”" in context["grade_rule"]


def test_the_notice_has_the_official_layout_and_content(session, tmp_path):
    build_meeting(session)
    path = reports.export_quarter(session, "2026Q4", tmp_path / "通报.docx")
    text = docx_text(path.read_bytes())
    for expected in ["中共××市委组织部", "×组通〔2026〕×号", "关于2026年第四季度“书记问效”考评情况的通报",
                     "共召开“书记问效”会议1次", "出席率", "单位3（排名靠后、连续靠后）", "表态发言",
                     "评定为“先进”等次的单位（1个）：单位1", "评定为“软弱涣散”等次的单位（1个）：单位3"]:
        assert expected in text, expected
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日$", docx.Document(path).paragraphs[-1].text)
    table = docx.Document(path).tables[-1]  # after the attendance table
    assert [c.text for c in table.rows[0].cells][:4] == ["名次", "单位", "总分", "点名答题"]
    assert [c.text for c in table.rows[2].cells][:4] == ["2", "单位2", "80.00", "请假（不计）"]
    assert "缺席（计0分）" in [c.text for c in table.rows[3].cells]


def test_the_notice_names_chinese_fonts_with_fallbacks(session, tmp_path):
    build_quarter(session)
    path = reports.export_quarter(session, "2026Q4", tmp_path / "q.docx")
    with zipfile.ZipFile(path) as package:
        body = package.read("word/document.xml").decode()
        fonts = package.read("word/fontTable.xml").decode()
    assert 'w:eastAsia="仿宋_GB2312"' in body and 'w:eastAsia="方正小标宋简体"' in body
    assert 'w:color w:val="C00000"' in body  # the red masthead and rule
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts


def test_nothing_is_exported_before_approval(session, tmp_path):
    build_quarter(session, approved=False)
    for name in ["q.xlsx", "q.docx"]:
        with pytest.raises(ValueError, match="尚未审定"):
            reports.export_quarter(session, "2026Q4", tmp_path / name)
        assert not (tmp_path / name).exists()
    with pytest.raises(ValueError, match="不支持的导出格式"):
        reports.export_quarter(session, "2026Q4", tmp_path / "q.pdf")
    with pytest.raises(ValueError, match="没有2026年第三季度的考评数据"):
        reports.export_quarter(session, "2026Q3", tmp_path / "q.xlsx")


# Minutes and history


def test_minutes_record_attendance_calls_questions_reviews_and_commitments(session):
    meeting = build_meeting(session)
    minutes = reports.meeting_minutes(session, meeting.id)
    two = next(row for row in minutes["attendance"] if row.unit == "单位2")
    assert (two.expected, two.present, two.leave, two.rate) == (2, 1, 1, "50.0%")
    three = next(row for row in minutes["attendance"] if row.unit == "单位3")
    assert (three.absent, three.deputized) == (1, 1)
    assert minutes["attendance_total"].expected == 9 and minutes["attendance_total"].present == 5
    first, second = minutes["draws"]
    assert first["superseded"] and first["who"] == "单位1 党委书记 书记1"
    assert second["redraw_of"] == 1 and second["redraw_reason"] == "被点名人临时离场接电话"
    rounds = minutes["rounds"]
    assert [r["stem"] for r in rounds] == ["点名题：党的最高理想是什么", "被换掉的题", "全员题：党的根本宗旨"]
    assert rounds[0]["called"] == "单位2 党委副书记 副书记2" and rounds[0]["result"] == "答对，得10分"
    assert rounds[1]["replaced"] and rounds[1]["replaced_reason"] == "题目表述有歧义"
    assert rounds[2]["result"] == "作答3人（应答5人），答对2人，正确率66.7%"
    revealed, closed = minutes["reviews"]
    # Eligible raters: those present from the other units (nobody rates their own unit).
    assert revealed["turnout"] == "3/3（100.0%）"
    assert revealed["result"] == [("得分", "80.00分"), ("综合评价", "平均8.00分")]
    assert revealed["speaker"] == "单位1 党委书记 书记1" and revealed["comment"].startswith("问题找得准")
    assert closed["turnout"] == "1/4（25.0%）" and closed["result"] == [] and closed["vote"] == "已截止（未公布）"
    assert [c["text"] for c in minutes["commitments"]["made"]] == ["党员教育管理不够规范", "年底前建成党群服务中心"]
    assert minutes["commitments"]["rated"][0]["kept"] == "已兑现"
    assert reports.meeting_minutes(session, 999999) is None


def test_a_units_history_runs_oldest_first_with_rank_and_components(session):
    build_quarter(session)
    three = units_of(session)[2]
    session.add(Quarter(quarter="2026Q3", weights=WEIGHTS, approved=True))
    session.add(QuarterResult(quarter="2026Q3", unit_id=three.id, components=full(70), total=70.0, rank=2,
                              bottom=True))
    session.commit()
    history = reports.unit_history(session, three.id)
    assert [h["quarter"] for h in history] == ["2026Q3", "2026Q4"]
    assert [(h["total"], h["rank"], h["ranked"]) for h in history] == [(70.0, 2, 1), (45.0, 3, 3)]
    assert history[1]["components"]["点名答题"] == "缺席（计0分）" and history[1]["flags"] == "排名靠后、连续靠后"
    chart = reports.history_chart(history)
    assert chart == {"labels": ["2026年第三季度", "2026年第四季度"], "totals": [70.0, 45.0], "ranks": [2, 3],
                     "ranked": 3}


# Pages


def test_report_pages_need_a_host_or_admin(client, session):
    meeting = build_meeting(session)
    paths = ["/reports/", "/reports/quarter/2026Q4.xlsx", "/reports/quarter/2026Q4.docx",
             "/reports/quarter/2026Q4/print", f"/reports/meeting/{meeting.id}/minutes",
             f"/reports/unit/{units_of(session)[0].id}"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), path
    login(client, make_user(session, Role.EDITOR))
    for path in paths:
        assert client.get(path).status_code == 403, path
    admin = client.application.test_client()
    login(admin, make_user(session, Role.ADMIN))
    for path in paths:
        response = admin.get(path)
        # a quarter's file is made by a job: the download redirects to the job's page
        assert response.status_code == (302 if path.endswith(("xlsx", "docx")) else 200), path


def job_file(client, path: str):  # type: ignore[no-untyped-def]
    """A download made by a job: the job's page, then its file."""
    queued = client.get(path)
    assert queued.status_code == 302, queued.status_code
    page = client.get(queued.headers["Location"]).get_data(as_text=True)
    response = client.get(re.search(r'id="job-download" href="([^"]+)"', page).group(1))
    response.get_data()
    response.close()
    return response


def test_downloads_open_as_workbook_and_document(client, session):
    build_quarter(session)
    host(client, session)
    workbook = job_file(client, "/reports/quarter/2026Q4.xlsx")
    assert workbook.status_code == 200 and workbook.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in workbook.headers["Content-Disposition"]
    assert "缺席（计0分）" in xlsx_text(workbook.data)
    document = job_file(client, "/reports/quarter/2026Q4.docx")
    assert document.status_code == 200 and document.mimetype.endswith("wordprocessingml.document")
    assert "×组通〔2026〕×号" in docx_text(document.data)
    assert client.get("/reports/quarter/2026Q9.xlsx").status_code == 404


def test_downloads_and_print_are_refused_before_approval(client, session):
    build_quarter(session, approved=False)
    host(client, session)
    for path in ["/reports/quarter/2026Q4.xlsx", "/reports/quarter/2026Q4.docx", "/reports/quarter/2026Q4/print"]:
        response = client.get(path)
        assert response.status_code == 409 and response.mimetype == "text/html", path
        assert "2026年第四季度考评结果尚未审定" in response.get_data(as_text=True)
    assert "审定后可导出" in client.get("/reports/").get_data(as_text=True)


def test_the_print_page_is_an_a4_notice(client, session):
    build_meeting(session)
    host(client, session)
    page = client.get("/reports/quarter/2026Q4/print").get_data(as_text=True)
    for expected in ["×组通〔2026〕×号", "关于2026年第四季度“书记问效”考评情况的通报", "请假（不计）", "缺席（计0分）",
                     "单位3（排名靠后、连续靠后）", "表态发言", "print-report.css"]:
        assert expected in page, expected
    with client.get("/static/css/print-report.css") as css:
        assert "@page { size: A4" in css.get_data(as_text=True)


def test_the_minutes_page_shows_reasons_and_turnout(client, session):
    meeting = build_meeting(session)
    host(client, session)
    page = client.get(f"/reports/meeting/{meeting.id}/minutes").get_data(as_text=True)
    for expected in ["被点名人临时离场接电话", "已换题，原因：题目表述有歧义", "3/3（100.0%）",
                     "得分：80.00分；综合评价：平均8.00分", "问题找得准，整改措施还要再细化", "党员教育管理不够规范",
                     "已兑现"]:
        assert expected in page, expected
    assert "只预览未出示的题" not in page
    assert client.get("/reports/meeting/999999/minutes").status_code == 404


def test_the_unit_page_draws_its_chart_from_the_apps_own_files(client, session):
    build_quarter(session)
    host(client, session)
    response = client.get(f"/reports/unit/{units_of(session)[2].id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "单位3" in page and "缺席（计0分）" in page
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    assert any(s.startswith("/static/vendor/chart-4.6.1.umd.min.js") for s in sources)
    assert any(s.startswith("/static/js/quarter/unit-history.js") for s in sources)
    assert all(s.startswith("/") and not s.startswith("//") for s in re.findall(r'(?:src|href)="([^"]+)"', page))
    assert "http://" not in page and "https://" not in page
    for script in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S):
        assert "src=" in script[0] or 'type="application/json"' in script[0]  # no inline executable script
    assert " style=" not in page
    data = re.search(r'<script type="application/json" id="history-data">(.*?)</script>', page, re.S)
    assert data and '"ranks": [3]' in data.group(1)
    with client.get(sources[0].split("?")[0]) as vendor:
        assert vendor.status_code == 200 and b"Chart.js v4" in vendor.data
    assert client.get("/reports/unit/999999").status_code == 404


def test_no_ballot_token_or_rater_appears_in_any_report(client, session, tmp_path):
    meeting = build_meeting(session)
    host(client, session)
    outputs = [xlsx_text(reports.quarter_file(session, "2026Q4", ".xlsx")),
               docx_text(reports.quarter_file(session, "2026Q4", ".docx")), repr(reports.meeting_minutes(session,
                                                                                                      meeting.id))]
    for path in ["/reports/quarter/2026Q4/print", f"/reports/meeting/{meeting.id}/minutes", "/reports/",
                 *[f"/reports/unit/{u.id}" for u in units_of(session)]]:
        outputs.append(client.get(path).get_data(as_text=True))
    for output in outputs:
        assert not any(token in output for token in TOKENS)
        assert RATER not in output and "TOKENsecret" not in output and "班子成员" not in output
