"""The live meeting's pages: staff pages (meetings, console, seat cards) and the public ones (join, phone,
projector). Socket handlers live in quiz/live/events.py; the roster's pages in quiz/roster/views.py."""

from flask import Blueprint

meetings_bp = Blueprint("meetings", __name__, url_prefix="/meetings")
public_bp = Blueprint("public", __name__)

from quiz.live.views import (  # noqa: E402, F401  (register routes)
    demo_pages,
    meeting_pages,
    public_pages,
    venue_admin_pages,
)
