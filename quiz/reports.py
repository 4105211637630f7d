"""The quarter's reports (.xlsx, an editable .docx 通报, a printable page), a meeting's minutes, a unit's history.

Reads stored rows only: `QuarterResult` (one per unit and quarter, written by the quarter's computation),
meetings, draws, rounds, answers, review items and commitments. Nothing is exported before the quarter is
approved (审定). Anonymity: no report reads a ballot's token, a `BallotLink` or a `VoteReceipt`; turnout is a
count of ballots and a revealed result is an aggregate of their scores.
"""

from __future__ import annotations

import importlib
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.calling import POOL_KINDS
from quiz.models import Answer, Attendee, Meeting, PersonDraw, Round, Segment, Unit
from quiz.review_models import Ballot, Commitment, PaperTally, Quarter, QuarterResult, ReviewItem, ScoreCorrection

CHINA_TIME = timezone(timedelta(hours=8))  # China keeps one offset all year
COMPONENTS = {"called": "点名答题", "all": "全员答题", "review": "述职评议", "daily": "日常考核"}
STATUS_WORDS = {"excused": "请假（不计）", "absent": "缺席（计0分）", "none": "无数据（不计）"}
GRADES = ("先进", "一般", "软弱涣散")
QUARTER_NAMES = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}
FORMAT_LINE = "文件格式：书记问效季度考评 版本 1"
ISSUER = "中共××市委组织部"
RECIPIENTS = "各县（市、区）委组织部，市直各单位党组（党委）："
MISSING_RULE = ("某一分项“请假”或“无数据”的，该分项不计入，总分按其余分项的权重重新折算；"
                "某一分项“缺席”的，该分项计0分并照常计入总分。")
TIE_BREAK_RULE = ("总分相同的，依次比较点名答题、全员答题、述职评议得分，高者在前；仍相同的，名次并列。"
                  "各分项均不计的单位不参与排名。")
MODE_LABELS = {"called": "点名作答", "all": "全员作答"}
PART_LABELS = {"achievements": "述成绩", "problems": "晒问题", "plans": "谈打算"}
VOTE_LABELS = {"pending": "未开始", "open": "投票中", "closed": "已截止（未公布）", "revealed": "已公布"}
KEPT_LABELS = {"kept": "已兑现", "partly": "部分兑现", "not_kept": "未兑现", None: "待评定"}
COMMITMENT_KINDS = {"problem": "晒问题", "plan": "谈打算"}
RATING_WORDS = ("满意", "基本满意", "不满意")


# ---- pure formatting ------------------------------------------------------------------------------------

def quarter_label(quarter: str) -> str:
    """2026Q4 → 2026年第四季度."""
    year, _, number = quarter.partition("Q")
    return f"{year}年{QUARTER_NAMES.get(number, number)}"


def chinese_date(day: date) -> str:
    """2026-11-22 → 2026年11月22日."""
    return f"{day.year}年{day.month}月{day.day}日"


def number_text(value: float | None) -> str:
    """A score with two decimals, or a dash when there is none."""
    return "—" if value is None else f"{value:.2f}"


def percent_text(part: int, whole: int) -> str:
    """part / whole as a percentage with one decimal (a dash when nothing was expected)."""
    return f"{100 * part / whole:.1f}%" if whole else "—"


def component_text(component: dict[str, Any] | None) -> str:
    """A component's value, or its status in words: 请假（不计）, 缺席（计0分）, 无数据（不计）."""
    if not component:
        return STATUS_WORDS["none"]
    status = component.get("status", "ok")
    if status in STATUS_WORDS:
        return STATUS_WORDS[status]
    return number_text(component.get("value"))


def flags_text(bottom: bool, repeat_bottom: bool) -> str:
    """排名靠后 / 连续靠后, joined with 、."""
    return "、".join(word for word, on in (("排名靠后", bottom), ("连续靠后", repeat_bottom)) if on)


