"""The dry-run report: every row parsed and validated, problems by row and column, duplicates flagged. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from core.import_report import ReportRows, RowOutcome
from core.import_report import row_text as quoted_row
from core.progress import Progress, no_progress
from question_bank.kinds import TYPE_ALIASES, QuestionType
from question_bank.rules import QuestionDraft, validate
from question_bank.textnorm import fingerprint
from question_bank.transfer.cells import CellError, CellProblem, parse_answer, parse_difficulty, parse_row
from question_bank.transfer.columns import column_for
from question_bank.transfer.fixes import cells_of, with_fixes
from question_bank.transfer.reading import JsonRecords, Table


@dataclass
class RowReport(RowOutcome):
    """One row's outcome: a valid draft, or its problems; and whether it repeats a question."""

    existing_field: ClassVar[str] = "duplicate_of_question"

    number: int
    draft: QuestionDraft | None
    problems: list[CellProblem] = field(default_factory=list)
    fingerprint: str | None = None
    duplicate_of_question: int | None = None
    duplicate_of_row: int | None = None
    text: str = ""  # a bad row's cells, so a person can find it in the file


@dataclass
class ImportReport(ReportRows):
    """What an import would do, before anything is stored."""

    kind: str
    rows: list[RowReport]
    warnings: list[str] = field(default_factory=list)


CHECK_STAGE = "检查内容"
PROGRESS_EVERY = 500



def build_report(source: Table | JsonRecords, progress: Progress = no_progress) -> ImportReport:
    """Parse and validate every row, and flag rows that repeat an earlier row of the same file."""
    items = source.records if isinstance(source, JsonRecords) else source.rows
    parse = parse_record if isinstance(source, JsonRecords) else parse_row
    rows = []
    for index, (number, item) in enumerate(items, start=1):
        if index % PROGRESS_EVERY == 0:
            progress(CHECK_STAGE, index, len(items))
        row = check_row(number, *parse(item))
        if row.is_bad:
            row.text = row_text(item)
            if isinstance(item, dict):
                row.problems = with_fixes(row.problems, cells_of(item))
        rows.append(row)
    progress(CHECK_STAGE, len(items), len(items))
    first_row_of: dict[str, int] = {}
    for row in rows:
        if row.fingerprint is None:
            continue
        if row.fingerprint in first_row_of:
            row.duplicate_of_row = first_row_of[row.fingerprint]
        else:
            first_row_of[row.fingerprint] = row.number
    return ImportReport(kind=source.kind, rows=rows, warnings=list(source.warnings))


def row_text(item: Any) -> str:
    """A bad row's cells (a JSON question's fields, by their template columns) as the report quotes them."""
    return quoted_row(cells_of(item) if isinstance(item, dict) else {"内容": str(item)})


def mark_existing(report: ImportReport, existing: dict[str, int]) -> None:
    """Flag rows whose fingerprint belongs to a stored question (fingerprint → question id)."""
    for row in report.rows:
        if row.fingerprint in existing:
            row.duplicate_of_question = existing[row.fingerprint]


def check_row(number: int, draft: QuestionDraft | None, problems: list[CellProblem]) -> RowReport:
    """Validate a parsed row and compute its duplicate fingerprint."""
    if draft is None:
        return RowReport(number, None, problems)
    errors = validate(draft)
    if errors:
        return RowReport(number, None, [CellProblem(column_for(e.field, e.index), e.message) for e in errors])
    return RowReport(number, draft, fingerprint=fingerprint(draft.type.value, draft.stem, draft.options))


def parse_record(record: Any) -> tuple[QuestionDraft | None, list[CellProblem]]:
    """Read one question object of a JSON file (as written by export) into a draft."""
    if not isinstance(record, dict):
        return None, [CellProblem("题目", "应为一个对象（{…}）")]
    try:
        qtype = _json_type(record.get("type"))
        answer = record.get("answer")
        if isinstance(answer, str):  # the spreadsheet spelling is accepted in JSON too
            answer = parse_answer(qtype, answer)
        difficulty = record.get("difficulty", 3)
        if not isinstance(difficulty, int) or isinstance(difficulty, bool):
            difficulty = parse_difficulty(str(difficulty))
        draft = QuestionDraft(
            type=qtype, stem=_text(record, "stem", "题干"), options=_text_list(record, "options", "选项"),
            answer=answer, explanation=_text(record, "explanation", "解析"), difficulty=difficulty,
            category=_text(record, "category", "分类"), tags=_text_list(record, "tags", "标签"),
            source=_text(record, "source", "出处"), enabled=record.get("enabled", True) is not False,
        )
    except CellError as error:
        return None, [error.problem]
    return draft, []


def _json_type(value: Any) -> QuestionType:
    if isinstance(value, str) and value in QuestionType._value2member_map_:
        return QuestionType(value)
    if isinstance(value, str) and value in TYPE_ALIASES:
        return TYPE_ALIASES[value]
    raise CellError("题型", f"无法识别的题型“{value}”")


def _text(record: dict, key: str, column: str) -> str:
    value = record.get(key, "")
    if not isinstance(value, str):
        raise CellError(column, "应为文本")
    return value.strip()


def _text_list(record: dict, key: str, column: str) -> list[str]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CellError(column, "应为文本列表")
    return [item.strip() for item in value]
