"""A meeting's figures per venue: attendance, the answers' counts per round, the results per unit. Takes a
session; reads only.

The overall figures stay the truth and are computed as everywhere else; a venue's are the same counts kept to
the people who attend it (an attendee's `venue_id`; None is the convening hall), and a venue without phones
adds its operator's paper count (`AnswerTally`, one per round and venue). Every venue's counts add up to the
overall ones: the tests hold them to it. The 评议 per venue is the review wing's (quiz/review/venue_results.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.live import venues
from quiz.live.attendance_figures import Figures, attendance_figures, venue_figures
from quiz.live.engine import Phase
from quiz.live.models import Answer, AnswerTally, Attendee, Meeting, Round, Venue
from quiz.live.results import AnswerFact, UnitResult, unit_results

CHOICE_LETTERS = "ABCDEFGH"


@dataclass
class VenueAttendance:
    """One venue's line of the attendance table, and its units."""

    venue: Venue
    total: Figures
    units: list[Figures] = field(default_factory=list)


def venue_attendance(session: Session, meeting: Meeting) -> tuple[list[VenueAttendance], Figures]:
    """应到 / 实到 / 请假 / 缺席 / 代会 per venue (in the venues' order, each with its units) and the meeting's
    total, by the rule of quiz/live/attendance_figures.py: the venues' totals add up to the meeting's."""
    figures = venue_figures(session, meeting.id)
    hall = venues.convening(meeting)
    rows = []
    for venue in meeting.venues:
        units, total = figures.get(None if venue is hall else venue.id, ([], Figures("合计")))
        rows.append(VenueAttendance(venue, total, units))
    return rows, attendance_figures(session, [meeting.id], list(meeting.units))[1]


@dataclass
class RoundCounts:
    """How one round was answered (at a venue, or overall): per option where the question has options."""

    options: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    correct: int = 0
    paper: int = 0  # of `answered`: counted on paper

    def add(self, other: RoundCounts) -> None:
        """Add another part's counts to these."""
        for key, number in other.options.items():
            self.options[key] = self.options.get(key, 0) + number
        self.answered, self.correct, self.paper = (self.answered + other.answered, self.correct + other.correct,
                                                   self.paper + other.paper)


@dataclass
class RoundByVenue:
    """A round put to the room: its counts per venue id and overall."""

    round: Round
    number: int
    venues: dict[int, RoundCounts]
    overall: RoundCounts


def _keys(question: dict) -> list[str]:
    if question.get("type") in ("单选", "多选"):
        return list(CHOICE_LETTERS[: len(question.get("options") or [])])
    return ["正确", "错误"] if question.get("type") == "判断" else []


def _phone_counts(question: dict, answers: list[tuple[object, bool]]) -> RoundCounts:
    counts = RoundCounts({key: 0 for key in _keys(question)}, len(answers), sum(ok for _, ok in answers))
    if question.get("type") in ("单选", "多选"):
        for letter, number in Counter(c for payload, _ in answers for c in str(payload)).items():
            if letter in counts.options:
                counts.options[letter] += number
    elif question.get("type") == "判断":
        counts.options["正确"] = sum(payload is True for payload, _ in answers)
        counts.options["错误"] = sum(payload is False for payload, _ in answers)
    return counts


def _tally_counts(question: dict, tally: AnswerTally) -> RoundCounts:
    keys = _keys(question)
    options = {key: int((tally.counts or {}).get(key, 0)) for key in keys}
    return RoundCounts(options, tally.answered, tally.correct, tally.answered)


def answer_counts(session: Session, meeting: Meeting) -> list[RoundByVenue]:
    """Each round put to the room, its counts per venue (phones of the venue's people + its paper tally) and
    overall (every phone answer + every tally)."""
    rounds = [r for r in session.scalars(select(Round).where(Round.meeting_id == meeting.id).order_by(Round.id))
              if r.opened_at is not None and r.phase != Phase.REPLACED.value]
    hall = venues.convening(meeting)
    hall_id = hall.id if hall else 0
    answers: dict[tuple[int, int], list[tuple[object, bool]]] = {}
    for round_id, venue_id, payload, correct in session.execute(
            select(Answer.round_id, Attendee.venue_id, Answer.payload, Answer.correct)
            .join(Attendee, Answer.attendee_id == Attendee.id).join(Round, Answer.round_id == Round.id)
            .where(Round.meeting_id == meeting.id)):
        answers.setdefault((round_id, venue_id or hall_id), []).append((payload, bool(correct)))
    tallies = {(t.round_id, t.venue_id): t for t in session.scalars(
        select(AnswerTally).join(Round, AnswerTally.round_id == Round.id).where(Round.meeting_id == meeting.id))}
    result = []
    for number, round_ in enumerate(rounds, start=1):
        per_venue = {}
        overall = RoundCounts({key: 0 for key in _keys(round_.question)})
        for venue in meeting.venues:
            counts = _phone_counts(round_.question, answers.get((round_.id, venue.id), []))
            if (round_.id, venue.id) in tallies:
                counts.add(_tally_counts(round_.question, tallies[(round_.id, venue.id)]))
            per_venue[venue.id] = counts
        overall.add(_phone_counts(round_.question, [a for (r, _), part in answers.items() if r == round_.id
                                                    for a in part]))
        for (round_id, _), tally in tallies.items():
            if round_id == round_.id:
                overall.add(_tally_counts(round_.question, tally))
        result.append(RoundByVenue(round_, number, per_venue, overall))
    return result


def unit_results_at(session: Session, meeting: Meeting, venue_id: int,
                    review_scores: Mapping[int, float] | None = None) -> list[UnitResult]:
    """The meeting's results per unit (quiz/live/results.py) kept to the units and answers of one venue: the
    units with someone there, and only the answers of the people there."""
    hall = venues.convening(meeting)
    stored = None if hall is not None and hall.id == venue_id else venue_id
    here = {a.id: a.unit_id for a in meeting.attendees if a.venue_id == stored and not a.anonymous}
    units = [(u.id, u.name) for u in meeting.units if u.id in set(here.values())]
    rows = session.execute(select(Answer.attendee_id, Round.mode, Answer.correct, Answer.score)
                           .join(Round, Answer.round_id == Round.id)
                           .where(Round.meeting_id == meeting.id, Round.phase != Phase.REPLACED.value))
    facts = [AnswerFact(here[attendee_id], mode, bool(correct), float(score))
             for attendee_id, mode, correct, score in rows if attendee_id in here]
    return unit_results(units, facts, review_scores)
