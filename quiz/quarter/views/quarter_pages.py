"""The quarter's staff pages (季度考评): the list of quarters; a quarter's breakdown per unit with the recompute
button, the approval (审定) form, close / reopen, the settings and the 日常考核 import; a drill-down of every
number; and the projector's ranking reveal (only after approval).

Hosts and admins may view and act; every change is committed here, once, after the service has flushed.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from core.jobs import service as jobs_service
from core.jobs.models import DONE, Job
from core.jobs.views import start_job
from question_bank import exchange
from question_bank.transfer.reading import FileProblem, Limits
from quiz.live.attendance import STATUS_LABELS as ATTENDANCE_LABELS
from quiz.live.meetings import QUARTER
from quiz.quarter import daily as quarter_daily
from quiz.quarter import inputs as quarter_inputs
from quiz.quarter import jobs as quiz_jobs
from quiz.quarter import queries as quarter_queries
from quiz.quarter import ranking
from quiz.quarter import service as quarters

quarters_bp = Blueprint("quarters", __name__, url_prefix="/quarters")
LABELS = {"component_labels": ranking.COMPONENT_LABELS, "components": ranking.COMPONENTS,
          "status_labels": ranking.STATUS_LABELS, "grades": ranking.GRADES, "weak": ranking.WEAK,
          "quarter_status_labels": quarters.QUARTER_STATUS_LABELS, "attendance_labels": ATTENDANCE_LABELS,
          "presence_labels": {"present": "出席", "leave": "请假", "absent": "缺席", None: "—"}}
EVENT_LABELS = {"recompute": "重新计算", "approve": "审定", "designate_weak": "认定软弱涣散", "close": "封存",
                "reopen": "解封", "settings": "修改设置", "daily_import": "导入日常考核", "reveal": "大屏揭晓"}


def _checked(quarter: str) -> str:
    if not QUARTER.match(quarter):
        abort(404)
    return quarter


def _actor() -> str:
    return g.user.username


def _back(quarter: str):  # type: ignore[no-untyped-def]
    return redirect(url_for("quarters.show", quarter=quarter))


def _done(quarter: str, action, message: str):  # type: ignore[no-untyped-def]
    """Run a service call; commit and flash `message` (formatted with its result), or roll back and flash why."""
    try:
        outcome = action()
    except quarters.QuarterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(quarter)
    db.session.commit()
    flash(message.format(outcome=outcome), "ok")
    return _back(quarter)


@quarters_bp.get("/")
@role_required(Role.HOST)
def index():
    """Every quarter with meetings or settings, newest first."""
    return render_template("quarter/list.html", lines=quarter_queries.overview(db.session), **LABELS)


@quarters_bp.get("/<quarter>")
@role_required(Role.HOST)
def show(quarter: str):
    """A quarter's breakdown per unit, with its forms (approval, close / reopen, settings, import)."""
    quarter = _checked(quarter)
    _say_job_outcome(request.args.get("job", type=int))
    stored = quarters.results(db.session, quarter)
    return render_template(
        "quarter/show.html", quarter=quarter, row=quarters.quarter_row(db.session, quarter), results=stored,
        names=quarters.unit_names(db.session, [r.unit_id for r in stored]),
        settings=quarter_inputs.settings_of(db.session, quarter),
        meetings=quarter_inputs.counted_meetings(db.session, quarter),
        events=quarters.events(db.session, quarter), event_labels=EVENT_LABELS, **LABELS)


def _say_job_outcome(job_id: int | None) -> None:
    """Arriving from a finished recompute job: say what it did (or why it failed), as a notice."""
    job = db.session.get(Job, job_id) if job_id else None
    if job is not None and jobs_service.visible_to(job, g.user) and job.finished and job.message:
        flash(job.message, "ok" if job.status == DONE else "error")


@quarters_bp.post("/<quarter>/recompute")
@role_required(Role.HOST)
def recompute(quarter: str):
    """Compute and store the quarter's results as a job (refused when closed); its page comes back here."""
    quarter = _checked(quarter)
    return start_job(quiz_jobs.QUARTER_RECOMPUTE, f"重新计算{quarter}成绩", {"quarter": quarter, "actor": _actor()})


@quarters_bp.post("/<quarter>/approve")
@role_required(Role.HOST)
def approve(quarter: str):
    """审定: the confirmed grade per unit (`grade_<unit id>`), with a reason for 软弱涣散 (`reason_<unit id>`)."""
    quarter = _checked(quarter)
    decisions = {row.unit_id: quarters.GradeDecision(request.form.get(f"grade_{row.unit_id}", ""),
                                                     request.form.get(f"reason_{row.unit_id}", "").strip())
                 for row in quarters.results(db.session, quarter)}
    return _done(quarter, lambda: quarters.approve(db.session, quarter, decisions, _actor()), "已审定各单位等次")


@quarters_bp.post("/<quarter>/close")
@role_required(Role.HOST)
def close(quarter: str):
    """封存 the quarter (after approval)."""
    quarter = _checked(quarter)
    return _done(quarter, lambda: quarters.close(db.session, quarter, _actor()), "已封存，成绩不再变动")


