"""The limits (core/throttle.py) on their own, the client address behind trusted proxies, and the limits on the
join pages and the phone's socket — where a whole venue behind one NAT address joining with its own valid codes
is never locked out, whatever its neighbours got wrong."""

from __future__ import annotations

import pytest

from core import throttle
from core.config import trusted_proxies
from core.realtime import socketio
from core.throttle import DEVICE, JOIN, LOCKED_MESSAGE, PERSONAL, Limits, client_address
from quiz.live import attendance
from quiz.live.meetings import CODE_ALPHABET
from quiz.live.models import Attendee

VENUE = "203.0.113.7"


def fail(limits: Limits, times: int, kind: str = PERSONAL, address: str | None = VENUE,
         code: str | None = None) -> None:
    for _ in range(times):
        limits.failed(kind, address, code)


def test_ten_failures_lock_guessing_from_the_address():
    limits = Limits({})
    fail(limits, 9)
    assert not limits.locked(PERSONAL, VENUE)
    fail(limits, 1)
    assert limits.locked(PERSONAL, VENUE)
    assert not limits.locked(PERSONAL, "198.51.100.1")  # another address
    assert not limits.locked(JOIN, VENUE) and not limits.locked(DEVICE, VENUE)  # another kind


def test_twenty_failures_on_one_code_lock_it_for_every_address():
    limits = Limits({})
    for number in range(20):
        limits.failed(JOIN, f"10.0.0.{number}", "123456")
    assert limits.locked(JOIN, "10.9.9.9", "123456")
    assert limits.locked(JOIN, None, " 123 456 ")  # the code as typed: spaces and case forgiven
    assert not limits.locked(JOIN, "10.9.9.9", "654321")


def test_codes_are_cut_before_they_become_keys():
    assert throttle.normal_code("x" * 10_000) == "X" * throttle.MAX_CODE_KEY


def test_limits_are_configurable():
    limits = Limits({"LIMIT_GUESSES_PER_ADDRESS": "2 per 10 minutes"})
    fail(limits, 1)
    assert not limits.locked(PERSONAL, VENUE)
    fail(limits, 1)
    assert limits.locked(PERSONAL, VENUE)


def test_login_failures_lock_the_guessers_address_and_only_slow_the_username_elsewhere():
    limits = Limits({})
    for _ in range(10):
        assert limits.login_refusal("admin", "192.0.2.1") is None
        limits.login_failed("admin", "192.0.2.1")
    assert limits.login_refusal("admin", "192.0.2.1") == LOCKED_MESSAGE  # the guesser's own address
    assert limits.login_refusal("admin", "192.0.2.2") is None  # the real admin elsewhere
    for number in range(10):  # twenty failures on the username in all, from several addresses
        limits.login_failed("admin", f"198.51.100.{number}")
    first, second = limits.login_refusal("admin", "192.0.2.2"), limits.login_refusal("admin", "192.0.2.2")
    assert first is None and "30秒" in second  # one try per back-off interval, not ten minutes
    assert limits.login_refusal("editor", "192.0.2.2") is None  # another username


def test_anonymous_joins_are_capped_per_device_and_per_address():
    limits = Limits({"LIMIT_AUDIENCE_PER_ADDRESS": "5 per minute"})
    assert [limits.audience_join(1, "browser", VENUE) for _ in range(4)] == [True, True, True, False]
    assert limits.audience_join(2, "browser", VENUE)  # another meeting
    assert limits.audience_join(1, "another", VENUE)  # the address's fifth
    assert not limits.audience_join(1, "third", VENUE)
    assert limits.audience_join(1, "third", "198.51.100.1")


