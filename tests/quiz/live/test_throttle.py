"""The guessing limiter: pure counting and lockout (time passed in), the client address behind trusted proxies,
and the limiter on the join pages and the phone's socket — where a whole venue behind one NAT address joining
with its own valid codes is never locked out."""

from __future__ import annotations

import pytest

from core import throttle
from core.config import trusted_proxies
from core.realtime import socketio
from core.throttle import DEVICE, JOIN, LOCKED_MESSAGE, PERSONAL, Limit, Throttle, client_address
from quiz.live import attendance
from quiz.live.meetings import CODE_ALPHABET
from quiz.live.models import Attendee
from tests.factories import csrf_token

VENUE = "203.0.113.7"


def fail(limiter: Throttle, times: int, kind: str = PERSONAL, now: float = 0.0, address: str | None = VENUE,
         code: str | None = None) -> None:
    for _ in range(times):
        limiter.failed(kind, now, address, code)


def test_ten_failures_lock_the_address_for_ten_minutes():
    limiter = Throttle()
    fail(limiter, 9)
    assert not limiter.locked(PERSONAL, 1, VENUE)
    fail(limiter, 1)
    assert limiter.locked(PERSONAL, 1, VENUE) and limiter.locked(PERSONAL, 599, VENUE)
    assert not limiter.locked(PERSONAL, 1, "198.51.100.1")  # another address
    assert not limiter.locked(JOIN, 1, VENUE) and not limiter.locked(DEVICE, 1, VENUE)  # another kind
    assert not limiter.locked(PERSONAL, 601, VENUE)  # the lockout has passed


def test_failures_outside_the_window_do_not_add_up():
    limiter = Throttle()
    fail(limiter, 9, now=0)
    fail(limiter, 9, now=601)
    assert not limiter.locked(PERSONAL, 602, VENUE)
    fail(limiter, 1, now=602)
    assert limiter.locked(PERSONAL, 603, VENUE)


def test_twenty_failures_on_one_code_lock_it_for_every_address():
    limiter = Throttle()
    for number in range(20):
        limiter.failed(JOIN, 0, f"10.0.0.{number}", "123456")
    assert limiter.locked(JOIN, 1, "10.9.9.9", "123456")
    assert limiter.locked(JOIN, 1, None, " 123 456 ")  # the code as typed: spaces and case forgiven
    assert not limiter.locked(JOIN, 1, "10.9.9.9", "654321")


def test_the_store_stays_bounded():
    limiter = Throttle(max_keys=100)
    for number in range(1000):
        limiter.failed(PERSONAL, 0, f"10.0.{number // 256}.{number % 256}", "X" * 10_000 + str(number))
    assert len(limiter._records) == 100
    assert all(len(key[2]) <= throttle.MAX_CODE_KEY for key in limiter._records)


def test_limits_are_configurable():
    limiter = Throttle(per_address=Limit(2, 10, 30))
    fail(limiter, 2)
    assert limiter.locked(PERSONAL, 29, VENUE) and not limiter.locked(PERSONAL, 31, VENUE)


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "client"), [
    ("10.0.0.5", "1.2.3.4", (), "10.0.0.5"),  # no proxy is trusted: the header is ignored
    ("10.0.0.5", "1.2.3.4", ("10.0.0.9",), "10.0.0.5"),  # the peer is not the trusted proxy
    ("10.0.0.9", "1.2.3.4", ("10.0.0.9",), "1.2.3.4"),
    ("10.0.0.9", "6.6.6.6, 1.2.3.4", ("10.0.0.9",), "1.2.3.4"),  # the client wrote 6.6.6.6 itself
    ("10.0.0.9", "6.6.6.6, 1.2.3.4, 10.0.0.8", ("10.0.0.0/24",), "1.2.3.4"),  # a chain of trusted proxies
    ("10.0.0.9", "not-an-address", ("10.0.0.9",), "10.0.0.9"),
    ("10.0.0.9", None, ("10.0.0.9",), "10.0.0.9"),
    ("::1", "2001:db8::1", ("::1",), "2001:db8::1"),
    (None, "1.2.3.4", (), ""),
])
def test_the_client_address(peer, forwarded, trusted, client):  # type: ignore[no-untyped-def]
    assert client_address(peer, forwarded, trusted) == client


def test_trusted_proxies_setting():
    assert trusted_proxies("") == ()
    assert trusted_proxies(" 10.0.0.1, 192.168.0.0/24 ,") == ("10.0.0.1", "192.168.0.0/24")
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        trusted_proxies("10.0.0.1, proxy.local")


# Through the app