def grade_text(grade: str, proposed: str) -> str:
    """The confirmed grade, else the proposed one marked 拟."""
    return grade or (f"{proposed}（拟）" if proposed else "")


def weight_shares(weights: dict[str, float], keys: list[str]) -> list[tuple[str, str]]:
    """Each component's label and its share of the weights ("30%"), whatever scale they were entered in."""
    total = sum(float(weights.get(key) or 0) for key in keys)
    return [(COMPONENTS.get(key, key), f"{100 * float(weights.get(key) or 0) / total:g}%" if total else "—")
            for key in keys]


def doc_number(quarter: str) -> str:
    """The 文号 placeholder staff fill in: ×组通〔2026〕×号."""
    return f"×组通〔{quarter.partition('Q')[0]}〕×号"


def ranking_rule(name: str, default: str) -> str:
    """A rule's wording from quiz.ranking when it states one (one source of truth), else ours."""
    try:
        module = importlib.import_module("quiz.ranking")
    except ImportError:
        return default
    value = getattr(module, name, default)
    return value if isinstance(value, str) and value else default


# ---- the quarter ----------------------------------------------------------------------------------------

@dataclass
class RankingRow:
    """One unit's line in the quarter's ranking, every cell already in words."""

    rank: int | None
    unit_id: int
    unit: str
    total: float | None
    components: dict[str, dict[str, Any]]
    cells: list[str]
    flags: str
    grade: str


@dataclass
class Turnout:
    """The quarter's meetings and attendance (non-rehearsal meetings only)."""

    meetings: list[tuple[str, str]] = field(default_factory=list)
    expected: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    deputized: int = 0

    @property
    def rate(self) -> str:
        """出席率 = 实到 / 应到."""
        return percent_text(self.present, self.expected)


def _component_keys(quarter: Quarter, results: list[QuarterResult]) -> list[str]:
    used = {key for key, weight in (quarter.weights or {}).items() if weight}
    used |= {key for result in results for key in (result.components or {})}
    return [key for key in COMPONENTS if key in used] + sorted(used - set(COMPONENTS))


def _ranking_row(result: QuarterResult, unit: Unit, keys: list[str]) -> RankingRow:
    components = result.components or {}
    return RankingRow(result.rank, unit.id, unit.name, result.total, {k: components.get(k) or {} for k in keys},
                      [component_text(components.get(k)) for k in keys],
                      flags_text(result.bottom, result.repeat_bottom), grade_text(result.grade, result.proposed_grade))


def ranking_rows(session: Session, quarter: Quarter, keys: list[str]) -> list[RankingRow]:
    """The quarter's stored results by rank (unranked last), then by the units' display order."""
    rows = session.execute(select(QuarterResult, Unit).join(Unit, QuarterResult.unit_id == Unit.id)
                           .where(QuarterResult.quarter == quarter.quarter)).all()
    rows = sorted(rows, key=lambda r: (r[0].rank is None, r[0].rank or 0, r[1].position, r[1].name))
    return [_ranking_row(result, unit, keys) for result, unit in rows]


def quarter_turnout(session: Session, quarter: str) -> Turnout:
    """Meetings held in the quarter (rehearsals left out) and their attendance, anonymous audience not counted."""
    turnout = Turnout()
    meetings = session.scalars(select(Meeting).where(Meeting.quarter == quarter, Meeting.rehearsal.is_(False))
                               .order_by(Meeting.held_on, Meeting.id)).all()
    for meeting in meetings:
        turnout.meetings.append((chinese_date(meeting.held_on), meeting.title))
        for attendee in meeting.attendees:
            if attendee.anonymous:
                continue
            turnout.expected += 1
            turnout.present += attendee.status == "present"
            turnout.leave += attendee.status == "leave"
            turnout.absent += attendee.status == "absent"
            turnout.deputized += attendee.status == "deputized"
    return turnout


