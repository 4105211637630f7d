"""What the live meeting needs from the wings above it, as hooks they fill (core/hooks.py).

Live never imports review or quarter: the socket layer, the snapshots and the host commands call these hooks,
and quiz/review/wiring.py and quiz/quarter/wiring.py provide them when app.create_app installs the wings.
A newcomer following a review command or a re-mark reads the field here, then the wiring module that fills it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.hooks import Hook

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from quiz.live.models import Answer, Attendee, Meeting, Segment

Service = Callable[["Session", "Meeting", Any, str], Any]  # a host command: (session, meeting, payload, actor)


@dataclass(frozen=True)
class ReviewSegments:
    """The 述职评议 / 表态发言 segments of the agenda, run by the review wing on the meeting's connections."""

    kinds: frozenset[str]  # the segment kinds it runs
    # ---- host commands and phone ballots (quiz/live/commands.py, quiz/live/events.py)
    commands: Mapping[str, Service]  # host command name → service, dispatched beside live's own
    refusals: tuple[type[Exception], ...]  # its domain errors, answered to the sender like an illegal move
    after_commit: Mapping[str, Callable[[Flask], None]]  # host command name → what runs once it is committed
    submit_ballot: Callable[[Session, int, Attendee, int, dict], int]  # (meeting_id, rater, item_id, ballot) → item
    turnouts: Callable[[Session, set[int]], Iterable[tuple[int, dict]]]  # item ids → (meeting_id, vote count)
    # the vote in progress's turnout per venue (None: the convening hall): phone receipts by the rater's venue
    # plus each venue's paper tally; None when no vote is open or closed on the item in progress
    venue_turnouts: Callable[[Session, Meeting], dict[int | None, int] | None]
    # ---- what each audience is told (quiz/live/snapshots.py)
    public_part: Callable[[Session, Meeting], dict | None]  # the state's "review": the item in progress
    host_part: Callable[[Session, Meeting], dict[str, Any]]  # the console's "review" and "review_items"
    personal_part: Callable[[Session, Meeting, Attendee, dict | None], dict[str, Any]]  # a phone's own vote
    unit_scores: Callable[[Session, Meeting], dict[int, float]]  # revealed scores per unit (结果公布)
    # ---- the agenda and the meeting's life (quiz/live/hosting.py, quiz/live/meetings.py, quiz/live/demo.py)
    on_reached: Callable[[Session, Meeting, Segment], None]  # the agenda moved to one of `kinds`
    before_end: Callable[[Session, Meeting, str, bool], None]  # (actor, close_votes): refuse or close open votes
    before_remove: Callable[[Session, Meeting], None]  # a meeting's row is about to be deleted
    unit_in_use: Callable[[Session, int], bool]  # a unit its records name (a demo unit then only deactivates)
    # ---- the meeting form's review settings (quiz/live/views/meeting_pages.py)
    parse_criteria: Callable[[str], list[dict[str, Any]]]
    parse_group_weights: Callable[[str], dict[str, float]]
    format_weighted: Callable[[list[tuple[str, float]]], str]
    # ---- a venue operator's page (quiz/live/operating.py, quiz/live/venue_state.py)
    # (meeting, {venue id: its attendees' venue_id, None for the convening hall}) → each venue's turnout of the
    # item in progress (empty without one)
    venue_parts: Callable[[Session, Meeting, dict[int, int | None]], dict[int, dict[str, Any]]] | None = None
    # (meeting, item id, counts, actor, venue id, its attendees' venue_id) → the venue's paper ballots, replaced
    venue_paper_tally: Callable[[Session, Meeting, int, dict, str, int, int | None], None] | None = None


@dataclass(frozen=True)
class QuarterRecord:
    """The quarter's book, which the meetings feed and which closes over them."""

    is_closed: Callable[[Session, str], bool]  # a closed quarter's meetings are locked
    record_correction: Callable[[Session, Meeting, Answer, float, Any, str, str], None]  # (answer, new score,
    # new payload, reason, actor): a changed score is a correction on the record, never a silent edit
    bottom_units: Callable[[Session, str], set[int]]  # units flagged 排名靠后 in a quarter
    log: Callable[..., None]  # (session, quarter, event, actor, **detail): a line in the quarter's log
    forget_units: Callable[[Session, list[int]], None]  # delete the quarter rows about these (demo) units
    reopen_lock: Callable[[Session, str], str | None]  # why a meeting of this quarter may not be reopened (审定)


review_segments: Hook[ReviewSegments] = Hook("quiz.live.hooks.review_segments", "quiz.review.wiring")
quarter_record: Hook[QuarterRecord] = Hook("quiz.live.hooks.quarter_record", "quiz.quarter.wiring")
