"""The live meeting's long work as a job (core/jobs): seat cards for a big meeting, drawn in the worker, never
beside the hall's sockets. The quarter's and the roster's jobs are in their own wings."""

from __future__ import annotations

from flask import current_app, render_template

from core.jobs.registry import JobContext, JobFailed, job_handler
from quiz.live.models import Meeting

SEAT_CARDS = "seat_cards"
CARDS_INLINE_MAX = 60  # below this a meeting's cards are drawn in the request (0.15 s of QR codes); above, a job


@job_handler(SEAT_CARDS)
def seat_cards(context: JobContext) -> None:
    """The meeting's seat cards as one printable page (a QR code each: seconds for thousands of people)."""
    meeting = context.session.get(Meeting, context.params["meeting_id"])
    if meeting is None:
        raise JobFailed("会议不存在或已删除")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.test_request_context("/", base_url=context.params["base"]):
        page = render_template("live/meetings/cards.html", **cards_context(meeting, context.params["base"]))
    context.save_file(page.encode("utf-8"), f"座位卡-{meeting.title[:40]}.html", "text/html")


def cards_context(meeting: Meeting, base: str) -> dict:
    """What the seat-card page shows: every named attendee, the address phones use, a warning if unusable."""
    from quiz.live import venues
    from quiz.live.qr import public_url_problem

    attendees = [a for a in meeting.attendees if not a.anonymous]
    # With branch venues every card says where its holder attends (venue id → name; None: the convening hall).
    names = {None if v.position == 0 else v.id: v.name for v in meeting.venues} if venues.has_branches(meeting) \
        else {}
    return {"meeting": meeting, "attendees": attendees, "base": base, "venue_names": names,
            "url_warning": public_url_problem(current_app.config["PUBLIC_URL"])}
