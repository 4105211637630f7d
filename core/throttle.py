"""A failed-attempt limiter against guessing: staff passwords, personal codes, meeting join codes, device
tokens. Pure logic and a small in-process store; the caller passes the time (seconds on a monotonic clock).

Only failures count. After `PER_ADDRESS.failures` failed attempts of one kind from one client address within
the window, or `PER_CODE.failures` on one code, further attempts from that address (or on that code) are
refused for the lockout, before the code is even looked up. A success is never counted, so a whole venue
behind one NAT address joining with its own valid codes is never locked out. The store is per process: with
several workers each keeps its own counts (docs/protocol.md).
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

LOCKED_MESSAGE = "尝试次数过多，请10分钟后再试或联系工作人员"
PERSONAL = "personal"  # a personal (seat-card) code typed or opened
JOIN = "join"  # a meeting join code
DEVICE = "device"  # a phone's socket connection with a code and a device token
LOGIN = "login"  # a staff login (the "code" is the username)
MAX_CODE_KEY = 32  # a longer "code" is cut: no attacker-chosen megabyte strings kept as keys
MAX_KEYS = 50_000  # beyond this, the least recently failed keys are forgotten first


@dataclass(frozen=True)
class Limit:
    """`failures` within `window_s` seconds lock for `lockout_s` seconds."""

    failures: int
    window_s: float
    lockout_s: float


PER_ADDRESS = Limit(10, 600, 600)
PER_CODE = Limit(20, 600, 600)


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class Throttle:
    """Failed attempts per (address, kind) and per (code, kind); thread-safe."""

    def __init__(self, per_address: Limit = PER_ADDRESS, per_code: Limit = PER_CODE, max_keys: int = MAX_KEYS):
        self.limits = {"address": per_address, "code": per_code}
        self.max_keys = max_keys
        self._records: OrderedDict[tuple[str, str, str], _Record] = OrderedDict()
        self._lock = threading.Lock()

    def locked(self, kind: str, now: float, address: str | None = None, code: str | None = None) -> bool:
        """Whether an attempt of this kind from this address, or on this code, must be refused now."""
        with self._lock:
            return any(self._locked(key, now) for key in _keys(kind, address, code))

    def failed(self, kind: str, now: float, address: str | None = None, code: str | None = None) -> None:
        """Count one failed attempt; an address or code reaching its limit is locked."""
        with self._lock:
            for key in _keys(kind, address, code):
                self._count(key, self.limits[key[0]], now)

    def _locked(self, key: tuple[str, str, str], now: float) -> bool:
        record = self._records.get(key)
        return record is not None and record.locked_until > now

    def _count(self, key: tuple[str, str, str], limit: Limit, now: float) -> None:
        record = self._records.pop(key, None) or _Record()
        self._records[key] = record  # most recently failed last: eviction starts with the oldest
        while record.failures and record.failures[0] <= now - limit.window_s:
            record.failures.popleft()
        record.failures.append(now)
        if len(record.failures) >= limit.failures:
            record.locked_until = now + limit.lockout_s
            record.failures.clear()
        while len(self._records) > self.max_keys:
            self._records.popitem(last=False)


def _keys(kind: str, address: str | None, code: str | None) -> list[tuple[str, str, str]]:
    keys = []
    if address is not None:
        keys.append(("address", kind, address))
    if code is not None:
        keys.append(("code", kind, "".join(code.split()).upper()[:MAX_CODE_KEY]))
    return keys


def store(extensions: MutableMapping[str, Any]) -> Throttle:
    """The app's throttle (kept in `app.extensions`, created on first use)."""
    return extensions.setdefault("throttle", Throttle())


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
