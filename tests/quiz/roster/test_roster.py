"""The roster: the pure spreadsheet rules and report (no app), then the service on both database backends."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from question_bank.transfer.reading import FileProblem, Table
from quiz.live.meetings import MeetingPlan, create_meeting
from quiz.live.models import Attendee
from quiz.roster import service as roster
from quiz.roster.models import Person, Unit
from quiz.roster.transfer import (
    COLUMNS,
    UNIT_KINDS,
    ExistingUnit,
    RosterFacts,
    build_report,
    key,
    normalise_header,
    parse_groups,
    read_roster,
    template_xlsx,
)

HEADER = "单位,单位类型,姓名,职务,第一责任人,分组"


def table(*lines: str) -> Table:
    """A roster file's rows as read (the header is given)."""
    return read_roster("\n".join([HEADER, *lines]).encode("utf-8"), "名册.csv")


def xlsx(rows: list[list[str]]) -> bytes:
    """A workbook made from the downloaded template, filled in the way a person would."""
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    for row in rows:
        workbook["名册"].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Pure: the rules and the report


def test_groups_split_on_dunhao_and_commas_keeping_order():
    assert parse_groups("班子成员、党员代表，班子成员, 列席 ;后备") == ["班子成员", "党员代表", "列席", "后备"]
    assert parse_groups("  ") == []


def test_headers_forgive_width_spaces_and_common_aliases():
    assert [normalise_header(h) for h in ["单 位", "单位名称", "是否第一责任人", "职位", "组别"]] == [
        "单位", "单位", "第一责任人", "职务", "分组"]
    assert key("张　三") == key("张三") and key("ＡＢ局") == key("ab局")


def test_every_cell_problem_is_named_by_row_column_and_reason():
    report = build_report(table(
        "市教育局,市直单位,,局长,是,",                       # 2: no name
        ",市直单位,王五,,,",                                # 3: no unit
        "市卫健委,直属机关,赵六,,,",                          # 4: unknown kind
        "市卫健委,,钱七,,对,",                              # 5: 第一责任人 neither 是 nor 否
        f"市卫健委,,{'长' * 41},,,",                        # 6: name too long
        f"市卫健委,,孙八,{'职' * 61},,",                     # 7: position too long
        f"市卫健委,,周九,,,{'组' * 21}",                     # 8: group too long
        "市卫健委,市直单位,吴十,主任,否,班子成员",              # 9: fine
    ), RosterFacts())
    assert report.problem_lines() == [
        (2, "姓名", "请填写姓名"),
        (3, "单位", "请填写单位名称"),
        (4, "单位类型", f"无法识别的单位类型“直属机关”，应为{'、'.join(UNIT_KINDS)}之一，或留空"),
        (5, "第一责任人", "第一责任人应填“是”或“否”，或留空（现为“对”）"),
        (6, "姓名", "姓名不能超过40字"),
        (7, "职务", "职务不能超过60字"),
        (8, "分组", "分组名称不能超过20字：“" + "组" * 21 + "”"),
    ]
    assert [row.number for row in report.importable_rows] == [9]
    assert report.new_units == ["市卫健委"]


def test_two_secretaries_for_one_unit_in_the_file_are_refused():
    rows = table("甲县,县(市、区),张一,县委书记,是,", "甲　县,,李二,县长,是,", "乙县,,王三,县委书记,是,")
    report = build_report(rows, RosterFacts())
    assert report.problem_lines() == [(3, "第一责任人", "第2行已是“甲县”的第一责任人，一个单位只能有一位")]
    assert [r.entry.is_secretary for r in report.importable_rows] == [True, True]


def facts() -> RosterFacts:
    """A roster holding 甲县 (secretary 张一, also 李二), the stopped 旧单位, and 丙局 with no kind."""
    return RosterFacts(
        units={key("甲县"): ExistingUnit("甲县", "县(市、区)", True, "张一"),
               key("旧单位"): ExistingUnit("旧单位", "", False), key("丙局"): ExistingUnit("丙局", "", True)},
        people={(key("甲县"), key("张一")): 1, (key("甲县"), key("李二")): 2})


