"""What a venue operator (分会场管理员) may do, at its own venue only: attendance, device approvals and releases,
and the paper counts of a venue without phones. Takes a session and flushes; the socket boundary
(quiz/live/venue_commands.py) commits, then publishes.

Every command first checks that what it names — the attendee, the round, the review item — belongs to the
operator's meeting and, for a person, attends THIS venue (venues.venue_id_of); anything else is refused before
a row is touched. The operator never runs the meeting: no revision is bumped (the host's next command is not
made stale by a venue marking someone present), and the venue's row, not the meeting's, is locked so that two
submits of the same count are applied one after the other (the second replaces the first).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.live import attendance, hooks, venues
from quiz.live.engine import IllegalMove, Phase
from quiz.live.meetings import log
from quiz.live.models import Answer, AnswerTally, Attendee, Meeting, Round, Venue

NOT_HERE = "该参会人员不在本会场，不能在此操作"
TALLY_PHASES = (Phase.OPEN.value, Phase.PAUSED.value, Phase.CLOSED.value, Phase.REVEALED.value)
CHOICE_LETTERS = "ABCDEFGH"


class Refused(ValueError):
    """An operator command that may not run here; the message is Chinese."""


def attendee_venue(venue: Venue) -> int | None:
    """The `Attendee.venue_id` of the people at a venue (None for the convening hall)."""
    return venue.id if venues.is_branch(venue) else None


def begin(session: Session, venue_id: int) -> tuple[Venue, Meeting]:
    """The operator's venue, locked for this change, and its meeting, after checking the meeting still takes
    changes (not ended, its quarter not closed — as a host command would be refused)."""
    statement = select(Venue).where(Venue.id == venue_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    venue = session.scalar(statement)
    if venue is None:
        raise Refused("会场不存在")
    meeting = venue.meeting
    if meeting.status == "ended":
        raise Refused("会议已结束")
    if not meeting.rehearsal and hooks.quarter_record().is_closed(session, meeting.quarter):
        raise Refused(f"{meeting.quarter}已关账，本季度会议的记录已锁定")
    return venue, meeting


def attendee_here(session: Session, meeting: Meeting, venue: Venue, attendee_id: int) -> Attendee:
    """The attendee, if they are of this meeting and attend this venue; else `Refused`."""
    attendee = session.get(Attendee, attendee_id)
    if attendee is None or attendee.meeting_id != meeting.id or venues.venue_id_of(meeting, attendee) != venue.id:
        raise Refused(NOT_HERE)
    return attendee


def set_attendance(session: Session, meeting: Meeting, venue: Venue, attendee_id: int, status: str,
                   deputy_id: int | None, actor: str) -> Attendee:
    """出席 / 请假 / 缺席 / 代会 / 未签到 for a person at this venue (a 代会 deputy must attend here too)."""
    attendee = attendee_here(session, meeting, venue, attendee_id)
    deputy = None
    if status == "deputized":
        if deputy_id is None:
            raise Refused("代会须指定本会场的另一名参会人员")
        deputy = attendee_here(session, meeting, venue, deputy_id)
    attendance.set_status(session, attendee, status, deputy)
    log(session, meeting, "venue_set_attendance", actor, venue_id=venue.id, attendee_id=attendee.id, status=status)
    return attendee


def approve_device(session: Session, meeting: Meeting, venue: Venue, attendee_id: int, confirm: str,
                   actor: str) -> Attendee:
    """Move a person's binding to the phone showing `confirm` (the old phone is then disconnected)."""
    attendee = attendance.approve_device(session, attendee_here(session, meeting, venue, attendee_id), confirm)
    log(session, meeting, "venue_approve_device", actor, venue_id=venue.id, attendee_id=attendee.id)
    return attendee


def release_device(session: Session, meeting: Meeting, venue: Venue, attendee_id: int, actor: str) -> Attendee:
    """Free a person's code for the next phone (the old phone is then disconnected)."""
    attendee = attendance.release_device(session, attendee_here(session, meeting, venue, attendee_id))
    log(session, meeting, "venue_release_device", actor, venue_id=venue.id, attendee_id=attendee.id)
    return attendee


