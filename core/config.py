"""Configuration from the environment, with safe defaults.

Without SECRET_KEY in the environment, a random key is generated once and kept in the instance folder,
so a restart keeps sessions valid without a secret ever living in the code.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

import limits

from core.localtime import DEFAULT_TIMEZONE, checked_zone
from core.throttle import DEFAULTS as LIMIT_DEFAULTS

ASYNC_MODES = ("eventlet", "gevent", "threading")
DEFAULT_BUSY_TIMEOUT_MS = 5000
# gevent: in docs/performance.md it acked answer bursts faster, fanned out faster and used about half the
# memory of eventlet, which is deprecated upstream (docs/deploy.md, "Async mode").
DEFAULT_ASYNC_MODE = "gevent"
SECRET_KEY_FILE = "secret_key"
DEFAULT_PER_ADDRESS = 2000  # a venue NAT may put hundreds of phones behind one address


def load_config(environ: dict[str, str], instance_path: str) -> dict[str, Any]:
    """Build the app's settings from environment variables, falling back to safe defaults."""
    instance = Path(instance_path)
    async_mode = environ.get("ASYNC_MODE", DEFAULT_ASYNC_MODE).strip().lower()
    if async_mode not in ASYNC_MODES:
        raise ValueError(f"ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}, not {async_mode!r}")
    host = environ.get("HOST", "127.0.0.1")
    port = int(environ.get("PORT", "5000"))
    return {
        # Empty means "use the key kept in the instance folder" (created on first start by the factory).
        "SECRET_KEY": environ.get("SECRET_KEY", ""),
        "DATABASE_URL": environ.get("DATABASE_URL") or default_database_url(instance),
        # How long a statement waits for another transaction's lock before the user is told to retry
        # (docs/deploy.md, "The database busy"): SQLite's busy timeout, PostgreSQL's lock_timeout.
        "DB_BUSY_TIMEOUT_MS": busy_timeout_ms(environ.get("DB_BUSY_TIMEOUT_MS", str(DEFAULT_BUSY_TIMEOUT_MS))),
        "ASYNC_MODE": async_mode,
        "HOST": host,
        "PORT": port,
        "PUBLIC_URL": environ.get("PUBLIC_URL", "").rstrip("/"),
        "REDIS_URL": environ.get("REDIS_URL", ""),
        # The Redis pub/sub channel of the message queue: every worker of one app must share it (pub/sub ignores
        # the database number in REDIS_URL, so separate apps on one Redis need separate channels).
        "SOCKETIO_CHANNEL": environ.get("SOCKETIO_CHANNEL", "flask-socketio"),
        # Optional: the venue's Wi-Fi, shown as a QR code in the projector's lobby.
        "VENUE_WIFI_SSID": environ.get("VENUE_WIFI_SSID", ""),
        "VENUE_WIFI_PASSWORD": environ.get("VENUE_WIFI_PASSWORD", ""),
        # Load the bundled doctrine bank into the database on start (and upgrade it when the file changes).
        "LOAD_BUNDLED_BANK": environ.get("LOAD_BUNDLED_BANK", "1") != "0",
        "MAX_CONTENT_LENGTH": int(environ.get("MAX_UPLOAD_BYTES", str(50 * 1024 * 1024))),
        # Long staff work (imports, exports, recomputes, backups) runs as jobs in a worker process (core/jobs):
        # "worker" starts one beside `python app.py`, "external" leaves it to `python -m core.jobs.worker`,
        # "immediate" runs each job inside the request (tests and tools only: it would stall the hall).
        "JOBS_MODE": jobs_mode(environ.get("JOBS_MODE", "worker")),
        "JOBS_WORKERS": int(environ.get("JOBS_WORKERS", "2")),
        "JOBS_DIR": environ.get("JOBS_DIR") or str(instance / "jobs"),
        "JOBS_QUEUE": environ.get("JOBS_QUEUE") or environ.get("SOCKETIO_CHANNEL", "flask-socketio") + "-jobs",
        "JOB_TIME_LIMIT_S": float(environ.get("JOB_TIME_LIMIT_S", "1800")),
        "JOB_MEMORY_MB": int(environ.get("JOB_MEMORY_MB", "1024")),
        # A big write (an import's commit) waits at most this long for no question or vote to be open.
        "JOB_QUIET_WAIT_S": float(environ.get("JOB_QUIET_WAIT_S", "120")),
        # The venue server's limits (see core/serve.py): open connections and the listen backlog.
        "MAX_CONNECTIONS": int(environ.get("MAX_CONNECTIONS", "10000")),
        "LISTEN_BACKLOG": int(environ.get("LISTEN_BACKLOG", "2048")),
        # Against half-sent requests and idle sockets (core/connlimits.py): seconds for a request's line and
        # headers, seconds a keep-alive connection may wait for its next request, connections per address.
        "HEADER_TIMEOUT_S": positive("HEADER_TIMEOUT_S", environ.get("HEADER_TIMEOUT_S", "10"), float),
        "IDLE_TIMEOUT_S": positive("IDLE_TIMEOUT_S", environ.get("IDLE_TIMEOUT_S", "30"), float),
        "MAX_CONNECTIONS_PER_ADDRESS": per_address_cap(environ.get("MAX_CONNECTIONS_PER_ADDRESS", ""),
                                                       int(environ.get("MAX_CONNECTIONS", "10000"))),
        # Seconds a process holds a join code's meeting for the join page, which every phone of a hall reads
        # within a minute (the join itself always reads the database).
        "JOIN_PAGE_HOLD_S": float(environ.get("JOIN_PAGE_HOLD_S", "2")),
        "LOG_FILE": environ.get("LOG_FILE", ""),
        # Where open votes keep their keys (0600 files, removed at each close; docs/security.md). Every worker
        # of one app must see the same folder; it must not be backed up with the database.
        "VOTE_KEY_DIR": environ.get("VOTE_KEY_DIR") or str(instance / "vote-keys"),
        # The time zone of every time a person reads (pages, logs shown to staff, exports); stored times are UTC.
        "TIMEZONE": checked_zone(environ.get("TIMEZONE", "") or DEFAULT_TIMEZONE),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": environ.get("SESSION_COOKIE_SECURE", "") == "1",
        # Reverse proxies whose X-Forwarded-For is believed (addresses or networks); empty: the peer is the client.
        "TRUSTED_PROXIES": trusted_proxies(environ.get("TRUSTED_PROXIES", "")),
        # The guessing and joining limits (core/throttle.py), each "N per <period>" as the `limits` package reads it.
        **{name: rate_limit(name, environ.get(name, default)) for name, default in LIMIT_DEFAULTS.items()},
    }


