"""Host commands on a live meeting: load → engine → store. Takes a session and flushes; the socket boundary
commits and only then broadcasts (STYLE: store, then tell).

Every command names the meeting revision it was issued against; a stale one (a double click, a second
console) is refused, so no step is ever skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from question_bank import service as bank
from question_bank.draw import DrawFilters
from question_bank.models import Question
from question_bank.transfer.writing import draft_to_record
from quiz.live import calling, engine, hooks, venues
from quiz.live.engine import IllegalMove, Phase, RoundClock
from quiz.live.meetings import log
from quiz.live.models import Answer, Attendee, Meeting, PersonDraw, Round
from quiz.live.scoring import key_point_marks, oral, scoring_settings


class StaleRevision(IllegalMove):
    """The console acted on an old view of the meeting."""


def begin(session: Session, meeting_id: int, expected_revision: int | None, ended_ok: bool = False) -> Meeting:
    """The meeting, locked for this change, after checking it is open (`ended_ok`: or ended, to reopen it) and
    the revision is current."""
    statement = select(Meeting).where(Meeting.id == meeting_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    meeting = session.scalar(statement)
    if meeting is None:
        raise IllegalMove("会议不存在")
    if meeting.status == "ended" and not ended_ok:
        raise IllegalMove("会议已结束")
    if not meeting.rehearsal and hooks.quarter_record().is_closed(session, meeting.quarter):
        raise IllegalMove(f"{meeting.quarter}已关账，本季度会议的记录已锁定；如需更正请先由工作人员重新开放该季度")
    if expected_revision is not None and expected_revision != meeting.revision:
        raise StaleRevision("会议状态刚刚有变化，已刷新，请确认后再操作")
    meeting.revision += 1
    return meeting


def current_round(session: Session, meeting: Meeting) -> Round | None:
    """The round on screen (or in preview), if any."""
    return session.get(Round, meeting.current_round_id) if meeting.current_round_id else None


def _clock(round_: Round) -> RoundClock:
    return RoundClock(Phase(round_.phase), round_.time_limit_s, round_.opened_at, round_.deadline_at,
                      round_.remaining_ms, round_.closed_at, round_.revealed_at)


def _store(round_: Round, clock: RoundClock) -> None:
    for name, value in asdict(clock).items():
        setattr(round_, name, value.value if isinstance(value, Phase) else value)


# ---- calling on people ----------------------------------------------------------------------------------

def _facts(attendee: Attendee, hall_id: int | None = None) -> calling.AttendeeFacts:
    return calling.AttendeeFacts(attendee.id, attendee.unit_id, attendee.status, attendee.is_secretary,
                                 attendee.deputy_id, attendee.position, tuple(attendee.groups), attendee.anonymous,
                                 attendee.excluded_from_draw, attendee.venue_id or hall_id)


def _called_so_far(session: Session, meeting: Meeting) -> list[PersonDraw]:
    """Draws that stand (a draw that was redrawn does not count as a call)."""
    draws = session.scalars(select(PersonDraw).where(PersonDraw.meeting_id == meeting.id)).all()
    redrawn = {d.redraw_of_id for d in draws if d.redraw_of_id}
    return [d for d in draws if d.id not in redrawn]


def draw_person(session: Session, meeting: Meeting, pool: calling.Pool, actor: str,
                redraw_reason: str = "", exclude_previous: bool = False) -> PersonDraw:
    """Call someone at random from the pool, never twice in a meeting; store seed and candidates. A redraw may
    leave the person it replaces out for the rest of the meeting (`exclude_previous`, stored with the draw):
    every later draw's candidates — stored, so the draw replays — leave them out too."""
    _require_settled(session, meeting)
    previous = session.get(PersonDraw, meeting.current_draw_id) if redraw_reason and meeting.current_draw_id else None
    if redraw_reason and previous is None:
        raise IllegalMove("当前没有可重抽的点名")
    standing = _called_so_far(session, meeting)
    called = [d.chosen_id for d in standing if d is not previous] + ([previous.chosen_id] if previous else [])
    called += _excluded_by_redraws(session, meeting)
    units = Counter(d.chosen.unit_id for d in standing if d is not previous)
    hall = venues.convening(meeting)
    members = calling.pool_members([_facts(a, hall.id if hall else None) for a in meeting.attendees], pool,
                                   {u.id for u in meeting.units})
    eligible = calling.eligible(members, called, pool, units)
    candidates = [m.id for m in eligible]
    weights = calling.weights_for(eligible, pool)
    seed = calling.new_seed()
    chosen = calling.pick(candidates, seed, weights)
    draw = PersonDraw(meeting_id=meeting.id, segment_id=meeting.current_segment_id, seed=seed,
                      pool={"kind": pool.kind, "keyword": pool.keyword, "every_unit_once": pool.every_unit_once,
                            "weights": {str(k): v for k, v in weights.items()}, "venue_id": pool.venue_id},
                      candidates=candidates, chosen_id=chosen, redraw_of_id=previous.id if previous else None,
                      redraw_reason=redraw_reason, exclude_previous=bool(previous and exclude_previous))
    session.add(draw)
    session.flush()
    meeting.current_draw_id = draw.id
    log(session, meeting, "redraw_person" if previous else "draw_person", actor, redraw_reason,
        draw_id=draw.id, chosen=chosen, candidates=len(candidates), exclude_previous=draw.exclude_previous)
    return draw


