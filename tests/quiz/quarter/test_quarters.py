"""The quarter service against the database (SQLite and PostgreSQL): loading rounds, answers, attendance and
ballots; a whole quarter of 13 units and two meetings; recompute --check; approval; close / reopen; the
日常考核 import; score corrections; the command line."""

from __future__ import annotations

import io
import secrets
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from core.db import utcnow
from question_bank.transfer.reading import FileProblem
from quiz.live.meetings import MeetingError, MeetingPlan, create_meeting, previous_quarter
from quiz.live.models import Answer, Attendee, Round, Segment
from quiz.quarter import daily as quarter_daily
from quiz.quarter import inputs as quarter_inputs
from quiz.quarter import queries as quarter_queries
from quiz.quarter import service as quarters
from quiz.quarter.models import DailyScore, Quarter, QuarterEvent, QuarterResult, ScoreCorrection
from quiz.review.models import Ballot, PaperTally, ReviewItem
from tests.quiz.conftest import make_meeting

Q = "2026Q4"
STAFF = "staff1"


# Rows in one line


def people(meeting, unit_id: int) -> list[Attendee]:  # type: ignore[no-untyped-def]
    return sorted((a for a in meeting.attendees if a.unit_id == unit_id), key=lambda a: a.id)


def secretary(meeting, unit_id: int) -> Attendee:  # type: ignore[no-untyped-def]
    return next(a for a in people(meeting, unit_id) if a.is_secretary)


def mark(session, meeting, status: str = "present", **by_unit: str) -> None:  # type: ignore[no-untyped-def]
    """Everyone `status`, except units named u<id>=status."""
    for attendee in meeting.attendees:
        attendee.status = by_unit.get(f"u{attendee.unit_id}", status)
        attendee.checked_in_at = utcnow() - timedelta(hours=2) if attendee.status == "present" else None
    session.flush()


def called_round(session, meeting, attendee, score: float | None, phase: str = "revealed") -> Round:  # type: ignore[no-untyped-def]
    round_ = Round(meeting_id=meeting.id, mode="called", question={"type": "单选", "stem": "点名题", "answer": "A"},
                   called_id=attendee.id, phase=phase, opened_at=utcnow() - timedelta(hours=1))
    session.add(round_)
    session.flush()
    if score is not None:
        session.add(Answer(round_id=round_.id, attendee_id=attendee.id, client_id=f"c{round_.id}", payload="A",
                           score=score, correct=score >= 10))
    session.flush()
    return round_


def all_round(session, meeting, correct: dict[int, bool], phase: str = "revealed",  # type: ignore[no-untyped-def]
              opened_at=None) -> Round:
    round_ = Round(meeting_id=meeting.id, mode="all", question={"type": "判断", "stem": "全员题", "answer": True},
                   phase=phase, opened_at=opened_at or utcnow() - timedelta(hours=1))
    session.add(round_)
    session.flush()
    for attendee_id, right in correct.items():
        session.add(Answer(round_id=round_.id, attendee_id=attendee_id, client_id=f"a{round_.id}-{attendee_id}",
                           payload=right, score=10.0 if right else 0.0, correct=right))
    session.flush()
    return round_


def segment(session, meeting, kind: str = "review") -> Segment:  # type: ignore[no-untyped-def]
    found = next((s for s in meeting.segments if s.kind == kind), None)
    if found is None:
        found = Segment(meeting_id=meeting.id, position=len(meeting.segments), kind=kind, title=kind)
        session.add(found)
        session.flush()
    return found


def review(session, meeting, unit_id: int, *ratings: str, kind: str = "review", state: str = "closed",  # type: ignore[no-untyped-def]
           groups: tuple[str, ...] = (), **item) -> ReviewItem:
    row = ReviewItem(meeting_id=meeting.id, segment_id=segment(session, meeting, kind).id, unit_id=unit_id,
                     vote_state=state, **item)
    session.add(row)
    session.flush()
    for number, rating in enumerate(ratings):
        group = groups[number] if number < len(groups) else ""
        scores = rating if isinstance(rating, dict) else {"rating": rating}
        session.add(Ballot(token=secrets.token_urlsafe(32), item_id=row.id, rater_group=group, scores=scores))
    session.flush()
    return row


