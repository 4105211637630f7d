"""The database: declarative base, engine set-up per backend, and one session per app context.

Services take a `Session` and only flush; the request or socket boundary commits (STYLE: store, then tell).
A statement that waits longer than DB_BUSY_TIMEOUT_MS for another transaction raises DatabaseBusy, which the
boundaries turn into BUSY_MESSAGE after rolling back (docs/deploy.md).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from core.config import DEFAULT_BUSY_TIMEOUT_MS

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; its metadata names constraints so migrations stay stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


BUSY_MESSAGE = "数据库繁忙，请稍后重试"
# PostgreSQL gave up waiting for another transaction: lock_not_available (lock_timeout), deadlock_detected,
# serialization_failure. Each leaves the data as it was and may succeed when tried again.
PG_BUSY_CODES = frozenset({"55P03", "40P01", "40001"})
SQLITE_BUSY_NAMES = ("SQLITE_BUSY", "SQLITE_LOCKED")
SQLITE_BUSY_TEXTS = ("database is locked", "database table is locked", "database is busy")


class DatabaseBusy(OperationalError):
    """Another transaction held what this one needed for longer than the busy timeout; nothing was stored,
    and trying again later may succeed. Boundaries roll back and answer with BUSY_MESSAGE."""


def is_busy(error: BaseException) -> bool:
    """Whether a database error (SQLAlchemy's or the driver's own) means "busy, try again later"."""
    orig = getattr(error, "orig", None) or error
    code = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
    if code:
        return code in PG_BUSY_CODES
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    name = getattr(orig, "sqlite_errorname", None) or ""  # absent on errors not raised by SQLite itself
    return name.startswith(SQLITE_BUSY_NAMES) or str(orig).startswith(SQLITE_BUSY_TEXTS)


def make_engine(url: str, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    """Create an engine tuned for the backend: SQLite in WAL mode, PostgreSQL through psycopg2. A statement
    waits at most `busy_timeout_ms` for another transaction's lock, then raises DatabaseBusy."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        slice_ms = min(SQLITE_WAIT_SLICE_MS, busy_timeout_ms)
        # A pool as deep as the join bursts are wide: a connection opened past the pool is closed after one use,
        # and opening one (WAL and the pragmas) was a visible share of a 1,000-phone join's CPU.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": slice_ms / 1000},
                               pool_size=SQLITE_POOL_SIZE, max_overflow=SQLITE_POOL_OVERFLOW)
        event.listen(engine, "connect", partial(_sqlite_pragmas, slice_ms))
        wait_cooperatively(engine, busy_timeout_ms)
    else:
        options = f"{parsed.query.get('options', '')} -c lock_timeout={busy_timeout_ms}".strip()
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                               connect_args={"options": options})
    event.listen(engine, "handle_error", _busy_error, retval=True)
    return engine


# SQLite waits for another process's write lock in C (a blocking sleep inside sqlite3_step): under gevent or
# eventlet that would freeze every phone while a staff job in the worker commits. So SQLite's own wait is a
# slice of a few milliseconds, and between slices this process sleeps in Python, which the async mode turns
# into a yield: the hall keeps fanning out and answering while one write waits its turn, up to the same
# DB_BUSY_TIMEOUT_MS in all.
SQLITE_WAIT_SLICE_MS = 10
SQLITE_POOL_SIZE, SQLITE_POOL_OVERFLOW = 50, 150
SQLITE_RETRY_SLEEP_S = 0.005


def wait_cooperatively(engine: Engine, busy_timeout_ms: int) -> None:
    """Retry a statement refused with SQLITE_BUSY, yielding between attempts, until the busy timeout."""

    def retrying(call: Any) -> None:
        deadline = time.monotonic() + busy_timeout_ms / 1000
        while True:
            try:
                call()
                return
            except sqlite3.OperationalError as error:
                # Only plain SQLITE_BUSY waits: BUSY_SNAPSHOT and the like cannot succeed by trying again.
                if getattr(error, "sqlite_errorname", "") != "SQLITE_BUSY" or time.monotonic() >= deadline:
                    raise
                time.sleep(SQLITE_RETRY_SLEEP_S)

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, context):  # type: ignore[no-untyped-def]
        retrying(lambda: cursor.execute(statement, parameters))
        return True

    @event.listens_for(engine, "do_execute_no_params")
    def _execute_no_params(cursor, statement, context):  # type: ignore[no-untyped-def]
        retrying(lambda: cursor.execute(statement))
        return True

    @event.listens_for(engine, "do_executemany")
    def _executemany(cursor, statement, parameters, context):  # type: ignore[no-untyped-def]
        retrying(lambda: cursor.executemany(statement, parameters))
        return True


def _sqlite_pragmas(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while one writer commits; NORMAL is durable across app crashes in WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are zeroed, not left in free space (no sealed ballot outlives its vote in the file).
    cursor.execute("PRAGMA secure_delete=ON")
    # The same wait as sqlite3's `timeout`, stated here so the connection's settings read in one place.
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.close()


def _busy_error(context: ExceptionContext) -> BaseException | None:
    # One exception class for every backend, so each boundary catches it without inspecting driver errors.
    wrapped = context.sqlalchemy_exception
    if isinstance(wrapped, OperationalError) and is_busy(wrapped):
        return DatabaseBusy(wrapped.statement, wrapped.params, wrapped.orig, hide_parameters=wrapped.hide_parameters)
    return None


def wait_for_turn(session: Session, lock_key: int) -> None:
    """PostgreSQL: take the transaction-level advisory lock `lock_key`, waiting as long as another process
    holds it. Start-up steps (the bundled bank, the first admin) take turns this way, and a worker must not
    give up after the busy timeout while another one finishes them."""
    session.execute(text("SET LOCAL lock_timeout = 0"))
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})


@dataclass
class _Bound:
    engine: Engine
    factory: sessionmaker[Session]


class Database:
    """Flask extension: each app gets its own engine; each app context its own session."""

    def init_app(self, app: Flask) -> None:
        """Bind to the app's DATABASE_URL and close the context's session at teardown."""
        engine = make_engine(app.config["DATABASE_URL"], app.config["DB_BUSY_TIMEOUT_MS"])
        app.extensions["db"] = _Bound(engine, sessionmaker(bind=engine, expire_on_commit=False))
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return current_app.extensions["db"].engine

    def new_session(self) -> Session:
        """A session of the current app's database that the caller closes (CLI tasks, background jobs)."""
        return current_app.extensions["db"].factory()

    @property
    def session(self) -> Session:
        """The current app context's session, created on first use and closed at teardown."""
        if "db_session" not in g:
            g.db_session = self.new_session()
        return g.db_session

    @staticmethod
    def rollback_open_session() -> None:
        """Roll back the current app context's session, if one was opened (after an error, before a reply)."""
        session = g.get("db_session")
        if session is not None:
            session.rollback()

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()