def _excluded_by_redraws(session: Session, meeting: Meeting) -> list[int]:
    """People a redraw left out for the rest of the meeting (e.g. 本人不在场)."""
    replaced = select(PersonDraw.redraw_of_id).where(PersonDraw.meeting_id == meeting.id,
                                                     PersonDraw.exclude_previous.is_(True))
    return list(session.scalars(select(PersonDraw.chosen_id).where(PersonDraw.id.in_(replaced))))


def set_excluded(session: Session, meeting: Meeting, attendee: Attendee, excluded: bool, actor: str) -> None:
    """Leave someone out of the draw (or put them back)."""
    attendee.excluded_from_draw = excluded
    log(session, meeting, "exclude_person" if excluded else "include_person", actor, attendee_id=attendee.id)
    session.flush()


# ---- questions ------------------------------------------------------------------------------------------

def _require_settled(session: Session, meeting: Meeting) -> None:
    round_ = current_round(session, meeting)
    if round_ is not None and not engine.can_move_on(_clock(round_)):
        raise IllegalMove("当前题目尚未收卷，请先收卷或换题")


def _new_round(session: Session, meeting: Meeting, question: Question, mode: str, seed: int | None) -> Round:
    if mode not in ("called", "all"):
        raise IllegalMove("未知的作答方式")
    called_id = None
    if mode == "called":
        draw = session.get(PersonDraw, meeting.current_draw_id) if meeting.current_draw_id else None
        if draw is None:
            raise IllegalMove("点名作答须先随机点名")
        called_id = draw.chosen_id
    round_ = Round(meeting_id=meeting.id, segment_id=meeting.current_segment_id, mode=mode, question_id=question.id,
                   question=draft_to_record(question.to_draft()) | {"id": question.id}, draw_seed=seed,
                   draw_id=meeting.current_draw_id if mode == "called" else None, called_id=called_id,
                   time_limit_s=int(meeting.settings.get("time_limit_s", 60)), phase=Phase.PREVIEW.value)
    session.add(round_)
    session.flush()
    meeting.current_round_id = round_.id
    return round_


def shown_question_ids(session: Session, meeting: Meeting) -> frozenset[int]:
    """Questions this meeting has already put on screen (never drawn again in it)."""
    rows = session.scalars(select(Round.question_id).where(
        Round.meeting_id == meeting.id, Round.opened_at.is_not(None), Round.question_id.is_not(None)))
    return frozenset(rows)


def draw_question(session: Session, meeting: Meeting, filters: DrawFilters, mode: str, actor: str) -> Round:
    """Draw a question from the bank into preview (the console sees it; the room does not yet)."""
    _require_settled(session, meeting)
    filters = DrawFilters(**{**asdict(filters), "exclude_ids": shown_question_ids(session, meeting)})
    result = bank.draw_questions(session, filters, 1, recent_meeting_count=int(meeting.settings.get(
        "recent_meetings", 0)))
    round_ = _new_round(session, meeting, session.get(Question, result.question_ids[0]), mode, result.seed)
    log(session, meeting, "draw_question", actor, round_id=round_.id, question_id=round_.question_id,
        seed=result.seed, eligible=result.eligible)
    return round_


def pick_question(session: Session, meeting: Meeting, question_id: int, mode: str, actor: str) -> Round:
    """Put a question the host chose into preview."""
    _require_settled(session, meeting)
    question = session.get(Question, question_id)
    if question is None or not question.enabled:
        raise IllegalMove("题目不存在或已停用")
    round_ = _new_round(session, meeting, question, mode, None)
    log(session, meeting, "pick_question", actor, round_id=round_.id, question_id=question_id)
    return round_


def _live_round(session: Session, meeting: Meeting) -> Round:
    round_ = current_round(session, meeting)
    if round_ is None:
        raise IllegalMove("当前没有题目")
    return round_


def show(session: Session, meeting: Meeting, actor: str, now: datetime | None = None) -> Round:
    """Put the previewed question on screen and start the countdown; it counts as used unless rehearsing."""
    round_ = _live_round(session, meeting)
    _store(round_, engine.show(_clock(round_), now or utcnow()))
    if not meeting.rehearsal and round_.question_id is not None:
        bank.record_usage(session, round_.question_id, meeting.id, f"{meeting.quarter} {meeting.title}")
    log(session, meeting, "show_question", actor, round_id=round_.id)
    session.flush()
    return round_


