"""The quarter's data for its reports: the ranking rows, turnout, the report context; exports after approval."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.localtime import local_today
from quiz.live.attendance_figures import Figures, attendance_figures
from quiz.quarter.inputs import counted_meetings
from quiz.quarter.models import Quarter, QuarterResult
from quiz.quarter.reports.notice import quarter_docx
from quiz.quarter.reports.text import (
    COMPONENTS,
    FORMAT_LINE,
    GRADES,
    ISSUER,
    MISSING_RULE,
    RECIPIENTS,
    TIE_BREAK_RULE,
    chinese_date,
    component_text,
    doc_number,
    flags_text,
    grade_text,
    number_text,
    quarter_label,
    weight_shares,
)
from quiz.quarter.reports.venues import VENUE_HEADER, quarter_venue_tables
from quiz.quarter.reports.workbook import quarter_xlsx
from quiz.roster.models import Unit

# the quarter ----------------------------------------------------------------------------------------

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
    """The quarter's meetings that count (held; not rehearsals, not the demo) and their attendance: the total
    and per unit, from quiz/live/attendance_figures.py (the minutes use the same)."""

    meetings: list[tuple[str, str]] = field(default_factory=list)
    total: Figures = field(default_factory=lambda: Figures("合计"))
    units: list[Figures] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:  # expected, present, leave, absent, deputized, rate: the total's
        if name in ("expected", "present", "leave", "absent", "deputized", "unchecked", "rate"):
            return getattr(self.total, name)
        raise AttributeError(name)


def _weights(quarter: Quarter, results: list[QuarterResult]) -> dict[str, float]:
    """The weights the stored totals were computed with (each component carries its own), else the quarter's."""
    for result in results:
        weights = {k: float(c.get("weight") or 0) for k, c in (result.components or {}).items() if isinstance(c, dict)}
        if any(weights.values()):
            return weights
    return dict(quarter.weights or {})


def _component_keys(weights: dict[str, float], results: list[QuarterResult]) -> list[str]:
    """The weighted components (a component weighted 0 is not shown), else every stored one."""
    weighted = [key for key in COMPONENTS if weights.get(key)]
    return weighted or [key for key in COMPONENTS if any(key in (r.components or {}) for r in results)]


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
    """Meetings held in the quarter that count, and their attendance (anonymous audience not counted)."""
    meetings = counted_meetings(session, quarter)
    units, total = attendance_figures(session, [m.id for m in meetings])
    return Turnout([(chinese_date(m.held_on), m.title) for m in meetings], total, units)


ATTENDANCE_HEADER = ["单位", "应到", "实到", "请假", "缺席", "代会", "出席率"]


def attendance_table(turnout: Turnout) -> list[list[str]]:
    """The per-unit attendance and the total, as the page, the .xlsx and the .docx show them (人次)."""
    return [[f.unit, str(f.expected), str(f.present), str(f.leave), str(f.absent), str(f.deputized), f.rate]
            for f in [*turnout.units, turnout.total]]


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
    weights = _weights(record, results)
    keys = _component_keys(weights, results)
    rows = ranking_rows(session, record, keys)
    label = quarter_label(quarter)
    return {
        "quarter": quarter, "label": label, "approved": record.approved, "status": record.status,
        "title": f"关于{label}“书记问效”考评情况的通报", "issuer": ISSUER, "doc_number": doc_number(quarter),
        "recipients": RECIPIENTS, "keys": keys, "columns": [COMPONENTS.get(k, k) for k in keys], "rows": rows,
        "weights": weight_shares(weights, keys), "missing_rule": MISSING_RULE, "tie_break_rule": TIE_BREAK_RULE,
        "grade_rule": _grade_rule(record.thresholds or {}),
        "bottom_rule": (f"排名后{record.bottom_n}名的单位标记为“排名靠后”；上一季度亦排名靠后的，"
                        "标记为“连续靠后”。被标记单位的党组织书记在下次会议上作表态发言。"),
        "turnout": (turnout := quarter_turnout(session, quarter)), "attendance_header": ATTENDANCE_HEADER,
        "attendance_table": attendance_table(turnout), "summary": _summary(rows), "grades": _grade_groups(rows),
        "flagged": [(row.unit, row.flags) for row in rows if row.flags],
        "date": chinese_date(today or local_today()), "format_line": FORMAT_LINE,
        # each counted meeting held in several halls: its venues' attendance (none for one-hall meetings)
        "venue_header": VENUE_HEADER, "venue_tables": quarter_venue_tables(session, counted_meetings(session, quarter)),
    }


def _grade_rule(thresholds: dict[str, float]) -> str:
    excellent, weak = thresholds.get("excellent", 90), thresholds.get("weak", 60)
    return (f"拟定等次：总分{excellent:g}分及以上为“先进”，{weak:g}分以下为“软弱涣散”，其余为“一般”；"
            "等次经组织部门审定后确定。")


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


