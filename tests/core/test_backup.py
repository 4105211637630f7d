"""Backups while a meeting runs, and restores (SQLite's online backup API; pg_dump / pg_restore)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select, text

from question_bank.models import Question
from tests.factories import make_question


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count(Question.id)))


def test_backup_while_writing_then_restore(app, runner, session, tmp_path: Path):
    for _ in range(3):
        make_question(session)
    session.commit()
    # A "live server" holds an open write transaction while the backup runs: the backup neither waits for it
    # nor includes its uncommitted row.
    with app.extensions["db"].engine.connect() as live:
        transaction = live.begin()
        live.execute(text("UPDATE questions SET difficulty = 5"))
        target = tmp_path / "backup.bin"
        result = runner.invoke(args=["db", "backup", str(target)])
        transaction.rollback()
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and target.stat().st_size > 0
    assert runner.invoke(args=["db", "backup", str(target)]).exit_code != 0  # never overwrites

    for question in session.scalars(select(Question)):
        session.delete(question)
    make_question(session)
    session.commit()
    session.close()
    refused = runner.invoke(args=["db", "restore", str(target)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    restored = runner.invoke(args=["db", "restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert count(session) == 3
    assert {q.difficulty for q in session.scalars(select(Question))} == {3}


def test_a_damaged_backup_is_refused_and_the_data_stays(runner, session, tmp_path: Path):
    make_question(session)
    session.commit()
    session.close()
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = runner.invoke(args=["db", "restore", str(broken), "--yes"])
    assert result.exit_code != 0 and ("已损坏" in result.output or "pg_restore 失败" in result.output)
    assert count(session) == 1


def test_an_admin_backs_up_from_the_browser_as_a_job(app, client, session, tmp_path: Path):
    from core.accounts.roles import Role
    from tests.factories import job_download, login, make_question, make_user

    make_question(session, stem="备份里的题目（　　）")
    session.commit()
    login(client, make_user(session, Role.EDITOR))
    assert client.get("/admin/backup/").status_code == 403
    login(client, make_user(session, Role.ADMIN))
    assert "立即备份" in client.get("/admin/backup/").get_data(as_text=True)
    copy = job_download(client, "/admin/backup/", "/admin/backup/")
    assert copy.status_code == 200 and quote("书记问效备份-") in copy.headers["Content-Disposition"]
    if app.config["DATABASE_URL"].startswith("sqlite"):
        path = tmp_path / "copy.sqlite3"
        path.write_bytes(copy.data)
        with sqlite3.connect(path) as connection:
            assert connection.execute("SELECT stem FROM questions").fetchall() == [("备份里的题目（　　）",)]
        connection.close()
    else:
        assert copy.data.startswith(b"PGDMP")  # pg_dump's custom format
