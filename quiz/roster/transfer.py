"""The roster's spreadsheet, and the rules of a roster entry the editor's form shares. Pure (openpyxl only).

A file has the columns 单位, 单位类型, 姓名, 职务, 第一责任人, 分组. `build_report` checks every row against the
roster as it stands (handed in as `RosterFacts`) and against the rows above it, so the dry run names every
problem by row, column and reason before anything is stored.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import ClassVar

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from core.import_report import ReportRows, RowOutcome, row_text
from question_bank.transfer.reading import Columns, FileProblem, Limits, Table, read_upload
from quiz.roster.fixes import with_fixes

UNIT_KINDS = ["县(市、区)", "市直单位", "国有企业", "两新组织", "街道社区", "乡镇", "其他"]
NAME_MAX, POSITION_MAX, UNIT_NAME_MAX, GROUP_MAX = 40, 60, 100, 20
YES, NO = "是", "否"

COLUMNS = ["单位", "单位类型", "姓名", "职务", "第一责任人", "分组"]
HEADER_ALIASES = {"单位名称": "单位", "所在单位": "单位", "类型": "单位类型", "单位性质": "单位类型", "职位": "职务",
                  "是否第一责任人": "第一责任人", "组别": "分组", "所属分组": "分组"}
GROUP_SEPARATORS = re.compile(r"[、,，;；]")
NAME_SEPARATORS = GROUP_SEPARATORS


def normalise_header(text: str) -> str:
    """Map a typed header to its column: width-folded, spaces removed, aliases resolved."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())
    return HEADER_ALIASES.get(folded, folded)


ROSTER_COLUMNS = Columns(required=("单位", "姓名"), known=tuple(COLUMNS), normalise=normalise_header,
                         template_hint=", ".join(COLUMNS))


def key(text: str) -> str:
    """What two spellings of one unit or person name share: width, case and spaces do not count
    (spreadsheets often pad two-character names, 张　三)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if not ch.isspace())


def parse_groups(text: str) -> list[str]:
    """分组 separated by 、 or commas (or semicolons); repeats dropped, order kept."""
    return list(dict.fromkeys(part.strip() for part in GROUP_SEPARATORS.split(text) if part.strip()))


def name_problem(name: str) -> str | None:
    """Why a person's name cannot be stored, if it cannot."""
    if not name:
        return "请填写姓名"
    if NAME_SEPARATORS.search(name):  # 张三、李四: two people in one cell, stored as one
        return "姓名中不能有顿号、逗号或分号（一行只填一个人）"
    return f"姓名不能超过{NAME_MAX}字" if len(name) > NAME_MAX else None


def position_problem(position: str) -> str | None:
    """Why a 职务 cannot be stored, if it cannot."""
    return f"职务不能超过{POSITION_MAX}字" if len(position) > POSITION_MAX else None


def unit_name_problem(name: str) -> str | None:
    """Why a unit's name cannot be stored, if it cannot."""
    if not name:
        return "请填写单位名称"
    return f"单位名称不能超过{UNIT_NAME_MAX}字" if len(name) > UNIT_NAME_MAX else None


def unit_kind_problem(kind: str) -> str | None:
    """Why a 单位类型 is not accepted (blank is)."""
    if not kind or kind in UNIT_KINDS:
        return None
    return f"无法识别的单位类型“{kind}”，应为{'、'.join(UNIT_KINDS)}之一，或留空"


def groups_problem(groups: list[str]) -> str | None:
    """Why a list of 分组 cannot be stored, if it cannot."""
    long = [group for group in groups if len(group) > GROUP_MAX]
    return f"分组名称不能超过{GROUP_MAX}字：“{long[0]}”" if long else None


@dataclass(frozen=True)
class Entry:
    """One person as a row of the file describes them."""

    unit: str
    unit_kind: str
    name: str
    position: str
    is_secretary: bool
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be imported, in which column, and what to write instead where that is known."""

    column: str
    reason: str
    fix: str = ""


@dataclass
class RowReport(RowOutcome):
    """One row's outcome: its entry and problems, and whether it repeats someone."""

    existing_field: ClassVar[str] = "duplicate_of_person"

    number: int
    entry: Entry | None
    problems: list[Problem] = field(default_factory=list)
    duplicate_of_person: int | None = None
    duplicate_of_row: int | None = None
    text: str = ""  # a bad row's cells, so a person can find it in the file


