"""Socket.IO handlers: identify, parse, call one service, commit, then emit. Thin by design.

Who is on a connection is decided once, at connect (quiz/live/identities.py): a phone, a projector, a host or a
venue operator. Host events from anything but a host connection are refused and logged; operator events from
anything but an operator's.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask_socketio import join_room

from core.db import BUSY_MESSAGE, DatabaseBusy, db, utcnow
from core.flood import FloodGuard, Rate
from core.realtime import socketio
from quiz.live import (
    commands,
    hooks,
    payloads,
    protocol,
    snapshots,
    venue_commands,
    venue_state,
)
from quiz.live.engine import IllegalMove
from quiz.live.identities import CONNECTIONS, Identity, identify, still_valid
from quiz.live.models import Attendee, Meeting, Venue
from quiz.live.publish import counted, host_state, public_base
from quiz.live.writer import Submission

RELEASED_MESSAGE = commands.BINDING_ENDED_MESSAGE


ROOMS = {"phone": protocol.phones, "screen": protocol.screen, "host": protocol.host}


@socketio.on("connect")
def on_connect(auth: Any = None):  # type: ignore[no-untyped-def]
    """Admit a phone, projector, host or venue operator, into its meeting's (or venue's) rooms."""
    if _sent_by_client():
        return False
    identity = identify(auth)
    db.session.rollback()
    if identity is None:
        return False
    CONNECTIONS[request.sid] = identity
    if identity.kind == "operator":  # its venue's room only: nothing that carries the host's state
        join_room(protocol.venue_operators(identity.venue_id))
        _count(identity, True)
        return True
    join_room(ROOMS[identity.kind](identity.meeting_id))
    if identity.kind == "screen" and identity.venue_id is not None:
        join_room(protocol.venue_screen(identity.venue_id))
    if identity.attendee_id is not None:
        join_room(protocol.attendee(identity.attendee_id))
    _count(identity, True)
    return True


@socketio.on("disconnect")
def on_disconnect(*_args: Any) -> None:
    """Forget the connection (the phone re-identifies when it comes back)."""
    if not _sent_by_client():
        identity = CONNECTIONS.pop(request.sid, None)
        if identity is not None:
            _count(identity, False)


def _count(identity: Identity, connected: bool) -> None:
    """The venue's presence (quiz/live/presence.py): a counter in memory; consoles hear of it in batches."""
    counted(current_app._get_current_object(), identity.meeting_id, identity.venue_id, identity.kind, connected,
            lambda: {i.meeting_id for i in list(CONNECTIONS.values()) if i.kind == "host"})


def _sent_by_client() -> bool:
    """python-socketio hands a client's own event named "connect" or "disconnect" to these handlers (a phone
    could re-identify as the projector); the real ones arrive while the connection is still pending."""
    return socketio.server.manager.is_connected(request.sid, request.namespace)


def state_for(identity: Identity) -> dict[str, Any]:
    """The current state as this connection should see it."""
    session = db.session
    meeting = session.get(Meeting, identity.meeting_id)
    if identity.kind == "phone":
        return snapshots.personal_state(session, meeting, session.get(Attendee, identity.attendee_id))
    base = public_base(current_app)
    if identity.kind == "screen":
        return snapshots.screen_state(session, meeting, base, venue_id=identity.venue_id)
    if identity.kind == "operator":
        venue = session.get(Venue, identity.venue_id)
        public = snapshots.public_state(session, meeting)
        return venue_state.operator_states(session, meeting, public, [venue])[venue.id]
    return host_state(current_app, meeting)


@socketio.on(protocol.SYNC)
def on_sync(*_args: Any) -> dict[str, Any]:
    """The whole current state (on connect, on reconnect, when a page becomes visible)."""
    identity = CONNECTIONS.get(request.sid)
    if identity is None or not still_valid(identity):
        return {"ok": False, "error": "未识别的连接，请刷新页面"}
    return {"ok": True, "state": state_for(identity), "server_now_ms": snapshots.epoch_ms(utcnow())}


@socketio.on(protocol.WHO_AM_I)
def on_who_am_i(*_args: Any) -> dict[str, Any]:
    """A phone's own personal code and device token: a listener who joined over the socket keeps them to come
    back (the page's address and its reconnections use them, never the join again)."""
    identity = CONNECTIONS.get(request.sid)
    if identity is None or identity.kind != "phone":
        return {"ok": False, "error": "未识别的连接，请刷新页面"}
    return {"ok": True, "code": identity.code, "device": identity.device}


@socketio.on(protocol.CLOCK)
def on_clock(*_args: Any) -> dict[str, Any]:
    """The server's time, for the phone's countdown offset."""
    return {"server_now_ms": snapshots.epoch_ms(utcnow())}


