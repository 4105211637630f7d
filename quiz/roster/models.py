"""The roster's tables: units and the people in them (meetings keep their own snapshot, see Attendee)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow


class Unit(Base):
    """A unit whose secretary answers for its Party building: a county, a city department, a state firm …"""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The first start's sample roster: never counted in a quarter, cleared by staff (quiz/live/demo.py).
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Person(Base):
    """Someone on the roster. `unit_id` is where they are now; meetings keep a snapshot (see Attendee), so a
    move or departure never rewrites a past meeting."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[str] = mapped_column(String(60), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True, index=True)
    is_secretary: Mapped[bool] = mapped_column(Boolean, default=False)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit | None] = relationship()
