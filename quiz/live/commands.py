"""Host commands: validate the payload, run one service, commit, publish, then start what follows (a timer,
personal results). Refusals roll back and answer only the sender."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from core.db import BUSY_MESSAGE, DatabaseBusy, db
from core.realtime import end_room, socketio
from question_bank.draw import DrawFilters, NotEnoughQuestions
from question_bank.kinds import QuestionType
from quiz.live import attendance, calling, meetings, protocol
from quiz.live import hosting as live
from quiz.live.engine import IllegalMove
from quiz.live.models import Attendee, Meeting, Round
from quiz.live.publish import CountTicker, publish, schedule_close, send_results
from quiz.live.writer import AnswerWriter
from quiz.review import ballot_box
from quiz.review import service as reviewing
from quiz.review.ballots import BadBallot

MAX_TEXT = 200


class BadPayload(ValueError):
    """The command's payload is malformed."""


LABELS = {"seconds": "延时秒数", "segment_id": "议程环节", "question_id": "题目编号", "attendee_id": "参会人员",
          "deputy_id": "代会人员", "min_difficulty": "最低难度", "max_difficulty": "最高难度", "reason": "原因",
          "keyword": "关键词", "category": "分类", "text": "内容", "item_id": "述职单位", "kind": "类别",
          "part": "述职环节", "action": "操作", "kept": "兑现情况", "note": "备注", "commitment_id": "承诺事项",
          "status": "出席状态", "confirm": "确认码"}


def _int(payload: dict, key: str, low: int = 0, high: int = 2**31) -> int:
    value = payload.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadPayload(f"{LABELS.get(key, key)}无效")
    return value


def _text(payload: dict, key: str, required: bool = False) -> str:
    value = payload.get(key, "")
    label = LABELS.get(key, key)
    if not isinstance(value, str):
        raise BadPayload(f"{label}无效")
    if len(value) > MAX_TEXT:
        raise BadPayload(f"{label}最多{MAX_TEXT}字")
    if required and not value.strip():
        raise BadPayload(f"请填写{label}")
    return value.strip()


def _attendee(session: Session, meeting: Meeting, payload: dict, key: str = "attendee_id") -> Attendee:
    attendee = session.get(Attendee, _int(payload, key, 1))
    if attendee is None or attendee.meeting_id != meeting.id:
        raise BadPayload("参会人员不存在")
    return attendee


def _pool(session: Session, meeting: Meeting, payload: dict) -> calling.Pool:
    kind = payload.get("pool", calling.POOL_SECRETARIES)
    if not isinstance(kind, str) or kind not in calling.POOL_KINDS:
        raise BadPayload("点名范围无效")
    favour = frozenset(reviewing.pledge_units(session, meeting)) if payload.get("favour_flagged") is True \
        else frozenset()
    return calling.Pool(kind, _text(payload, "keyword"), payload.get("every_unit_once", True) is not False, favour)


def _filters(payload: dict) -> DrawFilters:
    types = payload.get("types", [])
    if not isinstance(types, list) or any(not isinstance(t, str) or t not in QuestionType._value2member_map_
                                          for t in types):
        raise BadPayload("题型无效")
    categories = [c for c in [_text(payload, "category")] if c]
    return DrawFilters(types=frozenset(QuestionType(t) for t in types), categories=frozenset(categories),
                       min_difficulty=_int(payload, "min_difficulty", 1, 5) if "min_difficulty" in payload else 1,
                       max_difficulty=_int(payload, "max_difficulty", 1, 5) if "max_difficulty" in payload else 5)


def _long_text(payload: dict, key: str, limit: int = 4000) -> str:
    value = payload.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        raise BadPayload(f"{LABELS.get(key, key)}最多{limit}字")
    return value


def _counts(payload: dict) -> dict:
    counts = payload.get("counts")
    if not isinstance(counts, dict) or len(counts) > 20:
        raise BadPayload("纸质票数据无效")
    return counts


def _mode(payload: dict) -> str:
    mode = payload.get("mode", "all")
    if mode not in ("called", "all"):
        raise BadPayload("作答方式无效")
    return mode


def _verdict(payload: dict) -> dict:
    if isinstance(payload.get("right"), bool):
        return {"right": payload["right"]}
    ticked = payload.get("ticked")
    if not isinstance(ticked, list) or len(ticked) > 20 or not all(isinstance(i, int) for i in ticked):
        raise BadPayload("评分无效")
    return {"ticked": sorted(set(ticked))}


def _set_attendance(s: Session, m: Meeting, p: dict, actor: str) -> None:
    status = _text(p, "status")
    deputy = _attendee(s, m, p, "deputy_id") if status == "deputized" else None
    attendance.set_status(s, _attendee(s, m, p), status, deputy)
    meetings.log(s, m, "set_attendance", actor, attendee_id=p.get("attendee_id"), status=status)