@socketio.on(protocol.SUBMIT_ANSWER)
def on_submit_answer(payload: Any = None, *_extra: Any) -> dict[str, Any]:
    """Store one answer (acked only once committed); a repeat returns the stored answer."""
    received_at = utcnow()
    identity = CONNECTIONS.get(request.sid)
    if identity is None or identity.kind != "phone":
        return {"ok": False, "error": "只有参会人员的手机可以作答"}
    try:
        sent = payloads.parse(payloads.SubmitAnswer, payload, "作答数据无效")
    except payloads.Invalid as error:
        return {"ok": False, "error": str(error)}
    submission = Submission(sent.round_id, identity.attendee_id, sent.client_id, sent.answer, received_at)
    return commands.writer().submit(submission)


@socketio.on(protocol.SUBMIT_RATING)
def on_submit_rating(payload: Any = None, *_extra: Any) -> dict[str, Any]:
    """Store or change this phone's ballot for the speaker (the review wing's service: hooks.review_segments).
    The payload is never logged."""
    identity = CONNECTIONS.get(request.sid)
    if identity is None or identity.kind != "phone":
        return {"ok": False, "error": "只有参会人员的手机可以评议"}
    try:
        sent = payloads.parse(payloads.SubmitRating, payload, "评议数据无效")
    except payloads.Invalid as error:
        return {"ok": False, "error": str(error)}
    session = db.session
    segments = hooks.review_segments()
    rater = session.get(Attendee, identity.attendee_id)
    if rater is None or rater.device_token != identity.device:
        return {"ok": False, "error": RELEASED_MESSAGE}
    try:
        item_id = segments.submit_ballot(session, identity.meeting_id, rater, sent.item_id, dict(sent.ballot))
        session.commit()
    except (IllegalMove, *segments.refusals) as error:
        session.rollback()
        return {"ok": False, "error": str(error)}
    except DatabaseBusy:
        session.rollback()
        return {"ok": False, "error": BUSY_MESSAGE}
    commands.ticker().touched_review(item_id)
    return {"ok": True}


def _host_handler(name: str):  # type: ignore[no-untyped-def]
    def handle(payload: Any = None, *_extra: Any) -> dict[str, Any]:
        identity = CONNECTIONS.get(request.sid)
        if identity is not None and identity.kind == "host" and not still_valid(identity):
            db.session.rollback()  # logged out, password changed or unassigned since the console connected
            return {"ok": False, "error": "登录已失效，请重新登录"}
        return commands.run(name, identity, payload)

    handle.__name__ = f"on_{name}"
    return handle


for _name in protocol.HOST_COMMANDS:
    socketio.on_event(_name, _host_handler(_name))


def _operator_handler(name: str):  # type: ignore[no-untyped-def]
    def handle(payload: Any = None, *_extra: Any) -> dict[str, Any]:
        identity = CONNECTIONS.get(request.sid)
        if identity is None or identity.kind != "operator":
            return {"ok": False, "error": venue_commands.ONLY_OPERATORS}
        if not still_valid(identity):
            db.session.rollback()  # logged out, password changed or no longer given the venue
            return {"ok": False, "error": "登录已失效或已不再负责本会场，请重新登录"}
        return venue_commands.run(name, identity, payload)

    handle.__name__ = f"on_{name}"
    return handle


for _name in protocol.OPERATOR_COMMANDS:
    socketio.on_event(_name, _operator_handler(_name))


# Per-connection buckets (core/flood.py): room for a phone's ordinary traffic, nothing like a flood's. The
# console is not limited: it is a logged-in host, and the abuse suite drives thousands of commands through one.
# A venue operator is logged in too, but scoped to one hall and not trusted like a host: its page gets the
# "operator" bucket — a clerk marking a row of 60 people present in a minute fits well inside it.
RATES = {"sync": Rate(20, 2), "clock": Rate(20, 2), "answer": Rate(30, 5), "rating": Rate(30, 5),
         "command": Rate(40, 1), "operator": Rate(120, 10), "junk": Rate(20, 1)}
PATIENCE = Rate(200, 10)  # refused events a connection may send before it is disconnected as a flood
TOO_FAST = {"ok": False, "error": "操作过于频繁，请稍后再试"}
KINDS = {protocol.SYNC: "sync", protocol.CLOCK: "clock", protocol.WHO_AM_I: "sync", protocol.SUBMIT_ANSWER: "answer",
         protocol.SUBMIT_RATING: "rating", **{name: "command" for name in protocol.HOST_COMMANDS},
         **{name: "operator" for name in protocol.OPERATOR_COMMANDS}}


def _kind(sid: str, event: Any) -> str | None:
    identity = CONNECTIONS.get(sid)
    if identity is not None and identity.kind == "host":
        return None
    kind = KINDS.get(event, "junk") if isinstance(event, str) else "junk"
    if kind == "operator" and (identity is None or identity.kind != "operator"):
        return "junk"  # a phone trying the operators' events gets no operator's room
    return kind


def guard_floods(app: Flask) -> FloodGuard:
    """Put the per-connection buckets in front of this app's Socket.IO server (after `init_realtime`)."""
    guard = FloodGuard(RATES, PATIENCE, _kind, lambda kind: None if kind == "junk" else TOO_FAST)
    guard.install(socketio.server)
    app.extensions["flood_guard"] = guard
    return guard
