"""The Huey queue jobs travel on: `SqliteHuey` in the instance folder for the embedded default (a queued job
survives a restart in that file), `RedisHuey` when REDIS_URL is set (every worker on every machine shares it).
Only a job's id travels; everything else is in the database. JOBS_MODE=immediate runs a job inside the
caller instead (tests and tools that need no worker).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey

from core.jobs import supervisor

EXTENSION = "jobs_queue"
TASK_NAME = "shuji.run_job"
log = logging.getLogger(__name__)

# The app the worker's task runs against: set by the worker before its consumer starts (worker.py).
worker_app: Flask | None = None


@dataclass
class JobQueue:
    """The Huey instance and its one task (calling the task puts a job id on the queue)."""

    huey: Huey
    run_job: Any


def make_queue(config: dict) -> JobQueue:
    """The queue for this app's settings, with the one task registered."""
    name = config["JOBS_QUEUE"]
    if config["REDIS_URL"]:
        huey: Huey = RedisHuey(name, url=config["REDIS_URL"], results=False, blocking=True, read_timeout=1)
    else:
        Path(config["JOBS_DIR"]).mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(Path(config["JOBS_DIR"]) / "queue.sqlite3"), results=False)
    return JobQueue(huey, huey.task(name=TASK_NAME, retries=0)(_run_job))


def _run_job(job_id: int) -> None:
    if worker_app is None:
        raise RuntimeError("the job task runs only inside the worker (python -m core.jobs.worker)")
    supervisor.run_supervised(worker_app, job_id)


def queue_of(app: Flask) -> JobQueue:
    """This app's queue, made on first use."""
    queue = app.extensions.get(EXTENSION)
    if queue is None:
        queue = app.extensions[EXTENSION] = make_queue(app.config)
    return queue


def submit(job_id: int, app: Flask | None = None) -> None:
    """Put a committed job on the queue (or run it now under JOBS_MODE=immediate)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["JOBS_MODE"] == "immediate":
        supervisor.run_inline(app, job_id)
        return
    queue_of(app).run_job(job_id)
