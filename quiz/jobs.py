"""The meeting side's long work as jobs (core/jobs): the quarter's .xlsx / .docx, its recompute, seat cards for
a big meeting, and a roster import's check and commit. Each runs in the worker, never beside the hall's sockets.
"""

from __future__ import annotations

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs.registry import JobContext, JobFailed, job_handler, set_quiet_check
from quiz import quarters, reports, roster
from quiz.engine import Phase
from quiz.models import Meeting, Round
from quiz.review_models import ReviewItem
from quiz.roster_transfer import roster_xlsx

QUARTER_FILE, QUARTER_RECOMPUTE, SEAT_CARDS = "quarter_file", "quarter_recompute", "seat_cards"
ROSTER_EXPORT = "roster_export"
MIME_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
CARDS_INLINE_MAX = 60  # below this a meeting's cards are drawn in the request (0.15 s of QR codes); above, a job


def hall_busy(session: Session) -> bool:
    """Whether any meeting is taking answers (a question open) or ballots (a vote open) right now: a job waits
    for a quiet moment before a big write (core/jobs/registry.py, JobContext.wait_for_quiet)."""
    answering = select(Round.id).join(Meeting, Meeting.current_round_id == Round.id).where(Round.phase == Phase.OPEN)
    voting = select(ReviewItem.id).where(ReviewItem.vote_state == "open")
    return session.scalar(answering.limit(1)) is not None or session.scalar(voting.limit(1)) is not None


set_quiet_check(hall_busy)


@job_handler(QUARTER_FILE)
def quarter_file(context: JobContext) -> None:
    """The approved quarter as a workbook or an editable 通报."""
    quarter, kind = context.params["quarter"], context.params["kind"]
    context.progress("生成报表", 0, 1)
    try:
        body = reports.quarter_file(context.session, quarter, f".{kind}")
    except ValueError as error:
        raise JobFailed(str(error)) from error
    context.save_file(body, f"{reports.quarter_label(quarter)}书记问效考评.{kind}", MIME_TYPES[kind])
    context.progress("生成报表", 1, 1)


@job_handler(QUARTER_RECOMPUTE)
def recompute(context: JobContext) -> None:
    """Compute and store the quarter's results; the quarter's page follows, with what changed."""
    quarter = context.params["quarter"]
    context.progress("计算成绩", 0, 1)
    try:
        changes = quarters.recompute(context.session, quarter, actor=context.params["actor"])
    except quarters.QuarterError as error:
        raise JobFailed(str(error)) from error
    context.result.update(message=f"已重新计算：与之前相比 {len(changes)} 处变化", next_endpoint="quarters.show",
                          next_args={"quarter": quarter, "job": context.job_id})
    context.progress("计算成绩", 1, 1)


@job_handler(SEAT_CARDS)
def seat_cards(context: JobContext) -> None:
    """The meeting's seat cards as one printable page (a QR code each: seconds for thousands of people)."""
    meeting = context.session.get(Meeting, context.params["meeting_id"])
    if meeting is None:
        raise JobFailed("会议不存在或已删除")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.test_request_context("/", base_url=context.params["base"]):
        page = render_template("meetings/cards.html", **cards_context(meeting, context.params["base"]))
    context.save_file(page.encode("utf-8"), f"座位卡-{meeting.title[:40]}.html", "text/html")


def cards_context(meeting: Meeting, base: str) -> dict:
    """What the seat-card page shows: every named attendee, the address phones use, a warning if unusable."""
    from quiz.qr import public_url_problem

    attendees = [a for a in meeting.attendees if not a.anonymous]
    return {"meeting": meeting, "attendees": attendees, "base": base,
            "url_warning": public_url_problem(current_app.config["PUBLIC_URL"])}


@job_handler(ROSTER_EXPORT)
def roster_export(context: JobContext) -> None:
    """The active roster (demo people left out) in the import template's columns."""
    rows = roster.export_rows(context.session)
    context.progress("导出名册", len(rows), len(rows))
    context.save_file(roster_xlsx(rows), "人员名册导出.xlsx", MIME_TYPES["xlsx"])