def second_meeting(session, first, held_on: date = date(2026, 12, 10), **plan):  # type: ignore[no-untyped-def]
    values = {"title": "2026Q4 第二次书记问效会", "quarter": Q, "held_on": held_on,
              "unit_ids": [u.id for u in first.units]} | plan
    meeting = create_meeting(session, MeetingPlan(**values))
    meeting.started_at = utcnow()  # held: the host started it
    return meeting


def component(session, unit_id: int, key: str, quarter: str = Q) -> dict:  # type: ignore[no-untyped-def]
    return session.get(QuarterResult, (quarter, unit_id)).components[key]


# Loading


def test_previous_quarter():
    assert previous_quarter("2026Q1") == "2025Q4"
    assert previous_quarter("2026Q4") == "2026Q3"
    with pytest.raises(MeetingError):
        previous_quarter("2026-4")


def test_called_rounds_count_unless_replaced_or_never_shown_and_rehearsals_never(session):
    meeting = make_meeting(session, units=2)
    mark(session, meeting)
    u1, u2 = (u.id for u in meeting.units)
    called_round(session, meeting, secretary(meeting, u1), 8)
    called_round(session, meeting, secretary(meeting, u1), None)  # called, gave no answer: 0
    called_round(session, meeting, secretary(meeting, u1), 10, phase="replaced")
    called_round(session, meeting, secretary(meeting, u2), None, phase="preview")
    rehearsal = make_meeting(session, units=1, rehearsal=True)
    called_round(session, rehearsal, secretary(rehearsal, rehearsal.units[0].id), 10)
    data = quarter_inputs.load_input(session, Q)
    assert [(c.unit_id, c.score) for c in data.called] == [(u1, 8.0), (u1, None)]
    assert {u.unit_id for u in data.units} == {u1, u2}
    scores = {s.unit_id: s for s in quarters.compute(session, Q)}
    assert scores[u1].components["called"].value == 40.0
    assert scores[u2].components["called"].status == "none"


def test_all_rounds_count_present_people_answered_or_not_and_only_rounds_shown_while_present(session):
    meeting = make_meeting(session, units=2)
    u1, u2 = (u.id for u in meeting.units)
    mark(session, meeting, u2="leave")
    first, second = people(meeting, u1)
    early = utcnow() - timedelta(hours=3)
    all_round(session, meeting, {first.id: True}, opened_at=early)  # before `second` checked in
    all_round(session, meeting, {first.id: True, second.id: False})
    all_round(session, meeting, {first.id: False})  # `second` did not answer: not correct
    all_round(session, meeting, {first.id: True}, phase="open")  # still open: not counted
    records = {r.attendee_id: (r.shown, r.correct) for r in quarter_inputs.load_input(session, Q).all_rounds}
    assert records == {first.id: (3, 2), second.id: (2, 0)}
    scores = {s.unit_id: s for s in quarters.compute(session, Q)}
    assert scores[u1].components["all"].value == round((200 / 3 + 0) / 2, 2)
    assert scores[u2].components["all"].status == "excused"


def test_a_deputy_stands_in_for_the_unit(session):
    meeting = make_meeting(session, units=2)
    u1, _ = (u.id for u in meeting.units)
    mark(session, meeting)
    boss, deputy = secretary(meeting, u1), next(a for a in people(meeting, u1) if not a.is_secretary)
    boss.status, boss.deputy_id = "deputized", deputy.id
    deputy.unit_id = None  # e.g. someone added for the day: counts for the unit they stand in for
    session.flush()
    called_round(session, meeting, deputy, 9)
    score = next(s for s in quarters.compute(session, Q) if s.unit_id == u1)
    assert score.components["called"].value == 90.0 and score.components["called"].status == "ok"


