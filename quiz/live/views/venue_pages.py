"""The venue operator's pages (分会场管理员): 「我的会场」, the venues a user keeps, and one venue's page, where its
attendance, devices and paper tallies are kept over the socket (quiz/live/venue_commands.py). Operators reach
nothing else: every other staff page names the roles it admits, and operator is none of them."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from quiz.live import venues
from quiz.live.models import Venue

venues_bp = Blueprint("venues", __name__, url_prefix="/venues")


@venues_bp.get("/")
@role_required(Role.OPERATOR)
def mine():
    """The venues this user keeps (every venue for an admin), newest meeting first."""
    return render_template("live/venues.html", venues=venues.operated_venues(db.session, g.user))


@venues_bp.get("/<int:venue_id>")
@role_required(Role.OPERATOR)
def venue(venue_id: int):
    """One venue's page: its people, the current round and review item at this venue, its figures."""
    found = db.session.get(Venue, venue_id)
    if found is None:
        abort(404)
    if not venues.may_operate(db.session, g.user, found):
        abort(403)
    return render_template("live/venue.html", venue=found, meeting=found.meeting)
