"""Migrations: an empty database reaches head, the models match the migrations, and a populated database
upgrades in place without losing rows. Runs on SQLite and PostgreSQL, each in a database of its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

import core.accounts.models  # noqa: F401
import core.jobs.models  # noqa: F401
import question_bank.models  # noqa: F401
import quiz.live.models  # noqa: F401
import quiz.review.models  # noqa: F401
from core import migrate
from core.db import Base, make_engine
from tests.services import private_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    else:
        with private_postgres_database("shuji_migrate") as url:
            yield url


def test_an_empty_database_reaches_head_and_matches_the_models(empty_url: str):
    engine = make_engine(empty_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == [], "models and migrations disagree: write a migration"
    assert {"users", "questions", "categories", "tags", "question_tags", "question_usages"} <= set(
        inspect(engine).get_table_names())
    engine.dispose()


def test_downgrade_to_nothing_and_back(empty_url: str):
    engine = make_engine(empty_url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_a_populated_database_upgrades_in_place_from_every_revision(empty_url: str):
    """Fill the database at the first revision, then upgrade one step at a time: every row survives."""
    engine = create_engine(empty_url)
    first, *later = revisions_oldest_first()
    migrate.upgrade(engine, first)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO categories (id, name, path, parent_id, position) VALUES (1, '党章党规', '党章党规', NULL, 0)"))
        connection.execute(text(
            "INSERT INTO questions (id, type, stem, options, answer, explanation, source, difficulty, enabled,"
            " category_id, fingerprint, search_text, created_at, updated_at) VALUES (1, 'judge', '党员有八项义务。',"
            " '[]', 'true', '', '', 3, :yes, 1, 'f', '党员有八项义务。', :now, :now)"),
            {"yes": True, "now": "2026-01-01 00:00:00+00:00"})
        connection.execute(text(
            "INSERT INTO users (id, username, display_name, password_hash, role, active, created_at)"
            " VALUES (1, 'admin', '管理员', 'x', 'admin', :yes, :now)"),
            {"yes": True, "now": "2026-01-01 00:00:00+00:00"})
    for revision in later:
        migrate.upgrade(engine, revision)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT stem FROM questions WHERE id = 1")).scalar() == "党员有八项义务。"
        assert connection.execute(text("SELECT username FROM users")).scalar() == "admin"
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_the_upgrade_closes_open_votes_and_reshuffles_ballots_cast_in_voting_order(tmp_path: Path):
    """Ballots stored before 0007 lie in voting order beside their receipts (and ballot_links pair them
    outright): the upgrade drops the links, closes a vote left open and rewrites the ballots in random order.
    (SQLite without foreign keys, so that the rows need no meeting around them.)"""
    engine = create_engine(f"sqlite:///{tmp_path / 'old-votes.sqlite3'}")
    migrate.upgrade(engine, "0004")
    raters = 160
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO review_items (id, meeting_id, segment_id, unit_id, position, part, speech_limit_s,"
            " vote_state, criteria, group_weights, min_ballots, comment)"
            " VALUES (1, 1, 1, 1, 0, '', 300, 'open', '[]', '{}', 3, '')"))
        for rater in range(raters):
            connection.execute(text("INSERT INTO ballots (token, item_id, rater_group, scores) VALUES (:t, 1, '', :s)"),
                               {"t": f"old-{rater:03d}", "s": f'{{"n": {rater}}}'})
            connection.execute(text("INSERT INTO vote_receipts (item_id, attendee_id) VALUES (1, :a)"), {"a": rater})
            connection.execute(text("INSERT INTO ballot_links (item_id, attendee_id, token) VALUES (1, :a, :t)"),
                               {"a": rater, "t": f"old-{rater:03d}"})
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT vote_state FROM review_items")).scalar() == "closed"
        assert "ballot_links" not in inspect(connection).get_table_names()
        ballots = [json.loads(s)["n"] for s in connection.execute(text("SELECT scores FROM ballots ORDER BY rowid"))
                   .scalars()]
        receipts = list(connection.execute(text("SELECT attendee_id FROM vote_receipts ORDER BY rowid")).scalars())
        tokens = list(connection.execute(text("SELECT token FROM ballots")).scalars())
    assert sorted(ballots) == list(range(raters)) and not any(t.startswith("old-") for t in tokens)
    assert sum(b == r for b, r in zip(ballots, receipts, strict=True)) < raters // 10  # chance: about 1
    engine.dispose()
