"""Per-connection token buckets: one socket sending thousands of events must not stall the phones beside it.

Each event a connection sends takes a token from its bucket for that kind of event (the caller classifies
events: `sync`, answers, junk …); a bucket refills at its rate up to its capacity, so a phone's ordinary
traffic never notices it. An event without a token is refused at once — answered with a short refusal if it
asked for an ack, else dropped — before any handler, database query or greenlet is spent on it. Refusals take
from the connection's `patience`; a connection that exhausts that too is flooding and is disconnected.

The guard sits in python-socketio's `Server._handle_event` (pinned in pyproject.toml, like core/queue.py's
overrides), ahead of the task python-socketio would start for each event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from socketio import packet


@dataclass(frozen=True)
class Rate:
    """`capacity` events at once, refilled at `per_second`."""

    capacity: float
    per_second: float


@dataclass
class Bucket:
    """Tokens left and when they were last counted."""

    rate: Rate
    tokens: float
    stamp: float

    def take(self, now: float) -> bool:
        """Take a token if there is one."""
        self.tokens = min(self.rate.capacity, self.tokens + (now - self.stamp) * self.rate.per_second)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Connection:
    buckets: dict[str, Bucket] = field(default_factory=dict)


class FloodGuard:
    """Token buckets per connection and kind of event. `classify(sid, event)` names the kind (a key of `rates`)
    or returns None for a connection not limited (the host console); `refusal(kind)` is the ack sent for a
    refused event that asked for one (None: dropped silently)."""

    def __init__(self, rates: dict[str, Rate], patience: Rate, classify: Callable[[str, Any], str | None],
                 refusal: Callable[[str], Any], clock: Callable[[], float] = time.monotonic) -> None:
        self.rates, self.patience, self.classify, self.refusal, self.clock = rates, patience, classify, refusal, clock
        self.connections: dict[str, Connection] = {}
        self.refused = 0
        self.disconnected = 0
        self._lock = threading.Lock()

    def admit(self, sid: str, event: Any) -> tuple[bool, str | None, bool]:
        """(admitted, kind, flooding): whether the event may run, its kind, and whether the connection has
        exhausted its patience."""
        kind = self.classify(sid, event)
        if kind is None:
            return True, None, False
        now = self.clock()
        with self._lock:
            connection = self.connections.setdefault(sid, Connection())
            if self._bucket(connection, kind, self.rates[kind], now).take(now):
                return True, kind, False
            self.refused += 1
            return False, kind, not self._bucket(connection, "patience", self.patience, now).take(now)

    def forget(self, sid: str) -> None:
        """The connection has gone."""
        with self._lock:
            self.connections.pop(sid, None)

    @staticmethod
    def _bucket(connection: Connection, kind: str, rate: Rate, now: float) -> Bucket:
        bucket = connection.buckets.get(kind)
        if bucket is None:
            bucket = connection.buckets[kind] = Bucket(rate, rate.capacity, now)
        return bucket

    def install(self, server: Any) -> None:
        """Guard every event `server` (a python-socketio Server) receives."""
        handle_event, handle_disconnect = server._handle_event, server._handle_disconnect

        def guarded_event(eio_sid: str, namespace: str | None, id: int | None, data: Any) -> None:
            sid = server.manager.sid_from_eio_sid(eio_sid, namespace or "/")
            if sid is None or not server.manager.is_connected(sid, namespace or "/"):
                return handle_event(eio_sid, namespace, id, data)
            event = data[0] if isinstance(data, list) and data else None
            admitted, kind, flooding = self.admit(sid, event)
            if admitted:
                return handle_event(eio_sid, namespace, id, data)
            if flooding:  # no more of its events are handled; its transport is closed in the background
                self.disconnected += 1
                server.disconnect(sid, namespace=namespace or "/", ignore_queue=True)
                self.forget(sid)
                server.start_background_task(server.eio.disconnect, eio_sid)
                return None
            reply = self.refusal(kind or "")
            if id is not None and reply is not None:
                server._send_packet(eio_sid, server.packet_class(packet.ACK, namespace=namespace, id=id,
                                                                 data=[reply]))
            return None

        def guarded_disconnect(eio_sid: str, namespace: str | None, reason: Any = None) -> None:
            sid = server.manager.sid_from_eio_sid(eio_sid, namespace or "/")
            try:
                handle_disconnect(eio_sid, namespace, reason)
            finally:
                if sid is not None:
                    self.forget(sid)

        server._handle_event = guarded_event
        server._handle_disconnect = guarded_disconnect
