"""Loading a quarter's raw events (rounds, answers, attendance, ballots and tallies, daily scores) into
`quiz.quarter.ranking`'s inputs. Read-only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.live.meetings import previous_quarter
from quiz.live.models import Answer, Attendee, Meeting, Round, Segment
from quiz.live.scoring import key_point_marks
from quiz.quarter import ranking
from quiz.quarter.models import DailyScore, Quarter, QuarterResult
from quiz.review.ballots import PARTS
from quiz.review.models import Ballot, PaperTally, ReviewItem
from quiz.roster.models import Unit

CLOSED_VOTES = ("closed", "revealed")
SHOWN_ALL_PHASES = ("closed", "revealed")
UNSCORED_CALLED_PHASES = ("replaced", "preview")
QUARTER_STATUS_LABELS = {"open": "未封存", "closed": "已封存"}


def settings_of(session: Session, quarter: str) -> ranking.Settings:
    """The quarter's weights, thresholds and bottom N over the defaults."""
    row = session.get(Quarter, quarter)
    if row is None:
        return ranking.Settings()
    return ranking.Settings.from_stored(row.weights, row.thresholds, row.bottom_n)


# A meeting counts in its quarter (its ranking, 通报, exports) once it was held (召开: the host started it),
# and never when it is a rehearsal or the demo. Every quarter figure filters with this one rule.
COUNTED = (Meeting.rehearsal.is_(False), Meeting.demo.is_(False), Meeting.started_at.is_not(None))


def counted_meetings(session: Session, quarter: str) -> list[Meeting]:
    """The quarter's meetings that count (held; never a rehearsal or the demo), in date order."""
    return list(session.scalars(select(Meeting).where(Meeting.quarter == quarter, *COUNTED)
                                .order_by(Meeting.held_on, Meeting.id)))


# Loading the raw events


def _stand_ins(attendees: Iterable[Attendee]) -> dict[int, int]:
    """Deputy attendee id → the unit of the person they stood in for (代会)."""
    return {a.deputy_id: a.unit_id for a in attendees
            if a.status == "deputized" and a.deputy_id is not None and a.unit_id is not None}


def _unit_of(attendee: Attendee, stand_ins: dict[int, int]) -> int | None:
    return stand_ins.get(attendee.id, attendee.unit_id)


def _attendance(attendees: list[Attendee]) -> list[ranking.Attendance]:
    statuses: dict[tuple[int, int], list[str]] = defaultdict(list)
    for attendee in attendees:
        if attendee.unit_id is not None and not attendee.anonymous:
            statuses[(attendee.meeting_id, attendee.unit_id)].append(attendee.status)
    return [ranking.Attendance(m, u, tuple(s)) for (m, u), s in sorted(statuses.items())]


def _points(meeting: Meeting) -> float:
    return float(((meeting.settings or {}).get("scoring") or {}).get("points", 10) or 10)


def _called(session: Session, meetings: dict[int, Meeting], attendees: dict[int, Attendee],
            stand_ins: dict[int, int]) -> list[ranking.CalledRound]:
    rounds = session.scalars(select(Round).where(
        Round.meeting_id.in_(list(meetings)), Round.mode == "called", Round.called_id.is_not(None),
        Round.phase.not_in(UNSCORED_CALLED_PHASES)).order_by(Round.id)).all()
    answers = {(a.round_id, a.attendee_id): a for a in session.scalars(
        select(Answer).where(Answer.round_id.in_([r.id for r in rounds])))}
    facts = []
    for round_ in rounds:
        person = attendees.get(round_.called_id)
        unit_id = _unit_of(person, stand_ins) if person is not None else None
        if unit_id is None:
            continue
        answer = answers.get((round_.id, round_.called_id))
        name = f"代 {person.name}（{person.position}）" if person.id in stand_ins else person.name
        marks = key_point_marks(round_.question or {}, answer.payload) if answer is not None else []
        facts.append(ranking.CalledRound(round_.meeting_id, unit_id, round_.id, answer.score if answer else None,
                                         _points(meetings[round_.meeting_id]), name,
                                         str((round_.question or {}).get("stem", "")),
                                         tuple((m["point"], m["ticked"]) for m in marks)))
    return facts


def _shown_to(attendee: Attendee, round_: Round, answered: bool) -> bool:
    """Whether a 全员答题 round was shown while the attendee was present (an answer proves it was)."""
    if answered or attendee.checked_in_at is None or round_.opened_at is None:
        return True
    return round_.opened_at >= attendee.checked_in_at


