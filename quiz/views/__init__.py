"""The meeting's pages: staff pages (roster, meetings, console, seat cards) and the public ones (join, phone,
projector). Socket handlers live in quiz/events.py."""

from flask import Blueprint

roster_bp = Blueprint("roster", __name__, url_prefix="/roster")
meetings_bp = Blueprint("meetings", __name__, url_prefix="/meetings")
public_bp = Blueprint("public", __name__)

from quiz.views import demo_pages, meeting_pages, public_pages, roster_pages  # noqa: E402, F401  (register routes)
