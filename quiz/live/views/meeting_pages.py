"""Staff pages for meetings: list, create, edit, copy last quarter's, the host console, seat cards."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from core.jobs.views import start_job
from question_bank import categories
from question_bank.kinds import DIFFICULTY_LABELS, TYPE_LABELS
from quiz.live import hooks, meetings
from quiz.live import jobs as quiz_jobs
from quiz.live.calling import POOL_KINDS
from quiz.live.meetings import SEGMENT_KINDS, MeetingError, MeetingPlan
from quiz.live.models import Meeting
from quiz.live.publish import join_url
from quiz.live.qr import public_url_problem
from quiz.live.views import meetings_bp
from quiz.roster import service as roster


def meeting_or_404(meeting_id: int) -> Meeting:
    """The meeting, or a 404 page."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def hosted_meeting(meeting_id: int) -> Meeting:
    """The meeting if the logged-in user may run it (an admin, or an assigned host); else 404 or 403."""
    meeting = meeting_or_404(meeting_id)
    if not meetings.may_host(db.session, g.user, meeting):
        abort(403)
    return meeting


@meetings_bp.get("/")
@role_required(Role.HOST)
def index():
    """The meetings this user may run (all of them for an admin), newest first."""
    return render_template("live/meetings/list.html", meetings=meetings.meetings(db.session, g.user))


def _plan_from_form(form) -> MeetingPlan:  # type: ignore[no-untyped-def]
    try:
        held_on = date.fromisoformat(form.get("held_on", ""))
    except ValueError as error:
        raise MeetingError("请填写会议日期") from error
    scoring = {"points": _number(form.get("points"), 10, 1, 100),
               "speed_bonus": _number(form.get("speed_bonus"), 0, 0, 50),
               "partial_multiple": form.get("partial_multiple") == "1",
               "partial_blank": form.get("partial_blank") == "1"}
    review = hooks.review_segments()
    try:
        review_settings = {"speech_limit_s": 60 * _number(form.get("speech_minutes"), 5, 1, 60),
                           "min_ballots": _number(form.get("min_ballots"), 3, 0, 1000),
                           "criteria": review.parse_criteria(form.get("criteria", "")),
                           "group_weights": review.parse_group_weights(form.get("group_weights", ""))}
    except review.refusals as error:
        raise MeetingError(str(error)) from error
    settings = {"scoring": scoring, "time_limit_s": _number(form.get("time_limit_s"), 60, 5, 1800),
                "recent_meetings": _number(form.get("recent_meetings"), 2, 0, 20), "review": review_settings}
    host_ids = [int(u) for u in form.getlist("host_ids") if u.isdigit()]
    if g.user.role != Role.ADMIN and g.user.id not in host_ids:
        host_ids.append(g.user.id)  # a host editing a meeting cannot lock themselves out of it
    return MeetingPlan(title=form.get("title", ""), quarter=form.get("quarter", "").strip().upper(), held_on=held_on,
                       unit_ids=[int(u) for u in form.getlist("unit_ids") if u.isdigit()],
                       agenda=[k for k in SEGMENT_KINDS if form.get(f"agenda_{k}") == "1"],
                       rehearsal=form.get("rehearsal") == "1", allow_anonymous=form.get("allow_anonymous") == "1",
                       settings=settings, host_ids=host_ids)


def _number(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high) if value else default
    except ValueError:
        return default


def _form(meeting: Meeting | None, error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    today = date.today()
    review = hooks.review_segments()
    return render_template("live/meetings/form.html", meeting=meeting, error=error, units=roster.units(db.session),
                           hosts=meetings.host_accounts(db.session),
                           segment_kinds=SEGMENT_KINDS, default_quarter=meetings.quarter_of(today), today=today,
                           format_weighted=lambda criteria: review.format_weighted(
                               [(c["name"], c["weight"]) for c in criteria]),
                           format_weighted_dict=lambda weights: review.format_weighted(list(weights.items()))), status


@meetings_bp.route("/new", methods=["GET", "POST"])
@role_required(Role.HOST)
def create():
    """A new meeting: its units, agenda, flags and scoring settings."""
    if request.method == "GET":
        return _form(None)
    try:
        meeting = meetings.create_meeting(db.session, _plan_from_form(request.form), g.user)
    except MeetingError as error:
        db.session.rollback()
        return _form(None, str(error), 422)
    db.session.commit()
    flash(f"已创建会议“{meeting.title}”", "ok")
    return redirect(url_for("meetings.console", meeting_id=meeting.id))


@meetings_bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@role_required(Role.HOST)
def edit(meeting_id: int):
    """Change a meeting's details (attendees of newly added units join its list)."""
    meeting = hosted_meeting(meeting_id)
    if request.method == "GET":
        return _form(meeting)
    try:
        meetings.update_meeting(db.session, meeting, _plan_from_form(request.form))
    except MeetingError as error:
        db.session.rollback()
        return _form(meeting, str(error), 422)
    db.session.commit()
    flash("已保存", "ok")
    return redirect(url_for("meetings.index"))


@meetings_bp.post("/copy-latest")
@role_required(Role.HOST)
def copy_latest():
    """Next quarter's meeting from the latest one: same units, agenda and settings."""
    source = meetings.latest_meeting(db.session, g.user)
    if source is None:
        flash("还没有可复制的会议", "error")
        return redirect(url_for("meetings.index"))
    meeting = meetings.copy_meeting(db.session, source, date.today(), g.user)
    db.session.commit()
    flash(f"已按“{source.title}”创建“{meeting.title}”，请核对日期与参会单位", "ok")
    return redirect(url_for("meetings.edit", meeting_id=meeting.id))


@meetings_bp.get("/<int:meeting_id>/console")
@role_required(Role.HOST)
def console(meeting_id: int):
    """The host console: agenda, attendance, the draw, questions and scoring, all live (with the projector's
    secret link): for the meeting's hosts and admins only."""
    meeting = hosted_meeting(meeting_id)
    return render_template(
        "live/console.html", meeting=meeting, url_warning=public_url_problem(current_app.config["PUBLIC_URL"]),
        join_url=join_url(current_app, meeting), pool_kinds=POOL_KINDS, type_labels=TYPE_LABELS,
        difficulty_labels=DIFFICULTY_LABELS, category_nodes=categories.flatten(categories.tree(db.session)))


@meetings_bp.get("/<int:meeting_id>/prompt")
@role_required(Role.HOST)
def prompt(meeting_id: int):
    """The presiding prompt: the name to call, the question and its key points, large."""
    return render_template("live/prompt.html", meeting=hosted_meeting(meeting_id))


@meetings_bp.get("/<int:meeting_id>/cards")
@role_required(Role.HOST)
def cards(meeting_id: int):
    """A4 sheets of seat cards with cut marks; each card's QR code carries the personal code. Only for the
    meeting's hosts and admins: the codes are the attendees' identities."""
    meeting = hosted_meeting(meeting_id)
    base = current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")
    context = quiz_jobs.cards_context(meeting, base)
    if len(context["attendees"]) <= quiz_jobs.CARDS_INLINE_MAX:
        return render_template("live/meetings/cards.html", **context)
    # Thousands of QR codes are seconds of CPU: a job draws them, and its page opens the sheet.
    return start_job(quiz_jobs.SEAT_CARDS, f"座位卡：{meeting.title[:60]}", {"meeting_id": meeting.id, "base": base},
                     download=True)