def _all_rounds(session: Session, meeting_ids: list[int], attendees: list[Attendee],
                stand_ins: dict[int, int]) -> tuple[list[ranking.AllRecord], set[int]]:
    rounds = session.scalars(select(Round).where(Round.meeting_id.in_(meeting_ids), Round.mode == "all",
                                                 Round.phase.in_(SHOWN_ALL_PHASES))).all()
    correct = {(a.round_id, a.attendee_id): a.correct for a in session.scalars(
        select(Answer).where(Answer.round_id.in_([r.id for r in rounds])))}
    by_meeting: dict[int, list[Round]] = defaultdict(list)
    for round_ in rounds:
        by_meeting[round_.meeting_id].append(round_)
    records = []
    for attendee in attendees:
        unit_id = _unit_of(attendee, stand_ins)
        counts = attendee.status == "present" or attendee.id in stand_ins
        if unit_id is None or not counts or attendee.anonymous or attendee.meeting_id not in by_meeting:
            continue
        mine = [(r, (r.id, attendee.id) in correct) for r in by_meeting[attendee.meeting_id]]
        shown = [(r, answered) for r, answered in mine if _shown_to(attendee, r, answered)]
        right = sum(1 for r, answered in shown if answered and correct[(r.id, attendee.id)])
        records.append(ranking.AllRecord(attendee.meeting_id, unit_id, attendee.id, len(shown), right, attendee.name))
    return records, set(by_meeting)


def _criteria(item: ReviewItem) -> tuple[tuple[str, float], ...]:
    return tuple((str(c.get("name", "")), float(c["weight"] if c.get("weight") is not None else 1))
                 for c in (item.criteria or []) if c.get("name"))


def _item_label(meeting: Meeting, item: ReviewItem) -> str:
    part = PARTS.get(item.part, item.part)
    return f"{meeting.title} · {part}" if part else meeting.title


def _reviews(session: Session, meeting_ids: list[int], meetings: dict[int, Meeting]) -> list[ranking.ReviewVote]:
    items = session.scalars(select(ReviewItem).join(Segment, Segment.id == ReviewItem.segment_id).where(
        ReviewItem.meeting_id.in_(meeting_ids), Segment.kind == "review",
        ReviewItem.vote_state.in_(CLOSED_VOTES)).order_by(ReviewItem.meeting_id, ReviewItem.position,
                                                          ReviewItem.id)).all()
    ids = [item.id for item in items]
    ballots: dict[int, list[ranking.BallotFact]] = defaultdict(list)
    for ballot in session.scalars(select(Ballot).where(Ballot.item_id.in_(ids)).order_by(Ballot.token)):
        ballots[ballot.item_id].append(ranking.BallotFact(ballot.rater_group or "", dict(ballot.scores or {})))
    papers: dict[int, list[dict]] = defaultdict(list)
    for tally in session.scalars(select(PaperTally).where(PaperTally.item_id.in_(ids)).order_by(PaperTally.id)):
        papers[tally.item_id].append(dict(tally.counts or {}))
    return [ranking.ReviewVote(item.meeting_id, item.unit_id, item.id, _criteria(item), dict(item.group_weights or {}),
                               tuple(ballots[item.id]), tuple(papers[item.id]), item.min_ballots,
                               _item_label(meetings[item.meeting_id], item))
            for item in items]


def _previous_bottom(session: Session, quarter: str) -> frozenset[int]:
    previous = previous_quarter(quarter)
    return frozenset(session.scalars(select(QuarterResult.unit_id).where(
        QuarterResult.quarter == previous, QuarterResult.bottom.is_(True))))


def load_input(session: Session, quarter: str) -> ranking.QuarterInput:
    """The quarter's raw events as the ranking's inputs (meetings that are not rehearsals only)."""
    meetings = {m.id: m for m in counted_meetings(session, quarter)}
    ids = list(meetings)
    attendees = list(session.scalars(select(Attendee).where(Attendee.meeting_id.in_(ids)).order_by(Attendee.id)))
    stand_ins = _stand_ins(attendees)
    called = _called(session, meetings, {a.id: a for a in attendees}, stand_ins)
    all_records, all_held = _all_rounds(session, ids, attendees, stand_ins)
    reviews = _reviews(session, ids, meetings)
    daily = {row.unit_id: row.score for row in session.scalars(select(DailyScore).where(DailyScore.quarter == quarter))}
    unit_ids = {u.id for m in meetings.values() for u in m.units} | {a.unit_id for a in attendees if a.unit_id}
    units = session.scalars(select(Unit).where(Unit.id.in_(unit_ids | set(daily)), Unit.demo.is_(False))).all()
    return ranking.QuarterInput(
        units=[ranking.UnitInfo(u.id, u.name, u.position) for u in units], attendance=_attendance(attendees),
        called=called, all_rounds=all_records, reviews=reviews, daily=daily,
        held={"called": {r.meeting_id for r in called}, "all": all_held, "review": {v.meeting_id for v in reviews}},
        settings=settings_of(session, quarter), previous_bottom=_previous_bottom(session, quarter))


