"""The Socket.IO server, created unbound here and attached to the app in the factory."""

from __future__ import annotations

import warnings
from collections.abc import Callable

from flask import Flask
from flask_socketio import SocketIO

from core import wirejson
from core.queue import QueueManager

socketio = SocketIO()
QUEUE_KEY = "message_queue"

# Phones lock their screens and switch apps: a generous ping timeout avoids needless disconnects.
PING_INTERVAL_S = 25
PING_TIMEOUT_S = 60
MAX_MESSAGE_BYTES = 64 * 1024


def init_realtime(app: Flask) -> None:
    """Attach Socket.IO in the configured async mode, with Redis as the message queue when REDIS_URL is set."""
    # eventlet warns at import that it is deprecated; it is still a supported mode here (docs/deploy.md).
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    manager = None
    if app.config["REDIS_URL"]:
        # Our own manager instead of the one Flask-SocketIO would build from `message_queue`: it survives a
        # Redis outage (core/queue.py). Flask-SocketIO takes `client_manager` as given, channel included.
        manager = QueueManager(app.config["REDIS_URL"], app.config["SOCKETIO_CHANNEL"], app.logger)
        app.extensions[QUEUE_KEY] = manager
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        # Always passed, None included: the unbound SocketIO keeps options between apps (tests build several).
        client_manager=manager,
        ping_interval=PING_INTERVAL_S,
        ping_timeout=PING_TIMEOUT_S,
        cors_allowed_origins=[],  # same origin only
        # No legitimate message comes near this: an answer or a command is a few hundred bytes.
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        logger=False,
        engineio_logger=False,
        json=wirejson,  # UTF-8 rather than \u escapes: Chinese text in half the bytes (core/wirejson.py)
    )


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
