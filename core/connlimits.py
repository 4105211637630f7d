"""The venue server's connection limits, apart from any server library: how long a request's headers may take,
how long a keep-alive connection may sit idle, and how many connections one address may hold.

Without them, 500 half-sent requests stay open forever and `MAX_CONNECTIONS` idle sockets from one laptop on
the venue Wi-Fi leave no room for a phone (docs/security.md, "Venue network and sessions").
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

# A phone on a weak Wi-Fi still sends its few hundred bytes of headers within seconds.
DEFAULT_HEADER_TIMEOUT_S = 10.0
# Browsers reuse a keep-alive connection within moments; a long-poll reconnects at once after each answer.
DEFAULT_IDLE_TIMEOUT_S = 30.0
# A venue NAT may put hundreds of phones behind one address: generous, but below MAX_CONNECTIONS (the
# setting's default is computed in core/config.py).
DEFAULT_PER_ADDRESS = 2000

_REFUSED_TEXT = "本地址连接过多，请稍后再试\n".encode()
REFUSED_RESPONSE = (b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n"
                    b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(_REFUSED_TEXT), _REFUSED_TEXT))


class HeadersLate(Exception):
    """A request's line and headers did not arrive within their deadline (raised into the reading greenlet)."""


@dataclass
class VenueLimits:
    """The limits one server process applies to each incoming connection."""

    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    per_address: int = DEFAULT_PER_ADDRESS
    trusted: tuple[str, ...] = ()  # reverse proxies (TRUSTED_PROXIES): nginx caps their clients itself
    open_by_address: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._networks = tuple(ipaddress.ip_network(entry, strict=False) for entry in self.trusted)

    def deadline(self, requests_served: int) -> float:
        """Seconds allowed for the next request's line and headers: from accept for the first request, from
        the end of the last response for the following ones (the idle timeout)."""
        return self.idle_timeout_s if requests_served else self.header_timeout_s

    def enter(self, address: str) -> bool:
        """Count a new connection from `address`; False (nothing counted) when the address is at its cap."""
        if self._exempt(address):
            return True
        held = self.open_by_address.get(address, 0)
        if held >= self.per_address:
            return False
        self.open_by_address[address] = held + 1
        return True

    def leave(self, address: str) -> None:
        """The connection from `address` closed."""
        if self._exempt(address):
            return
        held = self.open_by_address.get(address, 0) - 1
        if held > 0:
            self.open_by_address[address] = held
        else:
            self.open_by_address.pop(address, None)

    def _exempt(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed.version == net.version and parsed in net for net in self._networks)
