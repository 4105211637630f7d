"""A meeting's results per unit, for the 结果公布 segment. Pure.

- 点名答题: the points the unit's called people earned (host-marked or phone answers in "called" rounds).
- 全员答题: the unit's attendees' accuracy over the "all" rounds they answered (answers marked correct /
  answers given), and how many answers that is.
- 述职评议: the unit's score from its revealed vote(s) at this meeting (a vote not yet revealed shows nothing).
Units are listed by 点名答题 points, then accuracy, then 述职评议, then name — at each step a unit with no data
comes after every unit with a score, 0 included (a display order; the quarter's ranking with its documented
tie-breaks is computed elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    review_score: float | None = None

    @property
    def accuracy(self) -> float | None:
        """全员答题 accuracy in percent, or None when nobody of the unit answered."""
        return round(100 * self.all_correct / self.all_answers, 1) if self.all_answers else None


def unit_results(units: Iterable[tuple[int, str]], answers: Iterable[AnswerFact],
                 review_scores: Mapping[int, float] | None = None) -> list[UnitResult]:
    """Tally answers per participating unit (anonymous audience and other units are left out)."""
    rows = {unit_id: UnitResult(unit_id, name, review_score=(review_scores or {}).get(unit_id))
            for unit_id, name in units}
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
    return sorted(rows.values(), key=_display_key)


def _display_key(row: UnitResult) -> tuple:
    # (no data?, minus the value) per column: no data sorts after any value, a 0 included.
    return (row.called_answers == 0, -row.called_points, row.accuracy is None, -(row.accuracy or 0.0),
            row.review_score is None, -(row.review_score or 0.0), row.name)


def percent_text(part: int, whole: int) -> str:
    """part / whole as a percentage with one decimal (a dash when nothing was expected)."""
    return f"{100 * part / whole:.1f}%" if whole else "—"
