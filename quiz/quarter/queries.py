"""What the quarter pages show: the list of quarters and one unit's breakdown with the events behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.live.attendance_figures import Figures, attendance_figures
from quiz.live.models import Meeting
from quiz.quarter import ranking
from quiz.quarter.inputs import counted_meetings, load_input
from quiz.quarter.models import DailyScore, Quarter, QuarterResult
from quiz.roster.models import Unit

CLOSED_VOTES = ("closed", "revealed")
SHOWN_ALL_PHASES = ("closed", "revealed")
UNSCORED_CALLED_PHASES = ("replaced", "preview")
QUARTER_STATUS_LABELS = {"open": "未封存", "closed": "已封存"}


@dataclass
class QuarterSummary:
    """One line of the quarters list."""

    quarter: str
    meetings: int = 0
    rehearsals: int = 0
    results: int = 0
    status: str = "open"
    approved: bool = False


def overview(session: Session) -> list[QuarterSummary]:
    """Every quarter with a meeting or settings, newest first."""
    found: dict[str, QuarterSummary] = {}
    real = select(Meeting.quarter, Meeting.rehearsal).where(Meeting.demo.is_(False))
    for quarter, rehearsal in session.execute(real):
        line = found.setdefault(quarter, QuarterSummary(quarter))
        line.rehearsals += bool(rehearsal)
        line.meetings += not rehearsal
    for row in session.scalars(select(Quarter)):
        line = found.setdefault(row.quarter, QuarterSummary(row.quarter))
        line.status, line.approved = row.status, row.approved
    for quarter in session.scalars(select(QuarterResult.quarter)):
        found.setdefault(quarter, QuarterSummary(quarter)).results += 1
    return sorted(found.values(), key=lambda line: line.quarter, reverse=True)


@dataclass
class UnitDetail:
    """Everything behind one unit's numbers: attendance per meeting, the called rounds, the 全员答题 records,
    the ballot counts per item (never who gave which ballot) and the 日常考核 score."""

    unit: Unit
    result: QuarterResult | None
    meetings: dict[int, Meeting]
    attendance: list[tuple[Meeting, str | None, Figures]]  # the figures of quiz/live/attendance_figures.py
    called: list[ranking.CalledRound]
    all_records: list[ranking.AllRecord]
    reviews: list[tuple[Meeting, dict[str, Any]]]
    daily: DailyScore | None


def unit_detail(session: Session, quarter: str, unit_id: int) -> UnitDetail | None:
    """The drill-down of one unit's quarter result, from the same inputs the score is computed from."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        return None
    data = load_input(session, quarter)
    meetings = {m.id: m for m in counted_meetings(session, quarter)}
    attendance = []
    for fact in data.attendance:
        if fact.unit_id == unit_id:
            per_unit, _ = attendance_figures(session, [fact.meeting_id], [unit])
            figures = next(f for f in per_unit if f.unit == unit.name)
            attendance.append((meetings[fact.meeting_id], ranking.unit_presence(fact.statuses), figures))
    return UnitDetail(
        unit, session.get(QuarterResult, (quarter, unit_id)), meetings, attendance,
        [r for r in data.called if r.unit_id == unit_id], [r for r in data.all_rounds if r.unit_id == unit_id],
        [(meetings[v.meeting_id], ranking.review_breakdown(v)) for v in data.reviews if v.unit_id == unit_id],
        session.get(DailyScore, (quarter, unit_id)))
