"""An anonymous listener joins over the socket itself (the join page, then one connection): stored once,
told its own code and token, counted per browser and per address, refused where the meeting takes no
audience, and a wrong join code counts as a guess — through Flask-SocketIO's test client."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.realtime import socketio
from core.throttle import JOIN
from quiz.live import joining
from quiz.live.audience import ENDED_MESSAGE, PendingJoin, store_batch
from quiz.live.joining import NOT_ANONYMOUS_MESSAGE
from quiz.live.models import Attendee
from tests.quiz.live.test_throttle import VENUE, client_at, fresh_limiter  # noqa: F401  (fixture)


def listeners(session, meeting) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Attendee).where(
        Attendee.meeting_id == meeting.id, Attendee.anonymous))


def join(app, meeting, browser: str = "b1", address: str = VENUE):  # type: ignore[no-untyped-def]
    return socketio.test_client(app, auth={"join": meeting.join_code, "browser": browser},
                                flask_test_client=client_at(app, address))


@pytest.fixture()
def open_meeting(session, meeting):  # type: ignore[no-untyped-def]
    meeting.allow_anonymous = True
    session.commit()
    return meeting


def test_a_listener_joins_over_the_socket_and_comes_back_with_its_own_code(app, session, open_meeting,
                                                                          fresh_limiter):  # noqa: F811
    phone = join(app, open_meeting)
    assert phone.is_connected()
    me = phone.emit("who_am_i", callback=True)
    stored = session.scalar(select(Attendee).where(Attendee.code == me["code"]))
    assert me["ok"] and stored.anonymous and stored.status == "present" and stored.device_token == me["device"]
    assert stored.meeting_id == open_meeting.id and listeners(session, open_meeting) == 1
    assert phone.emit("sync", callback=True)["state"]["me"]["id"] == stored.id
    phone.disconnect()
    again = socketio.test_client(app, auth={"code": me["code"], "device": me["device"]})  # a reconnection
    assert again.is_connected() and again.emit("who_am_i", callback=True)["code"] == me["code"]
    assert listeners(session, open_meeting) == 1  # coming back is not a second join
    again.disconnect()


def test_no_audience_where_the_meeting_takes_none(app, session, meeting, fresh_limiter):  # noqa: F811
    phone = join(app, meeting)
    assert not phone.is_connected()
    assert listeners(session, meeting) == 0


def test_a_browser_joins_three_times_and_a_venue_hundreds(app, session, open_meeting, fresh_limiter):  # noqa: F811
    connected = [join(app, open_meeting, "same-browser").is_connected() for _ in range(5)]
    assert connected == [True, True, True, False, False]
    assert listeners(session, open_meeting) == 3
    others = [join(app, open_meeting, f"browser-{n}").is_connected() for n in range(150)]  # one NAT address
    assert all(others) and listeners(session, open_meeting) == 153
    assert not app.extensions["throttle"].audience_join(open_meeting.id, "same-browser", VENUE)


def test_wrong_join_codes_count_as_guesses_and_store_nothing(app, session, open_meeting, fresh_limiter):  # noqa: F811
    for number in range(10):
        wrong = socketio.test_client(app, auth={"join": f"{number:06d}"[:5] + "9", "browser": "g"},
                                     flask_test_client=client_at(app, VENUE))
        assert not wrong.is_connected()
    assert app.extensions["throttle"].locked(JOIN, VENUE)
    assert listeners(session, open_meeting) == 0
    assert join(app, open_meeting, "g").is_connected()  # the right code still joins from that address


@pytest.mark.parametrize("auth", [
    {"join": "12ab"}, {"join": "1" * 9}, {"join": 123456}, {"join": "123456", "browser": "\ud800"},
    {"join": "123456", "browser": "x" * 33}, {"join": "123456", "browser": "a\x00b"}, {"join": None},
])
def test_odd_join_payloads_are_refused(app, session, open_meeting, fresh_limiter, auth):  # noqa: F811
    if auth.get("join") == "123456":
        auth = {**auth, "join": open_meeting.join_code}
    assert not socketio.test_client(app, auth=auth).is_connected()
    assert listeners(session, open_meeting) == 0


def test_a_batch_stores_its_listeners_and_refuses_those_of_closed_meetings(session, meeting):
    from tests.quiz.conftest import make_meeting

    meeting.allow_anonymous = True
    closed = make_meeting(session, title="不接受旁听")
    ended = make_meeting(session, title="已结束")
    ended.allow_anonymous, ended.status = True, "ended"
    session.commit()
    batch = [PendingJoin(meeting.id, f"dev-{n}") for n in range(5)] + [
        PendingJoin(closed.id, "dev-closed"), PendingJoin(ended.id, "dev-ended"), PendingJoin(999_999, "dev-x")]
    assert store_batch(session, batch) == {meeting.id}
    stored = {p.audience.code: p.device_token for p in batch[:5]}
    rows = session.execute(select(Attendee.code, Attendee.device_token).where(Attendee.anonymous)).all()
    assert dict(rows) == stored and len(stored) == 5
    assert [p.refusal for p in batch[5:]] == [NOT_ANONYMOUS_MESSAGE, ENDED_MESSAGE, ENDED_MESSAGE]
    assert all(p.audience is None for p in batch[5:])


def test_a_taken_code_fails_the_batch_which_is_then_stored_one_by_one(app, session, open_meeting, monkeypatch):
    from quiz.live import audience

    taken = joining.join_anonymous(session, open_meeting, "first")
    session.commit()
    picks = iter(taken.code + "C" * 10 + "D" * 10 + "E" * 10)  # the batch's first code repeats a stored one
    monkeypatch.setattr(joining.secrets, "choice", lambda alphabet: next(picks))
    writer = audience.AudienceWriter(app, lambda run: None, lambda meeting_id: None)
    batch = [PendingJoin(open_meeting.id, "a"), PendingJoin(open_meeting.id, "b")]
    writer.process(batch)
    assert all(p.done.is_set() for p in batch) and [p.audience.code for p in batch] == ["D" * 10, "E" * 10]
    assert listeners(session, open_meeting) == 3


def test_who_am_i_answers_a_seat_card_phone_its_code_as_printed(app, session, meeting, fresh_limiter):  # noqa: F811
    from quiz.live import attendance

    attendee = meeting.attendees[0]
    attendance.check_in(session, attendee, "dev-1")
    session.commit()
    phone = socketio.test_client(app, auth={"code": " " + attendee.code.lower(), "device": "dev-1"})
    assert phone.is_connected()
    assert phone.emit("who_am_i", callback=True) == {"ok": True, "code": attendee.code, "device": "dev-1"}
    screen = socketio.test_client(app, auth={"screen": meeting.screen_token})
    assert screen.emit("who_am_i", callback=True)["ok"] is False  # only a phone has a code of its own
