"""A meeting's results per unit, for the 结果公布 segment. Pure.

- 点名答题: the points the unit's called people earned (host-marked or phone answers in "called" rounds).
- 全员答题: the unit's attendees' accuracy over the "all" rounds they answered (answers marked correct /
  answers given), and how many answers that is.
Units are listed by 点名答题 points, then accuracy, then name (a display order; the quarter's ranking with
its documented tie-breaks is computed elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerFact:
    """One stored answer, with what the results need to know of its round and its attendee."""

    unit_id: int | None
    mode: str  # called | all
    correct: bool
    score: float


@dataclass
class UnitResult:
    """One unit's line on the results screen."""

    unit_id: int
    name: str
    called_points: float = 0.0
    called_answers: int = 0
    all_answers: int = 0
    all_correct: int = 0

    @property
    def accuracy(self) -> float | None:
        """全员答题 accuracy in percent, or None when nobody of the unit answered."""
        return round(100 * self.all_correct / self.all_answers, 1) if self.all_answers else None


def unit_results(units: Iterable[tuple[int, str]], answers: Iterable[AnswerFact]) -> list[UnitResult]:
    """Tally answers per participating unit (anonymous audience and other units are left out)."""
    rows = {unit_id: UnitResult(unit_id, name) for unit_id, name in units}
    for answer in answers:
        row = rows.get(answer.unit_id)
        if row is None:
            continue
        if answer.mode == "called":
            row.called_points += answer.score
            row.called_answers += 1
        else:
            row.all_answers += 1
            row.all_correct += answer.correct
    return sorted(rows.values(), key=lambda r: (-r.called_points, -(r.accuracy or 0), r.name))
