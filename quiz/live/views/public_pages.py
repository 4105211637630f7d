"""Pages without a staff login: joining, the phone, the projector. The roster is never listed here.

The two join forms carry no CSRF token: every phone of a hall opens the join page within a minute, and a
token would give each its own session, cookie and page. A cross-site form is refused by its Origin instead
(a browser sends one with every POST; core/realtime.py's check, the socket's own), and the anonymous join's
per-browser count keys on a cookie of its own (`AUDIENCE_COOKIE`)."""

from __future__ import annotations

import secrets

from flask import current_app, make_response, redirect, render_template, request, url_for

from core import throttle
from core.db import db
from core.realtime import own_origins
from quiz.live import attendance, joining, meetings, venues
from quiz.live.attendance import Binding
from quiz.live.commands import ticker
from quiz.live.models import Meeting
from quiz.live.publish import join_url
from quiz.live.qr import unreachable_host, wifi_text
from quiz.live.views import public_bp

DEVICE_COOKIE = "dev_{code}"
AUDIENCE_COOKIE = "aud"  # names the browser for the audience joins it may make (LIMIT_AUDIENCE_PER_DEVICE)
TWELVE_HOURS = 12 * 3600
FOREIGN_FORM_MESSAGE = "请在本会议的页面上加入，不要从其他网站提交"
CSRF_EXEMPT = ("quiz.live.views.public_pages.join_any", "quiz.live.views.public_pages.join")


@public_bp.route("/j", methods=["GET", "POST"])
def join_any():
    """Type the meeting code shown on the projector."""
    if request.method == "POST" and not _same_origin():
        return render_template("live/join.html", meeting=None, error=FOREIGN_FORM_MESSAGE), 400
    if request.method == "POST":
        return redirect(url_for("public.join", join_code=request.form.get("join_code", "").strip()[:8]))
    return render_template("live/join.html", meeting=None, error=None)


@public_bp.route("/j/<join_code>", methods=["GET", "POST"])
def join(join_code: str):
    """Enter the personal code from the seat card (or join as audience where allowed). Wrong codes count
    towards the guessing limit (core/throttle.py); a right one is never refused."""
    if request.method == "GET":
        meeting = joining.targets(current_app).get(db.session, join_code)  # every phone of the hall reads this page
    else:
        meeting = joining.join_target(db.session, join_code)
    if meeting is None:
        return _wrong(throttle.JOIN, join_code, None, "会议码无效或会议已结束", 404)
    if request.method == "GET":
        return _join_page(meeting)
    if not _same_origin():
        return render_template("live/join.html", meeting=meeting, error=FOREIGN_FORM_MESSAGE), 400
    if request.form.get("anonymous") == "1":
        return _join_anonymous(meeting)
    code = request.form.get("code", "")
    attendee = meetings.attendee_by_code(db.session, code)
    if attendee is None or attendee.meeting_id != meeting.id:
        return _wrong(throttle.PERSONAL, code, meeting, "个人参会码不正确，请核对座位卡", 422)
    if not attendee.anonymous and attendee.venue_id != meeting.venue_id:
        return render_template("live/join.html", meeting=meeting, error=_elsewhere(attendee)), 409
    return redirect(url_for("public.phone", code=attendee.code))


def _elsewhere(attendee) -> str:  # type: ignore[no-untyped-def]
    """Where a person who typed their code at another venue's join page belongs (the seat card says it too)."""
    venue = venues.venue_of(attendee.meeting, attendee)
    name = venue.name if venue else venues.CONVENING_NAME
    leader = f"（负责人：{venue.leader}）" if venue and venue.leader else ""
    return (f"您的参会会场是“{name}”{leader}，不是本会场。请到该会场参会，扫描该会场大屏上的二维码；"
            f"如确需在本会场参会，请联系会务组调整")


def _join_page(meeting: joining.JoinTarget) -> str:
    """The join page: one for every phone of the meeting (no token, no cookie), rendered once per process."""
    pages = current_app.extensions.setdefault("join_pages", {})
    if meeting not in pages:
        if len(pages) > 256:
            pages.clear()
        pages[meeting] = render_template("live/join.html", meeting=meeting, error=None)
    return pages[meeting]


def _same_origin() -> bool:
    """False for a form posted from another site's page (its browser said so in Origin)."""
    allowed = own_origins(current_app.config.get("PUBLIC_URL", ""))
    return allowed(request.headers.get("Origin"), request.environ)


def _wrong(kind: str, code: str, meeting: joining.JoinTarget | None, error: str, status: int):  # type: ignore[no-untyped-def]
    """Count a wrong code; past the limit the answer is the lockout (429) instead of the error."""
    limits, address = throttle.store(current_app), _client()
    locked = limits.locked(kind, address, code)  # after ten failures, from the eleventh on
    limits.failed(kind, address, code)
    if locked:
        return render_template("live/join.html", meeting=meeting, error=throttle.LOCKED_MESSAGE), 429
    return render_template("live/join.html", meeting=meeting, error=error), status


