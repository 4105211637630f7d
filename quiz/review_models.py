"""述职评议 (a unit secretary reports and is rated face to face), commitments, and the quarter's scores.

Anonymity by construction: `VoteReceipt` says only *that* someone voted on an item; `Ballot` holds the
ratings under a random token with no rater, no time and no sequence number, and is written only at the close,
all of an item's ballots in one transaction and in random order. While the vote is open a rater's rating
waits in `PendingBallot`, sealed under the vote's key (quiz/ballot_box.py), which is destroyed after the close.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from quiz.models import Attendee, Unit


class ReviewItem(Base):
    """One unit's turn in a 述职评议 (or 表态发言) segment: the speech, its timer, and the vote on it."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id"), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    part: Mapped[str] = mapped_column(String(12), default="")  # achievements | problems | plans
    speech_limit_s: Mapped[int] = mapped_column(Integer, default=300)
    speech_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    speech_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    vote_state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|open|closed|revealed
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    group_weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    min_ballots: Mapped[int] = mapped_column(Integer, default=3)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Names the vote's key file in VOTE_KEY_DIR (not secret: the key is in the file, removed after the close).
    vote_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)

    unit: Mapped[Unit] = relationship()
    speaker: Mapped[Attendee | None] = relationship()


class VoteReceipt(Base):
    """That an attendee has voted on an item — nothing about how."""

    __tablename__ = "vote_receipts"

    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True)


class Ballot(Base):
    """One rater's ratings of an item, under a random token: no rater, no time, no sequence."""

    __tablename__ = "ballots"

    token: Mapped[str] = mapped_column(String(43), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    rater_group: Mapped[str] = mapped_column(String(30), default="")
    scores: Mapped[dict[str, float]] = mapped_column(JSON)


class PendingBallot(Base):
    """While the vote is open: a rater's rating, sealed. `handle` is an HMAC of the rater under the vote's key
    (so their phone can change it), `sealed` the AES-GCM ciphertext of a fixed length. Deleted at the close."""

    __tablename__ = "pending_ballots"

    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), primary_key=True)
    handle: Mapped[str] = mapped_column(String(43), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class PaperTally(Base):
    """Paper ballots (the phone-less fallback), entered by staff as a recorded tally.

    `counts` for the default rating: {"满意": n, "基本满意": n, "不满意": n}; for criteria:
    {"ballots": n, "sums": {criterion: total of the scores}}.
    """

    __tablename__ = "paper_tallies"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")


class Commitment(Base):
    """A problem a unit named (晒问题) or a plan it stated (谈打算); rated at a later meeting (兑现)."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # problem | plan
    text: Mapped[str] = mapped_column(String(300))
    kept: Mapped[str | None] = mapped_column(String(10), nullable=True)  # kept | partly | not_kept
    rated_in_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


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
