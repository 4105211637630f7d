"""`flask --app app db backup|restore`: consistent backups while a meeting runs, and restores."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core import migrate
from core.backup import BackupError, backup, restore
from core.db import db

db_cli = AppGroup("db", help="数据库备份与恢复")


@db_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """备份数据库（会议进行中也可以执行，不影响现场）。"""
    try:
        backup(current_app.config["DATABASE_URL"], file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"已备份到 {file}（{file.stat().st_size} 字节）")


@db_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="确认覆盖当前数据库")
def restore_command(file: Path, yes: bool) -> None:
    """用备份覆盖当前数据库（请先停止服务）。"""
    if not yes:
        raise click.ClickException("恢复会覆盖当前数据库：请先停止服务，确认后加 --yes 重新执行")
    db.engine.dispose()
    try:
        restore(current_app.config["DATABASE_URL"], file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    migrate.upgrade(db.engine)  # an older backup is brought to the current schema
    click.echo(f"已从 {file} 恢复")
