"""The quarter's tables: its settings and state, 日常考核 scores, the stored results, its log, and the record
of every correction of a stored score."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class ScoreCorrection(Base):
    """A host's or staff member's correction of a stored score: who, when, why, from what to what."""

    __tablename__ = "score_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    old_score: Mapped[float] = mapped_column(Float)
    new_score: Mapped[float] = mapped_column(Float)
    old_payload: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_payload: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Quarter(Base):
    """A quarter's scoring settings and its state: open → (approved) → closed; reopening is recorded."""

    __tablename__ = "quarters"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    thresholds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    bottom_n: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)


class DailyScore(Base):
    """An optional 日常考核 score for a unit in a quarter, imported from a spreadsheet."""

    __tablename__ = "daily_scores"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(255), default="")


class QuarterResult(Base):
    """A unit's stored quarter score: the components behind it, its rank, flags and grades."""

    __tablename__ = "quarter_results"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    components: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    bottom: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat_bottom: Mapped[bool] = mapped_column(Boolean, default=False)
    proposed_grade: Mapped[str] = mapped_column(String(8), default="")
    grade: Mapped[str] = mapped_column(String(8), default="")


class QuarterEvent(Base):
    """The quarter's log: recompute, approve (审定), close, reopen — with who, when and why."""

    __tablename__ = "quarter_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
