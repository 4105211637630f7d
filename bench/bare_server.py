"""The bare Flask-SocketIO server the app is compared with: no app logic, no database, the same tuning.

Phones connect into one room; the host's `go` is broadcast to the room as a `state`; an `answer` is acked at
once. A projector connects with `{"room": "screen-N"}` into a room of its own, and the `go` carries each such
room's state in `screens` (as the app sends each venue's projector its own), emitted one room at a time.
Run as `python -m bench.bare_server MODE PORT [REDIS_URL CHANNEL]`: with a Redis URL, broadcasts go through
Redis as the app's do with several workers.

The same tuning as the app's venue server: the connection limit, listen backlog and garbage-collector settings
(core/serve.py) and the packets' JSON (core/wirejson.py), so the ratio measures the app, not a setting.
"""

import sys

from core.asyncmode import patch

patch(sys.argv[1])

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

from core import wirejson  # noqa: E402
from core.connlimits import VenueLimits  # noqa: E402
from core.serve import serve  # noqa: E402

MODE, PORT = sys.argv[1], int(sys.argv[2])
REDIS_URL, CHANNEL = (sys.argv[3:5] + ["", ""])[:2]

app = Flask(__name__)
socketio = SocketIO(app, async_mode=MODE, ping_interval=25, ping_timeout=60, logger=False, engineio_logger=False,
                    json=wirejson, message_queue=REDIS_URL or None, channel=CHANNEL or "flask-socketio")


@socketio.on("connect")
def connect(auth=None):  # type: ignore[no-untyped-def]
    room = auth.get("room") if isinstance(auth, dict) else None
    join_room(room if isinstance(room, str) and room.startswith("screen-") else "room")


@socketio.on("go")
def go(payload):  # type: ignore[no-untyped-def]
    emit("state", {"go": payload["go"], "shown": payload.get("shown")}, to="room")
    for room, state in (payload.get("screens") or {}).items():
        emit("state", {"go": payload["go"], "shown": state}, to=room)
    return {"ok": True}


@socketio.on("answer")
def answer(payload):  # type: ignore[no-untyped-def]
    return {"ok": True, "answer": payload}


if __name__ == "__main__":
    print("bare server ready", flush=True)
    # The same per-address cap as the app gets in the benchmark: every phone comes from 127.0.0.1.
    serve(app, app, "127.0.0.1", PORT, MODE, 10000, 2048, VenueLimits(per_address=9000))
