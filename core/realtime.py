"""The Socket.IO server, created unbound here and attached to the app in the factory."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_socketio import SocketIO

from core import wirejson
from core.queue import QueueManager, disconnect_room
from core.web import with_security_headers

socketio = SocketIO()
QUEUE_KEY = "message_queue"

# Phones lock their screens and switch apps: a generous ping timeout avoids needless disconnects.
PING_INTERVAL_S = 25
PING_TIMEOUT_S = 60
MAX_MESSAGE_BYTES = 64 * 1024


def init_realtime(app: Flask, closing_events: frozenset[str] = frozenset()) -> None:
    """Attach Socket.IO in the configured async mode, with Redis as the message queue when REDIS_URL is set.
    An emit of one of `closing_events` to a room disconnects the room's members on every worker after it is
    delivered (`end_room`)."""
    # eventlet warns at import that it is deprecated; it is still a supported mode here (docs/deploy.md).
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    manager = None
    if app.config["REDIS_URL"]:
        # Our own manager instead of the one Flask-SocketIO would build from `message_queue`: it survives a
        # Redis outage (core/queue.py). Flask-SocketIO takes `client_manager` as given, channel included.
        manager = QueueManager(app.config["REDIS_URL"], app.config["SOCKETIO_CHANNEL"], app.logger)
        manager.closing_events = closing_events
        app.extensions[QUEUE_KEY] = manager
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        # Always passed, None included: the unbound SocketIO keeps options between apps (tests build several).
        client_manager=manager,
        ping_interval=PING_INTERVAL_S,
        ping_timeout=PING_TIMEOUT_S,
        # Only the app's own pages may open a socket (a page elsewhere would ride on the host's cookie): never
        # [], which turns python-engineio's Origin check off. Checked for polling and the websocket handshake.
        cors_allowed_origins=own_origins(app.config["PUBLIC_URL"]),
        # No legitimate message comes near this: an answer or a command is a few hundred bytes.
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        logger=False,
        engineio_logger=False,
        json=wirejson,  # UTF-8 rather than \u escapes: Chinese text in half the bytes (core/wirejson.py)
    )


    # Engine.IO answers outside Flask, so its polling responses get the pages' headers here.
    app.wsgi_app = with_security_headers(app.wsgi_app)  # type: ignore[method-assign]


def own_origins(public_url: str) -> Callable[[str | None, dict[str, Any]], bool]:
    """The Origin check: PUBLIC_URL's origin, or the host the request was addressed to (the Host header, which
    nginx passes on unchanged), over http or https (a proxy may end TLS in front). Anything else, `null`
    included, is refused at the handshake. A request without an Origin (not a browser) is not checked."""
    parts = urlsplit(public_url)
    public = f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if not origin:
            return True
        origin = origin.lower()
        host = environ.get("HTTP_HOST", "").lower()
        return origin == public or (bool(host) and origin in (f"http://{host}", f"https://{host}"))

    return allowed


def end_room(event: str, data: Any, room: str) -> None:
    """Tell a room's clients `event` (one of the app's `closing_events`), then disconnect them: here directly,
    on the other workers when the message queue delivers the emit (core/queue.py)."""
    socketio.emit(event, data, to=room)
    disconnect_room(socketio.server.manager, "/", room)


def message_queue(app: Flask) -> QueueManager | None:
    """This worker's message queue manager, or None without REDIS_URL."""
    return app.extensions.get(QUEUE_KEY)


def on_queue_recovered(app: Flask, callback: Callable[[], None]) -> None:
    """Call `callback` in an app context whenever this worker's queue listener is subscribed again after an
    outage (it runs in the listener's background task, which has no context of its own)."""
    manager = message_queue(app)
    if manager is None:
        return

    def run() -> None:
        with app.app_context():
            callback()

    manager.recovery_hooks.append(run)
