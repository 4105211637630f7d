"""The 日常考核 import: a spreadsheet of unit scores, checked row by row, committed all or nothing."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.transfer.reading import Columns, FileProblem, Limits, Table, read_upload
from quiz.quarter.models import DailyScore
from quiz.quarter.service import QuarterError, _open_row, log
from quiz.roster.models import Unit
from quiz.roster.transfer import key as name_key


def _daily_header(text: str) -> str:
    folded = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())
    return {"单位名称": "单位", "得分": "分数", "日常考核": "分数", "日常考核分数": "分数"}.get(folded, folded)


DAILY_COLUMNS = Columns(required=("单位", "分数"), known=("单位", "分数", "备注"), normalise=_daily_header,
                        template_hint="单位, 分数")


@dataclass
class DailyRow:
    """One row of a 日常考核 file: the unit and score it names, or its problems as (column, reason)."""

    number: int
    unit_name: str
    unit_id: int | None = None
    score: float | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DailyReport:
    """What a 日常考核 import would store; nothing is stored while any row is bad."""

    rows: list[DailyRow]
    warnings: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[DailyRow]:
        """Rows with problems."""
        return [row for row in self.rows if row.problems]

    def problem_lines(self) -> list[tuple[int, str, str]]:
        """(row, column, reason) for every problem, in row order."""
        return [(row.number, column, reason) for row in self.bad_rows for column, reason in row.problems]


def _score_problem(text: str) -> tuple[float | None, str | None]:
    if not text:
        return None, "请填写分数"
    try:
        score = float(text)
    except ValueError:
        return None, f"分数应为数字（现为“{text}”）"
    if not math.isfinite(score) or not 0 <= score <= 100:
        return None, f"分数应在0–100之间（现为“{text}”）"
    return score, None


def _daily_row(number: int, cells: dict[str, str], units: dict[str, Unit], first: dict[int, int]) -> DailyRow:
    row = DailyRow(number, " ".join(cells.get("单位", "").split()))
    unit = units.get(name_key(row.unit_name)) if row.unit_name else None
    if not row.unit_name:
        row.problems.append(("单位", "请填写单位"))
    elif unit is None:
        row.problems.append(("单位", f"名册中没有单位“{row.unit_name}”"))
    elif unit.id in first:
        row.problems.append(("单位", f"与第{first[unit.id]}行重复"))
    else:
        first[unit.id], row.unit_id = number, unit.id
    row.score, problem = _score_problem(cells.get("分数", "").strip())
    if problem:
        row.problems.append(("分数", problem))
    return row


def read_daily(session: Session, data: bytes, filename: str, limits: Limits | None = None) -> DailyReport:
    """Check a 日常考核 file (.xlsx / .csv, columns 单位, 分数) row by row; raises `FileProblem` when unusable."""
    table = read_upload(data, filename, limits or Limits(), DAILY_COLUMNS)
    if not isinstance(table, Table):
        raise FileProblem("日常考核只能从 .xlsx 或 .csv 文件导入")
    units = {name_key(u.name): u for u in session.scalars(select(Unit))}
    first: dict[int, int] = {}
    return DailyReport([_daily_row(n, cells, units, first) for n, cells in table.rows], list(table.warnings))


def import_daily(session: Session, quarter: str, report: DailyReport, source: str, actor: str) -> int:
    """Replace the quarter's 日常考核 scores with the file's; refused while any row is bad or when closed."""
    _open_row(session, quarter)
    if report.bad_rows:
        raise QuarterError(f"有{len(report.bad_rows)}行存在问题，未导入。请修正后重新上传")
    if not report.rows:
        raise QuarterError("文件中没有分数")
    for old in session.scalars(select(DailyScore).where(DailyScore.quarter == quarter)):
        session.delete(old)
    session.flush()
    for row in report.rows:
        session.add(DailyScore(quarter=quarter, unit_id=row.unit_id, score=row.score, source=source[:255]))
    log(session, quarter, "daily_import", actor, source=source[:255], rows=len(report.rows))
    return len(report.rows)


# Corrections


