"""The state machine of a round (a question put to the room). Pure: times are passed in; an illegal move
raises `IllegalMove` with a Chinese message for the host.

    preview ──show──▶ open ──pause──▶ paused ──resume──▶ open
       │               │  ╲──(deadline)──╮      │
       │               ├──close──────────▶ closed ──reveal──▶ revealed
       └──replace──────┴──────────────────┴─────▶ replaced
    extend: open / paused gain time;   reveal from open / paused closes first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Phase(StrEnum):
    """Where a round is."""

    PREVIEW = "preview"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    REVEALED = "revealed"
    REPLACED = "replaced"


PHASE_LABELS = {Phase.PREVIEW: "预览中", Phase.OPEN: "作答中", Phase.PAUSED: "已暂停", Phase.CLOSED: "已收卷",
                Phase.REVEALED: "已揭晓", Phase.REPLACED: "已换题"}
MAX_EXTENSION_S = 600
MAX_TIME_LIMIT_S = 1800


class IllegalMove(ValueError):
    """The command does not fit the round's phase."""


@dataclass(frozen=True)
class RoundClock:
    """The parts of a round the state machine changes."""

    phase: Phase
    time_limit_s: int
    opened_at: datetime | None = None
    deadline_at: datetime | None = None
    remaining_ms: int | None = None
    closed_at: datetime | None = None
    revealed_at: datetime | None = None


def _require(clock: RoundClock, allowed: tuple[Phase, ...], action: str) -> None:
    if clock.phase not in allowed:
        raise IllegalMove(f"当前题目{PHASE_LABELS[clock.phase]}，不能{action}")


def show(clock: RoundClock, now: datetime) -> RoundClock:
    """Put the question on screen and start its countdown."""
    _require(clock, (Phase.PREVIEW,), "出示")
    return replace(clock, phase=Phase.OPEN, opened_at=now, deadline_at=now + timedelta(seconds=clock.time_limit_s))


def pause(clock: RoundClock, now: datetime) -> RoundClock:
    """Stop the countdown, keeping the time left."""
    _require(clock, (Phase.OPEN,), "暂停")
    left = max(0, int((clock.deadline_at - now).total_seconds() * 1000))
    return replace(clock, phase=Phase.PAUSED, remaining_ms=left, deadline_at=None)


def resume(clock: RoundClock, now: datetime) -> RoundClock:
    """Restart the countdown with the time that was left."""
    _require(clock, (Phase.PAUSED,), "继续")
    return replace(clock, phase=Phase.OPEN, deadline_at=now + timedelta(milliseconds=clock.remaining_ms or 0),
                   remaining_ms=None)


def extend(clock: RoundClock, seconds: int) -> RoundClock:
    """Give more time (1–600 s)."""
    _require(clock, (Phase.OPEN, Phase.PAUSED), "延时")
    if not 1 <= seconds <= MAX_EXTENSION_S:
        raise IllegalMove(f"延时须为1–{MAX_EXTENSION_S}秒")
    if clock.phase is Phase.PAUSED:
        return replace(clock, remaining_ms=(clock.remaining_ms or 0) + seconds * 1000)
    return replace(clock, deadline_at=clock.deadline_at + timedelta(seconds=seconds))


def close(clock: RoundClock, now: datetime) -> RoundClock:
    """Stop taking answers."""
    _require(clock, (Phase.OPEN, Phase.PAUSED), "收卷")
    return replace(clock, phase=Phase.CLOSED, closed_at=now, deadline_at=clock.deadline_at, remaining_ms=None)


def is_due(clock: RoundClock, now: datetime) -> bool:
    """True when an open round's deadline has passed (the timer then closes it)."""
    return clock.phase is Phase.OPEN and clock.deadline_at is not None and now >= clock.deadline_at


def reveal(clock: RoundClock, now: datetime) -> RoundClock:
    """Show the answer and explanation; an open or paused round is closed first."""
    _require(clock, (Phase.OPEN, Phase.PAUSED, Phase.CLOSED), "揭晓答案")
    if clock.phase is not Phase.CLOSED:
        clock = close(clock, now)
    return replace(clock, phase=Phase.REVEALED, revealed_at=now)


def replace_question(clock: RoundClock) -> RoundClock:
    """Withdraw the question (换一题); the reason is logged by the caller."""
    _require(clock, (Phase.PREVIEW, Phase.OPEN, Phase.PAUSED, Phase.CLOSED), "换题")
    return replace(clock, phase=Phase.REPLACED, deadline_at=None, remaining_ms=None)


def accepts_answers(clock: RoundClock, now: datetime) -> bool:
    """Answers count only while the round is open and its deadline has not passed (server time)."""
    return clock.phase is Phase.OPEN and clock.deadline_at is not None and now < clock.deadline_at


def can_move_on(clock: RoundClock) -> bool:
    """The host may go to the next question once this one is settled (or never shown)."""
    return clock.phase in (Phase.PREVIEW, Phase.CLOSED, Phase.REVEALED, Phase.REPLACED)
