"""The quarter wing's answers to the live meeting's hooks (quiz/live/hooks.py): whether a quarter is closed,
re-marks recorded as corrections, last quarter's bottom units, the quarter's log. app.create_app calls `install`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from quiz.live import hooks
from quiz.live.models import Answer, Meeting
from quiz.quarter import service
from quiz.quarter.models import DailyScore, QuarterResult, ScoreCorrection


def _record_correction(session: Session, meeting: Meeting, answer: Answer, new_score: float, new_payload: Any,
                       reason: str, actor: str) -> None:
    session.add(ScoreCorrection(meeting_id=meeting.id, answer_id=answer.id, old_score=answer.score,
                                new_score=new_score, old_payload=answer.payload, new_payload=new_payload,
                                reason=reason, actor=actor))


def _bottom_units(session: Session, quarter: str) -> set[int]:
    return set(session.scalars(select(QuarterResult.unit_id).where(QuarterResult.quarter == quarter,
                                                                   QuarterResult.bottom.is_(True))))


def _forget_units(session: Session, unit_ids: list[int]) -> None:
    """The quarter's rows about these units (the demo's, when it is cleared)."""
    for model in (QuarterResult, DailyScore):
        session.execute(delete(model).where(model.unit_id.in_(unit_ids)))


RECORD = hooks.QuarterRecord(is_closed=service.quarter_is_closed, record_correction=_record_correction,
                             bottom_units=_bottom_units, log=service.log, forget_units=_forget_units,
                             reopen_lock=service.meeting_reopen_lock)


def install() -> None:
    """Fill the live meeting's quarter hook (idempotent)."""
    hooks.quarter_record.provide(RECORD)
