"""Who is connected at each venue now: projectors, phones and operator pages, and when a venue's projector was
last seen. The host console shows it per hall (在线 / 大屏离线 / 未连接).

Connections live in each worker's memory (quiz/live/events.py CONNECTIONS), so each worker counts its own here.
A connect or disconnect only changes a counter under a lock: 3,000 phones joining within a minute cost no
database write and no Redis round trip each. With several workers (REDIS_URL set) each one writes its whole
count as one Redis hash with a short expiry, at most every FLUSH_S after a change and every REFRESH_S anyway;
the console reads the sum of every live worker's hash. A worker that dies stops refreshing and drops out of
the sum when its hash expires. Without Redis, or while it is unreachable, the counts are this worker's own.

No Flask and no SQLAlchemy: quiz/live/publish.py runs the refresh loop and the console's updates.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

KINDS = ("screen", "phone", "operator")
FLUSH_S = 0.5  # after a change, the worker's hash is rewritten at most this often
REFRESH_S = 3.0  # and rewritten anyway this often, so it never expires while the worker lives
TTL_S = 10  # a dead worker's counts leave the sum after this
REDIS_TIMEOUT_S = 0.5  # a blackholed Redis costs one call this much …
REDIS_PAUSE_S = 5.0  # … and then it is left alone this long: a host command's state never waits on it each time

log = logging.getLogger(__name__)


@dataclass
class VenuePresence:
    """One venue's connections now; `screen_seen_ms`: when a projector of the venue was last connected."""

    screens: int = 0
    phones: int = 0
    operators: int = 0
    screen_seen_ms: int | None = None

    @property
    def status(self) -> str:
        """online: a projector is connected; screen_down: people are, the projector is not; offline: nothing."""
        if self.screens:
            return "online"
        return "screen_down" if self.phones or self.operators else "offline"

    @property
    def label(self) -> str:
        """The console's word for it (the page adds “hh:mm 起” from `screen_seen_ms`)."""
        return {"online": "在线", "screen_down": "大屏离线", "offline": "未连接"}[self.status]

    def as_dict(self) -> dict[str, object]:
        """The console's "presence" of a venue row (docs/protocol.md)."""
        return {"screens": self.screens, "phones": self.phones, "operators": self.operators,
                # while a projector is connected, "last seen" is now: left out, so an unchanged venue stays equal
                "screen_seen_ms": None if self.screens else self.screen_seen_ms,
                "status": self.status, "label": self.label}


def merge(parts: list[Mapping[str, str]]) -> dict[int, dict[int | None, VenuePresence]]:
    """Every worker's hash (fields "count:<meeting>:<venue>:<kind>" and "seen:<meeting>:<venue>", venue "" for
    the convening hall) summed into meeting id → venue id → presence. Unreadable fields are skipped."""
    merged: dict[int, dict[int | None, VenuePresence]] = {}
    for part in parts:
        for field, raw in part.items():
            pieces = (field.decode() if isinstance(field, bytes) else field).split(":")
            try:
                value = int(raw)
                meeting_id, venue_id = int(pieces[1]), int(pieces[2]) if pieces[2] else None
            except (ValueError, IndexError):
                continue
            venue = merged.setdefault(meeting_id, {}).setdefault(venue_id, VenuePresence())
            if pieces[0] == "count" and len(pieces) == 4 and pieces[3] in KINDS:
                attribute = pieces[3] + "s"
                setattr(venue, attribute, getattr(venue, attribute) + max(0, value))
            elif pieces[0] == "seen" and len(pieces) == 3:
                venue.screen_seen_ms = max(venue.screen_seen_ms or 0, value)
    return merged