JOBS_MODES = ("worker", "external", "immediate")


def jobs_mode(text: str) -> str:
    """One of JOBS_MODES."""
    mode = text.strip().lower()
    if mode not in JOBS_MODES:
        raise ValueError(f"JOBS_MODE must be one of {', '.join(JOBS_MODES)}, not {text!r}")
    return mode


def rate_limit(name: str, text: str) -> str:
    """A limit such as `10 per 10 minutes`, checked at start rather than at the first wrong code."""
    try:
        limits.parse(text)
    except ValueError as error:
        raise ValueError(f"{name} must read like '10 per 10 minutes', not {text!r}") from error
    return text


def busy_timeout_ms(text: str) -> int:
    """A positive number of milliseconds (0 would mean "never wait" on SQLite but "wait forever" on PostgreSQL)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"DB_BUSY_TIMEOUT_MS must be a positive number of milliseconds, not {text!r}")
    return value


def positive(name: str, text: str, kind: type) -> Any:
    """A positive number of `kind` (int or float) for the setting `name`."""
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if not value > 0:
        raise ValueError(f"{name} must be a positive number, not {text!r}")
    return value


def per_address_cap(text: str, max_connections: int) -> int:
    """Connections one client address may hold: as set (below MAX_CONNECTIONS, so one address cannot take
    them all), else 2,000 or half of MAX_CONNECTIONS, whichever is smaller."""
    if not text.strip():
        return max(1, min(DEFAULT_PER_ADDRESS, max_connections // 2))
    value = positive("MAX_CONNECTIONS_PER_ADDRESS", text, int)
    if value >= max_connections:
        raise ValueError(f"MAX_CONNECTIONS_PER_ADDRESS ({value}) must be below MAX_CONNECTIONS ({max_connections})")
    return value


def trusted_proxies(text: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (`10.0.0.1, 192.168.0.0/24`), each checked."""
    entries = tuple(entry.strip() for entry in text.split(",") if entry.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an IP address or network") from error
    return entries


def default_database_url(instance: Path) -> str:
    """The embedded default: one SQLite file in the instance folder."""
    return f"sqlite:///{(instance / 'shuji.sqlite3').as_posix()}"


def read_or_create_secret_key(instance: Path) -> str:
    """Return the key kept in the instance folder, generating it (readable by the owner only) once."""
    path = instance / SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: if two workers start at once, one creates the file and the other reads it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
