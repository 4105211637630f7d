"""Venues in the records: per-venue attendance and answers' counts (a paper tally included) that add up to the
overall figures, a venue's units' results, the minutes' venue tables and handover, the 通报's venue tables
(.docx, .xlsx, printable), the per-venue results page; a one-hall meeting's reports look as before."""

from __future__ import annotations

import re

import pytest

from core.accounts.roles import Role
from quiz.live import venues
from quiz.live.models import AnswerTally, Round
from quiz.live.venue_results import answer_counts, unit_results_at, venue_attendance
from quiz.quarter import reports
from tests.factories import login, make_user
from tests.quiz.conftest import make_meeting
from tests.quiz.quarter.test_reports import attendee, build_meeting, docx_text, host, xlsx_text


@pytest.fixture()
def halls(session):  # type: ignore[no-untyped-def]
    """test_reports' meeting, held in three halls: 单位1 in the main hall, 单位2–3 at 东区 (负责人 张负责), 单位4 at
    西区, whose phones are missing for the 全员题 (its operator counted three paper answers)."""
    meeting = build_meeting(session)
    east = venues.add_venue(session, meeting, "东区分会场", "张负责")
    west = venues.add_venue(session, meeting, "西区分会场", "李负责")
    for person in meeting.attendees:
        unit = person.unit.name if person.unit else ""
        person.venue_id = east.id if unit in ("单位2", "单位3") else west.id if unit == "单位4" else None
    everyone = next(r for r in session.query(Round).filter_by(meeting_id=meeting.id) if "全员题" in r.question["stem"])
    session.add(AnswerTally(round_id=everyone.id, venue_id=east.id, answered=3, correct=2, counts={"A": 2, "B": 1},
                            entered_by="operator"))
    venues.hand_over(session, meeting, east.id, "主会场线路故障", "host")
    session.commit()
    return meeting, east, west


def test_venue_attendance_adds_up_to_the_meetings(session, halls):
    meeting, east, west = halls
    rows, total = venue_attendance(session, meeting)
    assert [r.venue.name for r in rows] == ["主会场", "东区分会场", "西区分会场"]
    for field in ("expected", "present", "leave", "absent", "deputized", "unchecked"):
        assert sum(getattr(r.total, field) for r in rows) == getattr(total, field), field
    assert (total.expected, total.present) == (9, 5)
    east_row = rows[1]
    assert [u.unit for u in east_row.units] == ["单位2", "单位3"] and east_row.total.expected == 4


def test_answer_counts_per_venue_with_a_paper_tally_add_up_to_the_overall(session, halls):
    meeting, east, west = halls
    hall = venues.convening(meeting)
    called, everyone = answer_counts(session, meeting)  # the replaced round is not among them
    assert everyone.venues[hall.id].answered == 2 and everyone.venues[hall.id].options == {"A": 2, "B": 0}
    assert (everyone.venues[west.id].answered, everyone.venues[west.id].options) == (1, {"A": 0, "B": 1})
    assert (everyone.venues[east.id].answered, everyone.venues[east.id].paper) == (3, 3)
    assert (everyone.overall.answered, everyone.overall.correct, everyone.overall.paper) == (6, 4, 3)
    assert everyone.overall.options == {"A": 4, "B": 2}
    for counts in (called, everyone):
        assert sum(c.answered for c in counts.venues.values()) == counts.overall.answered
        assert sum(c.correct for c in counts.venues.values()) == counts.overall.correct
        for key, number in counts.overall.options.items():
            assert sum(c.options[key] for c in counts.venues.values()) == number
    assert called.venues[east.id].answered == 1 and called.overall.answered == 1  # 副书记2 sits at 东区


def test_a_venues_units_results_count_only_the_people_there(session, halls):
    meeting, east, west = halls
    at_east = {r.name: r for r in unit_results_at(session, meeting, east.id)}
    assert set(at_east) == {"单位2", "单位3"} and at_east["单位2"].called_points == 10
    at_hall = {r.name: r for r in unit_results_at(session, meeting, venues.convening(meeting).id)}
    assert set(at_hall) == {"单位1"} and (at_hall["单位1"].all_answers, at_hall["单位1"].accuracy) == (2, 100.0)
    assert [r.all_answers for r in unit_results_at(session, meeting, west.id)] == [1]