def _grade_groups(rows: list[RankingRow]) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        groups[row.grade.removesuffix("（拟）")].append(row.unit)
    return [(grade, groups.get(grade, [])) for grade in GRADES]


def _summary(rows: list[RankingRow]) -> str:
    scored = [row for row in rows if row.total is not None]
    if not scored:
        return f"参评单位{len(rows)}个，本季度暂无有效得分。"
    best, worst = max(scored, key=lambda r: r.total or 0), min(scored, key=lambda r: r.total or 0)
    average = sum(row.total or 0 for row in scored) / len(scored)
    return (f"参评单位{len(rows)}个，平均得分{average:.2f}分；最高{number_text(best.total)}分（{best.unit}），"
            f"最低{number_text(worst.total)}分（{worst.unit}）。")


def quarter_report_context(session: Session, quarter: str, today: date | None = None) -> dict[str, Any]:
    """Everything the quarter's report shows (the printable page, the .xlsx and the .docx alike)."""
    record = session.get(Quarter, quarter)
    if record is None:
        raise ValueError(f"没有{quarter_label(quarter)}的考评数据")
    results = list(session.scalars(select(QuarterResult).where(QuarterResult.quarter == quarter)))
    keys = _component_keys(record, results)
    rows = ranking_rows(session, record, keys)
    label = quarter_label(quarter)
    return {
        "quarter": quarter, "label": label, "approved": record.approved, "status": record.status,
        "title": f"关于{label}“书记问效”考评情况的通报", "issuer": ISSUER, "doc_number": doc_number(quarter),
        "recipients": RECIPIENTS, "keys": keys, "columns": [COMPONENTS.get(k, k) for k in keys], "rows": rows,
        "weights": weight_shares(record.weights or _weights_from(results), keys),
        "missing_rule": ranking_rule("MISSING_RULE", MISSING_RULE),
        "tie_break_rule": ranking_rule("TIE_BREAK_RULE", TIE_BREAK_RULE),
        "bottom_rule": (f"排名后{record.bottom_n}名的单位标记为“排名靠后”；上一季度亦排名靠后的，"
                        "标记为“连续靠后”。被标记单位的党组织书记在下次会议上作表态发言。"),
        "turnout": quarter_turnout(session, quarter), "summary": _summary(rows), "grades": _grade_groups(rows),
        "flagged": [(row.unit, row.flags) for row in rows if row.flags],
        "date": chinese_date(today or datetime.now(CHINA_TIME).date()), "format_line": FORMAT_LINE,
    }


def _weights_from(results: list[QuarterResult]) -> dict[str, float]:
    for result in results:
        weights = {k: c.get("weight") or 0 for k, c in (result.components or {}).items() if isinstance(c, dict)}
        if any(weights.values()):
            return weights
    return {}


def approved_context(session: Session, quarter: str) -> dict[str, Any]:
    """The report's context, refused (ValueError, Chinese) until the quarter is approved."""
    context = quarter_report_context(session, quarter)
    if not context["approved"]:
        raise ValueError(f"{context['label']}考评结果尚未审定，审定后方可导出或打印")
    return context


def quarter_file(session: Session, quarter: str, suffix: str) -> bytes:
    """The approved quarter's report as .xlsx or .docx bytes (ValueError with a Chinese message otherwise)."""
    writers = {".xlsx": quarter_xlsx, ".docx": quarter_docx}
    if suffix.lower() not in writers:
        raise ValueError("不支持的导出格式，请选择 .xlsx 或 .docx")
    return writers[suffix.lower()](approved_context(session, quarter))


def export_quarter(session: Session, quarter: str, path: str | Path) -> Path:
    """Write the approved quarter's report to `path`, as .xlsx or .docx by its extension."""
    target = Path(path)
    target.write_bytes(quarter_file(session, quarter, target.suffix))
    return target


# ---- the quarter as a workbook --------------------------------------------------------------------------

