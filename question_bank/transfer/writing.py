"""Write questions as .xlsx, .csv or JSON, and the empty import template. Pure.

Exports are safe to open: every xlsx cell is stored as text (never a formula), and a CSV cell that would
start a formula gets a leading `'`, which import strips again (`reading.strip_formula_guard`). Workbooks are
written in openpyxl's write-only (streaming) mode, so time and memory grow with the bank, not its square; and
every string passes `core.textsafe.xml_safe`, so one stored control character never fails a whole export.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.progress import Progress, no_progress
from core.textsafe import xml_safe
from question_bank.kinds import DIFFICULTY_LABELS, FALSE_WORDS, TRUE_WORDS, TYPE_LABELS
from question_bank.rules import QuestionDraft
from question_bank.transfer import FORMAT_NAME, FORMAT_VERSION
from question_bank.transfer.cells import format_row
from question_bank.transfer.columns import EXPORT_COLUMNS, TEMPLATE_COLUMNS
from question_bank.transfer.reading import FORMULA_PREFIXES

FORMAT_LINE = f"文件格式：{FORMAT_NAME} 版本 {FORMAT_VERSION}"
COLUMN_WIDTHS = {"题干": 60, "解析": 40, "出处": 30, "分类": 22, "答案": 18}


WRITE_STAGE = "写入文件"
PROGRESS_EVERY = 500



def _counted(drafts: Iterable[QuestionDraft], progress: Progress, total: int) -> Iterable[QuestionDraft]:
    done = 0
    for done, draft in enumerate(drafts, start=1):
        if done % PROGRESS_EVERY == 0:
            progress(WRITE_STAGE, done, max(total, done))
        yield draft
    progress(WRITE_STAGE, done, max(total, done))


def _safe_json(value):  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list):
        return [_safe_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _safe_json(item) for key, item in value.items()}
    return value


def to_json(drafts: Iterable[QuestionDraft], progress: Progress = no_progress, total: int = 0) -> bytes:
    """A versioned JSON document; the answer keeps its canonical structure."""
    questions = [_safe_json(draft_to_record(draft)) for draft in _counted(drafts, progress, total)]
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "count": len(questions), "questions": questions}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def draft_to_record(draft: QuestionDraft) -> dict:
    """One question as a JSON object (the bundled bank uses the same shape)."""
    return {"type": draft.type.label, "stem": draft.stem, "options": draft.options, "answer": draft.answer,
            "explanation": draft.explanation, "difficulty": draft.difficulty, "category": draft.category,
            "tags": draft.tags, "source": draft.source, "enabled": draft.enabled}


def to_csv(drafts: Iterable[QuestionDraft], progress: Progress = no_progress, total: int = 0) -> bytes:
    """UTF-8 CSV with a BOM (what Excel expects), in the template's columns plus 状态."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for draft in _counted(drafts, progress, total):
        row = format_row(draft)
        writer.writerow([guard_formula(xml_safe(row.get(column, ""))) for column in EXPORT_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def guard_formula(cell: str) -> str:
    """Prefix `'` to a cell a spreadsheet would run as a formula (and to one already starting with `'`)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def to_xlsx(drafts: Iterable[QuestionDraft], progress: Progress = no_progress, total: int = 0) -> bytes:
    """A workbook whose 题目 sheet holds the questions as text cells, with a 填写说明 sheet (streamed)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("题目")
    for index, column in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(column, 12)
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, column) for column in EXPORT_COLUMNS])
    for draft in _counted(drafts, progress, total):
        row = format_row(draft)
        sheet.append([text_cell(sheet, row.get(column, "")) for column in EXPORT_COLUMNS])
    _write_instructions_streamed(workbook)
    return _save(workbook)


HEADER_FONT, HEADER_FILL = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="B22222")


def _header_cell(sheet, value: str) -> WriteOnlyCell:  # type: ignore[no-untyped-def]
    cell = WriteOnlyCell(sheet, value=value)
    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    return cell


