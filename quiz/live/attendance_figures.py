"""Attendance figures — 应到 / 实到 / 请假 / 缺席 / 代会, per unit, per venue and overall — from one query. The quarter
page, the 通报 (.docx and printable), the .xlsx and every meeting's minutes use these, so they agree.

The rule (the ranking's, quiz/quarter/ranking.py): 应到 is everyone on a meeting's list but the anonymous audience;
实到 出席; 请假 on leave; 代会 a deputy stood in; 缺席 absent without leave *or never checked in* (未签到, also
counted apart). So 实到 + 请假 + 缺席 + 代会 = 应到, always.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.live.models import Attendee
from quiz.live.results import percent_text
from quiz.roster.models import Unit

FIELDS = {"present": "present", "leave": "leave", "deputized": "deputized"}  # anything else is 缺席


@dataclass
class Figures:
    """One unit's (or the total's) attendance over some meetings, in 人次."""

    unit: str
    expected: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    deputized: int = 0
    unchecked: int = 0  # of 缺席: never checked in

    def add(self, status: str, number: int = 1) -> None:
        """Count `number` attendees with this status."""
        self.expected += number
        name = FIELDS.get(status, "absent")
        setattr(self, name, getattr(self, name) + number)
        if status not in FIELDS and status != "absent":
            self.unchecked += number

    @property
    def rate(self) -> str:
        """出席率 = 实到 / 应到."""
        return percent_text(self.present, self.expected)


def attendance_figures(session: Session, meeting_ids: list[int],
                       units: list[Unit] | None = None) -> tuple[list[Figures], Figures]:
    """Per unit (in display order; `units` are listed even with nobody expected) and the total."""
    rows = session.execute(
        select(Unit.id, Unit.name, Unit.position, Attendee.status, func.count())
        .select_from(Attendee).outerjoin(Unit, Attendee.unit_id == Unit.id)
        .where(Attendee.meeting_id.in_(meeting_ids), Attendee.anonymous.is_(False))
        .group_by(Unit.id, Unit.name, Unit.position, Attendee.status)).all()
    per_unit: dict[int | None, tuple[tuple, Figures]] = {
        u.id: ((u.position, u.name), Figures(u.name)) for u in units or []}
    total = Figures("合计")
    for unit_id, name, position, status, number in rows:
        order = (position, name) if unit_id is not None else (10**9, "")
        _, figures = per_unit.setdefault(unit_id, (order, Figures(name or "未分单位")))
        figures.add(status, number)
        total.add(status, number)
    return [figures for _, figures in sorted(per_unit.values(), key=lambda pair: pair[0])], total


def venue_figures(session: Session, meeting_id: int) -> dict[int | None, tuple[list[Figures], Figures]]:
    """One meeting's figures per venue (venue id → per unit and the venue's total; None: the convening hall),
    by the same rule: the venues' totals add up to the meeting's."""
    rows = session.execute(
        select(Attendee.venue_id, Unit.id, Unit.name, Unit.position, Attendee.status, func.count())
        .select_from(Attendee).outerjoin(Unit, Attendee.unit_id == Unit.id)
        .where(Attendee.meeting_id == meeting_id, Attendee.anonymous.is_(False))
        .group_by(Attendee.venue_id, Unit.id, Unit.name, Unit.position, Attendee.status)).all()
    venues: dict[int | None, tuple[dict[int | None, tuple[tuple, Figures]], Figures]] = {}
    for venue_id, unit_id, name, position, status, number in rows:
        per_unit, total = venues.setdefault(venue_id, ({}, Figures("合计")))
        order = (position, name) if unit_id is not None else (10**9, "")
        _, figures = per_unit.setdefault(unit_id, (order, Figures(name or "未分单位")))
        figures.add(status, number)
        total.add(status, number)
    return {venue_id: ([f for _, f in sorted(per_unit.values(), key=lambda pair: pair[0])], total)
            for venue_id, (per_unit, total) in venues.items()}
