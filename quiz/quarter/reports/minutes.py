"""A meeting's minutes and a unit's history across quarters."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.localtime import local
from quiz.live.attendance import who_label
from quiz.live.attendance_figures import Figures, attendance_figures
from quiz.live.calling import POOL_KINDS
from quiz.live.models import Answer, Attendee, Meeting, PersonDraw, Round, Segment
from quiz.live.scoring import key_point_marks
from quiz.quarter.models import Quarter, QuarterResult, ScoreCorrection
from quiz.quarter.reports.text import (
    COMMITMENT_KINDS,
    COMPONENTS,
    KEPT_LABELS,
    MODE_LABELS,
    VOTE_LABELS,
    chinese_date,
    component_text,
    flags_text,
    grade_text,
    number_text,
    percent_text,
    quarter_label,
)
from quiz.quarter.reports.venues import VENUE_HEADER, handover_lines, venue_table, venue_unit_tables
from quiz.review import ballots as review
from quiz.review import service as reviewing
from quiz.review.models import Commitment, ReviewItem
from quiz.roster.models import Unit

# a meeting's minutes --------------------------------------------------------------------------------

def attendance_rows(session: Session, meeting: Meeting) -> tuple[list[Figures], Figures]:
    """Attendance per participating unit in display order, and the meeting's total (quiz/live/attendance_figures.py:
    the same query and rule as the quarter's report)."""
    return attendance_figures(session, [meeting.id], list(meeting.units))


def _who(attendee: Attendee | None) -> str:
    if attendee is None:
        return ""
    unit = attendee.unit.name if attendee.unit else ""
    return " ".join(part for part in (unit, who_label(attendee)) if part)


def _local_time(moment: datetime | None) -> str:
    return local(moment).strftime("%H:%M") if moment else ""