def test_rows_are_checked_against_the_roster():
    report = build_report(table(
        "甲县,,王五,副书记,是,",          # 2: 甲县 already has a secretary
        "甲县,,张 一,县委书记,是,",       # 3: 张一 himself: a duplicate, not a second secretary
        "甲县,,李二,,,",                 # 4: duplicate of a person on the roster
        "旧单位,,赵六,,,",               # 5: unit stopped
        "甲县,市直单位,钱七,,,",          # 6: kind disagrees with the roster
        "丙局,市直单位,孙八,,,",          # 7: fills the blank kind: fine
        "新局,市直单位,周九,,,",          # 8: new unit
        "新局,国有企业,吴十,,,",          # 9: kind disagrees with row 8
        "新局,,周九,,,",                 # 10: repeats row 8
    ), facts())
    assert report.problem_lines() == [
        (2, "第一责任人", "“甲县”在名册中已有第一责任人“张一”，一个单位只能有一位（可先在名册中取消其标记或标为离任）"),
        (5, "单位", "单位“旧单位”已停用，请先在单位管理中恢复，或改填其他单位"),
        (6, "单位类型", "名册中“甲县”的单位类型为“县(市、区)”，与此不一致（留空即沿用）"),
        (9, "单位类型", "与第8行为“新局”填写的单位类型“市直单位”不一致"),
    ]
    duplicates = {row.number: (row.duplicate_of_person, row.duplicate_of_row) for row in report.duplicate_rows}
    assert duplicates == {3: (1, None), 4: (2, None), 10: (None, 8)}
    assert [row.number for row in report.importable_rows] == [7, 8]
    assert report.new_units == ["新局"]


def test_files_are_read_as_xlsx_or_csv_in_chinese_encodings_and_refused_otherwise():
    rows = [["甲县", "县(市、区)", "张一", "县委书记", "是", "班子成员、党员代表"]]
    from_xlsx = read_roster(xlsx(rows), "名册.xlsx")
    assert from_xlsx.rows == [(2, dict(zip(COLUMNS, rows[0], strict=True)))]
    csv_text = HEADER + "\n" + ",".join(rows[0]) + "\n"
    for encoded in (csv_text.encode("gb18030"), csv_text.encode("utf-8-sig"), csv_text.encode("utf-16")):
        assert read_roster(encoded, "名册.csv").rows == from_xlsx.rows
    with pytest.raises(FileProblem, match="名册只能从 .xlsx 或 .csv 文件导入"):
        read_roster(b"[]", "名册.json")
    with pytest.raises(FileProblem, match="表头缺少“姓名”列"):
        read_roster("单位,职务\n甲县,书记\n".encode(), "名册.csv")
    with pytest.raises(FileProblem, match="文件是空的"):
        read_roster(b"", "名册.csv")


def test_template_has_the_columns_and_a_sheet_of_allowed_values():
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert workbook.sheetnames == ["名册", "填写说明"]
    assert [cell.value for cell in workbook["名册"][1]] == COLUMNS
    notes = "\n".join(str(row[1].value) for row in workbook["填写说明"].iter_rows())
    assert all(kind in notes for kind in UNIT_KINDS) and "“是”或“否”" in notes and "顿号" in notes
    assert read_roster(template_xlsx(), "名册导入模板.xlsx").rows == []


# The service, on both backends


def test_units_are_unique_ordered_and_can_be_renamed_moved_and_stopped(session):
    first, second, third = (roster.add_unit(session, name, kind) for name, kind in
                            [("甲县", "县(市、区)"), ("市教育局", "市直单位"), ("丙集团", "")])
    assert [u.position for u in (first, second, third)] == [1, 2, 3]
    with pytest.raises(roster.RosterError, match="已有单位“市教育局”"):
        roster.add_unit(session, "市 教育局")
    with pytest.raises(roster.RosterError, match="无法识别的单位类型") as error:
        roster.add_unit(session, "丁局", "机关")
    assert error.value.field == "kind"
    roster.edit_unit(session, third, "丙集团公司", "国有企业")
    with pytest.raises(roster.RosterError, match="已有单位“甲县”"):
        roster.edit_unit(session, third, "甲县", "")
    assert roster.move_unit(session, third, -1) and not roster.move_unit(session, first, -1)
    assert [u.name for u in roster.units(session)] == ["甲县", "丙集团公司", "市教育局"]
    roster.set_unit_active(session, first, False)
    assert [u.name for u in roster.units(session)] == ["丙集团公司", "市教育局"]
    assert len(roster.units(session, active_only=False)) == 3


def test_people_are_checked_and_a_unit_has_one_secretary(session):
    county, bureau = roster.add_unit(session, "甲县"), roster.add_unit(session, "市教育局")
    assert roster.person_problems(roster.PersonDraft("", "职" * 61)) == {
        "name": "请填写姓名", "position": "职务不能超过60字", "unit_id": "请选择单位"}
    chief = roster.create_person(session, roster.PersonDraft("张一", "县委书记", county.id, True, ["班子成员"]))
    with pytest.raises(roster.RosterError, match="“甲县”已有第一责任人“张一”") as error:
        roster.create_person(session, roster.PersonDraft("李二", "县长", county.id, True))
    assert error.value.field == "is_secretary"
    deputy = roster.create_person(session, roster.PersonDraft("李二", "县长", county.id))
    with pytest.raises(roster.RosterError, match="已有第一责任人"):
        roster.update_person(session, deputy, roster.PersonDraft("李二", "县长", county.id, True))
    with pytest.raises(roster.RosterError, match="已有第一责任人"):
        roster.move_person(session, roster.add_person(session, "王三", "局长", bureau, True), county)
    roster.set_person_active(session, chief, False)  # the old secretary leaves: the deputy may take over
    roster.update_person(session, deputy, roster.PersonDraft("李二", "县委书记", county.id, True, ["班子成员"]))
    with pytest.raises(roster.RosterError, match="已有第一责任人“李二”"):
        roster.set_person_active(session, chief, True)
    roster.set_unit_active(session, bureau, False)
    with pytest.raises(roster.RosterError, match="单位“市教育局”已停用") as error:
        roster.create_person(session, roster.PersonDraft("赵四", "", bureau.id))
    assert error.value.field == "unit_id"