def client_at(app, address: str):  # type: ignore[no-untyped-def]
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture()
def fresh_limiter(app):  # type: ignore[no-untyped-def]
    """A fresh limiter for the test, and none left behind for the next one."""
    app.extensions.pop("throttle", None)
    yield
    app.extensions.pop("throttle", None)


def crowd(session, meeting, size: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`size` more attendees with codes of their own; returns the codes."""
    codes = ["V" + "".join(CODE_ALPHABET[(n >> shift) & 31] for shift in (0, 5, 10, 15, 20)) for n in range(size)]
    session.add_all(Attendee(meeting_id=meeting.id, name=f"参会{n}", code=code) for n, code in enumerate(codes))
    session.commit()
    return codes


def test_a_venue_behind_one_nat_address_is_never_locked_out(app, session, meeting, fresh_limiter):
    codes = crowd(session, meeting, 2000)
    phone = client_at(app, VENUE)
    token = csrf_token(phone, f"/j/{meeting.join_code}")
    for number, code in enumerate(codes):
        if number % 220 == 110:  # nine typos among two thousand phones
            typo = phone.post(f"/j/{meeting.join_code}", data={"code": "TYPO" + code[-4:], "csrf_token": token})
            assert typo.status_code == 422
        joined = phone.post(f"/j/{meeting.join_code}", data={"code": code, "csrf_token": token})
        assert joined.status_code == 302 and joined.headers["Location"] == f"/p/{code}", number
    locked = phone.post(f"/j/{meeting.join_code}", data={"code": "TYPO9999", "csrf_token": token})
    assert locked.status_code == 422  # the tenth failure is still answered …
    refused = phone.post(f"/j/{meeting.join_code}", data={"code": codes[0], "csrf_token": token})
    assert refused.status_code == 429 and LOCKED_MESSAGE in refused.get_data(as_text=True)  # … then locked
    elsewhere = client_at(app, "198.51.100.1")
    assert elsewhere.post(f"/j/{meeting.join_code}", data={"code": codes[0], "csrf_token": csrf_token(
        elsewhere, f"/j/{meeting.join_code}")}).status_code == 302  # another address is not locked


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(app, session, meeting, fresh_limiter, monkeypatch):
    proxy = client_at(app, "10.0.0.9")
    for number in range(10):  # a client rotating the header it writes itself gains nothing
        proxy.get("/p/NOPE2345", headers={"X-Forwarded-For": f"1.2.3.{number}"})
    assert proxy.get("/p/NOPE2345", headers={"X-Forwarded-For": "1.2.3.99"}).status_code == 429
    app.extensions.pop("throttle")
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", ("10.0.0.9",))
    for _ in range(10):
        proxy.get("/j/000000", headers={"X-Forwarded-For": "1.2.3.4"})
    assert proxy.get(f"/j/{meeting.join_code}", headers={"X-Forwarded-For": "1.2.3.4"}).status_code == 429
    assert proxy.get(f"/j/{meeting.join_code}", headers={"X-Forwarded-For": "1.2.3.5"}).status_code == 200


def test_wrong_device_tokens_lock_the_phone_address(app, session, meeting, fresh_limiter):
    attendee, neighbour = meeting.attendees[:2]
    attendance.check_in(session, attendee, "dev-1")
    attendance.check_in(session, neighbour, "dev-2")
    session.commit()
    guesser = client_at(app, VENUE)
    for number in range(10):
        sio = socketio.test_client(app, auth={"code": attendee.code, "device": f"guess-{number}"},
                                   flask_test_client=guesser)
        assert not sio.is_connected()
    right = socketio.test_client(app, auth={"code": attendee.code, "device": "dev-1"}, flask_test_client=guesser)
    assert not right.is_connected()  # locked before the token is even compared
    elsewhere = client_at(app, "198.51.100.1")
    ok = socketio.test_client(app, auth={"code": neighbour.code, "device": "dev-2"}, flask_test_client=elsewhere)
    assert ok.is_connected()
    ok.disconnect()


def test_many_phones_on_one_address_with_their_own_tokens_connect(app, session, meeting, fresh_limiter):
    codes = crowd(session, meeting, 200)
    venue = client_at(app, VENUE)
    for number, code in enumerate(codes):
        attendee = session.query(Attendee).filter_by(code=code).one()
        attendance.check_in(session, attendee, f"token-{number}")
    session.commit()
    for number, code in enumerate(codes):
        sio = socketio.test_client(app, auth={"code": code, "device": f"token-{number}"}, flask_test_client=venue)
        assert sio.is_connected(), number
        sio.disconnect()
