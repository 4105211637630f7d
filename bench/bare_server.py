"""The bare Flask-SocketIO server the app is compared with: no app logic, no database, the same tuning.

Phones connect into one room; the host's `go` is broadcast to the room as a `state`; an `answer` is acked at
once. Run as `python -m bench.bare_server MODE PORT`.
"""

import sys

from core.asyncmode import patch

patch(sys.argv[1])

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

from core.serve import serve  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode=sys.argv[1], ping_interval=25, ping_timeout=60, logger=False,
                    engineio_logger=False)


@socketio.on("connect")
def connect(auth=None):  # type: ignore[no-untyped-def]
    join_room("room")


@socketio.on("go")
def go(payload):  # type: ignore[no-untyped-def]
    emit("state", payload, to="room")
    return {"ok": True}


@socketio.on("answer")
def answer(payload):  # type: ignore[no-untyped-def]
    return {"ok": True, "answer": payload}


if __name__ == "__main__":
    print("bare server ready", flush=True)
    serve(app, app, "127.0.0.1", int(sys.argv[2]), sys.argv[1], 10000, 2048)