def clock_command(session: Session, meeting: Meeting, action: str, actor: str, seconds: int = 0) -> Round:
    """pause / resume / extend / close / reveal on the current round."""
    round_ = _live_round(session, meeting)
    now = utcnow()
    moves = {"pause": lambda c: engine.pause(c, now), "resume": lambda c: engine.resume(c, now),
             "extend": lambda c: engine.extend(c, seconds), "close": lambda c: engine.close(c, now),
             "reveal": lambda c: engine.reveal(c, now)}
    if action not in moves:
        raise IllegalMove("未知的操作")
    _store(round_, moves[action](_clock(round_)))
    log(session, meeting, f"{action}_question", actor, round_id=round_.id, seconds=seconds or None)
    session.flush()
    return round_


def replace(session: Session, meeting: Meeting, reason: str, actor: str) -> Round:
    """换一题: withdraw the current question, with the host's reason in the log."""
    if not reason.strip():
        raise IllegalMove("换题须填写原因")
    round_ = _live_round(session, meeting)
    _store(round_, engine.replace_question(_clock(round_)))
    round_.replaced_reason = reason.strip()[:200]
    log(session, meeting, "replace_question", actor, reason.strip()[:200], round_id=round_.id)
    meeting.current_round_id = None
    session.flush()
    return round_


def next_question(session: Session, meeting: Meeting, actor: str) -> None:
    """Clear the screen for the next question (the current one must be settled)."""
    _require_settled(session, meeting)
    round_ = current_round(session, meeting)
    if round_ is not None and round_.phase == Phase.PREVIEW.value:
        _store(round_, engine.replace_question(_clock(round_)))
        round_.replaced_reason = "未出示"
    meeting.current_round_id = None
    log(session, meeting, "next_question", actor)
    session.flush()


def close_if_due(session: Session, round_id: int) -> bool:
    """The timer's call: close the round if it is open and past its deadline. Idempotent."""
    round_ = session.get(Round, round_id)
    if round_ is None or not engine.is_due(_clock(round_), utcnow()):
        return False
    meeting = begin(session, round_.meeting_id, None)
    _store(round_, engine.close(_clock(round_), utcnow()))
    log(session, meeting, "time_up", "timer", round_id=round_.id)
    session.flush()
    return True


def score_oral(session: Session, meeting: Meeting, verdict: dict, actor: str) -> Answer:
    """The host marks the called person's spoken answer (ticked key points, or right / wrong)."""
    round_ = _live_round(session, meeting)
    if round_.mode != "called" or round_.called_id is None:
        raise IllegalMove("只有点名作答的题目可以由主持人评分")
    if round_.phase not in (Phase.OPEN.value, Phase.PAUSED.value, Phase.CLOSED.value, Phase.REVEALED.value):
        raise IllegalMove("请先出示题目")
    marked = oral(round_.question, verdict, scoring_settings(meeting.settings.get("scoring")))
    if "ticked" in verdict:  # the record keeps which key points were ticked, in words, not only the total
        verdict = {**verdict, "key_points": key_point_marks(round_.question, verdict)}
    answer = session.scalar(select(Answer).where(Answer.round_id == round_.id, Answer.attendee_id == round_.called_id))
    if answer is None:
        answer = Answer(round_id=round_.id, attendee_id=round_.called_id, client_id=f"host-{round_.id}")
        session.add(answer)
    elif (answer.score, answer.payload) != (marked.score, verdict):
        # A changed score is a correction on the record (who, when, why), never a silent edit.
        hooks.quarter_record().record_correction(session, meeting, answer, marked.score, verdict, "主持人重新评分",
                                                 actor)
    answer.payload, answer.source, answer.correct, answer.score = verdict, "host", marked.correct, marked.score
    log(session, meeting, "score_oral", actor, round_id=round_.id, score=marked.score, verdict=verdict)
    session.flush()
    return answer


def mark_started(meeting: Meeting) -> None:
    """The host's first step on the agenda: from now on the meeting was held (召开) and cannot be deleted."""
    if meeting.started_at is None:
        meeting.started_at = utcnow()


def set_meeting_status(session: Session, meeting: Meeting, status: str, actor: str, close_votes: bool = False) -> None:
    """Open the lobby or end the meeting. A meeting does not end over an open vote: the host closes it first,
    or asks for it to be closed as part of the end (`close_votes`; the review wing's: hooks.review_segments)."""
    if status not in ("open", "ended"):
        raise IllegalMove("未知的会议状态")
    if status == "ended":
        _require_settled(session, meeting)
        hooks.review_segments().before_end(session, meeting, actor, close_votes)
    meeting.status = status
    log(session, meeting, f"meeting_{status}", actor)
    session.flush()


def set_segment(session: Session, meeting: Meeting, segment_id: int, actor: str) -> None:
    """Move the agenda to a segment (a review segment gets its items: hooks.review_segments)."""
    if segment_id not in {s.id for s in meeting.segments}:
        raise IllegalMove("议程中没有这个环节")
    meeting.current_segment_id = segment_id
    segment = next(s for s in meeting.segments if s.id == segment_id)
    segments = hooks.review_segments()
    if segment.kind in segments.kinds:
        segments.on_reached(session, meeting, segment)
    log(session, meeting, "set_segment", actor, segment_id=segment_id)
    session.flush()
