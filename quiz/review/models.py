"""述职评议's tables (a unit secretary reports and is rated face to face) and commitments.

Anonymity by construction: `VoteReceipt` says only *that* someone voted on an item; `Ballot` holds the
ratings under a random token with no rater, no time and no sequence number, and is written only at the close,
all of an item's ballots in one transaction and in random order. While the vote is open a rater's rating
waits in `PendingBallot`, sealed under the vote's key (quiz/review/ballot_box.py), which is destroyed after the close.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from quiz.live.models import Attendee
from quiz.roster.models import Unit


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
    # The rater's venue, like the group a category of raters, not a person: per-venue results are shown only
    # where a venue holds at least the item's minimum of ballots (docs/security.md).
    venue_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
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
    # One tally per (item, venue): a venue's entered again replaces it. NULL venues (the console's batches)
    # are distinct to both databases, so the console may add several.
    __table_args__ = (UniqueConstraint("item_id", "venue_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
    # Entered by a venue's operator for that venue (one per item and venue: entering again corrects it);
    # None: by the main console, where each entry adds a batch of counted paper.
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), nullable=True)


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