def test_an_unreachable_redis_falls_back_to_memory_and_says_so():
    limits = Limits({}, redis_url="redis://127.0.0.1:1/0")
    fail(limits, 10)
    assert limits.locked(PERSONAL, VENUE)  # counted in memory meanwhile
    assert limits.health()["limits"] == "memory (Redis unreachable)" and limits.health()["limits_warning"]
    assert Limits({}).health() == {"limits": "memory"}


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
    for number, code in enumerate(codes):
        if number % 100 == 50:  # twenty typos among two thousand phones: past the address's limit
            typo = phone.post(f"/j/{meeting.join_code}", data={"code": "TYPO" + code[-4:]})
            assert typo.status_code in (422, 429)
        joined = phone.post(f"/j/{meeting.join_code}", data={"code": code})
        assert joined.status_code == 302 and joined.headers["Location"] == f"/p/{code}", number
    refused = phone.post(f"/j/{meeting.join_code}", data={"code": "TYPO9999"})
    assert refused.status_code == 429 and LOCKED_MESSAGE in refused.get_data(as_text=True)  # guessing is locked
    assert phone.get(f"/p/{codes[0]}").status_code in (302, 409)  # … a seat card's QR still opens
    assert phone.get("/p/NOPE2345").status_code == 429


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(app, session, meeting, fresh_limiter, monkeypatch):
    proxy = client_at(app, "10.0.0.9")
    for number in range(10):  # a client rotating the header it writes itself gains nothing
        proxy.get("/p/NOPE2345", headers={"X-Forwarded-For": f"1.2.3.{number}"})
    assert proxy.get("/p/NOPE2346", headers={"X-Forwarded-For": "1.2.3.99"}).status_code == 429
    assert proxy.get(f"/j/{meeting.join_code}", headers={"X-Forwarded-For": "1.2.3.99"}).status_code == 200
    app.extensions.pop("throttle")
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", ("10.0.0.9",))
    for _ in range(10):
        proxy.get("/j/000000", headers={"X-Forwarded-For": "1.2.3.4"})
    assert proxy.get("/j/000001", headers={"X-Forwarded-For": "1.2.3.4"}).status_code == 429
    assert proxy.get("/j/000001", headers={"X-Forwarded-For": "1.2.3.5"}).status_code == 404


def test_wrong_device_tokens_lock_guessing_but_never_the_right_token(app, session, meeting, fresh_limiter):
    attendee, neighbour = meeting.attendees[:2]
    attendance.check_in(session, attendee, "dev-1")
    attendance.check_in(session, neighbour, "dev-2")
    session.commit()
    guesser = client_at(app, VENUE)
    for number in range(10):
        sio = socketio.test_client(app, auth={"code": attendee.code, "device": f"guess-{number}"},
                                   flask_test_client=guesser)
        assert not sio.is_connected()
    assert app.extensions["throttle"].locked(DEVICE, VENUE)
    for auth in ({"code": attendee.code, "device": "dev-1"}, {"code": neighbour.code, "device": "dev-2"}):
        ok = socketio.test_client(app, auth=auth, flask_test_client=guesser)  # the same address
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


def test_hundreds_of_browsers_behind_one_address_join_as_audience(app, session, meeting, fresh_limiter):
    meeting.allow_anonymous = True
    session.commit()
    for number in range(250):  # each its own browser (its own cookies), all through the venue's NAT
        browser = client_at(app, VENUE)
        assert browser.get(f"/j/{meeting.join_code}").status_code == 200
        joined = browser.post(f"/j/{meeting.join_code}", data={"anonymous": "1"})
        assert joined.status_code == 302, number


def test_the_memory_storage_sweeps_every_ten_seconds_and_still_counts_right():
    from limits import parse
    from limits.strategies import MovingWindowRateLimiter

    from core.throttle import SweptMemoryStorage

    storage = SweptMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    rule = parse("3 per 10 minutes")
    assert [limiter.hit(rule, "device") for _ in range(4)] == [True, True, True, False]
    storage.timer.join()  # the constructor's first timer
    limiter.hit(rule, "other")
    assert storage.timer.interval == SweptMemoryStorage.SWEEP_S == 10.0
    assert limiter.test(rule, "device") is False  # counting reads the timestamps, never waits for a sweep