@quarters_bp.post("/<quarter>/reopen")
@role_required(Role.HOST)
def reopen(quarter: str):
    """解封 a closed quarter; the reason is required."""
    quarter = _checked(quarter)
    reason = request.form.get("reason", "")
    return _done(quarter, lambda: quarters.reopen(db.session, quarter, reason, _actor()), "已解封")


def _number(name: str) -> float:
    try:
        return float(request.form.get(name, "").strip())
    except ValueError:
        raise quarters.QuarterError("权重、分数线和靠后单位数须填写数字") from None


def _apply_settings(quarter: str) -> int:
    weights = {key: _number(f"weight_{key}") for key in ranking.COMPONENTS}
    thresholds = {"excellent": _number("excellent"), "weak": _number("weak")}
    bottom_n = _number("bottom_n")
    if not bottom_n.is_integer():
        raise quarters.QuarterError("靠后单位数须为整数")
    quarters.update_settings(db.session, quarter, weights, thresholds, int(bottom_n), _actor())
    return len(quarters.recompute(db.session, quarter, actor=_actor()))


@quarters_bp.post("/<quarter>/settings")
@role_required(Role.HOST)
def settings(quarter: str):
    """Weights, grade thresholds and bottom N (refused when closed); the results are recomputed at once."""
    quarter = _checked(quarter)
    return _done(quarter, lambda: _apply_settings(quarter), "已保存设置并重新计算（{outcome} 处变化）")


# 日常考核 import: upload → check → confirm (refused while any row is bad)


@quarters_bp.post("/<quarter>/daily")
@role_required(Role.HOST)
def daily_upload(quarter: str):
    """Check an uploaded 日常考核 file and show the report; the file is kept until confirmed or cancelled."""
    quarter = _checked(quarter)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择要导入的日常考核文件", "error")
        return _back(quarter)
    data = upload.read()
    try:
        report = quarter_daily.read_daily(db.session, data, upload.filename, _limits())
    except FileProblem as problem:
        flash(str(problem), "error")
        return _back(quarter)
    token = exchange.stage_upload(db.session, data, upload.filename, g.user.id, kind="daily")
    db.session.commit()
    return render_template("quarter/daily.html", quarter=quarter, report=report, token=token,
                           filename=upload.filename)


def _limits() -> Limits:
    return Limits(max_bytes=current_app.config["MAX_CONTENT_LENGTH"])


@quarters_bp.post("/<quarter>/daily/<token>")
@role_required(Role.HOST)
def daily_commit(quarter: str, token: str):
    """Store the checked file's scores (replacing the quarter's), or cancel."""
    quarter = _checked(quarter)
    pending = exchange.staged_upload(db.session, token, g.user.id, kind="daily")
    if pending is None:
        flash("导入已完成、已取消或已过期，请重新上传", "error")
        return _back(quarter)
    data, filename = pending.data, pending.filename
    exchange.discard_upload(db.session, pending)
    if request.form.get("action") != "commit":
        db.session.commit()
        flash("已取消导入，日常考核未作改动", "ok")
        return _back(quarter)
    return _done(quarter, lambda: _import_daily(quarter, data, filename),
                 "已导入 {outcome} 个单位的日常考核分数；请确认其权重并重新计算")


def _import_daily(quarter: str, data: bytes, filename: str) -> int:
    try:
        report = quarter_daily.read_daily(db.session, data, filename, _limits())
    except FileProblem as problem:
        raise quarters.QuarterError(str(problem)) from problem
    return quarter_daily.import_daily(db.session, quarter, report, filename, _actor())


# Drill-down and the projector


@quarters_bp.get("/<quarter>/units/<int:unit_id>")
@role_required(Role.HOST)
def unit(quarter: str, unit_id: int):
    """Everything behind one unit's numbers: answers, accuracy, ballot counts (never who voted how)."""
    quarter = _checked(quarter)
    detail = quarter_queries.unit_detail(db.session, quarter, unit_id)
    if detail is None:
        abort(404)
    return render_template("quarter/unit.html", quarter=quarter, detail=detail, **LABELS)


@quarters_bp.post("/<quarter>/reveal")
@role_required(Role.HOST)
def reveal_start(quarter: str):
    """Open the projector's ranking reveal (only after approval); the quarter notes it was revealed."""
    quarter = _checked(quarter)
    try:
        quarters.mark_revealed(db.session, quarter, _actor())
    except quarters.QuarterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(quarter)
    db.session.commit()
    return redirect(url_for("quarters.reveal", quarter=quarter))


@quarters_bp.get("/<quarter>/reveal")
@role_required(Role.HOST)
def reveal(quarter: str):
    """The projector page: units revealed one by one from the bottom up (click or →); refused before 审定."""
    quarter = _checked(quarter)
    row = quarters.quarter_row(db.session, quarter)
    if row is None or not row.approved:
        return render_template("error.html", status=409, message="本季度尚未审定，审定后才能在大屏揭晓排名。"), 409
    stored = quarters.results(db.session, quarter)
    ranked = [r for r in stored if r.rank is not None]
    return render_template("quarter/reveal.html", quarter=quarter, ranked=ranked,
                           unranked=[r for r in stored if r.rank is None],
                           names=quarters.unit_names(db.session, [r.unit_id for r in stored]))
