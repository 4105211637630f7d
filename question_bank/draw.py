"""The random draw: questions picked under filters, reproducible from a seed the caller records. Pure.

Same candidates + same filters + same seed → the same questions, in the same order. Candidates are sorted
by id before shuffling, so the order the database returns them in does not matter.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from question_bank.kinds import QuestionType


@dataclass(frozen=True)
class Candidate:
    """What the draw needs to know of a question."""

    id: int
    type: QuestionType
    category: str
    difficulty: int
    used_in_meetings: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DrawFilters:
    """Which questions may be drawn.

    `categories` are paths; a question in a sub-category of one matches. `recent_meetings` are the ids of
    the last K meetings (the caller decides K); questions used in any of them are left out.
    `exclude_ids` are questions already shown in this meeting.
    """

    types: frozenset[QuestionType] = frozenset()
    categories: frozenset[str] = frozenset()
    min_difficulty: int = 1
    max_difficulty: int = 5
    recent_meetings: frozenset[int] = frozenset()
    exclude_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class DrawResult:
    """The drawn question ids, the seed that reproduces them, and how many were eligible."""

    question_ids: list[int]
    seed: int
    eligible: int


class NotEnoughQuestions(ValueError):
    """The filters leave fewer questions than asked for."""

    def __init__(self, available: int, requested: int) -> None:
        super().__init__(f"符合条件的题目只有{available}道，不足所需的{requested}道。请放宽筛选条件（题型、分类、难度或“近期未用”）")
        self.available = available
        self.requested = requested


def new_seed() -> int:
    """A fresh random seed to record with a draw."""
    return secrets.randbits(63)


def matches(candidate: Candidate, filters: DrawFilters) -> bool:
    """True when the candidate passes every filter."""
    return (
        (not filters.types or candidate.type in filters.types)
        and (not filters.categories or any(_in_category(candidate.category, c) for c in filters.categories))
        and filters.min_difficulty <= candidate.difficulty <= filters.max_difficulty
        and not (candidate.used_in_meetings & filters.recent_meetings)
        and candidate.id not in filters.exclude_ids
    )


def _in_category(path: str, wanted: str) -> bool:
    return path == wanted or path.startswith(wanted + "/")


def draw(candidates: Iterable[Candidate], filters: DrawFilters, count: int, seed: int | None = None) -> DrawResult:
    """Pick `count` distinct questions at random among those passing the filters."""
    if count < 1:
        raise ValueError("count must be at least 1")
    seed = new_seed() if seed is None else seed
    eligible = sorted(c.id for c in candidates if matches(c, filters))
    if len(eligible) < count:
        raise NotEnoughQuestions(len(eligible), count)
    return DrawResult(random.Random(seed).sample(eligible, count), seed, len(eligible))