# name → (service call, what to start after the commit)
Service = Callable[[Session, Meeting, dict, str], Any]
COMMANDS: dict[str, Service] = {
    "start_meeting": lambda s, m, p, a: live.set_meeting_status(s, m, "open", a),
    "end_meeting": lambda s, m, p, a: live.set_meeting_status(s, m, "ended", a, p.get("close_votes") is True),
    "set_segment": lambda s, m, p, a: live.set_segment(s, m, _int(p, "segment_id", 1), a),
    "draw_person": lambda s, m, p, a: live.draw_person(s, m, _pool(s, m, p), a),
    "redraw_person": lambda s, m, p, a: live.draw_person(s, m, _pool(s, m, p), a, _text(p, "reason", True),
                                                         p.get("exclude") is True),
    "exclude_person": lambda s, m, p, a: live.set_excluded(s, m, _attendee(s, m, p), True, a),
    "include_person": lambda s, m, p, a: live.set_excluded(s, m, _attendee(s, m, p), False, a),
    "draw_question": lambda s, m, p, a: live.draw_question(s, m, _filters(p), _mode(p), a),
    "pick_question": lambda s, m, p, a: live.pick_question(s, m, _int(p, "question_id", 1), _mode(p), a),
    "show_question": lambda s, m, p, a: live.show(s, m, a),
    "pause_question": lambda s, m, p, a: live.clock_command(s, m, "pause", a),
    "resume_question": lambda s, m, p, a: live.clock_command(s, m, "resume", a),
    "extend_question": lambda s, m, p, a: live.clock_command(s, m, "extend", a, _int(p, "seconds", 1, 600)),
    "close_question": lambda s, m, p, a: live.clock_command(s, m, "close", a),
    "reveal_answer": lambda s, m, p, a: live.clock_command(s, m, "reveal", a),
    "replace_question": lambda s, m, p, a: live.replace(s, m, _text(p, "reason", True), a),
    "next_question": lambda s, m, p, a: live.next_question(s, m, a),
    "score_oral": lambda s, m, p, a: live.score_oral(s, m, _verdict(p), a),
    "set_attendance": _set_attendance,
    "review_select": lambda s, m, p, a: reviewing.select_item(s, m, _int(p, "item_id", 1), a),
    "review_part": lambda s, m, p, a: reviewing.set_part(s, m, _text(p, "part"), a),
    "review_speech": lambda s, m, p, a: reviewing.speech(s, m, _text(p, "action"), a),
    "review_open_vote": lambda s, m, p, a: reviewing.open_vote(s, m, a),
    "review_close_vote": lambda s, m, p, a: reviewing.close_vote(s, m, a),
    "review_reveal": lambda s, m, p, a: reviewing.reveal(s, m, a),
    "review_comment": lambda s, m, p, a: reviewing.set_comment(s, m, _long_text(p, "text"), a),
    "review_commitment": lambda s, m, p, a: reviewing.add_commitment(s, m, _text(p, "kind"), _text(p, "text", True),
                                                                     a),
    "review_rate_commitment": lambda s, m, p, a: reviewing.rate_commitment(s, m, _int(p, "commitment_id", 1),
                                                                             _text(p, "kept"), a),
    "paper_tally": lambda s, m, p, a: reviewing.add_paper_tally(s, m, _int(p, "item_id", 1), _counts(p), a,
                                                                _text(p, "note")),
    "approve_device": lambda s, m, p, a: attendance.approve_device(s, _attendee(s, m, p), _text(p, "confirm", True)),
    "release_device": lambda s, m, p, a: attendance.release_device(s, _attendee(s, m, p)),
}
TIMED = {"show_question", "resume_question", "extend_question"}
# Commands that end a phone's binding: its old socket is told, then disconnected (on every worker).
UNBINDING = {"approve_device", "release_device"}
BINDING_ENDED_MESSAGE = "本设备的绑定已解除，请重新扫描座位卡"
# Commands that change an attendee's row: only their broadcasts carry the console's attendee rows.
ROSTER = {"set_attendance", "approve_device", "release_device", "exclude_person", "include_person"}
DOMAIN_ERRORS = (IllegalMove, BadPayload, NotEnoughQuestions, calling.NobodyToCall, attendance.AttendanceError,
                 BadBallot)


def run(name: str, identity, payload: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Run one host command for a connection; returns the ack."""
    session = db.session
    if identity is None or identity.kind != "host":
        _log_refusal(session, name, identity)
        return {"ok": False, "error": "只有主持人可以操作会议"}
    if not isinstance(payload, dict):
        return {"ok": False, "error": "参数无效"}
    try:
        rev = payload.get("rev")
        meeting = live.begin(session, identity.meeting_id, rev if isinstance(rev, int) else -1)
        if name not in ROSTER | {"end_meeting"}:
            live.mark_started(meeting)
        result = COMMANDS[name](session, meeting, payload, identity.actor)
        session.commit()
    except DOMAIN_ERRORS as error:
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
    if name in ("review_close_vote", "end_meeting"):
        db.session.commit()  # ends the broadcast's read, which would hold off the staging table's rewrite
        reviewing.after_close(app.extensions["db"].engine, ballot_box.key_dir())  # the key goes once committed


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