@dataclass(frozen=True)
class ExistingUnit:
    """A unit already on the roster, as the checks need it."""

    name: str
    kind: str
    active: bool
    secretary: str | None = None  # the name of its active 第一责任人


@dataclass
class RosterFacts:
    """What the roster holds now: units by `key(name)`, active people by (unit key, name key) → id."""

    units: dict[str, ExistingUnit] = field(default_factory=dict)
    people: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass
class RosterReport(ReportRows):
    """What an import would do, before anything is stored."""

    kind: str
    rows: list[RowReport]
    warnings: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)


def read_roster(data: bytes, filename: str, limits: Limits | None = None) -> Table:
    """Read an uploaded roster file (.xlsx or .csv); raises `FileProblem` for an unusable one."""
    if PurePath(filename or "").suffix.lower() == ".json":
        raise FileProblem("名册只能从 .xlsx 或 .csv 文件导入，请使用下载的名册模板")
    table = read_upload(data, filename, limits or Limits(), ROSTER_COLUMNS)
    if not isinstance(table, Table):  # only question files are read as JSON; refused above all the same
        raise FileProblem("名册只能从 .xlsx 或 .csv 文件导入")
    return table


def parse_row(number: int, cells: dict[str, str]) -> RowReport:
    """Read one row into an entry, with a problem for every cell that cannot be used."""
    text = {column: " ".join(cells.get(column, "").split()) for column in COLUMNS}
    groups = parse_groups(text["分组"])
    checks = [("单位", unit_name_problem(text["单位"])), ("单位类型", unit_kind_problem(text["单位类型"])),
              ("姓名", name_problem(text["姓名"])), ("职务", position_problem(text["职务"])),
              ("第一责任人", _flag_problem(text["第一责任人"])), ("分组", groups_problem(groups))]
    problems = [Problem(column, reason) for column, reason in checks if reason]
    if problems:
        return RowReport(number, None, problems)
    entry = Entry(text["单位"], text["单位类型"], text["姓名"], text["职务"], text["第一责任人"] == YES, tuple(groups))
    return RowReport(number, entry)


def _flag_problem(text: str) -> str | None:
    return None if text in ("", YES, NO) else f"第一责任人应填“{YES}”或“{NO}”，或留空（现为“{text}”）"


def build_report(table: Table, facts: RosterFacts) -> RosterReport:
    """Check every row, then the rows against each other and the roster: units, duplicates, 第一责任人."""
    rows = [parse_row(number, cells) for number, cells in table.rows]
    _check_units(rows, facts)
    _mark_duplicates(rows, facts)
    _check_secretaries(rows, facts)
    for row, (_, cells) in zip(rows, table.rows, strict=True):
        if row.is_bad:
            row.text = row_text({column: cells.get(column, "") for column in COLUMNS})
            row.problems = with_fixes(row.problems, cells)
    new_units = {key(r.entry.unit): r.entry.unit for r in rows
                 if r.is_importable and r.entry is not None and key(r.entry.unit) not in facts.units}
    return RosterReport(table.kind, rows, list(table.warnings), list(new_units.values()))


def _good(rows: list[RowReport]) -> list[tuple[RowReport, Entry]]:
    return [(row, row.entry) for row in rows if row.entry is not None and not row.is_bad]


def _check_units(rows: list[RowReport], facts: RosterFacts) -> None:
    first_kind: dict[str, tuple[str, int]] = {}  # a new unit's kind, as its first row with one gave it
    for row, entry in _good(rows):
        unit_key = key(entry.unit)
        existing = facts.units.get(unit_key)
        if existing is not None and not existing.active:
            row.problems.append(Problem("单位", f"单位“{existing.name}”已停用，请先在单位管理中恢复，或改填其他单位"))
        elif existing is not None and entry.unit_kind and existing.kind and entry.unit_kind != existing.kind:
            row.problems.append(Problem("单位类型", f"名册中“{existing.name}”的单位类型为“{existing.kind}”，"
                                                  "与此不一致（留空即沿用）"))
        elif existing is None and entry.unit_kind:
            kind, number = first_kind.setdefault(unit_key, (entry.unit_kind, row.number))
            if kind != entry.unit_kind:
                row.problems.append(Problem("单位类型", f"与第{number}行为“{entry.unit}”填写的单位类型“{kind}”不一致"))