class Presence:
    """This worker's counts, and the sum over all workers when Redis is configured."""

    def __init__(self, redis_url: str = "", channel: str = "flask-socketio",
                 clock: Callable[[], float] = time.time) -> None:
        self.counts: Counter[tuple[int, int | None, str]] = Counter()
        self.seen: dict[tuple[int, int | None], int] = {}
        self.dirty: set[int] = set()  # meetings whose counts changed since the last take_dirty()
        self.lock = threading.Lock()
        self.clock = clock
        self.worker = uuid.uuid4().hex[:12]
        self.prefix = f"presence:{channel}"
        self.redis = None
        self.down_until = 0.0  # monotonic time before which Redis is not tried again
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_connect_timeout=REDIS_TIMEOUT_S,
                                              socket_timeout=REDIS_TIMEOUT_S)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def connected(self, meeting_id: int, venue_id: int | None, kind: str) -> None:
        """A connection was admitted (cheap: a counter under a lock)."""
        if kind not in KINDS:
            return
        with self.lock:
            self.counts[meeting_id, venue_id, kind] += 1
            if kind == "screen":
                self.seen[meeting_id, venue_id] = self._now_ms()
            self.dirty.add(meeting_id)

    def disconnected(self, meeting_id: int, venue_id: int | None, kind: str) -> None:
        """A connection ended."""
        if kind not in KINDS:
            return
        with self.lock:
            key = (meeting_id, venue_id, kind)
            self.counts[key] = max(0, self.counts[key] - 1)
            if not self.counts[key]:
                del self.counts[key]
            if kind == "screen":
                self.seen[meeting_id, venue_id] = self._now_ms()
            self.dirty.add(meeting_id)

    def take_dirty(self) -> set[int]:
        """The meetings whose counts changed since the last call."""
        with self.lock:
            dirty, self.dirty = self.dirty, set()
        return dirty

    def fields(self) -> dict[str, int]:
        """This worker's counts as its Redis hash's fields (a connected projector counts as seen now)."""
        now = self._now_ms()
        with self.lock:
            fields = {f"count:{m}:{'' if v is None else v}:{k}": n for (m, v, k), n in self.counts.items() if n}
            seen = dict(self.seen)
            for (m, v, k), n in self.counts.items():
                if k == "screen" and n:
                    seen[m, v] = now
        fields |= {f"seen:{m}:{'' if v is None else v}": ms for (m, v), ms in seen.items()}
        return fields

    def _redis_up(self) -> bool:
        return self.redis is not None and time.monotonic() >= self.down_until

    def _redis_failed(self, what: str, error: Exception) -> None:
        self.down_until = time.monotonic() + REDIS_PAUSE_S
        log.warning("presence %s Redis (this worker's counts only for %.0f s): %s", what, REDIS_PAUSE_S, error)

    def publish(self) -> bool:
        """Write this worker's hash (replacing the last one, with a fresh expiry). False without Redis or when
        Redis did not answer (a refresh after REDIS_PAUSE_S tries again)."""
        if not self._redis_up():
            return False
        key = f"{self.prefix}:{self.worker}"
        fields = self.fields()
        try:
            pipe = self.redis.pipeline(transaction=True)
            pipe.delete(key)
            if fields:
                pipe.hset(key, mapping=fields)
                pipe.expire(key, TTL_S)
            pipe.sadd(f"{self.prefix}:workers", self.worker)
            pipe.execute()
            return True
        except Exception as error:  # redis.RedisError, OSError: the counts stay this worker's own
            self._redis_failed("not written to", error)
            return False

    def _all_parts(self) -> list[Mapping[str, str]]:
        if not self._redis_up():
            return [self.fields()]
        try:
            workers = [w.decode() for w in self.redis.smembers(f"{self.prefix}:workers")]
            pipe = self.redis.pipeline(transaction=False)
            for worker in workers:
                pipe.hgetall(f"{self.prefix}:{worker}")
            parts = pipe.execute()
            gone = [w for w, part in zip(workers, parts, strict=True) if not part and w != self.worker]
            if gone:  # expired: a worker that stopped
                self.redis.srem(f"{self.prefix}:workers", *gone)
            # This worker's own counts are always current, whatever its last write said.
            return [p for w, p in zip(workers, parts, strict=True) if w != self.worker] + [self.fields()]
        except Exception as error:
            self._redis_failed("not read from", error)
            return [self.fields()]

    def venues(self, meeting_id: int) -> dict[int | None, VenuePresence]:
        """Venue id (None: a phone of the convening hall) → its connections now, over every worker."""
        return merge(self._all_parts()).get(meeting_id, {})


def for_venue(presence: Mapping[int | None, VenuePresence], venue_id: int, convening: bool) -> VenuePresence:
    """A venue row's presence: the convening hall also counts the phones that name no venue."""
    found = presence.get(venue_id, VenuePresence())
    if not convening or None not in presence:
        return found
    extra = presence[None]
    seen = [s for s in (found.screen_seen_ms, extra.screen_seen_ms) if s]
    return VenuePresence(found.screens + extra.screens, found.phones + extra.phones,
                         found.operators + extra.operators, max(seen) if seen else None)
