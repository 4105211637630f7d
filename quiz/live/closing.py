"""Reopening an ended meeting (重新开放), with the host's reason in the meeting's log.

Ending a meeting changes none of its records: the quarter counts a meeting once it was held (quiz/quarter/
inputs.py), ended or not. Reopening therefore only lets the host add or correct what the meeting records (a
late check-in, a re-mark); the quarter's stored scores pick it up at their next 重新计算, which shows the
difference. So a meeting may be reopened only while its quarter's results are not approved (审定): the quarter
says why not through `lock` (the quarter_record hook's reopen_lock, filled by quiz/quarter/wiring.py), so this
wing reads nothing of the quarter's. Rehearsals and the demo never count, and are never locked.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from quiz.live.engine import IllegalMove
from quiz.live.meetings import log
from quiz.live.models import Meeting

# (session, quarter) → why a meeting of that quarter may not be reopened, or None
ReopenLock = Callable[[Session, str], "str | None"]
MAX_REASON = 300


def reopen(session: Session, meeting: Meeting, reason: str, actor: str, lock: ReopenLock) -> None:
    """Reopen an ended meeting; the reason is required and logged. Refused while the meeting is not ended
    (so a double press does nothing twice) and once its quarter is approved."""
    if meeting.status != "ended":
        raise IllegalMove("会议未结束，无需重新开放")
    if not reason.strip():
        raise IllegalMove("重新开放会议须填写原因")
    locked = None if meeting.rehearsal or meeting.demo else lock(session, meeting.quarter)
    if locked:
        raise IllegalMove(locked)
    meeting.status = "open"
    log(session, meeting, "meeting_reopened", actor, reason.strip()[:MAX_REASON])
    session.flush()


def reopen_refusal(session: Session, meeting: Meeting, lock: ReopenLock) -> str | None:
    """Why the console's 重新开放 is disabled (None: it may be pressed)."""
    if meeting.status != "ended":
        return "会议未结束"
    return None if meeting.rehearsal or meeting.demo else lock(session, meeting.quarter)