def _mark_duplicates(rows: list[RowReport], facts: RosterFacts) -> None:
    first_row_of: dict[tuple[str, str], int] = {}
    for row, entry in _good(rows):
        person_key = (key(entry.unit), key(entry.name))
        if person_key in facts.people:
            row.duplicate_of_person = facts.people[person_key]
        elif person_key in first_row_of:
            row.duplicate_of_row = first_row_of[person_key]
        else:
            first_row_of[person_key] = row.number


def _check_secretaries(rows: list[RowReport], facts: RosterFacts) -> None:
    claimed: dict[str, tuple[int, str]] = {}  # unit key → the row naming its 第一责任人, and its spelling
    for row, entry in _good(rows):
        if not entry.is_secretary or row.is_duplicate:
            continue
        unit_key = key(entry.unit)
        existing = facts.units.get(unit_key)
        if existing is not None and existing.secretary:
            row.problems.append(Problem("第一责任人", f"“{existing.name}”在名册中已有第一责任人“{existing.secretary}”，"
                                                    "一个单位只能有一位（可先在名册中取消其标记或标为离任）"))
        elif unit_key in claimed:
            number, unit = claimed[unit_key]
            row.problems.append(Problem("第一责任人", f"第{number}行已是“{unit}”的第一责任人，一个单位只能有一位"))
        else:
            claimed[unit_key] = (row.number, entry.unit)


INSTRUCTIONS = [
    ("列", "允许的值与写法"),
    ("单位", "必填。名册中没有的单位导入时自动新建（按文件中出现的顺序排在最后）；已停用的单位须先恢复"),
    ("单位类型", "可留空；填写时须为：" + "、".join(UNIT_KINDS) + "。已有单位留空即沿用其类型"),
    ("姓名", f"必填，不超过{NAME_MAX}字。同一单位已有同名人员的行视为重复，不会再次导入"),
    ("职务", f"可留空，不超过{POSITION_MAX}字，如 县委书记、党委（党组）书记"),
    ("第一责任人", f"填“{YES}”或“{NO}”，或留空（即“{NO}”）。每个单位只能有一位第一责任人"),
    ("分组", "可留空；多个分组用顿号或逗号分隔，如 班子成员、党员代表"),
]


def template_xlsx() -> bytes:
    """The empty import template: the 名册 sheet with drop-downs, and a 填写说明 sheet of allowed values."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B22222")
        sheet.column_dimensions[cell.column_letter].width = 28 if cell.value in ("单位", "职务") else 14
        sheet.column_dimensions[cell.column_letter].number_format = "@"  # typed values stay text
    sheet.freeze_panes = "A2"
    for column, values in (("B", UNIT_KINDS), ("E", [YES, NO])):
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        validation.add(f"{column}2:{column}5000")
        sheet.add_data_validation(validation)
    notes = workbook.create_sheet("填写说明")
    for row in INSTRUCTIONS:
        notes.append(list(row))
    notes["A1"].font = notes["B1"].font = Font(bold=True)
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 14, 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_xlsx(rows: list[list[str]]) -> bytes:
    """The roster as a workbook in the import template's columns (streamed, text cells): what it exports can be
    imported again."""
    from openpyxl.cell import WriteOnlyCell

    from core.textsafe import xml_safe

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名册")
    for letter, column in zip("ABCDEF", COLUMNS, strict=True):
        sheet.column_dimensions[letter].width = 28 if column in ("单位", "职务") else 14
    sheet.freeze_panes = "A2"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="B22222")
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=xml_safe(value))
            cell.data_type = "s"  # a name starting with "=" stays text, never a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