def _client() -> str:
    return throttle.request_address(request, current_app.config.get("TRUSTED_PROXIES", ()))


def _join_anonymous(meeting: joining.JoinTarget):  # type: ignore[no-untyped-def]
    """An audience member, a few per browser and a venue's worth per address (core/throttle.py). A browser
    that drops its cookie is counted afresh: the address's count is the guard against a script."""
    browser = request.cookies.get(AUDIENCE_COOKIE, "")[:32] or secrets.token_urlsafe(12)
    if not throttle.store(current_app).audience_join(meeting.id, browser, _client()):
        return render_template("live/join.html", meeting=meeting, error=throttle.AUDIENCE_MESSAGE), 429
    token = attendance.new_device_token()
    try:
        attendee = joining.join_anonymous(db.session, meeting, token)
    except joining.NotAnonymous as error:
        return render_template("live/join.html", meeting=meeting, error=str(error)), 403
    db.session.commit()
    ticker().touched_attendance(meeting.id)
    response = _with_device_cookie(redirect(url_for("public.phone", code=attendee.code, d=token)), attendee.code, token)
    response.set_cookie(AUDIENCE_COOKIE, browser, max_age=TWELVE_HOURS, httponly=True, samesite="Lax")
    return response


def _with_device_cookie(response, code: str, token: str):  # type: ignore[no-untyped-def]
    response.set_cookie(DEVICE_COOKIE.format(code=code), token, max_age=TWELVE_HOURS, httponly=True, samesite="Lax")
    return response


@public_bp.get("/p/<code>")
def phone(code: str):
    """The phone page. The first device to open a code is bound to it (and checked in); the token travels in
    the URL (WeChat may wipe storage) and a cookie. Another device waits for the host's approval. Unknown codes
    count towards the guessing limit."""
    attendee = meetings.attendee_by_code(db.session, code)
    if attendee is None:
        return _wrong(throttle.PERSONAL, code, None, "个人参会码无效，请核对座位卡", 404)
    meeting = db.session.get(Meeting, attendee.meeting_id)
    if meeting.status == "ended":
        return render_template("live/join.html", meeting=None, error="会议已结束，感谢参会"), 410
    token = request.args.get("d") or request.cookies.get(DEVICE_COOKIE.format(code=attendee.code))
    if token and token == attendee.device_token:
        if request.args.get("d") != token:
            return redirect(url_for("public.phone", code=attendee.code, d=token))
        response = make_response(render_template("live/phone.html", attendee=attendee, meeting=meeting, device=token))
        return _with_device_cookie(response, attendee.code, token)
    if not (token and token == attendee.pending_device_token):
        # Tokens are the server's own: one a client chose (or kept from a released binding) is never bound.
        token = attendance.new_device_token()
        outcome = attendance.check_in(db.session, attendee, token)
        db.session.commit()
        ticker().touched_attendance(meeting.id)
        if outcome is Binding.BOUND:
            response = redirect(url_for("public.phone", code=attendee.code, d=token))
            return _with_device_cookie(response, attendee.code, token)
    response = make_response(render_template("live/pending.html", attendee=attendee, meeting=meeting,
                                             confirm_code=attendance.confirmation_code(token)), 409)
    return _with_device_cookie(response, attendee.code, token)


def _wifi(venue) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The Wi-Fi a venue's projector offers: its own; the convening hall's falls back to the server's setting
    (a branch venue never shows the main hall's network)."""
    if venue is not None and venue.wifi_ssid:
        return venue.wifi_ssid, venue.wifi_password
    if venue is None or not venues.is_branch(venue):
        return current_app.config.get("VENUE_WIFI_SSID", ""), current_app.config.get("VENUE_WIFI_PASSWORD", "")
    return "", ""


@public_bp.get("/s/<token>")
def screen(token: str):
    """A venue's projector, opened by its own secret URL (the meeting's for the convening hall); read-only."""
    found = venues.screen_venue(db.session, token)
    if found is None:
        return render_template("error.html", status=404, message="大屏地址无效"), 404
    meeting = db.session.get(Meeting, found[0])
    venue = next((v for v in meeting.venues if v.id == found[1]), None)
    wifi, password = _wifi(venue)
    wifi_qr = wifi_text(wifi, password) if wifi else None
    url = join_url(current_app, meeting, venue)
    return render_template("live/screen.html", meeting=meeting, join_url=url, loopback_host=unreachable_host(url),
                           wifi_ssid=wifi, wifi_qr=wifi_qr, token=token, venue=venue,
                           join_code=venue.join_code if venue and venue.join_code else meeting.join_code,
                           branches=venues.has_branches(meeting))
