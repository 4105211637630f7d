"""Limits against guessing and against one client joining as a crowd, counted by the `limits` package: in Redis
when REDIS_URL is set, so every worker shares the counts, else in this process's memory. When Redis cannot be
reached the counts go on in memory (per worker, from zero) and /healthz says so; Redis is tried again after
`RETRY_S`.

The rules (their sizes are settings: README's configuration table):
- Guessing codes (personal codes, meeting codes, device tokens): failures count per client address and per code
  tried. A locked address or code gets 429 for a *wrong* attempt; a correct code or device token is never refused,
  whatever others on the same address (a venue NAT, an nginx without TRUSTED_PROXIES) got wrong. Guessing is
  locked, joining is not.
- Staff logins: failures count per (username, address): the guesser's own address is locked. Past a higher
  count of failures on the username from anywhere, each address may try it only once per back-off interval:
  the real user, elsewhere, waits seconds, never the full lockout.
- Anonymous audience joins: a few per device (its session) and a generous number per address, per minute-ish.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

LOCKED_MESSAGE = "尝试次数过多，请10分钟后再试或联系工作人员"
BACKOFF_MESSAGE = "登录失败次数过多，请{seconds}秒后再试"
AUDIENCE_MESSAGE = "加入过于频繁，请稍后再试"
PERSONAL = "personal"  # a personal (seat-card) code typed or opened
JOIN = "join"  # a meeting join code
DEVICE = "device"  # a phone's socket connection with a code and a device token
MAX_CODE_KEY = 32  # a longer "code" is cut: no attacker-chosen megabyte strings kept as keys
RETRY_S = 5.0
DEFAULTS = {
    "LIMIT_GUESSES_PER_ADDRESS": "10 per 10 minutes",
    "LIMIT_GUESSES_PER_CODE": "20 per 10 minutes",
    "LIMIT_LOGIN_PER_ADDRESS": "10 per 10 minutes",
    "LIMIT_LOGIN_PER_USERNAME": "20 per 10 minutes",
    "LIMIT_LOGIN_BACKOFF": "1 per 30 seconds",
    "LIMIT_AUDIENCE_PER_DEVICE": "3 per 10 minutes",
    "LIMIT_AUDIENCE_PER_ADDRESS": "600 per minute",
}


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, its housekeeping sweep every 10 s instead of every 10 ms.

    The stock storage restarts a 10 ms timer after every hit, and each run walks every key, taking a lock per
    key: with thousands of phones joining (a key per browser) that sweep took 9% of the server's CPU during a
    join burst, and still 8% when run once a second. Counting never depends on it (every read checks the
    timestamps itself); it only frees the memory of expired keys, a few hundred bytes each."""

    SWEEP_S = 10.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # overrides the name-mangled private method
        if not self.timer.is_alive():
            self.timer = threading.Timer(self.SWEEP_S, self._MemoryStorage__expire_events)
            self.timer.daemon = True
            self.timer.start()


