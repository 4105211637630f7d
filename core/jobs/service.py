"""Jobs in the database: create, claim, finish, cancel, recover after a crash, prune. Takes a session.

`create_job` only flushes (the page commits, then submits). The worker's steps (`claim`, `finish`, `fail`)
commit on the worker's own session: each is a single short transaction.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.jobs.models import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, Job

KEEP_FOR = timedelta(days=2)  # a finished job's files are kept this long for download
STALE_AFTER = timedelta(seconds=20)  # a running job whose supervisor has not been heard of this long is lost
INTERRUPTED_MESSAGE = "服务曾中断，已重新排队"


def job_folder(root: str | Path, job_id: int) -> Path:
    """Where a job's upload, progress and output live."""
    return Path(root) / str(int(job_id))


def create_job(session: Session, root: str | Path, kind: str, title: str, user_id: int | None,
               params: dict[str, Any] | None = None) -> Job:
    """A queued job with an empty folder; the caller commits, then submits it to the queue."""
    prune(session, root)
    job = Job(kind=kind, title=title[:200], user_id=user_id, params=params or {}, status=QUEUED)
    session.add(job)
    session.flush()
    job_folder(root, job.id).mkdir(parents=True, exist_ok=True)
    return job


def claim(session: Session, job_id: int, worker: str) -> bool:
    """Take a queued job for this worker; False when it was cancelled or another worker has it (a job put on
    the queue twice after a recovery runs once)."""
    now = utcnow()
    taken = session.execute(
        update(Job).where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, worker=worker[:80], started_at=now, heartbeat_at=now)
    ).rowcount
    session.commit()
    return bool(taken)


def heartbeat(session: Session, job_id: int) -> bool:
    """Note that the job's supervisor is alive; returns whether the user asked to cancel."""
    session.execute(update(Job).where(Job.id == job_id, Job.status == RUNNING).values(heartbeat_at=utcnow()))
    session.commit()
    return cancel_asked(session, job_id)


def cancel_asked(session: Session, job_id: int) -> bool:
    """Whether the user asked to cancel this job."""
    return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def record_outcome(session: Session, job: Job, status: str, message: str = "",
                   result: dict[str, Any] | None = None, file_name: str = "", file_mimetype: str = "") -> None:
    """Write how a job ended (flushes: the handler's own work commits in the same transaction)."""
    job.status, job.message, job.finished_at = status, message, utcnow()
    job.result, job.file_name, job.file_mimetype = result, file_name, file_mimetype
    session.flush()


def end_if_running(session: Session, job_id: int, status: str, message: str) -> bool:
    """Mark a job that is still recorded as running as failed or cancelled (its process is gone); a job that
    finished meanwhile keeps its outcome. Returns whether the row changed."""
    changed = session.execute(
        update(Job).where(Job.id == job_id, Job.status == RUNNING)
        .values(status=status, message=message, finished_at=utcnow())
    ).rowcount
    session.commit()
    return bool(changed)


def request_cancel(session: Session, job: Job) -> None:
    """A queued job is cancelled at once; a running one is stopped by its supervisor (flushes)."""
    if job.status == QUEUED:
        job.status, job.message, job.finished_at = CANCELLED, "已取消", utcnow()
    elif job.status == RUNNING:
        job.cancel_requested = True
    session.flush()


def recover(session: Session) -> list[int]:
    """After a restart: running jobs whose supervisor went silent go back to the queue, and every queued job
    is returned to be put on the queue again (a Redis restart loses the queue; claiming makes a repeat
    harmless). Commits."""
    stale = utcnow() - STALE_AFTER
    session.execute(
        update(Job).where(Job.status == RUNNING, Job.heartbeat_at < stale)
        .values(status=QUEUED, message=INTERRUPTED_MESSAGE, worker="")
    )
    session.commit()
    return list(session.scalars(select(Job.id).where(Job.status == QUEUED).order_by(Job.id)))


def prune(session: Session, root: str | Path) -> None:
    """Forget finished jobs older than KEEP_FOR, files included (flushes)."""
    old = list(session.scalars(select(Job).where(Job.status.in_(FINISHED), Job.created_at < utcnow() - KEEP_FOR)))
    for job in old:
        shutil.rmtree(job_folder(root, job.id), ignore_errors=True)
        session.delete(job)
    session.flush()


def visible_to(job: Job, user: Any) -> bool:
    """A job is its owner's; admins see every job."""
    return user is not None and (job.user_id == user.id or user.role == "admin")


def recent_jobs(session: Session, user: Any, limit: int = 30) -> list[Job]:
    """The user's latest jobs (an admin's list shows everyone's)."""
    statement = select(Job).order_by(Job.id.desc()).limit(limit)
    if user.role != "admin":
        statement = statement.where(Job.user_id == user.id)
    return list(session.scalars(statement))


__all__ = ["CANCELLED", "DONE", "FAILED", "QUEUED", "RUNNING"]
