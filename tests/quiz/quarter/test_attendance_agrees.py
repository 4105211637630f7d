"""Every attendance figure agrees: on a 13-unit quarter of two held meetings (and one created but never held),
the printable 通报, the .docx, the .xlsx and both meetings' minutes — fetched through the real pages — give
the same 应到 / 实到 / 请假 / 缺席 / 代会 per unit and overall, equal to a count of the stored rows."""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from datetime import date

import docx
import openpyxl

from core.accounts.roles import Role
from quiz.live.meetings import MeetingPlan, create_meeting
from quiz.quarter import service as quarters
from tests.factories import job_download, login, make_user
from tests.quiz.quarter.test_quarters import STAFF, Q, decisions, whole_quarter  # noqa: F401  (the fixture)

COLUMNS = ("expected", "present", "leave", "absent", "deputized")


def html_table(page: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("</thead>")[-1], re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in rows]


def figures(rows: list[list]) -> dict[str, tuple[int, ...]]:
    """unit → (应到, 实到, 请假, 缺席, 代会) from rows whose first five numbers follow the unit's name."""
    return {str(row[0]): tuple(int(v) for v in row[1:6]) for row in rows}


def stored(meetings) -> dict[str, tuple[int, ...]]:  # type: ignore[no-untyped-def]
    """The count straight from the rows: never checked in is 缺席."""
    per: dict[str, Counter] = defaultdict(Counter)
    for meeting in meetings:
        for a in meeting.attendees:
            if a.anonymous:
                continue
            status = a.status if a.status in ("present", "leave", "deputized") else "absent"
            for key in (a.unit.name, "合计"):
                per[key]["expected"] += 1
                per[key][status] += 1
    return {unit: tuple(c[k] for k in COLUMNS) for unit, c in per.items()}


def test_every_attendance_figure_agrees(client, session, whole_quarter):  # noqa: F811
    m1, m2, ids = whole_quarter
    never_checked_in = next(a for a in m1.attendees if a.unit_id == ids[3])
    never_checked_in.status = "expected"
    stand_in = next(a for a in m2.attendees if a.unit_id == ids[4] and a.is_secretary)
    stand_in.status, stand_in.deputy_id = "deputized", next(a.id for a in m2.attendees if a.unit_id == ids[4]
                                                             and not a.is_secretary)
    create_meeting(session, MeetingPlan(title="2026Q4 第三次（未召开）", quarter=Q, held_on=date(2026, 12, 20),
                                        unit_ids=ids))  # created, never started: not 召开
    session.commit()
    quarters.recompute(session, Q, actor=STAFF)
    quarters.approve(session, Q, decisions(session, reason="按规定认定"), STAFF)
    session.commit()
    truth = stored([m1, m2])
    assert len(truth) == 14 and truth["合计"][1] + sum(truth["合计"][2:]) == truth["合计"][0]

    login(client, make_user(session, Role.HOST))
    page = client.get(f"/reports/quarter/{Q}/print").get_data(as_text=True)
    assert figures(html_table(page, "attendance")) == truth
    total = truth["合计"]
    sentence = (f"共召开“书记问效”会议2次，应到{total[0]}人次，实到{total[1]}人次，")
    assert sentence in page and f"请假{total[2]}人次，缺席{total[3]}人次，代会{total[4]}人次" in page

    document = docx.Document(io.BytesIO(job_download(client, f"/reports/quarter/{Q}.docx", None).data))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:6] == ["单位", "应到", "实到", "请假", "缺席", "代会"]
    assert figures([[c.text for c in row.cells] for row in table.rows[1:]]) == truth
    text = "\n".join(p.text for p in document.paragraphs)
    assert sentence in text and f"请假{total[2]}人次，缺席{total[3]}人次，代会{total[4]}人次" in text

    workbook = openpyxl.load_workbook(io.BytesIO(job_download(client, f"/reports/quarter/{Q}.xlsx", None).data))
    sheet = list(workbook["出席情况"].iter_rows(min_row=2, values_only=True))
    assert figures(sheet) == truth

    summed: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    for meeting in (m1, m2):
        minutes = client.get(f"/reports/meeting/{meeting.id}/minutes").get_data(as_text=True)
        for unit, numbers in figures(html_table(minutes, "attendance")).items():
            summed[unit] = [a + b for a, b in zip(summed[unit], numbers, strict=True)]
    assert {unit: tuple(numbers) for unit, numbers in summed.items()} == truth

    for unit_id in (ids[3], ids[4], ids[11], ids[12]):  # never checked in, 代会, absent, on leave
        breakdown = client.get(f"/quarters/{Q}/units/{unit_id}").get_data(as_text=True)
        rows = [[cell.split("（")[0] for cell in row[2:7]] for row in html_table(breakdown, "attendance-table")]
        sums = tuple(sum(int(row[k]) for row in rows) for k in range(5))
        name = next(u.name for u in m1.units if u.id == unit_id)
        assert sums == truth[name], name
    # The ranking's 缺席 and the report's agree: a unit given a 缺席 component has 缺席 人次, and back.
    results = quarters.results(session, Q)
    names = quarters.unit_names(session, [r.unit_id for r in results])
    given = {names[r.unit_id] for r in results if any(c.get("status") == "absent" for c in r.components.values())}
    assert given and given <= {unit for unit, numbers in truth.items() if numbers[3] and unit != "合计"}
