"""Telling the rooms what was committed: states, aggregated answer counts, personal results, and the timers
that close a round at its deadline. Only ever called after a commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import select

from core.db import db, utcnow
from core.realtime import socketio
from quiz.live import attendance, hooks, presence, protocol, snapshots, venue_state
from quiz.live import hosting as live
from quiz.live.models import Answer, Meeting, Round, Venue

COUNT_INTERVAL_S = 0.25


def public_base(app: Flask) -> str:
    """Where every venue reaches the server: PUBLIC_URL when set."""
    return app.config["PUBLIC_URL"] or f"http://{app.config['HOST']}:{app.config['PORT']}"


def join_url(app: Flask, meeting: Meeting, venue: Venue | None = None) -> str:
    """The address phones open at a venue (the convening hall's is the meeting's code)."""
    code = venue.join_code if venue is not None and venue.join_code else meeting.join_code
    return f"{public_base(app)}/j/{code}"


def _emit_screens(session, meeting: Meeting, public: dict | None, counts: attendance.HallCounts,  # type: ignore[no-untyped-def]
                  local: bool = False) -> dict:
    """Each venue's projectors get their venue's view; returns the convening hall's (the console's base)."""
    states = snapshots.screen_states(session, meeting, public_base(current_app), public, counts)
    for venue in meeting.venues:
        socketio.emit(protocol.STATE, states[venue.id], to=protocol.venue_screen(venue.id), ignore_queue=local)
    if not meeting.venues:  # a meeting from before venues that lost its row: its one projector room
        socketio.emit(protocol.STATE, states[None], to=protocol.screen(meeting.id), ignore_queue=local)
    return states[None]


def publish(meeting: Meeting, roster: bool = False, local: bool = False, venue_ids: set[int] | None = None) -> None:
    """Send each room its view of the meeting as committed; `roster` when the change touched attendees (the
    console's attendee rows are sent only then); `local` to this worker's clients only, not through the message
    queue (the resync after a Redis outage); `venue_ids`: venues whose operator pages get it even with no
    operator assigned (an admin's). Each view is built once and the next one extends it."""
    session = db.session
    public = snapshots.public_state(session, meeting)
    socketio.emit(protocol.STATE, public, to=protocol.phones(meeting.id), ignore_queue=local)
    # Let the phones' sockets flush before the heavier projector and console states are built.
    socketio.sleep(0)
    _emit_halls(session, meeting, public, roster, local, venue_ids)


def _emit_halls(session, meeting: Meeting, public: dict | None, roster: bool, local: bool = False,  # type: ignore[no-untyped-def]
                venue_ids: set[int] | None = None) -> None:
    """Every venue's projectors, the consoles and the operator pages, from one read of the halls' attendance
    and one of who is connected where."""
    counts = attendance.hall_counts(session, meeting)
    online = presence_of(current_app).venues(meeting.id)
    screen = _emit_screens(session, meeting, public, counts, local)
    _emit_host(meeting, snapshots.host_state(session, meeting, public_base(current_app), roster, screen, online,
                                             counts), local)
    _emit_operators(session, meeting, public, roster, local, venue_ids, online)


def _emit_operators(session, meeting: Meeting, public: dict | None, roster: bool, local: bool = False,  # type: ignore[no-untyped-def]
                    venue_ids: set[int] | None = None, online: dict | None = None) -> None:
    """Each watched venue's operator pages get their venue's view (quiz/live/venue_state.py): venues with an
    operator assigned, or with an operator page open now on any worker (an admin keeping a venue nobody was
    given: `online`, quiz/live/presence.py), and `venue_ids`."""
    wanted = venue_state.watched(session, meeting)
    online = presence_of(current_app).venues(meeting.id) if online is None else online
    wanted += [v for v in meeting.venues if v not in wanted and (
        v.id in (venue_ids or set()) or presence.for_venue(online, v.id, v.position == 0).operators)]
    if not wanted:
        return
    states = venue_state.operator_states(session, meeting, public or snapshots.public_state(session, meeting),
                                         wanted, roster)
    for venue_id, state in states.items():
        socketio.emit(protocol.STATE, state, to=protocol.venue_operators(venue_id), ignore_queue=local)


def host_state(app: Flask, meeting: Meeting, roster: bool = True, screen: dict | None = None) -> dict:
    """The console's state with who is connected at each venue now (over every worker)."""
    return snapshots.host_state(db.session, meeting, public_base(app), roster, screen,
                                online=presence_of(app).venues(meeting.id))


def presence_of(app: Flask) -> presence.Presence:
    """This process's connection counts (shared through Redis when REDIS_URL is set)."""
    if "presence" not in app.extensions:
        app.extensions["presence"] = presence.Presence(app.config.get("REDIS_URL", ""),
                                                       app.config.get("SOCKETIO_CHANNEL", "flask-socketio"))
    return app.extensions["presence"]


def _emit_host(meeting: Meeting, state: dict, local: bool = False) -> None:
    socketio.emit(protocol.STATE, state, to=protocol.host(meeting.id), ignore_queue=local)


def send_results(app: Flask, round_id: int, attendee_ids: set[int] | None = None, local: bool = False) -> None:
    """After the reveal: each phone gets its own result (in the background; the host's ack does not wait).
    `attendee_ids` limits it to those phones; `local` to this worker's clients."""
    with app.app_context():
        query = select(Answer).where(Answer.round_id == round_id)
        if attendee_ids is not None:
            query = query.where(Answer.attendee_id.in_(attendee_ids))
        for answer in db.session.scalars(query).all():
            socketio.emit(protocol.RESULT, {"round_id": round_id, "correct": answer.correct, "score": answer.score,
                                            "answer": answer.payload}, to=protocol.attendee(answer.attendee_id),
                          ignore_queue=local)


def schedule_close(app: Flask, round_id: int, deadline: datetime) -> None:
    """Sleep until the deadline, then close the round if it is still due (pauses and extensions make the
    wake-up a no-op)."""

    def wait_then_close() -> None:
        socketio.sleep(max(0.0, (deadline - utcnow()).total_seconds()) + 0.05)
        with app.app_context():
            if live.close_if_due(db.session, round_id):
                db.session.commit()
                round_ = db.session.get(Round, round_id)
                publish(db.session.get(Meeting, round_.meeting_id))

    socketio.start_background_task(wait_then_close)


def resume_timers(app: Flask) -> None:
    """After a restart: every round still open gets its timer back (closing at once if already due)."""
    with app.app_context():
        rounds = db.session.scalars(select(Round).where(Round.phase == "open", Round.deadline_at.is_not(None)))
        for round_ in rounds:
            schedule_close(app, round_.id, round_.deadline_at)
        db.session.rollback()


class CountTicker:
    """Collects rounds that received answers (and review items that received ballots) and emits their counts
    at most every COUNT_INTERVAL_S — never one event per answer."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.dirty: set[int] = set()
        self.dirty_items: set[int] = set()
        self.dirty_meetings: set[int] = set()
        self.lock = threading.Lock()
        self.started = False

    def touched(self, round_ids: set[int]) -> None:
        """Called by the answer writer after a commit."""
        self._mark(round_ids, set())

    def touched_review(self, item_id: int) -> None:
        """Called after a ballot is committed."""
        self._mark(set(), {item_id})

    def touched_attendance(self, meeting_id: int) -> None:
        """Called after a check-in: the projector and console refresh their attendance a few times a second
        (a state per check-in would make 2,000 joins cost 2,000 full broadcasts of the attendee list)."""
        self._mark(set(), set(), {meeting_id})

    def _mark(self, round_ids: set[int], item_ids: set[int], meeting_ids: frozenset[int] | set[int] = frozenset()
              ) -> None:
        with self.lock:
            self.dirty |= round_ids
            self.dirty_items |= item_ids
            self.dirty_meetings |= meeting_ids
            if not self.started:
                self.started = True
                socketio.start_background_task(self._run)

    def _run(self) -> None:
        while True:
            socketio.sleep(COUNT_INTERVAL_S)
            with self.lock:
                rounds, items, meetings = self.dirty, self.dirty_items, self.dirty_meetings
                self.dirty, self.dirty_items, self.dirty_meetings = set(), set(), set()
            if rounds or items or meetings:
                try:
                    with self.app.app_context():
                        self._emit(rounds)
                        self._emit_votes(items)
                        self._emit_attendance(meetings)
                except Exception:  # one failed pass (a dropped database connection) must not end the ticker
                    self.app.logger.exception("count ticker pass failed")

    def _emit_attendance(self, meeting_ids: set[int]) -> None:
        for meeting_id in meeting_ids:
            meeting = db.session.get(Meeting, meeting_id)
            if meeting is None:  # deleted since the check-in
                continue
            _emit_halls(db.session, meeting, None, roster=True)

    def _emit_votes(self, item_ids: set[int]) -> None:
        if not item_ids:
            return
        meeting_ids = set()
        for meeting_id, payload in hooks.review_segments().turnouts(db.session, item_ids):
            meeting_ids.add(meeting_id)
            for room in (protocol.screen(meeting_id), protocol.host(meeting_id)):
                socketio.emit(protocol.VOTE_COUNT, payload, to=room)
        self._refresh_operators(meeting_ids)

    def _emit(self, round_ids: set[int]) -> None:
        if not round_ids:
            return
        session = db.session
        meeting_ids = set()
        for round_ in session.scalars(select(Round).where(Round.id.in_(round_ids))):
            meeting = session.get(Meeting, round_.meeting_id)
            meeting_ids.add(meeting.id)
            payload = {"round_id": round_.id, "answered": snapshots.answered_count(session, round_.id),
                       "eligible": snapshots.eligible_count(session, meeting, round_)}
            socketio.emit(protocol.ANSWER_COUNT, payload, to=protocol.screen(meeting.id))
            socketio.emit(protocol.ANSWER_COUNT, payload, to=protocol.host(meeting.id))
        self._refresh_operators(meeting_ids)

    def _refresh_operators(self, meeting_ids: set[int]) -> None:
        """The venues' counts (answers, ballots) at each watched venue, without the people's rows."""
        for meeting_id in meeting_ids:
            meeting = db.session.get(Meeting, meeting_id)
            if meeting is not None:
                _emit_operators(db.session, meeting, None, roster=False)


def counted(app: Flask, meeting_id: int, venue_id: int | None, kind: str, connected: bool,
            consoled: Callable[[], set[int]]) -> None:
    """A connection came or went (`consoled`: the meetings with a console on this worker, for the periodic
    refresh): counted in memory, the consoles told by the PresenceTicker."""
    tracker = presence_of(app)
    (tracker.connected if connected else tracker.disconnected)(meeting_id, venue_id, kind)
    if "presence_ticker" not in app.extensions:
        app.extensions["presence_ticker"] = PresenceTicker(app, consoled)
    app.extensions["presence_ticker"].poke()


class PresenceTicker:
    """Tells the consoles who is connected at each venue: after a change at most every presence.FLUSH_S (this
    worker's counts are written to Redis first, so the sum it reads includes them), and every REFRESH_S to the
    consoles on this worker whatever happened (another worker's counts may have expired, or two workers'
    events crossed on the way: the console is right again within REFRESH_S). Never one event per connect:
    3,000 phones joining make a few events a second, not 3,000."""

    def __init__(self, app: Flask, watched: Callable[[], set[int]]) -> None:
        self.app, self.watched = app, watched
        self.lock = threading.Lock()
        self.started = False
        self.failing = False  # a failed pass is logged once, not every half second while Redis or the database is away

    def poke(self) -> None:
        """Called on every connect and disconnect (cheap: starts the loop once)."""
        if self.started:
            return
        with self.lock:
            if not self.started:
                self.started = True
                socketio.start_background_task(self._run)

    def _run(self) -> None:
        tracker = presence_of(self.app)
        written = 0.0
        while True:
            socketio.sleep(presence.FLUSH_S)
            try:
                dirty = tracker.take_dirty()
                periodic = time.monotonic() - written >= presence.REFRESH_S
                if dirty or periodic:
                    tracker.publish()
                    written = time.monotonic()
                with self.app.app_context():
                    for meeting_id in dirty:
                        self._emit(meeting_id, local=False)
                    if periodic:
                        for meeting_id in self.watched() - dirty:
                            self._emit(meeting_id, local=True)
                    db.session.rollback()
                if self.failing:
                    self.failing = False
                    self.app.logger.warning("presence passes work again")
            except Exception:  # one failed pass (Redis or the database away) must not end the loop
                if not self.failing:
                    self.failing = True
                    self.app.logger.exception("presence pass failed (logged once until a pass works again)")

    def _emit(self, meeting_id: int, local: bool) -> None:
        halls = db.session.execute(select(Venue.id, Venue.position).where(Venue.meeting_id == meeting_id)).all()
        online = presence_of(self.app).venues(meeting_id)
        rows = {str(v.id): presence.for_venue(online, v.id, v.position == 0).as_dict() for v in halls}
        socketio.emit(protocol.PRESENCE, {"meeting_id": meeting_id, "venues": rows}, to=protocol.host(meeting_id),
                      ignore_queue=local)