def test_reviews_count_closed_items_of_review_segments_with_groups_and_paper(session):
    meeting = make_meeting(session, units=2)
    mark(session, meeting)
    u1, u2 = (u.id for u in meeting.units)
    item = review(session, meeting, u1, "满意", "不满意", groups=("班子成员", "党员代表"),
                  group_weights={"班子成员": 3})
    session.add(PaperTally(item_id=item.id, counts={"满意": 0, "基本满意": 2, "不满意": 0}, entered_by=STAFF))
    review(session, meeting, u1, "不满意", state="open")  # still open
    review(session, meeting, u1, "不满意", kind="pledge")  # 表态发言 is not rated into the score
    review(session, meeting, u2, {"政治": 8, "作风": 6}, criteria=[{"name": "政治", "weight": 3}, {"name": "作风"}])
    session.flush()
    scores = {s.unit_id: s for s in quarters.compute(session, Q)}
    assert scores[u1].components["review"].value == round((3 * 100 + 0 + 2 * 60) / 6, 2)
    assert scores[u1].components["review"].basis == "4张评议票（含纸质票2张）"
    assert scores[u2].components["review"].value == 75.0


# A whole quarter


@pytest.fixture()
def whole_quarter(session):  # type: ignore[no-untyped-def]
    """13 units, two meetings. 单位13 is on leave at both; 单位12 is absent from the second."""
    m1 = make_meeting(session, units=13, held_on=date(2026, 10, 15))
    m2 = second_meeting(session, m1)
    ids = [u.id for u in m1.units]
    mark(session, m1, **{f"u{ids[12]}": "leave"})
    mark(session, m2, **{f"u{ids[12]}": "leave", f"u{ids[11]}": "absent"})
    for k in range(1, 7):
        called_round(session, m1, secretary(m1, ids[k - 1]), 10 - (k - 1))
    for k in range(7, 12):
        called_round(session, m2, secretary(m2, ids[k - 1]), 10 - (k - 7) * 2)
    present1 = [a for a in m1.attendees if a.status == "present"]
    unit_number = {uid: n for n, uid in enumerate(ids, start=1)}
    all_round(session, m1, {a.id: True for a in present1})
    all_round(session, m1, {a.id: unit_number[a.unit_id] % 2 == 1 for a in present1})
    all_round(session, m2, {a.id: unit_number[a.unit_id] <= 9 for a in m2.attendees if a.status == "present"})
    for k in range(1, 12):
        review(session, m2, ids[k - 1], *(["满意"] * (k % 3 + 2) + ["不满意"]))
    session.commit()
    return m1, m2, ids


def test_a_whole_quarter_is_computed_stored_and_ranked(session, whole_quarter):
    _, _, ids = whole_quarter
    lines = quarters.recompute(session, Q, actor=STAFF)
    session.commit()
    stored = quarters.results(session, Q)
    assert len(stored) == 13 and len(lines) == 13  # nothing was stored before
    assert [r.rank for r in stored] == [*range(1, 13), None]
    # 单位1 and 单位7 tie at 90 on every component: display order decides.
    assert [(r.unit_id, r.total) for r in stored[:3]] == [(ids[0], 90.0), (ids[6], 90.0), (ids[1], 83.0)]
    first = session.get(QuarterResult, (Q, ids[0]))
    assert (first.total, first.proposed_grade) == (90.0, "先进")
    assert first.components["called"] == {"value": 100.0, "status": "ok", "weight": 40.0,
                                          "basis": "1次点名，平均10分（满分10分）"}
    assert first.components["review"]["value"] == 75.0
    twelfth = session.get(QuarterResult, (Q, ids[11]))
    assert {k: (c["value"], c["status"]) for k, c in twelfth.components.items()} == {
        "called": (0.0, "absent"), "all": (50.0, "ok"), "review": (0.0, "absent"), "daily": (None, "none")}
    assert "另缺席1次会议" in twelfth.components["all"]["basis"]
    assert (twelfth.total, twelfth.rank, twelfth.bottom, twelfth.proposed_grade) == (10.0, 12, True, "软弱涣散")
    thirteenth = session.get(QuarterResult, (Q, ids[12]))
    assert {c["status"] for k, c in thirteenth.components.items() if k != "daily"} == {"excused"}
    assert (thirteenth.total, thirteenth.rank, thirteenth.bottom, thirteenth.proposed_grade) == (None, None, False, "")
    assert [r.rank for r in stored if r.bottom] == [10, 11, 12]
    assert quarters.bottom_units(session, Q) == [r.unit_id for r in stored if r.bottom]
    assert session.scalar(select(QuarterEvent.kind).where(QuarterEvent.quarter == Q)) == "recompute"


