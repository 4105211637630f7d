"""Venues (主会场 + 分会场) in the reports: each venue's attendance for the minutes and the 通报, the handover of
the main role for the minutes, and the staff page of a meeting's figures per venue.

A one-venue meeting has no venue table (its reports look as before). Every table ends with the meeting's own
total, computed as the unit table's is (quiz/live/attendance_figures.py): the venues' lines add up to it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.localtime import local
from quiz.live import venues
from quiz.live.attendance_figures import Figures
from quiz.live.models import Meeting, MeetingEvent
from quiz.live.venue_results import answer_counts, unit_results_at, venue_attendance
from quiz.quarter.reports.text import chinese_date
from quiz.review import venue_results as review_venues

VENUE_HEADER = ["会场", "负责人", "应到", "实到", "请假", "缺席", "代会", "出席率"]


def _cells(name: str, leader: str, figures: Figures) -> list[str]:
    return [name, leader, str(figures.expected), str(figures.present), str(figures.leave), str(figures.absent),
            str(figures.deputized), figures.rate]


def venue_table(session: Session, meeting: Meeting) -> list[list[str]]:
    """会场 | 负责人 | 应到 | 实到 | 请假 | 缺席 | 代会 | 出席率 per venue and the meeting's total (empty for a
    meeting held in one hall)."""
    if not venues.has_branches(meeting):
        return []
    rows, total = venue_attendance(session, meeting)
    return [*(_cells(r.venue.name, r.venue.leader, r.total) for r in rows), _cells("合计", "", total)]


def venue_unit_tables(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """For the minutes: each venue's units with their attendance (empty for a one-hall meeting)."""
    if not venues.has_branches(meeting):
        return []
    rows, _ = venue_attendance(session, meeting)
    return [{"venue": r.venue.name, "leader": r.venue.leader, "units": r.units, "total": r.total} for r in rows]


def handover_lines(session: Session, meeting: Meeting) -> list[dict[str, str]]:
    """Each handover of the main role (主会场): when, from which venue to which, why, by whom."""
    events = session.scalars(select(MeetingEvent).where(MeetingEvent.meeting_id == meeting.id,
                                                        MeetingEvent.kind == "hand_over_main")
                             .order_by(MeetingEvent.id))
    return [{"time": local(e.created_at).strftime("%H:%M") if e.created_at else "",
             "from": str((e.detail or {}).get("previous", "")), "to": str((e.detail or {}).get("name", "")),
             "reason": e.note, "actor": e.actor} for e in events]


def quarter_venue_tables(session: Session, meetings: list[Meeting]) -> list[dict[str, Any]]:
    """For the 通报: each counted meeting held in several halls, with its venue table."""
    tables = []
    for meeting in meetings:
        table = venue_table(session, meeting)
        if table:
            tables.append({"title": meeting.title, "date": chinese_date(meeting.held_on), "rows": table})
    return tables


def results_context(session: Session, meeting: Meeting, venue_id: int | None) -> dict[str, Any]:
    """The per-venue results page: attendance, each round's counts, the 评议 per venue, and (for the chosen
    venue) its units' results — the overall figures beside every venue's, and the venues adding up to them."""
    chosen = next((v for v in meeting.venues if v.id == venue_id), None)
    rows, total = venue_attendance(session, meeting)
    return {"meeting": meeting, "venues": list(meeting.venues), "chosen": chosen,
            "attendance": rows, "attendance_total": total, "rounds": answer_counts(session, meeting),
            "reviews": review_venues.meeting_by_venue(session, meeting),
            "units": unit_results_at(session, meeting, chosen.id) if chosen else []}
