"""The quarter as an .xlsx workbook: ranking, rules, and the basis of every component (cells as text)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from core.textsafe import xml_safe
from quiz.quarter.reports.text import component_text

# the quarter as a workbook --------------------------------------------------------------------------

HEADER_FONT, HEADER_FILL = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="B22222")


def _append(sheet, values: list[Any]) -> None:  # type: ignore[no-untyped-def]
    # A stored control character (a unit name typed before forms refused them) must not fail the workbook.
    sheet.append([xml_safe(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            # openpyxl takes "=…" for a formula: a report's words are always plain text.
            cell.data_type, cell.number_format = "s", "@"


def _header(sheet, columns: list[str], widths: dict[int, int]) -> None:  # type: ignore[no-untyped-def]
    _append(sheet, columns)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = widths.get(cell.column, 14)
    sheet.freeze_panes = "A2"


def _ranking_sheet(sheet, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    sheet.title = "排名"
    _header(sheet, ["名次", "单位", "总分", *context["columns"], "标记", "等次"], {2: 26})
    for row in context["rows"]:
        pairs = zip(context["keys"], row.cells, strict=True)
        cells = [_cell_value(row.components.get(key), text) for key, text in pairs]
        _append(sheet, [row.rank if row.rank is not None else "未排名", row.unit,
                        round(row.total, 2) if row.total is not None else "—", *cells, row.flags, row.grade])


def _cell_value(component: dict[str, Any] | None, text: str) -> Any:
    """A counted value stays a number (sortable); a status is written in words."""
    if component and component.get("status", "ok") == "ok" and component.get("value") is not None:
        return round(float(component["value"]), 2)
    return text


def _notes_sheet(sheet, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    lines = [[context["title"].removeprefix("关于").removesuffix("的通报") + "排名说明"], [context["format_line"]],
             ["审定状态", "已审定" if context["approved"] else "未审定"], ["分项权重"]]
    lines += [[f"　{label}", share] for label, share in context["weights"]]
    lines += [["缺项规则", context["missing_rule"]], ["并列规则", context["tie_break_rule"]],
              ["标记规则", context["bottom_rule"]], ["等次规则", context["grade_rule"]],
              ["生成日期", context["date"]]]
    for line in lines:
        _append(sheet, line)
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 24, 90


def _basis_sheet(sheet, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    _header(sheet, ["单位", "分项", "得分或状态", "权重", "计分依据"], {1: 26, 3: 18, 5: 60})
    for row in context["rows"]:
        for key, label in zip(context["keys"], context["columns"], strict=True):
            component = row.components.get(key) or {}
            weight = component.get("weight")
            _append(sheet, [row.unit, label, component_text(component), "" if weight is None else f"{weight:g}",
                            str(component.get("basis", ""))])


def _attendance_sheet(sheet, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    _header(sheet, context["attendance_header"], {1: 26})
    for line in context["attendance_table"]:
        _append(sheet, [line[0], *(int(cell) for cell in line[1:-1]), line[-1]])


def _venue_sheet(sheet, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Each meeting held in several halls, its venues' attendance (the sheet exists only if one was)."""
    _header(sheet, ["会议", *context["venue_header"]], {1: 30, 2: 22})
    for table in context["venue_tables"]:
        for line in table["rows"]:
            _append(sheet, [f"{table['date']} {table['title']}", line[0], line[1],
                            *(int(cell) for cell in line[2:-1]), line[-1]])


def quarter_xlsx(context: dict[str, Any]) -> bytes:
    """The quarter as a workbook: 排名 (every value or its status in words), 说明 (rules), 计分依据, 出席情况."""
    workbook = Workbook()
    _ranking_sheet(workbook.active, context)
    _notes_sheet(workbook.create_sheet("说明"), context)
    _basis_sheet(workbook.create_sheet("计分依据"), context)
    _attendance_sheet(workbook.create_sheet("出席情况"), context)
    if context.get("venue_tables"):
        _venue_sheet(workbook.create_sheet("分会场出席"), context)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


