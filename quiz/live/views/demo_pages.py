"""Clearing the first start's demo roster and meeting (one recorded action), and deleting a never-held meeting."""

from __future__ import annotations

from flask import flash, g, redirect, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from quiz.live import demo, meetings
from quiz.live.meetings import MeetingError
from quiz.live.views import meetings_bp
from quiz.live.views.meeting_pages import meeting_or_404
from quiz.roster.views import roster_bp


@roster_bp.post("/demo/clear")
@role_required(Role.EDITOR)
def clear_demo():
    """Remove the demo roster and meeting (offered on the roster import; recorded in the quarter's log)."""
    cleared = demo.clear_demo(db.session, g.user.username)
    db.session.commit()
    kept = f"，{cleared.deactivated}条已用于正式会议的记录改为停用" if cleared.deactivated else ""
    flash(f"已清除演示数据：会议{cleared.meetings}个、单位{cleared.units}个、人员{cleared.people}人{kept}", "ok")
    return redirect(url_for("roster.import_start"))


@meetings_bp.post("/<int:meeting_id>/delete")
@role_required(Role.HOST)
def delete(meeting_id: int):
    """Delete a meeting that was never held (recorded); a held one is refused."""
    meeting = meeting_or_404(meeting_id)
    title = meeting.title
    try:
        meetings.delete_meeting(db.session, meeting, g.user.username)
    except MeetingError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("meetings.index"))
    db.session.commit()
    flash(f"已删除未召开的会议“{title}”", "ok")
    return redirect(url_for("meetings.index"))