def text_cell(sheet, value: object) -> WriteOnlyCell:  # type: ignore[no-untyped-def]
    """A streamed cell holding plain text, never a formula, with what XML cannot hold removed."""
    cell = WriteOnlyCell(sheet, value=xml_safe(value))
    if isinstance(cell.value, str):
        # openpyxl turns a string starting with "=" into a formula; force it back to a plain string.
        cell.data_type = "s"
    return cell


def template_xlsx() -> bytes:
    """The empty import template: header, drop-downs for 题型 and 难度, and the allowed values."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题目"
    _write_header(sheet, TEMPLATE_COLUMNS)
    for column, values in (("题型", TYPE_LABELS.values()), ("难度", DIFFICULTY_LABELS.values())):
        letter = sheet.cell(row=1, column=TEMPLATE_COLUMNS.index(column) + 1).column_letter
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        validation.add(f"{letter}2:{letter}5000")
        sheet.add_data_validation(validation)
    _write_instructions(workbook)
    return _save(workbook)


def _write_header(sheet, columns: list[str]) -> None:  # type: ignore[no-untyped-def]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="B22222")
        sheet.column_dimensions[cell.column_letter].width = COLUMN_WIDTHS.get(cell.value, 12)
        # Text format for the whole column, so values typed later stay text too.
        sheet.column_dimensions[cell.column_letter].number_format = "@"
    sheet.freeze_panes = "A2"


INSTRUCTIONS = [
    ("列", "允许的值与写法"),
    ("题型", "、".join(TYPE_LABELS.values()) + "（“口答”等同“简答”）"),
    ("题干", "填空题用（　　）或 ____（两个以上下划线）标出每个空；（试行）等括号内有文字的不算空"),
    ("选项A…选项H", "单选、多选题从选项A起连续填写，至少2个；判断、填空、简答题不填"),
    ("答案·单选", "一个字母，如 B"),
    ("答案·多选", "至少两个字母，如 ABD、A,B,D 或 A B D"),
    ("答案·判断", f"{'、'.join(TRUE_WORDS[:4])} 表示正确；{'、'.join(FALSE_WORDS[:4])} 表示错误"),
    ("答案·填空", "各空的答案用 | 分隔，如 信念坚定|为民服务；一个空有多个可接受答案时用 / 分隔"),
    ("答案·简答", "各要点用 | 分隔，可写权重，如 红红脸、出出汗:2|党纪轻处分:1（不写权重为1）"),
    ("答案·转义", "答案文字本身含 | 或 / 时写作 \\| 或 \\/"),
    ("难度", "1–5，或 " + "/".join(DIFFICULTY_LABELS.values()) + "；不填为 中(3)"),
    ("分类", "用 / 分隔层级，如 党章党规/纪律处分条例；不存在的分类导入时自动创建"),
    ("标签", "多个标签用逗号或顿号分隔，如 四种形态、监督执纪"),
    ("出处", "写明文本及版本、条款，如《中国共产党纪律处分条例》（2023年修订）第五条"),
    ("状态", "可选列：启用 或 停用；不填为启用"),
    ("", FORMAT_LINE),
]


def _write_instructions_streamed(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("填写说明")
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100
    bold = Font(bold=True)
    for number, row in enumerate(INSTRUCTIONS):
        cells = [WriteOnlyCell(sheet, value=value) for value in row]
        if number == 0:
            for cell in cells:
                cell.font = bold
        sheet.append(cells)
    _describe(workbook)


def _describe(workbook: Workbook) -> None:
    workbook.properties.title = "书记问效 题库"
    workbook.properties.keywords = f"{FORMAT_NAME};version={FORMAT_VERSION}"


def _write_instructions(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("填写说明")
    for row in INSTRUCTIONS:
        sheet.append(list(row))
    sheet["A1"].font = sheet["B1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100
    _describe(workbook)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
