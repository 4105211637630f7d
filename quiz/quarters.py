"""A quarter's scores against the database: load the raw events into `quiz.ranking`'s inputs, compute, store
`QuarterResult` rows, check them (recompute --check), approve (审定), close and reopen, settings, the 日常考核
import and score corrections. Takes a session and flushes; the boundary commits.

Only meetings of the quarter that are not rehearsals count. Every change of state is logged as a
`QuarterEvent` with who and why; a closed quarter refuses recompute, approval, settings, imports and
corrections until it is reopened with a reason.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.transfer.reading import Columns, FileProblem, Limits, Table, read_upload
from quiz import ranking
from quiz.meetings import QUARTER
from quiz.models import Answer, Attendee, Meeting, Round, Segment, Unit
from quiz.review import PARTS
from quiz.review_models import (
    Ballot,
    DailyScore,
    PaperTally,
    Quarter,
    QuarterEvent,
    QuarterResult,
    ReviewItem,
    ScoreCorrection,
)
from quiz.roster_transfer import key as name_key

CLOSED_VOTES = ("closed", "revealed")
SHOWN_ALL_PHASES = ("closed", "revealed")
UNSCORED_CALLED_PHASES = ("replaced", "preview")
QUARTER_STATUS_LABELS = {"open": "未封存", "closed": "已封存"}


class QuarterError(ValueError):
    """A quarter change that cannot be made; the message is Chinese."""


def previous_quarter(quarter: str) -> str:
    """2026Q1 → 2025Q4."""
    match = QUARTER.match(quarter)
    if match is None:
        raise QuarterError("季度格式应为“2026Q4”")
    year, number = int(match.group(1)), int(match.group(2))
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


# The quarter row and its log


def quarter_row(session: Session, quarter: str, create: bool = False) -> Quarter | None:
    """The quarter's settings and state; created with the defaults when `create` (and the name is valid)."""
    row = session.get(Quarter, quarter)
    if row is None and create:
        if not QUARTER.match(quarter):
            raise QuarterError("季度格式应为“2026Q4”")
        row = Quarter(quarter=quarter, weights={}, thresholds={}, bottom_n=ranking.DEFAULT_BOTTOM_N,
                      status="open", approved=False, revealed=False)
        session.add(row)
        session.flush()
    return row


def quarter_is_closed(session: Session, quarter: str) -> bool:
    """True when the quarter is closed (locked): its scores and the answers behind them may not change."""
    row = session.get(Quarter, quarter)
    return row is not None and row.status == "closed"


def _open_row(session: Session, quarter: str) -> Quarter:
    row = quarter_row(session, quarter, create=True)
    assert row is not None
    if row.status == "closed":
        raise QuarterError(f"{quarter} 已封存，不能再修改；如确需修改，请先解封并说明理由")
    return row


def log(session: Session, quarter: str, kind: str, actor: str, reason: str = "", **detail: Any) -> None:
    """Add a line to the quarter's log."""
    session.add(QuarterEvent(quarter=quarter, kind=kind, actor=actor[:64], reason=reason[:300], detail=detail))
    session.flush()


def events(session: Session, quarter: str) -> list[QuarterEvent]:
    """The quarter's log, newest first."""
    return list(session.scalars(select(QuarterEvent).where(QuarterEvent.quarter == quarter)
                                .order_by(QuarterEvent.at.desc(), QuarterEvent.id.desc())))


def settings_of(session: Session, quarter: str) -> ranking.Settings:
    """The quarter's weights, thresholds and bottom N over the defaults."""
    row = session.get(Quarter, quarter)
    if row is None:
        return ranking.Settings()
    return ranking.Settings.from_stored(row.weights, row.thresholds, row.bottom_n)


