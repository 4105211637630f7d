"""Consistent backups of the database while a meeting runs, and restores.

Run from the command line (`flask --app app db backup FILE`), i.e. in a process of its own, so the live
server is never blocked. SQLite: the online backup API copies the database a few hundred pages at a time,
yielding between steps, and gives a consistent snapshot even while the server writes (WAL mode).
PostgreSQL: `pg_dump` (custom format), itself a consistent snapshot; `pg_restore` to restore.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

PAGES_PER_STEP = 256
PAUSE_BETWEEN_STEPS_S = 0.005


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL, or None for another backend."""
    url = make_url(database_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _copy_sqlite(source: Path, target: Path, journal_mode: str = "DELETE") -> None:
    # sqlite3's own context manager only commits; closing() really closes, releasing every lock.
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst, pages=PAGES_PER_STEP, sleep=PAUSE_BETWEEN_STEPS_S)
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("备份文件完整性检查未通过")
        # A backup file is self-contained (DELETE); a restored live database goes back to WAL.
        dst.execute(f"PRAGMA journal_mode={journal_mode}")


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"找不到 {name}（请安装 PostgreSQL 客户端，如 apt-get install postgresql-client）")
    return tool


def _pg_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the database to `target`."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} 已存在，不会覆盖")
    source = sqlite_path(database_url)
    if source is not None:
        _copy_sqlite(source, target)
    else:
        result = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--file", str(target),
                                 _pg_url(database_url)], capture_output=True, text=True)
        if result.returncode:
            raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
    return target


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with a backup. Stop the server first."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"找不到备份文件 {source}")
    target = sqlite_path(database_url)
    if target is not None:
        try:
            with closing(sqlite3.connect(source)) as check:
                intact = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError:
            intact = False
        if not intact:
            raise BackupError("备份文件已损坏，未恢复")
        _copy_sqlite(source, target, journal_mode="WAL")
        return
    result = subprocess.run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--dbname",
                             _pg_url(database_url), str(source)], capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"pg_restore 失败：{result.stderr.strip()}")