def paper_room(session: Session, venue: Venue, round_: Round) -> int:
    """How many paper answers the venue can have: its present people who did not answer by phone."""
    here = attendee_venue(venue)
    at = Attendee.venue_id.is_(None) if here is None else Attendee.venue_id == here
    present = session.scalar(select(func.count()).select_from(Attendee).where(
        Attendee.meeting_id == round_.meeting_id, Attendee.status == "present", at)) or 0
    phones = session.scalar(select(func.count()).select_from(Answer).join(Attendee, Answer.attendee_id == Attendee.id)
                            .where(Answer.round_id == round_.id, at)) or 0
    return present - phones


def _checked_counts(round_: Round, answered: int, counts: dict[str, int], correct: int | None) -> int:
    """The tally's counts checked against the question; returns the number correct (counted here for 单选 and
    判断, from the key the operator never sees before the reveal)."""
    question = round_.question
    kind = question["type"]
    allowed = {"单选": CHOICE_LETTERS[: len(question.get("options", []))],
               "多选": CHOICE_LETTERS[: len(question.get("options", []))], "判断": ("正确", "错误")}.get(kind, ())
    if any(key not in allowed for key in counts):
        raise Refused("纸质答卷的选项与本题不符" if allowed else "本题只需填写作答人数和答对人数")
    if any(n > answered for n in counts.values()):
        raise Refused("某一选项的人数不能多于作答人数")
    if kind in ("单选", "判断") and sum(counts.values()) != answered:
        raise Refused("各选项人数之和须等于作答人数")
    if kind == "多选" and answered and sum(counts.values()) < answered:
        raise Refused("多选题每张答卷至少选一项：各选项人数之和不能少于作答人数")
    if kind == "单选":
        return counts.get(str(question["answer"]), 0)
    if kind == "判断":
        return counts.get("正确" if question["answer"] is True else "错误", 0)
    if correct is not None and correct > answered:
        raise Refused("答对人数不能多于作答人数")
    return correct or 0


def answer_tally(session: Session, meeting: Meeting, venue: Venue, round_id: int, answered: int,
                 counts: dict[str, int], correct: int | None, actor: str) -> AnswerTally:
    """The venue's paper answers to an 全员答题 round: one row per (round, venue), so entering it again corrects
    it (logged with the old and new counts) and a double submit never counts twice. Taken while the round is
    open or closed, and after the reveal as a logged correction."""
    round_ = session.get(Round, round_id)
    if round_ is None or round_.meeting_id != meeting.id:
        raise Refused("题目不存在")
    if round_.mode != "all":
        raise Refused("只有全员答题可以录入纸质答卷")
    if round_.phase not in TALLY_PHASES:
        raise Refused("本题尚未出示或已换题，不能录入纸质答卷")
    room = paper_room(session, venue, round_)
    if answered > room:
        raise Refused(f"本会场已签到且未用手机作答的只有 {max(room, 0)} 人，作答人数不能超过此数")
    counts = {key: n for key, n in counts.items() if n}
    right = _checked_counts(round_, answered, counts, correct)
    tally = session.scalar(select(AnswerTally).where(AnswerTally.round_id == round_.id,
                                                     AnswerTally.venue_id == venue.id))
    previous = None if tally is None else {"answered": tally.answered, "correct": tally.correct,
                                           "counts": tally.counts}
    if tally is None:
        tally = AnswerTally(round_id=round_.id, venue_id=venue.id)
        session.add(tally)
    tally.answered, tally.correct, tally.counts, tally.entered_by = answered, right, dict(counts), actor
    log(session, meeting, "venue_answer_tally", actor, venue_id=venue.id, round_id=round_.id, answered=answered,
        correct=right, counts=dict(counts), previous=previous, after_reveal=round_.phase == Phase.REVEALED.value)
    session.flush()
    return tally


def paper_tally(session: Session, meeting: Meeting, venue: Venue, item_id: int, counts: dict, actor: str) -> None:
    """The venue's paper ballots of the review item in progress (the review wing's: one per item and venue)."""
    store = hooks.review_segments().venue_paper_tally
    if store is None:
        raise IllegalMove("评议功能未启用")
    store(session, meeting, item_id, counts, actor, venue.id, attendee_venue(venue))
