"""Host commands: validate the payload, run one service, commit, publish, then start what follows (a timer,
personal results). Refusals roll back and answer only the sender."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from core.db import BUSY_MESSAGE, DatabaseBusy, db
from core.realtime import end_room, socketio
from question_bank.draw import DrawFilters, NotEnoughQuestions
from question_bank.kinds import QuestionType
from quiz.live import attendance, calling, closing, hooks, meetings, payloads, protocol, venues
from quiz.live import hosting as live
from quiz.live.engine import IllegalMove
from quiz.live.models import Attendee, Meeting, Round
from quiz.live.publish import CountTicker, publish, schedule_close, send_results
from quiz.live.writer import AnswerWriter


class BadPayload(ValueError):
    """The command's payload names something that is not in this meeting."""


def _attendee(session: Session, meeting: Meeting, attendee_id: int) -> Attendee:
    attendee = session.get(Attendee, attendee_id)
    if attendee is None or attendee.meeting_id != meeting.id:
        raise BadPayload("参会人员不存在")
    return attendee


def _pool(session: Session, meeting: Meeting, p: payloads.PoolCommand) -> calling.Pool:
    favour = frozenset(meetings.pledge_units(session, meeting)) if p.favour_flagged else frozenset()
    if p.venue_id is not None and all(v.id != p.venue_id for v in meeting.venues):
        raise BadPayload("会场不存在")  # another meeting's venue is not a pool of this one
    return calling.Pool(p.pool, p.keyword, p.every_unit_once, favour, venue_id=p.venue_id)


def _filters(p: payloads.DrawQuestionCommand) -> DrawFilters:
    return DrawFilters(types=frozenset(QuestionType(t) for t in p.types),
                       categories=frozenset([p.category] if p.category else []),
                       min_difficulty=p.min_difficulty, max_difficulty=p.max_difficulty)


def _verdict(p: payloads.ScoreOralCommand) -> dict:
    return {"right": p.right} if p.right is not None else {"ticked": sorted(set(p.ticked or []))}


def _set_attendance(s: Session, m: Meeting, p: payloads.AttendanceCommand, actor: str) -> None:
    if p.status == "deputized" and p.deputy_id is None:
        raise BadPayload("代会须指定本次会议的另一名参会人员")
    deputy = _attendee(s, m, p.deputy_id) if p.status == "deputized" else None
    attendance.set_status(s, _attendee(s, m, p.attendee_id), p.status, deputy)
    meetings.log(s, m, "set_attendance", actor, attendee_id=p.attendee_id, status=p.status)


# name → service call; the review's commands are its wing's (hooks.review_segments().commands)
COMMANDS: dict[str, hooks.Service] = {
    "start_meeting": lambda s, m, p, a: live.set_meeting_status(s, m, "open", a),
    "end_meeting": lambda s, m, p, a: live.set_meeting_status(s, m, "ended", a, p.close_votes),
    "set_segment": lambda s, m, p, a: live.set_segment(s, m, p.segment_id, a),
    "draw_person": lambda s, m, p, a: live.draw_person(s, m, _pool(s, m, p), a),
    "redraw_person": lambda s, m, p, a: live.draw_person(s, m, _pool(s, m, p), a, p.reason, p.exclude),
    "exclude_person": lambda s, m, p, a: live.set_excluded(s, m, _attendee(s, m, p.attendee_id), True, a),
    "include_person": lambda s, m, p, a: live.set_excluded(s, m, _attendee(s, m, p.attendee_id), False, a),
    "draw_question": lambda s, m, p, a: live.draw_question(s, m, _filters(p), p.mode, a),
    "pick_question": lambda s, m, p, a: live.pick_question(s, m, p.question_id, p.mode, a),
    "show_question": lambda s, m, p, a: live.show(s, m, a),
    "pause_question": lambda s, m, p, a: live.clock_command(s, m, "pause", a),
    "resume_question": lambda s, m, p, a: live.clock_command(s, m, "resume", a),
    "extend_question": lambda s, m, p, a: live.clock_command(s, m, "extend", a, p.seconds),
    "close_question": lambda s, m, p, a: live.clock_command(s, m, "close", a),
    "reveal_answer": lambda s, m, p, a: live.clock_command(s, m, "reveal", a),
    "replace_question": lambda s, m, p, a: live.replace(s, m, p.reason, a),
    "next_question": lambda s, m, p, a: live.next_question(s, m, a),
    "score_oral": lambda s, m, p, a: live.score_oral(s, m, _verdict(p), a),
    "set_attendance": _set_attendance,
    "approve_device": lambda s, m, p, a: attendance.approve_device(s, _attendee(s, m, p.attendee_id), p.confirm),
    "release_device": lambda s, m, p, a: attendance.release_device(s, _attendee(s, m, p.attendee_id)),
    "reopen_meeting": lambda s, m, p, a: closing.reopen(s, m, p.reason, a, hooks.quarter_record().reopen_lock),
    "hand_over_main": lambda s, m, p, a: venues.hand_over(s, m, p.venue_id, p.reason, a),
}
TIMED = {"show_question", "resume_question", "extend_question"}
# Commands that end a phone's binding: its old socket is told, then disconnected (on every worker).
UNBINDING = {"approve_device", "release_device"}
BINDING_ENDED_MESSAGE = "本设备的绑定已解除，请重新扫描座位卡"
# Commands that change an attendee's row: only their broadcasts carry the console's attendee rows.
ROSTER = {"set_attendance", "approve_device", "release_device", "exclude_person", "include_person"}
DOMAIN_ERRORS = (IllegalMove, BadPayload, NotEnoughQuestions, calling.NobodyToCall, attendance.AttendanceError,
                 venues.VenueError)