def counted_meetings(session: Session, quarter: str) -> list[Meeting]:
    """The quarter's meetings that count (rehearsals never do), in date order."""
    return list(session.scalars(select(Meeting).where(Meeting.quarter == quarter, Meeting.rehearsal.is_(False))
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
        facts.append(ranking.CalledRound(round_.meeting_id, unit_id, round_.id, answer.score if answer else None,
                                         _points(meetings[round_.meeting_id]), person.name,
                                         str((round_.question or {}).get("stem", ""))))
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
    units = session.scalars(select(Unit).where(Unit.id.in_(unit_ids | set(daily)))).all()
    return ranking.QuarterInput(
        units=[ranking.UnitInfo(u.id, u.name, u.position) for u in units], attendance=_attendance(attendees),
        called=called, all_rounds=all_records, reviews=reviews, daily=daily,
        held={"called": {r.meeting_id for r in called}, "all": all_held, "review": {v.meeting_id for v in reviews}},
        settings=settings_of(session, quarter), previous_bottom=_previous_bottom(session, quarter))


def compute(session: Session, quarter: str) -> list[ranking.UnitScore]:
    """The quarter's results as they would be computed now, in rank order (nothing stored)."""
    return ranking.compute_quarter(load_input(session, quarter))


# Stored results and their differences


def results(session: Session, quarter: str) -> list[QuarterResult]:
    """The stored results in rank order (unranked units last, in display order)."""
    rows = session.execute(select(QuarterResult, Unit.position).join(Unit, Unit.id == QuarterResult.unit_id)
                           .where(QuarterResult.quarter == quarter)).all()
    ordered = sorted(rows, key=lambda r: (r[0].rank is None, r[0].rank or 0, r[1], r[0].unit_id))
    return [row for row, _ in ordered]


def _snapshot(total: float | None, rank: int | None, bottom: bool, repeat: bool, grade: str,
              components: dict[str, Any]) -> dict[str, Any]:
    return {"total": total, "rank": rank, "bottom": bool(bottom), "repeat_bottom": bool(repeat),
            "proposed_grade": grade, "components": {k: (c.get("value"), c.get("status"), c.get("weight"))
                                                    for k, c in components.items()}}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), abs_tol=0.005)
    return a == b


FIELD_LABELS = {"total": "总分", "rank": "名次", "bottom": "排名靠后", "repeat_bottom": "连续靠后",
                "proposed_grade": "建议等次"}


def _part(component: tuple[Any, Any, Any]) -> str:
    value, status, weight = component
    weight_text = "—" if weight is None else f"{weight:g}"
    return f"{_fmt(value)}（{ranking.STATUS_LABELS.get(status, '—')}，权重{weight_text}）"


def _component_lines(name: str, old: dict, new: dict) -> list[str]:
    lines = []
    for key in ranking.COMPONENTS:
        before, after = old.get(key, (None, None, None)), new.get(key, (None, None, None))
        if not all(_same(x, y) for x, y in zip(before, after, strict=True)):
            label = ranking.COMPONENT_LABELS[key]
            lines.append(f"{name}：{label} {_part(before)} → {_part(after)}")
    return lines


def differences(stored: list[QuarterResult], computed: list[ranking.UnitScore], names: dict[int, str]) -> list[str]:
    """Readable lines, one per difference between the stored results and a fresh computation."""
    old = {r.unit_id: _snapshot(r.total, r.rank, r.bottom, r.repeat_bottom, r.proposed_grade, r.components or {})
           for r in stored}
    lines: list[str] = []
    for score in computed:
        new = _snapshot(score.total, score.rank, score.bottom, score.repeat_bottom, score.proposed_grade,
                        {k: c.as_json() for k, c in score.components.items()})
        before = old.pop(score.unit_id, None)
        if before is None:
            lines.append(f"{score.name}：尚未存储结果（计算为总分 {_fmt(score.total)}，名次 {_fmt(score.rank)}）")
            continue
        lines += [f"{score.name}：{label} {_fmt(before[f])} → {_fmt(new[f])}" for f, label in FIELD_LABELS.items()
                  if not _same(before[f], new[f])]
        lines += _component_lines(score.name, before["components"], new["components"])
    lines += [f"{names.get(unit_id, unit_id)}：已存储，但已不在本季度的计算中" for unit_id in old]
    return lines


def _store(session: Session, quarter: str, computed: list[ranking.UnitScore]) -> None:
    stored = session.scalars(select(QuarterResult).where(QuarterResult.quarter == quarter))
    existing = {row.unit_id: row for row in stored}
    for score in computed:
        row = existing.pop(score.unit_id, None)
        if row is None:
            row = QuarterResult(quarter=quarter, unit_id=score.unit_id, grade="")
            session.add(row)
        row.components = {k: c.as_json() for k, c in score.components.items()}
        row.total, row.rank, row.bottom, row.repeat_bottom = score.total, score.rank, score.bottom, score.repeat_bottom
        row.proposed_grade = score.proposed_grade
    for stale in existing.values():
        session.delete(stale)
    session.flush()


