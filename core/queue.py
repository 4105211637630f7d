"""Socket.IO's Redis message queue, made to survive Redis going away (docs/deploy.md, "When Redis is down").

Pub/sub is fire-and-forget: while Redis is unreachable each worker still reaches its own clients (the emit is
delivered locally before it is published), but what it publishes for the other workers is lost. So this
manager: fails fast (short timeouts, no retry storm), pauses publishing for a moment after a failure, keeps a
status for /healthz, reconnects its listener within seconds and, once resubscribed after an outage, runs a
recovery hook that resends the committed state to this worker's own clients.

It overrides `_publish`, `_redis_listen_with_retries` and `_handle_emit`, internals of python-socketio's
RedisManager: the package is pinned (pyproject.toml) because of that; check them against a new version before
upgrading.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from socketio import RedisManager

CONNECT_TIMEOUT_S = 2.0  # a blackholed Redis costs an emit at most this, never the kernel's minutes
PUBLISH_PAUSE_S = 1.0  # after a failed publish, drop further ones this long instead of failing on each emit
RETRY_MIN_S, RETRY_MAX_S = 0.5, 2.0  # the listener's reconnect backoff (the library's grows to 60 s)
POLL_S = 1.0  # how long the listener waits for a message before checking the connection's silence
SILENCE_S = 3.0  # a silent subscription is pinged after this; without any reply for twice this, it is dead
PROBE_TIMEOUT_S = 0.5  # /healthz's own ping


def _options(timeout: float) -> dict[str, Any]:
    # redis-py retries with a growing backoff by default; the callers here decide when to try again.
    return {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry": Retry(NoBackoff(), 0)}


class QueueManager(RedisManager):
    """A RedisManager that degrades instead of hanging, and says so."""

    name = "redis-queue"

    def __init__(self, url: str, channel: str, logger: logging.Logger) -> None:
        super().__init__(url, channel=channel, logger=logger, redis_options=_options(CONNECT_TIMEOUT_S))
        self.recovery_hooks: list[Callable[[], None]] = []
        self.closing_events: frozenset[str] = frozenset()  # set by init_realtime (core/realtime.py)
        self.down_since: float | None = None  # wall-clock start of the current outage
        self.listener_lost = False  # the subscription broke and has not been re-established yet
        self.pause_until = 0.0  # monotonic: publishing resumes then
        self.dropped = 0  # messages not published in the current outage
        self._probe_client: redis.Redis | None = None

    def _handle_emit(self, message: dict[str, Any]) -> None:
        # An emit whose event ends a session (a phone's released binding): once delivered, this worker also
        # disconnects its own members of the room, so the old phone is off whichever worker holds it.
        super()._handle_emit(message)
        if message.get("event") in self.closing_events and message.get("room"):
            disconnect_room(self, message.get("namespace") or "/", message["room"])

    def status(self) -> dict[str, Any]:
        """Whether the queue works for this worker: `degraded`, and for how long (`down_s`, else None)."""
        down_s = None if self.down_since is None else max(0.0, time.time() - self.down_since)
        return {"degraded": down_s is not None, "down_s": down_s}

    def probe(self) -> bool:
        """Ping Redis now with a short timeout (what the status cannot know: nothing may have been tried)."""
        if self._probe_client is None:
            self._probe_client = redis.Redis.from_url(self.redis_url, **_options(PROBE_TIMEOUT_S))
        try:
            return bool(self._probe_client.ping())
        except (redis.RedisError, OSError):
            return False

    def _publish(self, data: Any) -> Any:
        # While the listener is lost, Redis is known to be away and the listener's own retries (in the
        # background) find out when it is back: no emit should pay a connect timeout meanwhile.
        if self.listener_lost or time.monotonic() < self.pause_until:
            self.dropped += 1  # the recovery resync stands in for it
            return None
        try:
            result = self._send(self.json.dumps(data))
        except (redis.RedisError, OSError) as error:
            self._publish_failed(error)
            return None
        if self.down_since is not None:
            self._back("publishing works again")
        return result

    def _send(self, message: str) -> Any:
        if self.redis is None:
            self.redis = redis.Redis.from_url(self.redis_url, **self.redis_options)
        try:
            return self.redis.publish(self.channel, message)
        except redis.ConnectionError:
            if self.down_since is not None:
                raise  # already known to be down: one attempt per pause, not two
            # A pooled connection that a Redis restart left stale fails once; a fresh one may work.
            return self.redis.publish(self.channel, message)

    def _publish_failed(self, error: Exception) -> None:
        self.pause_until = time.monotonic() + PUBLISH_PAUSE_S
        self.dropped += 1
        self._went_down(f"publish failed ({error})")

    def _redis_listen_with_retries(self) -> Iterator[dict[str, Any]]:
        delay = RETRY_MIN_S
        while True:
            client = pubsub = None
            try:
                client = redis.Redis.from_url(self.redis_url, **self.redis_options)
                # Subscribe confirmations are kept: one marks the moment the subscription is live again.
                pubsub = self.pubsub = client.pubsub(ignore_subscribe_messages=False)
                pubsub.subscribe(self.channel)
                for message in self._messages(pubsub):
                    if message["type"] == "subscribe":
                        delay = RETRY_MIN_S
                        self._subscribed()
                    yield message
            except Exception as error:  # the listener must outlive anything Redis or the network does
                self.listener_lost = True
                self._went_down(f"listener lost ({error})")
                self._close(pubsub, client)
                self.server.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    @staticmethod
    def _messages(pubsub: Any) -> Iterator[dict[str, Any]]:
        """Messages as they come; a silent connection is pinged, and one that stays silent is given up
        (a blackholed Redis sends no reset, so the read alone would wait forever)."""
        heard, pinged = time.monotonic(), False
        while True:
            message = pubsub.get_message(timeout=POLL_S)
            silent = time.monotonic() - heard
            if message is not None:
                heard, pinged = time.monotonic(), False
                yield message
            elif silent > 2 * SILENCE_S:
                raise redis.TimeoutError(f"no reply from Redis for {silent:.0f} s")
            elif silent > SILENCE_S and not pinged:
                pubsub.ping()
                pinged = True

    @staticmethod
    def _close(pubsub: Any, client: redis.Redis | None) -> None:
        for resource in (pubsub, client):
            try:
                if resource is not None:
                    resource.close()
            except (redis.RedisError, OSError):
                pass  # it is being thrown away because it broke

    def _went_down(self, reason: str) -> None:
        if self.down_since is None:  # once per outage, not once per emit
            self.down_since = time.time()
            self._get_logger().warning("message queue unreachable: %s; this worker still serves its own "
                                       "clients, the others' broadcasts do not reach them", reason)

    def _subscribed(self) -> None:
        """Listening again: after an outage, resend what this worker's clients may have missed."""
        if not self.listener_lost:
            return  # the first subscription, or a repeated confirmation
        self.listener_lost = False
        self._back("resubscribed")
        for hook in self.recovery_hooks:
            try:
                hook()
            except Exception:  # a failed resync must not end the listener; clients still resync on reconnect
                self._get_logger().exception("message queue recovery hook failed")

    def _back(self, how: str) -> None:
        since = self.down_since
        self.down_since, self.pause_until = None, 0.0
        lasted = f" after {time.time() - since:.1f} s" if since is not None else ""
        self._get_logger().warning("message queue back%s (%s); %d messages were not published meanwhile",
                                   lasted, how, self.dropped)
        self.dropped = 0


def disconnect_room(manager: Any, namespace: str, room: str) -> None:
    """Disconnect this worker's members of `room` (each worker runs this for its own clients)."""
    for sid, _eio_sid in list(manager.get_participants(namespace, room)):
        manager.server.disconnect(sid, namespace=namespace, ignore_queue=True)
