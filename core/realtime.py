"""The Socket.IO server, created unbound here and attached to the app in the factory."""

from __future__ import annotations

import warnings

from flask import Flask
from flask_socketio import SocketIO

socketio = SocketIO()

# Phones lock their screens and switch apps: a generous ping timeout avoids needless disconnects.
PING_INTERVAL_S = 25
PING_TIMEOUT_S = 60
MAX_MESSAGE_BYTES = 64 * 1024


def init_realtime(app: Flask) -> None:
    """Attach Socket.IO in the configured async mode, with Redis as the message queue when REDIS_URL is set."""
    # eventlet warns at import that it is deprecated; it is still a supported mode here (docs/deploy.md).
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"] or None,
        channel=app.config["SOCKETIO_CHANNEL"],
        ping_interval=PING_INTERVAL_S,
        ping_timeout=PING_TIMEOUT_S,
        cors_allowed_origins=[],  # same origin only
        # No legitimate message comes near this: an answer or a command is a few hundred bytes.
        max_http_buffer_size=MAX_MESSAGE_BYTES,
        logger=False,
        engineio_logger=False,
    )