def unit_names(session: Session, unit_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Unit id → name (all units when no ids are given)."""
    query = select(Unit.id, Unit.name)
    if unit_ids is not None:
        query = query.where(Unit.id.in_(list(unit_ids)))
    return dict(session.execute(query).tuples().all())


def recompute(session: Session, quarter: str, check: bool = False, actor: str = "系统") -> list[str]:
    """Compute the quarter afresh and return how it differs from what is stored. With `check`, store
    nothing (allowed on a closed quarter). Otherwise store it (refused when closed); a change withdraws an
    earlier approval (审定), which must then be given again."""
    computed = compute(session, quarter)
    stored = results(session, quarter)
    lines = differences(stored, computed, unit_names(session, [r.unit_id for r in stored]))
    if check:
        return lines
    row = _open_row(session, quarter)
    _store(session, quarter, computed)
    withdrawn = bool(lines) and row.approved
    if withdrawn:
        row.approved = False
    log(session, quarter, "recompute", actor, changes=len(lines), units=len(computed), approval_withdrawn=withdrawn)
    return lines


# Approval (审定), closing, reopening, settings


@dataclass(frozen=True)
class GradeDecision:
    """Staff's confirmed grade for a unit, and the reason (required for 软弱涣散)."""

    grade: str
    reason: str = ""


def _check_decision(row: QuarterResult, decision: GradeDecision, name: str) -> None:
    if decision.grade and decision.grade not in ranking.GRADES:
        raise QuarterError(f"“{name}”的等次无效")
    if row.total is not None and not decision.grade:
        raise QuarterError(f"请为“{name}”审定等次")
    if decision.grade == ranking.WEAK and not decision.reason.strip():
        raise QuarterError(f"将“{name}”认定为软弱涣散，须填写理由")
    if len(decision.reason) > 300:
        raise QuarterError(f"“{name}”的理由不能超过300字")


def approve(session: Session, quarter: str, decisions: dict[int, GradeDecision], actor: str) -> None:
    """审定: store each unit's confirmed grade (it may differ from the proposed one). Every ranked unit needs a
    grade; 软弱涣散 is a formal designation and its reason is logged. Refused when closed or not computed."""
    row = _open_row(session, quarter)
    stored = results(session, quarter)
    if not stored:
        raise QuarterError("请先计算本季度成绩，再审定")
    names = unit_names(session, [r.unit_id for r in stored])
    chosen = {r.unit_id: decisions.get(r.unit_id, GradeDecision("")) for r in stored}
    for result in stored:
        _check_decision(result, chosen[result.unit_id], names[result.unit_id])
    for result in stored:
        decision = chosen[result.unit_id]
        result.grade = decision.grade
        if decision.grade == ranking.WEAK:
            log(session, quarter, "designate_weak", actor, decision.reason.strip(), unit_id=result.unit_id,
                unit=names[result.unit_id], total=result.total, proposed=result.proposed_grade)
    row.approved = True
    overridden = {names[r.unit_id]: [r.proposed_grade, r.grade] for r in stored if r.grade != r.proposed_grade}
    log(session, quarter, "approve", actor, grades={names[r.unit_id]: r.grade for r in stored}, overridden=overridden)


def close(session: Session, quarter: str, actor: str) -> None:
    """Lock the quarter (封存): only after approval; nothing behind its scores may change until reopened."""
    row = _open_row(session, quarter)
    if not row.approved:
        raise QuarterError("请先完成审定，再封存")
    row.status = "closed"
    log(session, quarter, "close", actor)


def reopen(session: Session, quarter: str, reason: str, actor: str) -> None:
    """Unlock a closed quarter (解封); the reason is required and logged."""
    row = session.get(Quarter, quarter)
    if row is None or row.status != "closed":
        raise QuarterError("本季度未封存")
    if not reason.strip():
        raise QuarterError("解封须说明理由")
    row.status = "open"
    log(session, quarter, "reopen", actor, reason.strip())


def mark_revealed(session: Session, quarter: str, actor: str) -> None:
    """Note that the ranking is being shown on the projector (only once approved)."""
    row = session.get(Quarter, quarter)
    if row is None or not row.approved:
        raise QuarterError("审定后才能在大屏揭晓排名")
    if not row.revealed:
        row.revealed = True
        log(session, quarter, "reveal", actor)


def _finite(value: float, low: float, high: float, label: str) -> float:
    if not math.isfinite(value) or not low <= value <= high:
        raise QuarterError(f"{label}应在{low:g}–{high:g}之间")
    return value


def update_settings(session: Session, quarter: str, weights: dict[str, float], thresholds: dict[str, float],
                    bottom_n: int, actor: str) -> None:
    """Change the weights, grade thresholds and bottom N (refused when closed); recompute to apply them."""
    row = _open_row(session, quarter)
    clean = {k: _finite(float(weights.get(k, 0)), 0, 1000, f"{ranking.COMPONENT_LABELS[k]}权重")
             for k in ranking.COMPONENTS}
    if sum(clean.values()) <= 0:
        raise QuarterError("各项权重之和须大于0")
    excellent = _finite(float(thresholds["excellent"]), 0, 100, "先进分数线")
    weak = _finite(float(thresholds["weak"]), 0, 100, "软弱涣散分数线")
    if weak > excellent:
        raise QuarterError("软弱涣散分数线不能高于先进分数线")
    if not 0 <= bottom_n <= 100:
        raise QuarterError("靠后单位数应在0–100之间")
    row.weights, row.thresholds, row.bottom_n = clean, {"excellent": excellent, "weak": weak}, bottom_n
    log(session, quarter, "settings", actor, weights=clean, thresholds=row.thresholds, bottom_n=bottom_n)


def bottom_units(session: Session, quarter: str) -> list[int]:
    """The units flagged 排名靠后 in the quarter's stored results, best-ranked first (for the next quarter's
    表态发言 agenda)."""
    return [row.unit_id for row in results(session, quarter) if row.bottom]


# 日常考核 import


def _daily_header(text: str) -> str:
    folded = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())
    return {"单位名称": "单位", "得分": "分数", "日常考核": "分数", "日常考核分数": "分数"}.get(folded, folded)


