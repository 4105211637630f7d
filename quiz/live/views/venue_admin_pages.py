"""Staff pages for a meeting's venues (主会场 + 分会场): list them, add / edit / remove a branch, give it
分会场管理员 accounts, say which units and people attend where, print each venue's sheet.

Admins and the meeting's hosts only (`hosted_meeting`, as for the meeting form). Each form posts one change and
calls one function of quiz/live/venues.py; its Chinese refusal (VenueError) comes back as the page's error —
who attends where is settled before the meeting starts, names, 负责人 and operators may change at any time.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from quiz.live import venues
from quiz.live.commands import ticker
from quiz.live.models import Meeting, Venue
from quiz.live.publish import join_url, public_base
from quiz.live.qr import public_url_problem
from quiz.live.venues import VenueError
from quiz.live.views import meetings_bp
from quiz.live.views.meeting_pages import hosted_meeting


def _ids(name: str) -> list[int]:
    """The integer ids a form's checkboxes posted (anything else is ignored, never an error page)."""
    return [int(v) for v in request.form.getlist(name) if v.isdigit() and len(v) < 10]


def _venue_of(meeting: Meeting, venue_id: int | str | None) -> Venue:
    """One of this meeting's venues (a venue of another meeting, or none, is refused)."""
    venue = next((v for v in meeting.venues if str(v.id) == str(venue_id)), None)
    if venue is None:
        raise VenueError("会场不属于本次会议")
    return venue


def screen_url(meeting: Meeting, venue: Venue) -> str:
    """A venue's projector address (secret: staff pages only); the convening hall's is the meeting's own."""
    token = venue.screen_token or meeting.screen_token
    return public_base(current_app) + url_for("public.screen", token=token)