def test_check_agrees_after_compute_and_names_a_direct_change(session, whole_quarter):
    _, _, ids = whole_quarter
    quarters.recompute(session, Q, actor=STAFF)
    session.commit()
    assert quarters.recompute(session, Q, check=True) == []
    answer = session.scalar(select(Answer).join(Round).where(Round.mode == "called", Answer.score == 10.0)
                            .order_by(Round.id))
    answer.score = 5.0  # an edit behind the app's back
    session.commit()
    lines = quarters.recompute(session, Q, check=True)
    assert "单位1：总分 90.00 → 70.00" in lines
    assert "单位1：点名答题 100.00（正常，权重40） → 50.00（正常，权重40）" in lines
    assert session.get(QuarterResult, (Q, ids[0])).total == 90.0  # check stores nothing
    quarters.recompute(session, Q, actor=STAFF)
    session.commit()
    assert quarters.recompute(session, Q, check=True) == []


def test_repeat_bottom_comes_from_the_previous_quarters_stored_flags(session, whole_quarter):
    _, _, ids = whole_quarter
    session.add_all([QuarterResult(quarter="2026Q3", unit_id=ids[11], components={}, bottom=True),
                     QuarterResult(quarter="2026Q3", unit_id=ids[0], components={}, bottom=True)])
    quarters.recompute(session, Q, actor=STAFF)
    assert session.get(QuarterResult, (Q, ids[11])).repeat_bottom is True
    assert session.get(QuarterResult, (Q, ids[0])).repeat_bottom is False  # not bottom now


def test_settings_change_weights_thresholds_and_bottom_n(session, whole_quarter):
    _, _, ids = whole_quarter
    quarters.update_settings(session, Q, {"called": 50, "all": 0, "review": 50, "daily": 0},
                             {"excellent": 85, "weak": 50}, 1, STAFF)
    quarters.recompute(session, Q, actor=STAFF)
    first = session.get(QuarterResult, (Q, ids[0]))
    assert (first.total, first.proposed_grade) == (87.5, "先进")
    assert [r.rank for r in quarters.results(session, Q) if r.bottom] == [12]
    for weights, thresholds, bottom_n, message in [
            ({"called": 0, "all": 0, "review": 0, "daily": 0}, {"excellent": 90, "weak": 60}, 3, "之和"),
            ({"called": -1}, {"excellent": 90, "weak": 60}, 3, "权重"),
            ({"called": 1}, {"excellent": 50, "weak": 60}, 3, "不能高于"),
            ({"called": 1}, {"excellent": 90, "weak": 60}, -1, "靠后")]:
        with pytest.raises(quarters.QuarterError, match=message):
            quarters.update_settings(session, Q, weights, thresholds, bottom_n, STAFF)


# Approval, closing, reopening


def decisions(session, changes: dict | None = None, reason: str = ""):  # type: ignore[no-untyped-def]
    """Every unit's proposed grade (with `reason` for each), then `changes`."""
    chosen = {r.unit_id: quarters.GradeDecision(r.proposed_grade, reason) for r in quarters.results(session, Q)}
    return chosen | (changes or {})


