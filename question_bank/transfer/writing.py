"""Write questions as .xlsx, .csv or JSON, and the empty import template. Pure.

Exports are safe to open: every xlsx cell is stored as text (never a formula), and a CSV cell that would
start a formula gets a leading `'`, which import strips again (`reading.strip_formula_guard`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from question_bank.kinds import DIFFICULTY_LABELS, FALSE_WORDS, TRUE_WORDS, TYPE_LABELS
from question_bank.rules import QuestionDraft
from question_bank.transfer import FORMAT_NAME, FORMAT_VERSION
from question_bank.transfer.cells import format_row
from question_bank.transfer.columns import EXPORT_COLUMNS, TEMPLATE_COLUMNS
from question_bank.transfer.reading import FORMULA_PREFIXES

FORMAT_LINE = f"文件格式：{FORMAT_NAME} 版本 {FORMAT_VERSION}"
COLUMN_WIDTHS = {"题干": 60, "解析": 40, "出处": 30, "分类": 22, "答案": 18}


def to_json(drafts: Iterable[QuestionDraft]) -> bytes:
    """A versioned JSON document; the answer keeps its canonical structure."""
    questions = [draft_to_record(draft) for draft in drafts]
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "count": len(questions), "questions": questions}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def draft_to_record(draft: QuestionDraft) -> dict:
    """One question as a JSON object (the bundled bank uses the same shape)."""
    return {"type": draft.type.label, "stem": draft.stem, "options": draft.options, "answer": draft.answer,
            "explanation": draft.explanation, "difficulty": draft.difficulty, "category": draft.category,
            "tags": draft.tags, "source": draft.source, "enabled": draft.enabled}


def to_csv(drafts: Iterable[QuestionDraft]) -> bytes:
    """UTF-8 CSV with a BOM (what Excel expects), in the template's columns plus 状态."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for draft in drafts:
        row = format_row(draft)
        writer.writerow([guard_formula(row.get(column, "")) for column in EXPORT_COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def guard_formula(cell: str) -> str:
    """Prefix `'` to a cell a spreadsheet would run as a formula (and to one already starting with `'`)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def to_xlsx(drafts: Iterable[QuestionDraft]) -> bytes:
    """A workbook whose 题目 sheet holds the questions as text cells, with a 填写说明 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题目"
    _write_header(sheet, EXPORT_COLUMNS)
    for draft in drafts:
        row = format_row(draft)
        sheet.append([None] * len(EXPORT_COLUMNS))
        for index, column in enumerate(EXPORT_COLUMNS, start=1):
            _set_text(sheet.cell(row=sheet.max_row, column=index), row.get(column, ""))
    _write_instructions(workbook)
    return _save(workbook)


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


def _set_text(cell, value: str) -> None:  # type: ignore[no-untyped-def]
    cell.value = value
    # openpyxl turns a string starting with "=" into a formula; force it back to a plain string.
    cell.data_type = "s"
    cell.number_format = "@"


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


def _write_instructions(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("填写说明")
    for row in INSTRUCTIONS:
        sheet.append(list(row))
    sheet["A1"].font = sheet["B1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100
    workbook.properties.title = "书记问效 题库"
    workbook.properties.keywords = f"{FORMAT_NAME};version={FORMAT_VERSION}"


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
