"""Cross-cutting web behaviour: security headers, cache rules, versioned asset URLs and error pages."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request, send_from_directory, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError

from core.db import BUSY_MESSAGE, DatabaseBusy, db
from core.localtime import local_time

SOCKETIO_PATH = "/socket.io"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)


class ReusedSerializerSessions(SecureCookieSessionInterface):
    """Flask's cookie sessions with one signing serializer per secret key. Flask builds a new one for every
    request context — every Socket.IO event's too — and itsdangerous's constructor serialises a probe value
    to learn its kind: 3% of a join burst's CPU, for an object that never changes."""

    def get_signing_serializer(self, app: Flask):  # type: ignore[no-untyped-def]
        held = app.extensions.get("session_serializer")
        if held is None or held[0] != app.secret_key:
            held = (app.secret_key, super().get_signing_serializer(app))
            app.extensions["session_serializer"] = held
        return held[1]


def init_web(app: Flask) -> None:
    """Register headers, the `asset_url` template helper, /favicon.ico and Chinese error pages."""
    app.session_interface = ReusedSerializerSessions()
    app.after_request(_headers)
    app.jinja_env.globals["asset_url"] = lambda path: asset_url(app, path)
    app.jinja_env.filters["local_time"] = local_time
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.register_error_handler(CSRFError, lambda e: _error_page(400, "页面已过期或表单无效，请刷新页面后重试。"))
    app.register_error_handler(403, lambda e: _error_page(403, "您的账号没有访问此页面的权限。"))
    app.register_error_handler(404, lambda e: _error_page(404, "页面不存在。"))
    app.register_error_handler(413, lambda e: _error_page(413, "上传的文件过大。"))
    app.register_error_handler(DatabaseBusy, database_busy)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if response.mimetype == "text/html":
        # WeChat's browser caches hard: pages are always revalidated, assets are versioned by hash.
        response.headers["Cache-Control"] = "no-cache"
    elif request.path.startswith("/static/") and request.args.get("v"):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def favicon() -> Response:
    """The icon browsers ask for at /favicon.ico (pages also link static/favicon.svg); cached for a day."""
    return send_from_directory(current_app.static_folder or "", "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


def with_security_headers(wsgi_app: Any) -> Any:
    """WSGI middleware: Socket.IO's own responses (polling, handshake refusals), which Flask never sees, carry
    the same Content-Security-Policy and nosniff as the pages."""

    def middleware(environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH):
            return wsgi_app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            names = {name.lower() for name, _ in headers}
            if "content-security-policy" not in names:
                headers.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
            if "x-content-type-options" not in names:
                headers.append(("X-Content-Type-Options", "nosniff"))
            return start_response(status, headers, *exc_info)

        return wsgi_app(environ, start)

    return middleware


def asset_url(app: Flask, path: str) -> str:
    """URL of a static file with its content hash, so a changed file is never served from a stale cache."""
    return url_for("static", filename=path, v=_content_hash(app.static_folder or "", path))


@lru_cache(maxsize=256)
def _content_hash(folder: str, path: str) -> str:
    return hashlib.sha256((Path(folder) / path).read_bytes()).hexdigest()[:10]


def database_busy(error: DatabaseBusy):  # type: ignore[no-untyped-def]
    """503 with a Chinese "try again" (a page, or JSON for a client asking for JSON), after rolling back the
    request's transaction."""
    db.rollback_open_session()
    current_app.logger.warning("%s %s not served, database busy: %s", request.method, request.path, error.orig)
    if request.accept_mimetypes.best == "application/json":
        response = jsonify({"ok": False, "error": BUSY_MESSAGE})
    else:
        # No staff header: after the rollback it would have to reload the user from the busy database.
        response = render_template("error.html", status=503, message=BUSY_MESSAGE, current_user=None)
    return response, 503, {"Retry-After": "2"}


def _error_page(status: int, message: str):  # type: ignore[no-untyped-def]
    return render_template("error.html", status=status, message=message), status