def test_the_minutes_list_each_venues_attendance_and_the_handover(client, session, halls):
    meeting, east, west = halls
    minutes = reports.meeting_minutes(session, meeting.id)
    table = minutes["venue_table"]
    assert [line[:2] for line in table] == [["主会场", ""], ["东区分会场", "张负责"], ["西区分会场", "李负责"],
                                            ["合计", ""]]
    for column in range(2, 7):
        assert sum(int(line[column]) for line in table[:-1]) == int(table[-1][column])
    assert table[-1][2:4] == [str(minutes["attendance_total"].expected), str(minutes["attendance_total"].present)]
    assert [v["venue"] for v in minutes["venue_units"]] == ["主会场", "东区分会场", "西区分会场"]
    assert minutes["handovers"][0]["to"] == "东区分会场" and minutes["handovers"][0]["reason"] == "主会场线路故障"
    host(client, session)
    page = client.get(f"/reports/meeting/{meeting.id}/minutes").get_data(as_text=True)
    assert "各会场出席情况" in page and "张负责" in page
    assert "主会场由“主会场”移交“东区分会场”，原因：主会场线路故障" in page


def test_a_one_hall_meetings_minutes_look_as_before(client, session):
    meeting = build_meeting(session)
    minutes = reports.meeting_minutes(session, meeting.id)
    assert minutes["venue_table"] == [] and minutes["venue_units"] == [] and minutes["handovers"] == []
    host(client, session)
    page = client.get(f"/reports/meeting/{meeting.id}/minutes").get_data(as_text=True)
    assert "各会场出席情况" not in page and "分会场结果" not in page
    context = reports.quarter_report_context(session, "2026Q4")
    assert context["venue_tables"] == []
    assert "分会场" not in docx_text(reports.quarter_file(session, "2026Q4", ".docx"))


def test_the_notice_lists_each_venues_attendance(client, session, halls):
    meeting, east, west = halls
    never_held = make_meeting(session, units=1, held=False, title="未召开的会议")
    venues.add_venue(session, never_held, "未召开会议的分会场")
    session.commit()
    context = reports.quarter_report_context(session, "2026Q4")
    (table,) = context["venue_tables"]
    assert table["title"] == meeting.title and [r[0] for r in table["rows"]] == ["主会场", "东区分会场", "西区分会场",
                                                                                  "合计"]
    assert table["rows"][-1][2] == str(context["turnout"].expected)  # one meeting: its total is the quarter's
    document = docx_text(reports.quarter_file(session, "2026Q4", ".docx"))
    assert "分会场出席情况" in document and "东区分会场" in document and "张负责" in document
    workbook = xlsx_text(reports.quarter_file(session, "2026Q4", ".xlsx"))
    assert "西区分会场" in workbook and "李负责" in workbook
    host(client, session)
    page = client.get("/reports/quarter/2026Q4/print").get_data(as_text=True)
    assert "分会场出席情况" in page and page.count("venue-attendance") == 1
    assert "未召开会议的分会场" not in page and "未召开会议的分会场" not in document  # never held: never listed


def test_the_per_venue_results_page(client, session, halls):
    meeting, east, west = halls
    for role in (Role.EDITOR, Role.OPERATOR):
        login(client, make_user(session, role))
        assert client.get(f"/reports/meeting/{meeting.id}/venues").status_code in (302, 403), role
    host(client, session)
    page = client.get(f"/reports/meeting/{meeting.id}/venues").get_data(as_text=True)
    assert "东区分会场" in page and "全场" in page and "全员题" in page
    # The revealed vote: three ballots in all (two phones, one console paper), none shown per venue.
    reviews = re.search(r'id="venue-reviews">(.*?)</section>', page, re.S).group(1)
    assert "主持台录入的纸质票" in reviews and "本会场票数不足 3 张，不单列结果" in reviews
    assert reviews.count("80.00分") == 2  # the overall result only (its heading and its 全场 line)
    chosen = client.get(f"/reports/meeting/{meeting.id}/venues?venue={east.id}").get_data(as_text=True)
    units = re.search(r'id="venue-units">(.*?)</section>', chosen, re.S).group(1)
    assert "单位2" in units and "单位1" not in units
    other = make_meeting(session, held=False)
    foreign = venues.add_venue(session, other, "别人的会场")
    session.commit()
    for bad in (str(foreign.id), "abc", "1e3", "-1"):
        assert client.get(f"/reports/meeting/{meeting.id}/venues?venue={bad}").status_code == 404, bad
    assert client.get("/reports/meeting/999999/venues").status_code == 404
    assert attendee(meeting, "书记1").venue_id is None
