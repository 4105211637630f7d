"""What the meeting side tells core/jobs: whether the hall is busy, so that a big write waits for a quiet moment.

It lives in the review wing because it must see both an open question (live) and an open vote (review), and
review is the first wing that may read both.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs.registry import set_quiet_check
from quiz.live.engine import Phase
from quiz.live.models import Meeting, Round
from quiz.review.models import ReviewItem


def hall_busy(session: Session) -> bool:
    """Whether any meeting is taking answers (a question open) or ballots (a vote open) right now: a job waits
    for a quiet moment before a big write (core/jobs/registry.py, JobContext.wait_for_quiet)."""
    answering = select(Round.id).join(Meeting, Meeting.current_round_id == Round.id).where(Round.phase == Phase.OPEN)
    voting = select(ReviewItem.id).where(ReviewItem.vote_state == "open")
    return session.scalar(answering.limit(1)) is not None or session.scalar(voting.limit(1)) is not None


set_quiet_check(hall_busy)
