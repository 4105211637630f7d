"""Report pages: the quarter's downloads (.xlsx, .docx) and printable page, a meeting's minutes, a unit's
history chart. Hosts and admins only; nothing of a quarter leaves before it is approved (审定)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from core.jobs.views import start_job
from quiz.live.meetings import QUARTER
from quiz.live.models import Meeting
from quiz.quarter import jobs as quiz_jobs
from quiz.quarter import reports
from quiz.quarter import service as quarters
from quiz.roster.models import Unit

reports_bp = Blueprint("reports", __name__, url_prefix="/reports")



def _quarter_or_404(quarter: str) -> str:
    if not QUARTER.match(quarter):
        abort(404)
    return quarter


def _refused(message: str, quarter: str):  # type: ignore[no-untyped-def]
    return render_template("quarter/reports/refused.html", message=message, quarter=quarter), 409


@reports_bp.get("/")
@role_required(Role.HOST)
def index():
    """Quarters, meetings and units, each with its report."""
    return render_template("quarter/reports/index.html", **reports.report_index(db.session))


@reports_bp.get("/quarter/<quarter>.<any(xlsx, docx):kind>")
@role_required(Role.HOST)
def quarter_download(quarter: str, kind: str):
    """The approved quarter as a workbook or an editable 通报, made by a job (its page offers the file); a
    Chinese refusal page before approval."""
    row = quarters.quarter_row(db.session, _quarter_or_404(quarter))
    if row is None or not row.approved:
        return _refused(f"{reports.quarter_label(quarter)}考评结果尚未审定，审定后方可导出或打印", quarter)
    title = f"导出{reports.quarter_label(quarter)}考评（.{kind}）"
    return start_job(quiz_jobs.QUARTER_FILE, title, {"quarter": quarter, "kind": kind}, download=True)


@reports_bp.get("/quarter/<quarter>/print")
@role_required(Role.HOST)
def quarter_print(quarter: str):
    """The approved quarter's report as a printable A4 page."""
    try:
        context = reports.approved_context(db.session, _quarter_or_404(quarter))
    except ValueError as error:
        return _refused(str(error), quarter)
    return render_template("quarter/reports/quarter_print.html", **context)


@reports_bp.get("/meeting/<int:meeting_id>/minutes")
@role_required(Role.HOST)
def minutes(meeting_id: int):
    """A meeting's minutes, printable."""
    context = reports.meeting_minutes(db.session, meeting_id)
    if context is None:
        abort(404)
    return render_template("quarter/reports/minutes.html", **context)


@reports_bp.get("/meeting/<int:meeting_id>/venues")
@role_required(Role.HOST)
def venue_results(meeting_id: int):
    """A meeting's figures per venue (?venue=<id> for one venue's units), the overall figures beside them."""
    meeting = db.session.get(Meeting, meeting_id)
    chosen = request.args.get("venue", "")
    if meeting is None or (chosen and not any(str(v.id) == chosen for v in meeting.venues)):
        abort(404)
    context = reports.venue_results_context(db.session, meeting, int(chosen) if chosen else None)
    return render_template("quarter/reports/venue_results.html", **context)


@reports_bp.get("/unit/<int:unit_id>")
@role_required(Role.HOST)
def unit(unit_id: int):
    """A unit's results quarter by quarter, with a trend chart of total and rank."""
    record = db.session.get(Unit, unit_id)
    if record is None:
        abort(404)
    history = reports.unit_history(db.session, unit_id)
    return render_template("quarter/reports/unit.html", unit=record, history=history,
                           chart=reports.history_chart(history), columns=reports.history_columns(history))
