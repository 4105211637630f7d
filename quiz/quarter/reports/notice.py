"""The quarter as an editable .docx 通报 in the usual official-document layout."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from core.textsafe import xml_safe
from quiz.quarter.reports.text import number_text

if TYPE_CHECKING:
    from quiz.quarter.reports.quarter import Turnout


# the quarter as an editable 通报 (.docx) --------------------------------------------------------------

TITLE_FONT, BODY_FONT, HEADING_FONT, LATIN_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "Times New Roman"
# Shown by Word when a font is not installed: each GB2312-era name falls back to the Windows font.
FONT_FALLBACKS = {"方正小标宋简体": "华文中宋", "仿宋_GB2312": "仿宋", "黑体": "SimHei"}
RED = "C00000"


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
    _font(paragraph.add_run(xml_safe(text)), font, size, bold, color)
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
    # GB/T 9704 margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _font_defaults(document)


def _font_defaults(document) -> None:  # type: ignore[no-untyped-def]
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = LATIN_FONT, Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)


def _font_table(document) -> None:  # type: ignore[no-untyped-def]
    """Declare the Chinese fonts with their fallbacks (w:altName) in the document's font table."""
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    fonts = "".join(f'<w:font w:name="{name}"><w:altName w:val="{alternative}"/><w:charset w:val="86"/>'
                    '<w:family w:val="auto"/></w:font>' for name, alternative in FONT_FALLBACKS.items())
    # A plain package part: python-docx offers no setter for its bytes.
    part._blob = part.blob.replace(b"</w:fonts>", fonts.encode() + b"</w:fonts>")


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
        for cell, value in zip(cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(paragraph.add_run(xml_safe(value)), HEADING_FONT if bold else BODY_FONT, 10.5, bold)


def _venue_tables(document, context: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Each meeting held in several halls: its venues' attendance, adding up to the meeting's."""
    for table in context.get("venue_tables", []):
        _paragraph(document, f"{table['date']}{table['title']}分会场出席情况：")
        _table(document, context["venue_header"], table["rows"])


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
    lines = [f"评定为“{grade}”等次的单位（{len(units)}个）：{'、'.join(units) if units else '无'}。"
             for grade, units in context["grades"]]
    return [context["grade_rule"], *lines]


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
        if heading.startswith("一") and context["turnout"].meetings:
            _table(document, context["attendance_header"], context["attendance_table"])
            _venue_tables(document, context)
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