DAILY_COLUMNS = Columns(required=("单位", "分数"), known=("单位", "分数", "备注"), normalise=_daily_header,
                        template_hint="单位, 分数")


@dataclass
class DailyRow:
    """One row of a 日常考核 file: the unit and score it names, or its problems as (column, reason)."""

    number: int
    unit_name: str
    unit_id: int | None = None
    score: float | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DailyReport:
    """What a 日常考核 import would store; nothing is stored while any row is bad."""

    rows: list[DailyRow]
    warnings: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[DailyRow]:
        """Rows with problems."""
        return [row for row in self.rows if row.problems]

    def problem_lines(self) -> list[tuple[int, str, str]]:
        """(row, column, reason) for every problem, in row order."""
        return [(row.number, column, reason) for row in self.bad_rows for column, reason in row.problems]


def _score_problem(text: str) -> tuple[float | None, str | None]:
    if not text:
        return None, "请填写分数"
    try:
        score = float(text)
    except ValueError:
        return None, f"分数应为数字（现为“{text}”）"
    if not math.isfinite(score) or not 0 <= score <= 100:
        return None, f"分数应在0–100之间（现为“{text}”）"
    return score, None


def _daily_row(number: int, cells: dict[str, str], units: dict[str, Unit], first: dict[int, int]) -> DailyRow:
    row = DailyRow(number, " ".join(cells.get("单位", "").split()))
    unit = units.get(name_key(row.unit_name)) if row.unit_name else None
    if not row.unit_name:
        row.problems.append(("单位", "请填写单位"))
    elif unit is None:
        row.problems.append(("单位", f"名册中没有单位“{row.unit_name}”"))
    elif unit.id in first:
        row.problems.append(("单位", f"与第{first[unit.id]}行重复"))
    else:
        first[unit.id], row.unit_id = number, unit.id
    row.score, problem = _score_problem(cells.get("分数", "").strip())
    if problem:
        row.problems.append(("分数", problem))
    return row


def read_daily(session: Session, data: bytes, filename: str, limits: Limits | None = None) -> DailyReport:
    """Check a 日常考核 file (.xlsx / .csv, columns 单位, 分数) row by row; raises `FileProblem` when unusable."""
    table = read_upload(data, filename, limits or Limits(), DAILY_COLUMNS)
    if not isinstance(table, Table):
        raise FileProblem("日常考核只能从 .xlsx 或 .csv 文件导入")
    units = {name_key(u.name): u for u in session.scalars(select(Unit))}
    first: dict[int, int] = {}
    return DailyReport([_daily_row(n, cells, units, first) for n, cells in table.rows], list(table.warnings))