class Limits:
    """The app's counters; thread- and greenlet-safe (the storages are)."""

    def __init__(self, settings: dict[str, Any], redis_url: str = "", prefix: str = "shuji", logger: Any = None):
        self.rules: dict[str, RateLimitItem] = {name: parse(str(settings.get(name) or default))
                                                for name, default in DEFAULTS.items()}
        self.redis_url, self.prefix, self.logger = redis_url, prefix, logger
        self.memory = SweptMemoryStorage()
        self.redis: Storage | None = None
        self.down_since: float | None = None
        self._lock = threading.Lock()
        if redis_url:
            self.redis = RedisStorage(redis_url, key_prefix=f"{prefix}:limits", wrap_exceptions=True,
                                      socket_timeout=0.5, socket_connect_timeout=0.5)

    # ---- guessing codes ----------------------------------------------------------------------------------

    def failed(self, kind: str, address: str | None = None, code: str | None = None) -> None:
        """Count one failed attempt of this kind from this address, on this code."""
        for rule, key in self._guess_keys(kind, address, code):
            self._call("hit", rule, key)

    def locked(self, kind: str, address: str | None = None, code: str | None = None) -> bool:
        """Whether this address or this code has failed too often: its *wrong* attempts are answered 429."""
        return any(not self._call("test", rule, key) for rule, key in self._guess_keys(kind, address, code))

    def _guess_keys(self, kind: str, address: str | None, code: str | None) -> list[tuple[str, tuple[str, ...]]]:
        keys = []
        if address is not None:
            keys.append(("LIMIT_GUESSES_PER_ADDRESS", (kind, "address", address)))
        if code is not None:
            keys.append(("LIMIT_GUESSES_PER_CODE", (kind, "code", normal_code(code))))
        return keys

    # ---- staff logins ------------------------------------------------------------------------------------

    def login_refusal(self, username: str, address: str) -> str | None:
        """Why a login attempt must wait (a Chinese message), or None to try the password."""
        user = normal_code(username, 64)
        if not self._call("test", "LIMIT_LOGIN_PER_ADDRESS", ("login", user, address)):
            return LOCKED_MESSAGE
        if not self._call("test", "LIMIT_LOGIN_PER_USERNAME", ("login", user)) \
                and not self._call("hit", "LIMIT_LOGIN_BACKOFF", ("login-backoff", user, address)):
            return BACKOFF_MESSAGE.format(seconds=self.rules["LIMIT_LOGIN_BACKOFF"].get_expiry())
        return None

    def login_failed(self, username: str, address: str) -> None:
        """Count a wrong username or password, per (username, address) and per username."""
        user = normal_code(username, 64)
        self._call("hit", "LIMIT_LOGIN_PER_ADDRESS", ("login", user, address))
        self._call("hit", "LIMIT_LOGIN_PER_USERNAME", ("login", user))

    # ---- anonymous audience ------------------------------------------------------------------------------

    def audience_join(self, meeting_id: int, device: str, address: str) -> bool:
        """Count an anonymous join; False when this device or this address has joined too often lately."""
        device_key, address_key = ("audience", str(meeting_id), "device", device), ("audience", "address", address)
        if not self._call("test", "LIMIT_AUDIENCE_PER_DEVICE", device_key) \
                or not self._call("test", "LIMIT_AUDIENCE_PER_ADDRESS", address_key):
            return False
        self._call("hit", "LIMIT_AUDIENCE_PER_DEVICE", device_key)
        self._call("hit", "LIMIT_AUDIENCE_PER_ADDRESS", address_key)
        return True

    # ---- storage -----------------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """`limits`: "memory" (no Redis configured), "redis", or "memory (Redis unreachable)" with a warning."""
        if self.redis is None:
            return {"limits": "memory"}
        if self.redis.check():
            with self._lock:
                self.down_since = None
            return {"limits": "redis"}
        self._redis_down(ConnectionError("ping failed"))
        return {"limits": "memory (Redis unreachable)",
                "limits_warning": "Redis 不可达：限流计数暂存于本进程内存，各进程分别计数"}

    def _call(self, method: str, rule: str, key: tuple[str, ...]) -> bool:
        limiter = MovingWindowRateLimiter(self._storage())
        try:
            return getattr(limiter, method)(self.rules[rule], *key)
        except StorageError as error:
            self._redis_down(error)
            return getattr(MovingWindowRateLimiter(self.memory), method)(self.rules[rule], *key)

    def _storage(self) -> Storage:
        if self.redis is None:
            return self.memory
        with self._lock:
            if self.down_since is not None and time.monotonic() - self.down_since < RETRY_S:
                return self.memory
        return self.redis

    def _redis_down(self, error: Exception) -> None:
        with self._lock:
            first = self.down_since is None
            self.down_since = time.monotonic()
        if first and self.logger is not None:
            self.logger.warning("limits: Redis unreachable (%s); counting in memory until it is back", error)


def normal_code(code: str, limit: int = MAX_CODE_KEY) -> str:
    """A code as a key: spaces dropped, upper case, cut to `limit` characters."""
    return "".join(code.split()).upper()[:limit]


def store(app: Any) -> Limits:
    """The app's limits (kept in `app.extensions`, created on first use)."""
    if "throttle" not in app.extensions:
        config = app.config
        app.extensions["throttle"] = Limits(config, config.get("REDIS_URL", ""),
                                            f"shuji:{config.get('SOCKETIO_CHANNEL', 'flask-socketio')}", app.logger)
    return app.extensions["throttle"]


def client_address(peer: str | None, forwarded_for: str | None, trusted: Iterable[str]) -> str:
    """The client's address: the immediate peer, or — only while that hop is a trusted proxy — the address it
    forwarded for, read from the right of X-Forwarded-For (the left part is whatever the client wrote)."""
    networks = _networks(tuple(trusted))
    address = peer or ""
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    while hops and _within(address, networks):
        hop = hops.pop()
        if _parse(hop) is None:  # not an address: trust nothing further left
            break
        address = hop
    return address


def request_address(request: Any, trusted: Iterable[str]) -> str:
    """`client_address` for a Flask request (or anything with `remote_addr` and `headers`)."""
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted)


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _within(address: str, networks: tuple[Any, ...]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed.version == n.version and parsed in n for n in networks)