def test_approval_needs_a_grade_for_every_ranked_unit_and_a_reason_for_weak(session, whole_quarter):
    _, _, ids = whole_quarter
    with pytest.raises(quarters.QuarterError, match="请先计算"):
        quarters.approve(session, Q, {}, STAFF)
    quarters.recompute(session, Q, actor=STAFF)
    assert [r.proposed_grade for r in quarters.results(session, Q)][-4:] == ["软弱涣散"] * 3 + [""]
    with pytest.raises(quarters.QuarterError, match="将“单位10”认定为软弱涣散，须填写理由"):
        quarters.approve(session, Q, decisions(session), STAFF)
    with pytest.raises(quarters.QuarterError, match="请为“单位1”审定等次"):
        quarters.approve(session, Q, decisions(session, {ids[0]: quarters.GradeDecision("")}, "x"), STAFF)
    with pytest.raises(quarters.QuarterError, match="等次无效"):
        quarters.approve(session, Q, decisions(session, {ids[0]: quarters.GradeDecision("优秀")}, "x"), STAFF)
    chosen = decisions(session, {ids[0]: quarters.GradeDecision("一般"), ids[9]: quarters.GradeDecision("一般"),
                                 ids[10]: quarters.GradeDecision("软弱涣散", "点名答题、全员答题均明显落后"),
                                 ids[11]: quarters.GradeDecision("软弱涣散", "两次会议一次缺席，述职评议缺项")})
    quarters.approve(session, Q, chosen, STAFF)
    session.commit()
    first = session.get(QuarterResult, (Q, ids[0]))
    assert (first.proposed_grade, first.grade) == ("先进", "一般")  # staff may differ from the proposal
    assert session.get(Quarter, Q).approved is True
    weak = session.scalars(select(QuarterEvent).where(QuarterEvent.kind == "designate_weak")
                           .order_by(QuarterEvent.id)).all()
    assert [(e.reason, e.detail["unit"], e.actor) for e in weak] == [
        ("点名答题、全员答题均明显落后", "单位11", STAFF), ("两次会议一次缺席，述职评议缺项", "单位12", STAFF)]
    approval = session.scalar(select(QuarterEvent).where(QuarterEvent.kind == "approve"))
    assert approval.detail["overridden"] == {"单位1": ["先进", "一般"], "单位10": ["软弱涣散", "一般"]}
    assert session.get(QuarterResult, (Q, ids[12])).grade == ""  # unranked: no grade needed


def approved(session) -> None:  # type: ignore[no-untyped-def]
    quarters.recompute(session, Q, actor=STAFF)
    quarters.approve(session, Q, decisions(session, reason="成绩低于60分"), STAFF)
    session.commit()


def test_a_change_found_by_recompute_withdraws_the_approval(session, whole_quarter):
    _, _, ids = whole_quarter
    approved(session)
    quarters.recompute(session, Q, actor=STAFF)
    assert session.get(Quarter, Q).approved is True  # nothing changed
    session.scalar(select(Answer).where(Answer.score == 10.0).order_by(Answer.id)).score = 0.0
    quarters.recompute(session, Q, actor=STAFF)
    assert session.get(Quarter, Q).approved is False


