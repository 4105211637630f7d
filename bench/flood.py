"""One socket floods, a good phone waits: how long is the good phone's `sync` ack delayed?

    .venv/bin/python -m bench.flood --mode gevent --repeat 3
    .venv/bin/python -m bench.flood --url http://127.0.0.1:5000 --password … --meeting 1   # a running server

Three floods, each from a phone of its own with a valid code and device token (issue 11, item 5):
- `sync`: 2,000 `sync` events with acks, sent in one burst;
- `junk`: 5,000 events no handler knows;
- `unread`: 1,000 `sync` events on a raw websocket that never reads what the server sends back.
Right after each flood has been written, the good phone (connected beforehand) sends one `sync`; the figure
is the time to its ack, next to the same call with no flood (`idle`). Medians of `--repeat` runs; one JSON
line on stdout. Each run uses fresh flooding phones; the server settles for a few seconds between runs.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import socketio
import websocket

from bench.processes import start_app

SETTLE_S = 3.0


class Venue:
    """A server's address and the seat codes of its demo meeting, handed out one phone at a time."""

    def __init__(self, url: str, password: str, meeting_id: int) -> None:
        self.url = url
        http = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(url + "/login").text).group(1)
        http.post(url + "/login", data={"username": "admin", "password": password, "csrf_token": token})
        self.codes = re.findall(r"参会码 <b>([A-Z0-9]+)</b>", http.get(f"{url}/meetings/{meeting_id}/cards").text)

    def phone_auth(self) -> dict[str, str]:
        """A fresh seat code, claimed as a phone claims it: its code and device token."""
        code = self.codes.pop()
        location = requests.get(f"{self.url}/p/{code}", allow_redirects=False).headers["Location"]
        return {"code": code, "device": re.search(r"[?&]d=([^&]+)", location).group(1)}


def connected(venue: Venue) -> socketio.Client:
    sio = socketio.Client(reconnection=False)
    sio.connect(venue.url, auth=venue.phone_auth(), transports=["websocket"], wait_timeout=10)
    return sio


def sync_ms(phone: socketio.Client) -> float:
    """One `sync` round trip, in milliseconds."""
    started = time.perf_counter()
    assert phone.call("sync", None, timeout=120)["ok"]
    return (time.perf_counter() - started) * 1000


def flood_sync(venue: Venue) -> Callable[[], None]:
    sio = connected(venue)
    try:
        for _ in range(2000):
            sio.emit("sync", None, callback=lambda *_: None)
    except socketio.exceptions.BadNamespaceError:
        pass  # the server cut the flooder off
    return sio.disconnect


def flood_junk(venue: Venue) -> Callable[[], None]:
    sio = connected(venue)
    try:
        for number in range(5000):
            sio.emit(f"junk-{number}", {"n": number})
    except socketio.exceptions.BadNamespaceError:
        pass
    return sio.disconnect


def flood_unread(venue: Venue) -> Callable[[], None]:
    raw = websocket.create_connection(venue.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                      timeout=10)
    raw.recv()
    raw.send("40" + json.dumps(venue.phone_auth()))
    raw.recv()
    try:
        for number in range(1000):
            raw.send(f'42{number}["sync"]')
    except (websocket.WebSocketException, OSError):
        pass
    return raw.close


FLOODS = {"sync": flood_sync, "junk": flood_junk, "unread": flood_unread}


def measure(venue: Venue, repeat: int) -> dict[str, float]:
    """Median ack time of the good phone's `sync`, idle and right after each flood."""
    good = connected(venue)
    samples: dict[str, list[float]] = {"idle": [], **{name: [] for name in FLOODS}}
    for _ in range(repeat):
        samples["idle"].append(sync_ms(good))
        for name, flood in FLOODS.items():
            stop = flood(venue)
            samples[name].append(sync_ms(good))
            stop()
            time.sleep(SETTLE_S)  # let the server drain what the flood left before the next one
    good.disconnect()
    return {name: round(statistics.median(values), 1) for name, values in samples.items()} | {
        f"{name}_runs": [round(v, 1) for v in values] for name, values in samples.items()}


@contextmanager
def own_server(mode: str) -> Iterator[Venue]:
    with tempfile.TemporaryDirectory() as folder:
        server = start_app(mode, f"sqlite:///{Path(folder) / 'flood.sqlite3'}")
        try:
            yield Venue(server.url, server.admin_password, server.meeting_id)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="gevent", choices=["gevent", "eventlet"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", help="a running server instead of one started here")
    parser.add_argument("--password", help="its admin password (with --url)")
    parser.add_argument("--meeting", type=int, help="its demo meeting (with --url)")
    args = parser.parse_args()
    if args.url:
        figures = measure(Venue(args.url, args.password, args.meeting), args.repeat)
    else:
        with own_server(args.mode) as venue:
            figures = measure(venue, args.repeat)
    print(json.dumps({"mode": args.mode, "repeat": args.repeat, "sync_ack_ms": figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()
