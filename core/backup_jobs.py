"""A backup from the browser (管理员 → 数据库备份): a job in the worker writes the same consistent copy as
`flask db backup` (core/backup.py) and offers it for download."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, render_template

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.backup import BackupError, backup, sqlite_path
from core.jobs.registry import JobContext, JobFailed, job_handler
from core.jobs.views import start_job

BACKUP = "db_backup"
bp = Blueprint("backups", __name__, url_prefix="/admin/backup")


@job_handler(BACKUP)
def make_backup(context: JobContext) -> None:
    """Copy the database into the job's folder, for download."""
    context.progress("备份数据库", 0, 1)
    target = context.folder / "backup"
    try:
        backup(current_app.config["DATABASE_URL"], target)
    except BackupError as error:
        raise JobFailed(str(error)) from error
    target.rename(context.folder / "output")
    suffix = ".sqlite3" if sqlite_path(current_app.config["DATABASE_URL"]) else ".pgdump"
    context.file_name = f"书记问效备份-{datetime.now().strftime('%Y%m%d-%H%M')}{suffix}"
    context.file_mimetype = "application/octet-stream"
    context.progress("备份数据库", 1, 1)


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """What a backup is for, how to restore one, and the button."""
    return render_template("admin/backup.html")


@bp.post("/")
@role_required(Role.ADMIN)
def start():
    """Queue a backup; the job page offers the file."""
    return start_job(BACKUP, "数据库备份", download=True)