def test_close_locks_everything_until_reopened_with_a_reason(session, whole_quarter):
    m1, _, ids = whole_quarter
    quarters.recompute(session, Q, actor=STAFF)
    with pytest.raises(quarters.QuarterError, match="请先完成审定"):
        quarters.close(session, Q, STAFF)
    approved(session)
    quarters.close(session, Q, STAFF)
    session.commit()
    assert quarters.quarter_is_closed(session, Q) and not quarters.quarter_is_closed(session, "2026Q3")
    answer = session.scalar(select(Answer).where(Answer.score == 10.0))
    refused = [lambda: quarters.recompute(session, Q, actor=STAFF),
               lambda: quarters.approve(session, Q, decisions(session), STAFF),
               lambda: quarters.update_settings(session, Q, {"called": 1}, {"excellent": 90, "weak": 60}, 3, STAFF),
               lambda: quarter_daily.import_daily(session, Q, quarter_daily.DailyReport([]), "x.csv", STAFF),
               lambda: quarters.correct_answer(session, answer, 5, "复核", STAFF),
               lambda: quarters.close(session, Q, STAFF)]
    for attempt in refused:
        with pytest.raises(quarters.QuarterError, match="已封存"):
            attempt()
    assert quarters.recompute(session, Q, check=True) == []  # checking is always allowed
    with pytest.raises(quarters.QuarterError, match="说明理由"):
        quarters.reopen(session, Q, "  ", STAFF)
    quarters.reopen(session, Q, "市委组织部要求复核第二次会议的点名成绩", STAFF)
    session.commit()
    assert not quarters.quarter_is_closed(session, Q)
    reopen = session.scalar(select(QuarterEvent).where(QuarterEvent.kind == "reopen"))
    assert (reopen.reason, reopen.actor) == ("市委组织部要求复核第二次会议的点名成绩", STAFF)
    quarters.correct_answer(session, answer, 5, "复核", STAFF)
    with pytest.raises(quarters.QuarterError, match="未封存"):
        quarters.reopen(session, Q, "again", STAFF)


# Corrections


def test_a_correction_records_old_and_new_score_who_and_why(session):
    meeting = make_meeting(session, units=1)
    mark(session, meeting)
    round_ = called_round(session, meeting, secretary(meeting, meeting.units[0].id), 4)
    answer = session.scalar(select(Answer).where(Answer.round_id == round_.id))
    with pytest.raises(quarters.QuarterError, match="理由"):
        quarters.correct_answer(session, answer, 8, " ", STAFF)
    with pytest.raises(quarters.QuarterError, match="分数应在0–10之间"):
        quarters.correct_answer(session, answer, 11, "复核录像", STAFF)
    correction = quarters.correct_answer(session, answer, 10, "复核录像，要点均已答到", STAFF)
    session.commit()
    stored = session.scalars(select(ScoreCorrection)).one()
    assert stored.id == correction.id
    assert (stored.old_score, stored.new_score, stored.reason, stored.actor, stored.meeting_id) == (
        4.0, 10.0, "复核录像，要点均已答到", STAFF, meeting.id)
    assert stored.at is not None and (answer.score, answer.correct) == (10.0, True)


# 日常考核 import


def daily_report(session, text: str, filename: str = "日常考核.csv"):  # type: ignore[no-untyped-def]
    return quarter_daily.read_daily(session, text.encode("utf-8"), filename)


def test_a_daily_import_lists_every_bad_row_and_is_refused(session):
    make_meeting(session, units=3)
    report = daily_report(session, "单位,分数\n单位1,95\n不存在,80\n单位2,abc\n单位1,70\n,50\n单位3,120\n")
    assert report.problem_lines() == [
        (3, "单位", "名册中没有单位“不存在”"), (4, "分数", "分数应为数字（现为“abc”）"),
        (5, "单位", "与第2行重复"), (6, "单位", "请填写单位"), (7, "分数", "分数应在0–100之间（现为“120”）")]
    with pytest.raises(quarters.QuarterError, match="有5行存在问题"):
        quarter_daily.import_daily(session, Q, report, "日常考核.csv", STAFF)
    assert session.scalars(select(DailyScore)).all() == []
    with pytest.raises(FileProblem, match="表头缺少“分数”列"):
        daily_report(session, "单位,得分率\n单位1,95\n")