def _page(meeting: Meeting, error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    by_venue: dict[int | None, list] = {}
    for attendee in meeting.attendees:
        if not attendee.anonymous:
            by_venue.setdefault(venues.venue_id_of(meeting, attendee), []).append(attendee)
    rows = [{"venue": v, "branch": venues.is_branch(v), "people": by_venue.get(v.id, []),
             "units": list(dict.fromkeys(a.unit.name for a in by_venue.get(v.id, []) if a.unit)),
             "join_url": join_url(current_app, meeting, v), "screen_url": screen_url(meeting, v),
             "join_code": v.join_code or meeting.join_code} for v in meeting.venues]
    names = {v.id: v.name for v in meeting.venues}
    return render_template("live/meetings/venues.html", meeting=meeting, rows=rows, error=error,
                           started=meeting.started_at is not None, operators=venues.operator_accounts(db.session),
                           venue_name=lambda a: names.get(venues.venue_id_of(meeting, a), venues.CONVENING_NAME),
                           url_warning=public_url_problem(current_app.config["PUBLIC_URL"])), status


def _change(meeting_id: int, change, done: str):  # type: ignore[no-untyped-def]
    """Run one venue change for the page's form: commit and say so, or roll back and show its refusal."""
    meeting = hosted_meeting(meeting_id)
    try:
        change(meeting)
    except VenueError as error:
        db.session.rollback()
        return _page(db.session.get(Meeting, meeting_id), str(error), 422)
    db.session.commit()
    # Open projectors, consoles and operator pages show the change (a venue's name, who attends there) at once.
    ticker().touched_attendance(meeting_id)
    flash(done, "ok")
    return redirect(url_for("meetings.venue_list", meeting_id=meeting_id))


@meetings_bp.get("/<int:meeting_id>/venues")
@role_required(Role.HOST)
def venue_list(meeting_id: int):
    """The meeting's 会场: each venue's 负责人, operators, units and people, join code and projector URL."""
    return _page(hosted_meeting(meeting_id))


@meetings_bp.post("/<int:meeting_id>/venues/add")
@role_required(Role.HOST)
def venue_add(meeting_id: int):
    """A new branch venue (分会场) with its own join code and projector URL."""
    form = request.form

    def add(meeting: Meeting) -> None:
        if meeting.started_at is not None:  # nobody could be moved to it: the halls are settled before the start
            raise VenueError("会议已开始，参会会场不能再调整（如需调整请在会前完成）")
        venues.add_venue(db.session, meeting, form.get("name", "")[:200], form.get("leader", "")[:200],
                         g.user.username)

    return _change(meeting_id, add, "已添加分会场")


@meetings_bp.post("/<int:meeting_id>/venues/<int:venue_id>/edit")
@role_required(Role.HOST)
def venue_edit(meeting_id: int, venue_id: int):
    """Rename a venue or change its 负责人 (allowed during the meeting too)."""
    form = request.form
    wifi = (form.get("wifi_ssid", "")[:200], form.get("wifi_password", "")[:200])
    return _change(meeting_id, lambda m: venues.update_venue(
        db.session, _venue_of(m, venue_id), form.get("name", "")[:200], form.get("leader", "")[:200],
        g.user.username, wifi), "已保存会场")


@meetings_bp.post("/<int:meeting_id>/venues/<int:venue_id>/operators")
@role_required(Role.HOST)
def venue_operators(meeting_id: int, venue_id: int):
    """The 分会场管理员 accounts that keep a venue (allowed during the meeting too)."""
    ids = _ids("user_ids")
    return _change(meeting_id, lambda m: venues.set_operators(db.session, _venue_of(m, venue_id), ids,
                                                              g.user.username), "已保存分会场管理员")


@meetings_bp.post("/<int:meeting_id>/venues/<int:venue_id>/remove")
@role_required(Role.HOST)
def venue_remove(meeting_id: int, venue_id: int):
    """Remove a branch venue before the meeting; its people go back to the convening hall."""
    return _change(meeting_id, lambda m: venues.remove_venue(db.session, _venue_of(m, venue_id), g.user.username),
                   "已删除分会场，其参会人员回到主会场")


@meetings_bp.post("/<int:meeting_id>/venues/units")
@role_required(Role.HOST)
def venue_units(meeting_id: int):
    """Send whole units' people to a venue (before the meeting)."""
    ids, target = _ids("unit_ids"), request.form.get("venue_id")
    return _change(meeting_id, lambda m: _move(m, target, lambda venue: venues.move_units(
        db.session, m, ids, venue, g.user.username)), "已调整参会会场")


@meetings_bp.post("/<int:meeting_id>/venues/people")
@role_required(Role.HOST)
def venue_people(meeting_id: int):
    """Send single people to a venue (before the meeting)."""
    ids, target = _ids("attendee_ids"), request.form.get("venue_id")
    return _change(meeting_id, lambda m: _move(m, target, lambda venue: venues.move_attendees(
        db.session, m, ids, venue, g.user.username)), "已调整参会会场")


def _move(meeting: Meeting, target: str | None, move) -> None:  # type: ignore[no-untyped-def]
    if move(_venue_of(meeting, target)) == 0:
        raise VenueError("请选择要调整的单位或人员")


@meetings_bp.get("/<int:meeting_id>/venues/<int:venue_id>/sheet")
@role_required(Role.HOST)
def venue_sheet(meeting_id: int, venue_id: int):
    """A venue's A4 sheet for its 负责人: the join QR code and code, the projector URL, who attends there."""
    meeting = hosted_meeting(meeting_id)
    try:
        venue = _venue_of(meeting, venue_id)
    except VenueError:
        return render_template("error.html", status=404, message="会场不存在"), 404
    people = [a for a in meeting.attendees if not a.anonymous and venues.venue_id_of(meeting, a) == venue.id]
    return render_template("live/meetings/venue_sheet.html", meeting=meeting, venue=venue, people=people,
                           join_url=join_url(current_app, meeting, venue), screen_url=screen_url(meeting, venue),
                           join_code=venue.join_code or meeting.join_code,
                           url_warning=public_url_problem(current_app.config["PUBLIC_URL"]))