def test_people_list_filters_by_unit_and_status_in_display_order(session):
    county, bureau = roster.add_unit(session, "甲县"), roster.add_unit(session, "市教育局")
    roster.add_person(session, "员工", "", bureau)
    roster.add_person(session, "局长", "", bureau, is_secretary=True)
    gone = roster.add_person(session, "离任者", "", county)
    roster.set_person_active(session, gone, False)
    roster.move_unit(session, bureau, -1)
    assert [p.name for p in roster.people(session)] == ["局长", "员工"]
    assert [p.name for p in roster.people(session, status="left")] == ["离任者"]
    assert [p.name for p in roster.people(session, county.id, "all")] == ["离任者"]
    assert roster.head_counts(session) == {bureau.id: 2}


def test_moving_a_person_keeps_the_meeting_snapshot(session):
    county, bureau = roster.add_unit(session, "甲县"), roster.add_unit(session, "市教育局")
    person = roster.add_person(session, "张一", "县委书记", county, is_secretary=True, groups=["班子成员"])
    meeting = create_meeting(session, MeetingPlan("2026Q4 书记问效会", "2026Q4", date(2026, 11, 22), [county.id]))
    session.commit()
    roster.move_person(session, person, bureau, "局长", is_secretary=False)
    roster.set_person_active(session, person, False)
    session.commit()
    attendee = session.scalar(select(Attendee).where(Attendee.meeting_id == meeting.id))
    assert (attendee.unit_id, attendee.position, attendee.is_secretary) == (county.id, "县委书记", True)
    assert (person.unit_id, person.position, person.is_secretary) == (bureau.id, "局长", False)


ROWS = ("甲县,,王五,副书记,是,",           # bad: 甲县 has a secretary
        "甲县,,李二,,,",                   # duplicate
        "甲县,,赵六,组织部部长,,班子成员、党员代表",
        "丙局,市直单位,孙八,局长,是,",       # fills 丙局's blank kind
        "新局,国有企业,周九,董事长,是,")     # creates 新局


def stored_roster(session):  # type: ignore[no-untyped-def]
    county = roster.add_unit(session, "甲县", "县(市、区)")
    roster.add_unit(session, "丙局")
    roster.add_person(session, "张一", "县委书记", county, is_secretary=True)
    roster.add_person(session, "李二", "县长", county)
    session.commit()


def test_commit_all_is_refused_while_any_row_is_bad(session):
    stored_roster(session)
    report = roster.dry_run(session, "\n".join([HEADER, *ROWS]).encode(), "名册.csv")
    with pytest.raises(roster.ImportRefused, match="有1行存在问题"):
        roster.commit_import(session, report, roster.CommitMode.ALL)
    assert session.scalar(select(func.count(Person.id))) == 2


def test_commit_valid_stores_good_rows_and_creates_units_in_one_transaction(session):
    stored_roster(session)
    report = roster.dry_run(session, "\n".join([HEADER, *ROWS]).encode("gb18030"), "名册.csv")
    result = roster.commit_import(session, report, roster.CommitMode.VALID)
    session.commit()
    assert (result.skipped_bad, result.skipped_duplicates, result.created_units) == ([2], [3], ["新局"])
    people = {p.name: p for p in session.scalars(select(Person))}
    assert set(people) == {"张一", "李二", "赵六", "孙八", "周九"}
    assert people["赵六"].groups == ["班子成员", "党员代表"] and people["赵六"].unit.name == "甲县"
    assert (people["孙八"].unit.kind, people["孙八"].is_secretary) == ("市直单位", True)
    assert (people["周九"].unit.kind, people["周九"].unit.position) == ("国有企业", 3)
    again = roster.dry_run(session, "\n".join([HEADER, *ROWS]).encode(), "名册.csv")
    assert not again.importable_rows  # a second import of the same file adds no one


def test_a_refused_commit_leaves_nothing_behind(session):
    stored_roster(session)
    report = roster.dry_run(session, "\n".join([HEADER, "新局,,周九,,,", "新局,,吴十,,错,"]).encode(), "名册.csv")
    with pytest.raises(roster.ImportRefused):
        roster.commit_import(session, report, roster.CommitMode.ALL)
    session.rollback()
    assert session.scalar(select(func.count(Unit.id))) == 2