def import_daily(session: Session, quarter: str, report: DailyReport, source: str, actor: str) -> int:
    """Replace the quarter's 日常考核 scores with the file's; refused while any row is bad or when closed."""
    _open_row(session, quarter)
    if report.bad_rows:
        raise QuarterError(f"有{len(report.bad_rows)}行存在问题，未导入。请修正后重新上传")
    if not report.rows:
        raise QuarterError("文件中没有分数")
    for old in session.scalars(select(DailyScore).where(DailyScore.quarter == quarter)):
        session.delete(old)
    session.flush()
    for row in report.rows:
        session.add(DailyScore(quarter=quarter, unit_id=row.unit_id, score=row.score, source=source[:255]))
    log(session, quarter, "daily_import", actor, source=source[:255], rows=len(report.rows))
    return len(report.rows)


# Corrections


def correct_answer(session: Session, answer: Answer, new_score: float, reason: str, actor: str) -> ScoreCorrection:
    """Correct a stored answer's score, recording old and new score, who, when and why (ScoreCorrection).
    Refused when the meeting's quarter is closed, without a reason, or outside 0 … the round's maximum."""
    round_ = session.get(Round, answer.round_id)
    meeting = session.get(Meeting, round_.meeting_id)
    if quarter_is_closed(session, meeting.quarter):
        raise QuarterError(f"{meeting.quarter} 已封存，不能更正分数；如确需更正，请先解封并说明理由")
    if not reason.strip() or len(reason) > 200:
        raise QuarterError("更正分数须说明理由（不超过200字）")
    scoring = {"points": 10, "speed_bonus": 0, **((meeting.settings or {}).get("scoring") or {})}
    points = float(scoring["points"])
    _finite(float(new_score), 0, points + float(scoring["speed_bonus"] or 0), "分数")
    correction = ScoreCorrection(meeting_id=meeting.id, answer_id=answer.id, old_score=answer.score,
                                 new_score=float(new_score), old_payload=answer.payload, new_payload=answer.payload,
                                 reason=reason.strip(), actor=actor[:64])
    answer.score, answer.correct = float(new_score), float(new_score) >= points
    session.add(correction)
    session.flush()
    return correction


# What the pages show


@dataclass
class QuarterSummary:
    """One line of the quarters list."""

    quarter: str
    meetings: int = 0
    rehearsals: int = 0
    results: int = 0
    status: str = "open"
    approved: bool = False


def overview(session: Session) -> list[QuarterSummary]:
    """Every quarter with a meeting or settings, newest first."""
    found: dict[str, QuarterSummary] = {}
    for quarter, rehearsal in session.execute(select(Meeting.quarter, Meeting.rehearsal)):
        line = found.setdefault(quarter, QuarterSummary(quarter))
        line.rehearsals += bool(rehearsal)
        line.meetings += not rehearsal
    for row in session.scalars(select(Quarter)):
        line = found.setdefault(row.quarter, QuarterSummary(row.quarter))
        line.status, line.approved = row.status, row.approved
    for quarter in session.scalars(select(QuarterResult.quarter)):
        found.setdefault(quarter, QuarterSummary(quarter)).results += 1
    return sorted(found.values(), key=lambda line: line.quarter, reverse=True)


@dataclass
class UnitDetail:
    """Everything behind one unit's numbers: attendance per meeting, the called rounds, the 全员答题 records,
    the ballot counts per item (never who gave which ballot) and the 日常考核 score."""

    unit: Unit
    result: QuarterResult | None
    meetings: dict[int, Meeting]
    attendance: list[tuple[Meeting, str | None, dict[str, int]]]
    called: list[ranking.CalledRound]
    all_records: list[ranking.AllRecord]
    reviews: list[tuple[Meeting, dict[str, Any]]]
    daily: DailyScore | None


def unit_detail(session: Session, quarter: str, unit_id: int) -> UnitDetail | None:
    """The drill-down of one unit's quarter result, from the same inputs the score is computed from."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        return None
    data = load_input(session, quarter)
    meetings = {m.id: m for m in counted_meetings(session, quarter)}
    attendance = []
    for fact in data.attendance:
        if fact.unit_id == unit_id:
            counts = {status: fact.statuses.count(status) for status in sorted(set(fact.statuses))}
            attendance.append((meetings[fact.meeting_id], ranking.unit_presence(fact.statuses), counts))
    return UnitDetail(
        unit, session.get(QuarterResult, (quarter, unit_id)), meetings, attendance,
        [r for r in data.called if r.unit_id == unit_id], [r for r in data.all_rounds if r.unit_id == unit_id],
        [(meetings[v.meeting_id], ranking.review_breakdown(v)) for v in data.reviews if v.unit_id == unit_id],
        session.get(DailyScore, (quarter, unit_id)))
