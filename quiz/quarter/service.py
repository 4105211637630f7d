"""A quarter's scores against the database: compute and store `QuarterResult` rows, check them (recompute
--check), approve (审定), close and reopen, settings, and score corrections. Takes a session and flushes; the
boundary commits.

Only meetings of the quarter that are not rehearsals count. Every change of state is logged as a
`QuarterEvent` with who and why; a closed quarter refuses recompute, approval, settings, imports and
corrections until it is reopened with a reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.live.meetings import QUARTER
from quiz.live.models import Answer, Meeting, Round
from quiz.quarter import ranking
from quiz.quarter.inputs import load_input
from quiz.quarter.models import Quarter, QuarterEvent, QuarterResult, ScoreCorrection
from quiz.roster.models import Unit

CLOSED_VOTES = ("closed", "revealed")
SHOWN_ALL_PHASES = ("closed", "revealed")
UNSCORED_CALLED_PHASES = ("replaced", "preview")
QUARTER_STATUS_LABELS = {"open": "未封存", "closed": "已封存"}


class QuarterError(ValueError):
    """A quarter change that cannot be made; the message is Chinese."""


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
    from quiz.review.vote import open_votes

    meeting_ids = list(session.scalars(select(Meeting.id).where(Meeting.quarter == quarter)))
    if open_votes(session, meeting_ids):
        raise QuarterError("本季度仍有会议的评议投票未结束，请先结束投票，再封存")
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


def meeting_reopen_lock(session: Session, quarter: str) -> str | None:
    """Why an ended meeting of `quarter` may not be reopened: the quarter's results are approved (审定) — what
    was approved must not change under it (quiz/live/closing.py)."""
    row = session.get(Quarter, quarter)
    if row is not None and row.approved:
        return f"{quarter}的成绩已审定，本季度的会议不能再重新开放"
    return None


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