def draw_lines(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """Every random call in order; a redraw names the draw it replaced and the host's reason."""
    draws = session.scalars(select(PersonDraw).where(PersonDraw.meeting_id == meeting.id)
                            .order_by(PersonDraw.id)).all()
    numbers = {draw.id: index for index, draw in enumerate(draws, start=1)}
    redrawn = {draw.redraw_of_id for draw in draws if draw.redraw_of_id}
    return [{"number": numbers[d.id], "time": _local_time(d.created_at), "who": _who(d.chosen),
             "pool": POOL_KINDS.get(str((d.pool or {}).get("kind")), "随机点名"), "candidates": len(d.candidates or []),
             "redraw_of": numbers.get(d.redraw_of_id) if d.redraw_of_id else None,
             "redraw_reason": d.redraw_reason, "excluded": d.exclude_previous, "superseded": d.id in redrawn}
            for d in draws]


def _answer_facts(session: Session, meeting: Meeting) -> dict[int, list[tuple[int, int | None, bool, float]]]:
    rows = session.execute(select(Answer.round_id, Answer.attendee_id, Attendee.unit_id, Answer.correct, Answer.score)
                           .join(Round, Answer.round_id == Round.id).join(Attendee, Answer.attendee_id == Attendee.id)
                           .where(Round.meeting_id == meeting.id))
    facts: dict[int, list[tuple[int, int | None, bool, float]]] = defaultdict(list)
    for round_id, attendee_id, unit_id, correct, score in rows:
        facts[round_id].append((attendee_id, unit_id, bool(correct), float(score)))
    return facts


def _round_result(round_: Round, answers: list[tuple[int, int | None, bool, float]], present: int) -> str:
    if round_.mode == "called":
        mine = next((a for a in answers if a[0] == round_.called_id), None)
        if mine is None:
            return "未作答"
        return f"{'答对' if mine[2] else '未答对'}，得{mine[3]:g}分"
    correct = sum(a[2] for a in answers)
    return (f"作答{len(answers)}人（应答{present}人），答对{correct}人，"
            f"正确率{percent_text(correct, len(answers))}")


def _asked(round_: Round) -> bool:
    """A round the room saw, or one withdrawn with a real reason (a preview merely skipped is left out)."""
    return round_.opened_at is not None or (round_.phase == "replaced" and round_.replaced_reason not in ("", "未出示"))


def round_lines(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """Every question put to the room: stem, mode, who answered and how; replaced ones with their reason."""
    rounds = [r for r in session.scalars(select(Round).where(Round.meeting_id == meeting.id).order_by(Round.id))
              if _asked(r)]
    facts = _answer_facts(session, meeting)
    present = sum(1 for a in meeting.attendees if a.status == "present")
    verdicts = dict(session.execute(select(Answer.round_id, Answer.payload).join(Round, Answer.round_id == Round.id)
                                    .where(Round.meeting_id == meeting.id, Round.mode == "called",
                                           Answer.attendee_id == Round.called_id)).all())
    return [{"number": number, "mode": MODE_LABELS.get(r.mode, r.mode), "type": r.question.get("type", ""),
             "stem": r.question.get("stem", ""), "options": list(r.question.get("options") or []),
             "called": _who(r.called) if r.mode == "called" else "全体参会人员", "time": _local_time(r.opened_at),
             "replaced": r.phase == "replaced", "replaced_reason": r.replaced_reason,
             "key_points": key_point_marks(r.question, verdicts.get(r.id)) if r.mode == "called" else [],
             "result": "" if r.phase == "replaced" else _round_result(r, facts.get(r.id, []), present)}
            for number, r in enumerate(rounds, start=1)]


def correction_lines(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """Scores corrected after the fact: whose, from what to what, why and by whom."""
    rows = session.execute(select(ScoreCorrection, Attendee).join(Answer, ScoreCorrection.answer_id == Answer.id)
                           .join(Attendee, Answer.attendee_id == Attendee.id)
                           .where(ScoreCorrection.meeting_id == meeting.id).order_by(ScoreCorrection.id))
    return [{"who": _who(attendee), "old": f"{c.old_score:g}", "new": f"{c.new_score:g}", "reason": c.reason,
             "actor": c.actor, "time": _local_time(c.at)} for c, attendee in rows]


def _speech_length(item: ReviewItem) -> str:
    if not (item.speech_started_at and item.speech_stopped_at):
        return ""
    seconds = int((item.speech_stopped_at - item.speech_started_at).total_seconds())
    return f"{seconds // 60}分{seconds % 60:02d}秒"


def vote_result(tally: review.Tally, criteria: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """A revealed vote in words, from its aggregate only: the score, then the ratings or each criterion's mean."""
    if not tally.ballots:
        return []
    lines = [("得分", f"{number_text(tally.score)}分")]
    if not criteria:
        return lines + [("评价", "，".join(f"{word}{count}票" for word, count in tally.ratings.items()))]
    names = [str(c.get("name", "")) for c in criteria]
    return lines + [(name, f"平均{tally.criteria_sums.get(name, 0.0) / tally.ballots:.2f}分") for name in names]


def _review_line(session: Session, meeting: Meeting, item: ReviewItem, segment: Segment) -> dict[str, Any]:
    ballots, eligible = reviewing.turnout(session, meeting, item)
    revealed = item.vote_state == "revealed"
    return {"segment": segment.title, "unit": item.unit.name, "speaker": _who(item.speaker),
            "part": review.PARTS.get(item.part, ""), "length": _speech_length(item),
            "vote": VOTE_LABELS.get(item.vote_state, item.vote_state), "ballots": ballots, "eligible": eligible,
            "turnout": f"{ballots}/{eligible}（{percent_text(ballots, eligible)}）", "revealed": revealed,
            "result": vote_result(reviewing.result(session, item), item.criteria or []) if revealed else [],
            "comment": item.comment}


def review_lines(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """Each 述职评议 / 表态发言 turn: unit, speaker, turnout (ballots / eligible raters present, as the live
    meeting counts them), the result only once revealed, and the host's comment."""
    items = session.execute(select(ReviewItem, Segment).join(Segment, ReviewItem.segment_id == Segment.id)
                            .where(ReviewItem.meeting_id == meeting.id)
                            .order_by(Segment.position, ReviewItem.position, ReviewItem.id)).all()
    return [_review_line(session, meeting, item, segment) for item, segment in items]


def commitment_lines(session: Session, meeting: Meeting) -> dict[str, list[dict[str, str]]]:
    """Commitments stated at this meeting, and earlier ones whose keeping was rated at it."""
    def lines(condition) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
        rows = session.execute(select(Commitment, Unit).join(Unit, Commitment.unit_id == Unit.id).where(condition)
                               .order_by(Unit.position, Commitment.id))
        return [{"unit": unit.name, "kind": COMMITMENT_KINDS.get(c.kind, c.kind), "text": c.text,
                 "kept": KEPT_LABELS.get(c.kept, c.kept or "")} for c, unit in rows]

    return {"made": lines(Commitment.meeting_id == meeting.id),
            "rated": lines(Commitment.rated_in_meeting_id == meeting.id)}


def meeting_minutes(session: Session, meeting_id: int) -> dict[str, Any] | None:
    """A meeting's minutes: attendance per unit (and per venue when held in several halls), calls, questions,
    review turns, comments and commitments, the main role's handovers (None when there is no such meeting)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    units, total = attendance_rows(session, meeting)
    return {"meeting": meeting, "quarter_label": quarter_label(meeting.quarter),
            "held_on": chinese_date(meeting.held_on), "attendance": units, "attendance_total": total,
            "draws": draw_lines(session, meeting), "rounds": round_lines(session, meeting),
            "corrections": correction_lines(session, meeting), "reviews": review_lines(session, meeting),
            "commitments": commitment_lines(session, meeting),
            # A meeting held in several halls: each venue's attendance (and its units'), the main role's handovers.
            "venue_header": VENUE_HEADER, "venue_table": venue_table(session, meeting),
            "venue_units": venue_unit_tables(session, meeting), "handovers": handover_lines(session, meeting)}


# ---- a unit's history -----------------------------------------------------------------------------------

def unit_history(session: Session, unit_id: int) -> list[dict[str, Any]]:
    """The unit's stored result for each quarter, oldest first: total, rank (of how many ranked), components,
    flags, grade, and whether the quarter is approved."""
    ranked = dict(session.execute(select(QuarterResult.quarter, func.count()).where(QuarterResult.rank.is_not(None))
                                  .group_by(QuarterResult.quarter)).all())
    rows = session.execute(select(QuarterResult, Quarter).outerjoin(Quarter, QuarterResult.quarter == Quarter.quarter)
                           .where(QuarterResult.unit_id == unit_id).order_by(QuarterResult.quarter)).all()
    return [{"quarter": r.quarter, "label": quarter_label(r.quarter), "total": r.total, "rank": r.rank,
             "ranked": ranked.get(r.quarter, 0), "approved": bool(q and q.approved),
             "components": {COMPONENTS.get(k, k): component_text(c) for k, c in (r.components or {}).items()},
             "flags": flags_text(r.bottom, r.repeat_bottom), "grade": grade_text(r.grade, r.proposed_grade)}
            for r, q in rows]


def history_chart(history: list[dict[str, Any]]) -> dict[str, Any]:
    """The trend chart's data: quarter labels, totals and ranks (None where a quarter has none)."""
    return {"labels": [h["label"] + ("" if h["approved"] else "（未审定）") for h in history],
            "totals": [round(h["total"], 2) if h["total"] is not None else None for h in history],
            "ranks": [h["rank"] for h in history], "ranked": max((h["ranked"] for h in history), default=0)}


def history_columns(history: list[dict[str, Any]]) -> list[str]:
    """The component labels any of the unit's quarters has, in the usual order."""
    seen = {label for row in history for label in row["components"]}
    return [label for label in COMPONENTS.values() if label in seen] + sorted(seen - set(COMPONENTS.values()))


def report_index(session: Session) -> dict[str, Any]:
    """What the reports page lists: quarters (newest first), meetings, active units."""
    quarters = session.scalars(select(Quarter).order_by(Quarter.quarter.desc())).all()
    meetings = session.scalars(select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc())).all()
    units = session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.position, Unit.name)).all()
    return {"quarters": [(q, quarter_label(q.quarter)) for q in quarters], "meetings": meetings, "units": units}
