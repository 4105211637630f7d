"""The job worker: `python -m core.jobs.worker`. `python app.py` starts one beside the server (JOBS_MODE=worker,
the default); with several servers run it yourself (JOBS_MODE=external, docs/deploy.md).

It builds the app without the socket server, puts back on the queue what a crash left (`service.recover`),
and runs Huey's consumer with JOBS_WORKERS process workers, each supervising one job at a time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import Flask

from core.jobs import queue, service, supervisor

ROOT = Path(__file__).resolve().parents[2]
POLL_S = 0.2  # how often an idle worker looks at the queue (SqliteHuey polls)


def build_app() -> Flask:
    """The app as a worker needs it: the database (already migrated by the server) and the handlers."""
    from app import create_app

    return create_app({"AUTO_MIGRATE": False, "LOAD_BUNDLED_BANK": False, "REALTIME": False,
                       "JOBS_MODE": "worker"})


def main(argv: list[str] | None = None) -> None:
    """Run the consumer until stopped (or until the parent given by --parent exits)."""
    parser = argparse.ArgumentParser(description="书记问效：后台任务进程")
    parser.add_argument("--parent", type=int, default=0, help="exit when this process exits")
    parser.add_argument("--workers", type=int, default=0, help="process workers (default JOBS_WORKERS)")
    options = parser.parse_args(argv)
    app = build_app()
    queue.worker_app = app
    job_queue = queue.queue_of(app)
    with app.app_context():
        from core.db import db

        session = db.new_session()
        try:
            for job_id in service.recover(session):
                job_queue.run_job(job_id)
        finally:
            session.close()
        db.engine.dispose()
    if options.parent:
        supervisor.die_with_parent()
        threading.Thread(target=_exit_with, args=(options.parent,), daemon=True).start()
    job_queue.huey.on_startup()(_worker_started)
    consumer = job_queue.huey.create_consumer(
        workers=options.workers or app.config["JOBS_WORKERS"], worker_type="process",
        initial_delay=POLL_S, backoff=1.0, max_delay=POLL_S, check_worker_health=True)
    print(f"后台任务进程已启动（{consumer.workers} 个）", flush=True)
    consumer.run()


def _worker_started() -> None:
    # Each worker process: killed with the consumer, and no engine connection carried over from it.
    supervisor.die_with_parent()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def start_beside(app: Flask) -> subprocess.Popen | None:
    """Start a worker process for this server (JOBS_MODE=worker with JOBS_WORKERS > 0)."""
    if app.config["JOBS_MODE"] != "worker" or app.config["JOBS_WORKERS"] <= 0:
        return None
    command = [sys.executable, "-m", "core.jobs.worker", "--parent", str(os.getpid())]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


if __name__ == "__main__":
    main()