HEADER_FONT, HEADER_FILL = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="B22222")


def _text_cell(sheet, row: int, column: int, value: str) -> None:  # type: ignore[no-untyped-def]
    cell = sheet.cell(row=row, column=column, value=value)
    # openpyxl would store "=…" as a formula: a report's words are always plain text.
    cell.data_type, cell.number_format = "s", "@"


def _append(sheet, values: list[Any]) -> None:  # type: ignore[no-untyped-def]
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            _text_cell(sheet, row, column, value)
        else:
            sheet.cell(row=row, column=column, value=value)


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
        cells = [_cell_value(row.components.get(key), text) for key, text in zip(context["keys"], row.cells)]
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
              ["标记规则", context["bottom_rule"]], ["等次", "、".join(GRADES) + "（等次经组织部门确认）"],
              ["生成日期", context["date"]]]
    for line in lines:
        _append(sheet, line)
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 24, 90


def _basis_sheet(sheet, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    _header(sheet, ["单位", "分项", "得分或状态", "权重", "计分依据"], {1: 26, 3: 18, 5: 60})
    for row in context["rows"]:
        for key, label in zip(context["keys"], context["columns"]):
            component = row.components.get(key) or {}
            weight = component.get("weight")
            _append(sheet, [row.unit, label, component_text(component), "" if weight is None else f"{weight:g}",
                            str(component.get("basis", ""))])


def quarter_xlsx(context: dict[str, Any]) -> bytes:
    """The quarter as a workbook: 排名 (every value or its status in words), 说明 (rules), 计分依据."""
    workbook = Workbook()
    _ranking_sheet(workbook.active, context)
    _notes_sheet(workbook.create_sheet("说明"), context)
    _basis_sheet(workbook.create_sheet("计分依据"), context)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- the quarter as an editable 通报 (.docx) --------------------------------------------------------------

TITLE_FONT, BODY_FONT, HEADING_FONT, LATIN_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "Times New Roman"
# Shown by Word when a font is not installed: each GB2312-era name falls back to the Windows font.
FONT_FALLBACKS = {"方正小标宋简体": "华文中宋", "仿宋_GB2312": "仿宋", "黑体": "SimHei"}
RED = "C00000"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _font(run, east_asia: str, size: float, bold: bool = False, color: str | None = None) -> None:  # type: ignore[no-untyped-def]
    run.font.name, run.font.size, run.font.bold = LATIN_FONT, Pt(size), bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _paragraph(document, text: str, *, font: str = BODY_FONT, size: float = 16, align: str = "justify",
               indent: bool = True, bold: bool = False, color: str | None = None):  # type: ignore[no-untyped-def]
    paragraph = document.add_paragraph()
    paragraph.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                           "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(29)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(2 * size)  # two characters, as official documents are set
    _font(paragraph.add_run(text), font, size, bold, color)
    return paragraph


def _red_rule(paragraph) -> None:  # type: ignore[no-untyped-def]
    """The red line under the 文号 (版头分隔线), drawn as the paragraph's bottom border."""
    borders = paragraph._p.get_or_add_pPr().makeelement(qn("w:pBdr"), {})
    bottom = borders.makeelement(qn("w:bottom"), {qn("w:val"): "single", qn("w:sz"): "12", qn("w:space"): "6",
                                                  qn("w:color"): RED})
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _page(document) -> None:  # type: ignore[no-untyped-def]
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    _font_defaults(document)


def _font_defaults(document) -> None:  # type: ignore[no-untyped-def]
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = LATIN_FONT, Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def _font_table(document) -> None:
    """Declare the Chinese fonts with their fallbacks (w:altName) in the document's font table."""
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, alternative in FONT_FALLBACKS.items():
        font = etree.SubElement(root, f"{{{W}}}font", {f"{{{W}}}name": name})
        etree.SubElement(font, f"{{{W}}}altName", {f"{{{W}}}val": alternative})
        etree.SubElement(font, f"{{{W}}}charset", {f"{{{W}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{W}}}family", {f"{{{W}}}val": "auto"})
    # A plain package part: python-docx offers no setter for its bytes.
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _masthead(document, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    _paragraph(document, context["issuer"], font=TITLE_FONT, size=30, align="center", indent=False, color=RED)
    _red_rule(_paragraph(document, context["doc_number"], align="center", indent=False))
    _paragraph(document, "", indent=False)
    _paragraph(document, context["title"], font=TITLE_FONT, size=22, align="center", indent=False)
    _paragraph(document, "", indent=False)
    _paragraph(document, context["recipients"], indent=False)


def _table(document, header: list[str], rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    table = document.add_table(rows=1, cols=len(header))
    table.style, table.alignment = "Table Grid", WD_TABLE_ALIGNMENT.CENTER
    for values, bold in [(header, True)] + [(row, False) for row in rows]:
        cells = table.rows[0].cells if bold else table.add_row().cells
        for cell, value in zip(cells, values):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(paragraph.add_run(value), HEADING_FONT if bold else BODY_FONT, 10.5, bold)


def _ranking_table(document, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    header = ["名次", "单位", "总分", *context["columns"], "标记", "等次"]
    rows = [[str(row.rank) if row.rank is not None else "未排名", row.unit, number_text(row.total), *row.cells,
             row.flags, row.grade] for row in context["rows"]]
    _table(document, header, rows)


def _turnout_text(context: dict[str, Any]) -> str:
    turnout: Turnout = context["turnout"]
    return (f"{context['label']}共召开“书记问效”会议{len(turnout.meetings)}次，应到{turnout.expected}人次，"
            f"实到{turnout.present}人次，出席率{turnout.rate}；请假{turnout.leave}人次，缺席{turnout.absent}人次，"
            f"代会{turnout.deputized}人次。{context['summary']}")


def _grades_texts(context: dict[str, Any]) -> list[str]:
    return [f"评定为“{grade}”等次的单位（{len(units)}个）：{'、'.join(units) if units else '无'}。"
            for grade, units in context["grades"]]


def _flagged_text(context: dict[str, Any]) -> str:
    if not context["flagged"]:
        return "本季度无排名靠后单位。"
    listed = "；".join(f"{unit}（{flags}）" for unit, flags in context["flagged"])
    return f"{listed}。上述单位党组织书记须在下次“书记问效”会议上作表态发言，说明原因、提出整改措施。"


def _rules_text(context: dict[str, Any]) -> str:
    weights = "，".join(f"{label}占{share}" for label, share in context["weights"])
    return f"计分说明：{weights}。{context['missing_rule']}{context['tie_break_rule']}"


def _body(document, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    _paragraph(document, f"按照“书记问效”工作安排，现将{context['label']}考评情况通报如下。")
    sections = [("一、基本情况", [_turnout_text(context)]), ("二、考评排名", [_rules_text(context)]),
                ("三、等次评定", _grades_texts(context)), ("四、排名靠后单位", [_flagged_text(context)])]
    for heading, texts in sections:
        _paragraph(document, heading, font=HEADING_FONT)
        for text in texts:
            _paragraph(document, text)
        if heading.startswith("二"):
            _ranking_table(document, context)
    _paragraph(document, "希望各单位对照考评结果，查找差距不足，压实党组织书记抓党建第一责任人职责。")


def quarter_docx(context: dict[str, Any]) -> bytes:
    """An editable 通报 in the usual layout: red masthead, 文号, title, body, ranking table, signature, date."""
    document = docx.Document()
    _page(document)
    _font_table(document)
    _masthead(document, context)
    _body(document, context)
    _paragraph(document, "", indent=False)
    _paragraph(document, context["issuer"], align="right", indent=False)
    _paragraph(document, context["date"], align="right", indent=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
