"""The live meeting's tables: meetings with their agenda, hosts and attendees, person draws, rounds (a question
put to the room), answers, and the meeting's event log. The roster's tables are in quiz/roster/models.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import Base, UTCDateTime, utcnow
from quiz.roster.models import Unit

meeting_units = Table(
    "meeting_units",
    Base.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)

# The host accounts that may run a meeting (admins run every meeting without a row here).
meeting_hosts = Table(
    "meeting_hosts",
    Base.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The 分会场管理员 accounts that may act at a venue (its attendance, devices and paper tallies; never the meeting).
venue_operators = Table(
    "venue_operators",
    Base.metadata,
    Column("venue_id", ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Meeting(Base):
    """One 书记问效 meeting. `revision` grows with every state change; host commands name the revision they
    expect, so a double click cannot skip a step. `state` holds the live pointers (current call, round)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    rehearsal: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    join_code: Mapped[str] = mapped_column(String(8), unique=True)
    screen_token: Mapped[str] = mapped_column(String(64), unique=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    current_segment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    current_round_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    current_draw_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    current_review_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The first start's demo meeting: never counts in a quarter, a ranking, a report or an export.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when the host first starts it: only then was the meeting held (召开); a never-held one may be deleted.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The venue presiding now (主会场); None: the convening venue (position 0). A handover is logged.
    main_venue_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[Unit]] = relationship(secondary=meeting_units, order_by=Unit.position)
    hosts: Mapped[list[User]] = relationship(secondary=meeting_hosts, order_by=User.username)
    segments: Mapped[list[Segment]] = relationship(
        back_populates="meeting", order_by="Segment.position", cascade="all, delete-orphan")
    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", foreign_keys="Attendee.meeting_id")
    venues: Mapped[list[Venue]] = relationship(
        back_populates="meeting", order_by="Venue.position", cascade="all, delete-orphan")


class Venue(Base):
    """One hall of a meeting: the convening hall (position 0, whose join code and projector URL are the
    meeting's own) or a branch venue (分会场) with its own code, projector URL, 负责人 and operators.
    An attendee's `venue_id` names where they attend; None means the convening hall."""

    __tablename__ = "venues"
    __table_args__ = (UniqueConstraint("meeting_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(60))
    leader: Mapped[str] = mapped_column(String(60), default="")  # 负责人
    # None for the convening hall: its codes are the meeting's (one home each).
    join_code: Mapped[str | None] = mapped_column(String(8), unique=True, nullable=True)
    screen_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # The hall's own Wi-Fi for its projector's QR code (the convening hall falls back to VENUE_WIFI_SSID).
    wifi_ssid: Mapped[str] = mapped_column(String(64), default="", server_default="")
    wifi_password: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="venues")
    operators: Mapped[list[User]] = relationship(secondary=venue_operators, order_by=User.username)


class Segment(Base):
    """One item of the agenda: 点名答题, 全员答题, 结果公布 (more kinds come with review and ranking)."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100), default="")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    meeting: Mapped[Meeting] = relationship(back_populates="segments")


class Attendee(Base):
    """A person expected at (or joining) one meeting, with the roster details as they were for it.

    `code` is the personal code on the seat card; `device_token` binds it to one phone for the meeting.
    """

    __tablename__ = "attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[str] = mapped_column(String(60), default="")
    is_secretary: Mapped[bool] = mapped_column(Boolean, default=False)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="expected")
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id"), nullable=True)
    excluded_from_draw: Mapped[bool] = mapped_column(Boolean, default=False)
    device_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pending_device_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pending_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"), nullable=True,
                                                 index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="attendees", foreign_keys=[meeting_id])
    venue: Mapped[Venue | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    deputy: Mapped[Attendee | None] = relationship(remote_side=[id])


class PersonDraw(Base):
    """A random call of a person: the seed and candidate list replay it; a redraw records its reason."""

    __tablename__ = "person_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    pool: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    candidates: Mapped[list[int]] = mapped_column(JSON)
    chosen_id: Mapped[int] = mapped_column(ForeignKey("attendees.id"))
    redraw_of_id: Mapped[int | None] = mapped_column(ForeignKey("person_draws.id"), nullable=True)
    redraw_reason: Mapped[str] = mapped_column(String(200), default="")
    # A redraw that leaves the person it replaced out for the rest of the meeting (e.g. 本人不在场).
    exclude_previous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    chosen: Mapped[Attendee] = relationship()


class Round(Base):
    """A question put to the room: to the called person (mode "called") or to everyone ("all").

    `question` is a snapshot of the bank's question when it was drawn, so later edits to the bank never change
    what a meeting asked. Clock fields are server time.
    """

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    mode: Mapped[str] = mapped_column(String(10))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"), nullable=True)
    question: Mapped[dict[str, Any]] = mapped_column(JSON)
    draw_seed: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("person_draws.id"), nullable=True)
    called_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id"), nullable=True)
    phase: Mapped[str] = mapped_column(String(12), default="preview")
    time_limit_s: Mapped[int] = mapped_column(Integer, default=60)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    remaining_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replaced_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    called: Mapped[Attendee | None] = relationship()


class Answer(Base):
    """One attendee's answer to one round; the unique key makes a resubmission return the stored answer."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("round_id", "attendee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(40))
    payload: Mapped[Any] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(8), default="phone")
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnswerTally(Base):
    """Paper answers to an 全员答题 round at a venue without phones, counted by its operator: one row per
    (round, venue), so entering it again corrects the count instead of adding to it (counted once).

    `counts`: per option letter (单选/多选) or 正确/错误 (判断), as the room's distribution counts them."""

    __tablename__ = "answer_tallies"
    __table_args__ = (UniqueConstraint("round_id", "venue_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingEvent(Base):
    """The meeting's log: host commands, redraws and replacements with reasons, refused events."""

    __tablename__ = "meeting_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