def test_a_clean_daily_import_replaces_the_quarters_scores_and_counts_with_its_weight(session):
    meeting = make_meeting(session, units=2)
    mark(session, meeting)
    u1, u2 = (u.id for u in meeting.units)
    session.add(DailyScore(quarter=Q, unit_id=u2, score=10, source="old.csv"))
    book = openpyxl.Workbook()
    book.active.append(["单位名称", "分数"])
    book.active.append(["单位１", 88.5])  # width-folded name matches 单位1
    buffer = io.BytesIO()
    book.save(buffer)
    report = quarter_daily.read_daily(session, buffer.getvalue(), "日常考核.xlsx")
    assert quarter_daily.import_daily(session, Q, report, "日常考核.xlsx", STAFF) == 1
    stored = [(d.unit_id, d.score, d.source) for d in session.scalars(select(DailyScore))]
    assert stored == [(u1, 88.5, "日常考核.xlsx")]
    quarters.update_settings(session, Q, {"called": 40, "all": 20, "review": 40, "daily": 20},
                             {"excellent": 90, "weak": 60}, 3, STAFF)
    quarters.recompute(session, Q, actor=STAFF)
    assert component(session, u1, "daily") == {"value": 88.5, "status": "ok", "weight": 20.0, "basis": "导入分数"}
    assert session.get(QuarterResult, (Q, u1)).total == 88.5
    assert component(session, u2, "daily")["status"] == "none"


# Pages' data


def test_overview_and_unit_detail(session, whole_quarter):
    _, _, ids = whole_quarter
    make_meeting(session, units=1, rehearsal=True, quarter="2027Q1")
    quarters.recompute(session, Q, actor=STAFF)
    lines = {line.quarter: line for line in quarter_queries.overview(session)}
    assert (lines[Q].meetings, lines[Q].results, lines[Q].status) == (2, 13, "open")
    assert (lines["2027Q1"].meetings, lines["2027Q1"].rehearsals) == (0, 1)
    detail = quarter_queries.unit_detail(session, Q, ids[0])
    assert [r.score for r in detail.called] == [10.0]
    assert [(presence, f.expected, f.present, f.absent) for _, presence, f in detail.attendance] == [
        ("present", 2, 2, 0), ("present", 2, 2, 0)]
    (_, item), = detail.reviews
    assert item["summary"] == {"满意": 3, "基本满意": 0, "不满意": 1}
    assert quarter_queries.unit_detail(session, Q, 99999) is None


# The command line


def test_cli_recompute_stores_and_prints_the_table_and_check_fails_on_a_difference(runner, session, whole_quarter):
    stored = runner.invoke(args=["quarter", "recompute", Q])
    assert stored.exit_code == 0, stored.output
    assert "名次\t单位\t总分" in stored.output and "单位12" in stored.output and "连续靠后" not in stored.output
    assert "已存储 13 个单位的成绩" in stored.output
    agreed = runner.invoke(args=["quarter", "recompute", Q, "--check"])
    assert agreed.exit_code == 0 and "核对一致" in agreed.output
    session.expire_all()
    session.scalar(select(Answer).where(Answer.score == 10.0).order_by(Answer.id)).score = 2.0
    session.commit()
    differs = runner.invoke(args=["quarter", "recompute", Q, "--check"])
    assert differs.exit_code == 1
    assert "单位1：总分 90.00 → 58.00" in differs.output
    session.expire_all()
    assert session.get(QuarterResult, (Q, whole_quarter[2][0])).total == 90.0


def test_cli_refuses_a_closed_quarter_and_a_bad_name(runner, session, whole_quarter):
    session.add(Quarter(quarter=Q, status="closed", approved=True, weights={}, thresholds={}))
    session.commit()
    refused = runner.invoke(args=["quarter", "recompute", Q])
    assert refused.exit_code != 0 and "已封存" in refused.output
    assert runner.invoke(args=["quarter", "recompute", "2026-10"]).exit_code != 0


def test_cli_export_calls_the_reports_module(runner, session, monkeypatch, tmp_path):
    import sys
    import types

    calls = []
    fake = types.ModuleType("quiz.quarter.reports")
    fake.export_quarter = lambda s, quarter, path: calls.append((quarter, path))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "quiz.quarter.reports", fake)
    target = tmp_path / "季度.xlsx"
    result = runner.invoke(args=["quarter", "export", Q, str(target)])
    assert result.exit_code == 0, result.output
    assert calls == [(Q, target)]
