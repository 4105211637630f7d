"""Who is on a connection, decided once at connect and re-checked before what it may do: a phone by its
personal code and the device token bound to it (or a listener joining with a venue's code), a projector by its
venue's screen token, a host or a venue operator (分会场管理员) by the logged-in session. quiz/live/events.py's
handlers use these; nothing here emits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request
from flask_socketio import ConnectionRefusedError as RefusedConnection

from core import throttle
from core.accounts import guard
from core.accounts.models import User
from core.accounts.roles import Role, allows
from core.db import db
from core.realtime import socketio
from quiz.live import attendance, commands, joining, meetings, payloads, venues
from quiz.live.audience import AudienceWriter
from quiz.live.audience import JoinRefused as AudienceRefused
from quiz.live.models import Attendee, Meeting, Venue


@dataclass(frozen=True)
class Identity:
    """Who is on a connection."""

    kind: str  # phone | screen | host | operator
    meeting_id: int
    attendee_id: int | None = None
    actor: str = ""
    device: str = ""  # a phone's bound device token: a released or moved binding ends the connection
    user_id: int | None = None  # a host's account and session stamp, checked again before each command
    stamp: str = ""
    code: str = ""  # a phone's personal code: an audience member joined over the socket learns it by WHO_AM_I
    venue_id: int | None = None  # a phone's or projector's venue (None: the convening hall); an operator's venue


CONNECTIONS: dict[str, Identity] = {}


def identify(auth: Any) -> Identity | None:
    """Work out who is connecting (`auth` as one of quiz/payloads.py's connect models); None refuses the
    connection. A phone's wrong code or device token counts towards the guessing limit; a locked-out
    guesser is refused with the reason."""
    auth = payloads.read_auth(auth)
    session = db.session
    if isinstance(auth, payloads.PhoneAuth):
        return _phone(auth.code, auth.device)
    if isinstance(auth, payloads.AudienceAuth):
        return _audience(auth.join, auth.browser)
    if isinstance(auth, payloads.ScreenAuth):
        found = venues.screen_venue(session, auth.screen)
        return Identity("screen", found[0], venue_id=found[1]) if found else None
    if isinstance(auth, payloads.HostAuth):
        guard.load_current_user()  # the session stamp is checked here: a logged-out cookie is refused
        user = g.get("user")
        meeting = session.get(Meeting, auth.meeting_id)
        if user is not None and allows(user.role, Role.HOST) and meeting and meetings.may_host(session, user, meeting):
            return Identity("host", meeting.id, actor=user.username, user_id=user.id, stamp=guard.session_stamp(user))
    if isinstance(auth, payloads.OperatorAuth):
        return _operator(auth.venue)
    return None


def _operator(venue_id: int) -> Identity | None:
    """A venue operator's page (分会场管理员), by the logged-in session: only for a venue the user keeps
    (venues.may_operate: an operator given it, or an admin). It joins its venue's operators room only."""
    guard.load_current_user()  # a logged-out or copied-then-invalidated cookie is refused here
    user = g.get("user")
    venue = db.session.get(Venue, venue_id)
    if user is None or venue is None or not venues.may_operate(db.session, user, venue):
        return None
    return Identity("operator", venue.meeting_id, actor=user.username, user_id=user.id,
                    stamp=guard.session_stamp(user), venue_id=venue.id)


def _phone(code: str, device: str) -> Identity | None:
    """A phone by its personal code and bound device token. A valid pair is never refused; a wrong one counts
    towards the guessing limit of its address and code, and past it is refused with the reason."""
    bound = joining.phone_binding(db.session, code)
    if bound and bound.device_token and secrets.compare_digest(bound.device_token.encode(), device.encode()):
        return Identity("phone", bound.meeting_id, bound.attendee_id, f"attendee:{bound.attendee_id}", device=device,
                        code="".join(code.split()).upper(), venue_id=bound.venue_id)  # as the seat card prints it
    _count_guess(throttle.DEVICE, code)
    return None


def _audience(join_code: str, browser: str) -> Identity | None:
    """An anonymous listener joining over the socket itself (the join page needs no form and no phone page
    after it: one request and this connection), stored by this process's batch writer (quiz/live/audience.py).
    Counted per browser and per address like the join form; a wrong join code counts as a guess."""
    meeting = joining.targets(current_app).get(db.session, join_code)  # the batch checks it again
    if meeting is None:
        _count_guess(throttle.JOIN, join_code)
        return None
    if not meeting.allow_anonymous:
        raise RefusedConnection(joining.NOT_ANONYMOUS_MESSAGE)
    address = throttle.request_address(request, current_app.config.get("TRUSTED_PROXIES", ()))
    if not throttle.store(current_app).audience_join(meeting.id, browser or secrets.token_urlsafe(12), address):
        raise RefusedConnection(throttle.AUDIENCE_MESSAGE)
    db.session.rollback()  # the pooled connection goes back before the wait for the batch
    device = attendance.new_device_token()
    try:
        audience = _audience_writer().join(meeting.id, device, meeting.venue_id)
    except AudienceRefused as refused:
        raise RefusedConnection(str(refused)) from refused
    return Identity("phone", meeting.id, audience.id, f"attendee:{audience.id}", device=device, code=audience.code,
                    venue_id=meeting.venue_id)


def _audience_writer() -> AudienceWriter:
    """This process's writer of listeners (created with the first listener)."""
    app = current_app._get_current_object()
    if "audience_writer" not in app.extensions:
        ticker = commands.ticker()
        app.extensions["audience_writer"] = AudienceWriter(app, socketio.start_background_task,
                                                           ticker.touched_attendance)
    return app.extensions["audience_writer"]


def _count_guess(kind: str, code: str) -> None:
    """A wrong code or token from this address; past the limit the connection is refused with the reason."""
    limits = throttle.store(current_app)
    address = throttle.request_address(request, current_app.config.get("TRUSTED_PROXIES", ()))
    locked = limits.locked(kind, address, code)
    limits.failed(kind, address, code)
    if locked:
        raise RefusedConnection(throttle.LOCKED_MESSAGE)


def still_valid(identity: Identity) -> bool:
    """Whether the identity settled at connect still holds: a phone's binding is still its device's (releasing
    or moving it also disconnects the phone: quiz/devices.py; this covers a message that crossed that), a
    host's session was not ended by a logout or password change and the meeting is still theirs."""
    session = db.session
    if identity.kind == "phone":
        attendee = session.get(Attendee, identity.attendee_id)
        return attendee is not None and attendee.device_token == identity.device
    if identity.kind == "host":
        user = session.get(User, identity.user_id)
        meeting = session.get(Meeting, identity.meeting_id)
        return (user is not None and meeting is not None and guard.session_stamp(user) == identity.stamp
                and meetings.may_host(session, user, meeting))
    if identity.kind == "operator":  # like a host: the session still stands and the venue is still theirs
        user = session.get(User, identity.user_id)
        venue = session.get(Venue, identity.venue_id)
        return (user is not None and venue is not None and guard.session_stamp(user) == identity.stamp
                and venues.may_operate(session, user, venue))
    return True