# Commands that do not start the meeting (a handover before the start is part of its set-up).
NOT_STARTING = {"end_meeting", "reopen_meeting", "hand_over_main"}


def run(name: str, identity, payload: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Run one host command for a connection; returns the ack."""
    session = db.session
    if identity is None or identity.kind != "host":
        _log_refusal(session, name, identity)
        return {"ok": False, "error": "只有主持人可以操作会议"}
    try:
        command = payloads.parse(payloads.HOST_MODELS[name], payload, labels=payloads.LABELS)
    except payloads.Invalid as error:
        return {"ok": False, "error": str(error), "rev": _revision(session, identity.meeting_id)}
    segments = hooks.review_segments()
    try:
        meeting = live.begin(session, identity.meeting_id, command.rev, ended_ok=name == "reopen_meeting")
        if name not in ROSTER | NOT_STARTING:
            live.mark_started(meeting)
        result = (COMMANDS.get(name) or segments.commands[name])(session, meeting, command, identity.actor)
        session.commit()
    except (*DOMAIN_ERRORS, *segments.refusals) as error:
        session.rollback()
        return {"ok": False, "error": str(error), "rev": _revision(session, identity.meeting_id)}
    except DatabaseBusy as error:
        session.rollback()
        current_app.logger.warning("host command %s not run, database busy: %s", name, error.orig)
        return {"ok": False, "error": BUSY_MESSAGE, "rev": _revision(session, identity.meeting_id)}
    publish(meeting, roster=name in ROSTER)
    _after(name, meeting, result)
    return {"ok": True, "rev": meeting.revision}


def _after(name: str, meeting: Meeting, result: Any) -> None:
    app = current_app._get_current_object()
    if name in TIMED and isinstance(result, Round) and result.deadline_at is not None:
        schedule_close(app, result.id, result.deadline_at)
    if name == "reveal_answer" and isinstance(result, Round):
        socketio.start_background_task(send_results, app, result.id)
    if name in UNBINDING and isinstance(result, Attendee):
        end_room(protocol.BINDING_ENDED, {"message": BINDING_ENDED_MESSAGE}, protocol.attendee(result.id))
    then = hooks.review_segments().after_commit.get(name)
    if then is not None:
        then(app)


def _revision(session: Session, meeting_id: int) -> int | None:
    meeting = session.get(Meeting, meeting_id)
    return meeting.revision if meeting else None


def _log_refusal(session: Session, name: str, identity) -> None:  # type: ignore[no-untyped-def]
    current_app.logger.warning("refused host event %s from %s", name, identity)
    if identity is not None:
        meeting = session.get(Meeting, identity.meeting_id)
        if meeting is not None:
            meetings.log(session, meeting, "refused_host_event", identity.actor, event=name, connection=identity.kind)
            session.commit()


def ticker() -> CountTicker:
    """This process's aggregator of answer and ballot counts."""
    app = current_app._get_current_object()
    return app.extensions.setdefault("count_ticker", CountTicker(app))


def writer() -> AnswerWriter:
    """This process's answer writer (created with the app's first answer)."""
    app = current_app._get_current_object()
    if "answer_writer" not in app.extensions:
        app.extensions["answer_writer"] = AnswerWriter(app, socketio.start_background_task, ticker().touched)
    return app.extensions["answer_writer"]
