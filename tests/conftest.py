"""Fixtures: an app per database backend (SQLite and PostgreSQL, each a database of this run's own),
a client, a CLI runner, and a session whose tables are emptied after every test."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app import create_app
from core.db import Base, DatabaseBusy, db
from tests.services import private_postgres_database

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this test run, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        with private_postgres_database() as url:
            yield url


def app_settings(database_url: str, **overrides: object) -> dict:
    """The settings every test app starts from. Jobs run inside the request (JOBS_MODE=immediate); the real
    worker is tested through live servers (tests/core/test_jobs_worker.py). The join page's hold is tested on
    its own (tests/quiz/live/test_attendance.py)."""
    return {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
            "ASYNC_MODE": "threading", "PUBLIC_URL": "", "REDIS_URL": "",
            "LOAD_BUNDLED_BANK": False, "JOBS_MODE": "immediate", "JOB_QUIET_WAIT_S": 2,
            "JOIN_PAGE_HOLD_S": 0,  # tests change a meeting and read its join page at once
            "JOBS_DIR": tempfile.mkdtemp(prefix="jobs-"),
            **overrides}


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The app on the backend under test; its database is migrated to head by the factory."""
    application = create_app(app_settings(database_url))
    yield application
    application.extensions["db"].engine.dispose()


@pytest.fixture()
def session(app: Flask) -> Iterator[Session]:
    """A session on the app's database, held outside any app context so that each test-client request
    gets its own context (and `g`), as in production. Every table is emptied after the test."""
    with app.app_context():
        test_session = db.new_session()
    yield test_session
    test_session.close()
    empty_all_tables(app.extensions["db"].engine)


def empty_all_tables(engine: Engine) -> None:
    """Delete every row (the schema stays), children before parents. The app's background readers (the
    attendance ticker a test's join woke) may still be reading as the test ends: PostgreSQL then picks the
    TRUNCATE as a deadlock's victim, and it is simply tried again."""
    tables = list(reversed(Base.metadata.sorted_tables))
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    names = ", ".join(f'"{t.name}"' for t in tables)
                    connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    for table in tables:
                        connection.execute(table.delete())
            return
        except DatabaseBusy:
            if attempt == 4:
                raise


@pytest.fixture()
def client(app: Flask, session: Session):
    """A test client; depends on `session` so the tables are emptied afterwards."""
    return app.test_client()


@pytest.fixture()
def runner(app: Flask, session: Session):
    """A CLI runner for `flask --app app …` commands."""
    return app.test_cli_runner()
