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
        global SERVER_PID
        SERVER_PID = options.parent
        supervisor.die_with_parent()
        _watch_server()
    consumer = job_queue.huey.create_consumer(
        workers=options.workers or app.config["JOBS_WORKERS"], worker_type="process",
        initial_delay=POLL_S, backoff=1.0, max_delay=POLL_S, check_worker_health=True)
    _end_children_with_server(consumer)
    print(f"后台任务进程已启动（{consumer.workers} 个）", flush=True)
    consumer.run()


SERVER_PID = 0  # the `python app.py` this worker serves (--parent): every process of the worker ends with it


def _end_children_with_server(consumer) -> None:  # type: ignore[no-untyped-def]
    """Every process the consumer forks — its workers and its scheduler — ends with the server too: PDEATHSIG
    is not inherited across fork, and an orphaned scheduler once outlived hundreds of test servers."""
    init_child = consumer.environment.init_child

    def init_and_watch(process) -> None:  # type: ignore[no-untyped-def]
        init_child(process)
        supervisor.die_with_parent()
        _watch_server()

    consumer.environment.init_child = init_and_watch


def _watch_server() -> None:
    """End this process when the server it serves is gone (a kill -9 of the server included)."""
    if SERVER_PID:
        threading.Thread(target=_exit_when_gone, args=(SERVER_PID,), daemon=True).start()


def _exit_when_gone(server: int) -> None:
    while not _gone(server):
        time.sleep(0.5)
    os._exit(0)


def _gone(pid: int) -> bool:
    """Whether the process has exited. A zombie counts as gone: its parent may not reap it before we exit (it
    can be waiting for the end of the output pipe we hold open)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # the pid was reused by another user's process: ours is gone
            return True
        return False
    return state in ("Z", "X")


def start_beside(app: Flask) -> subprocess.Popen | None:
    """Start a worker process for this server (JOBS_MODE=worker with JOBS_WORKERS > 0)."""
    if app.config["JOBS_MODE"] != "worker" or app.config["JOBS_WORKERS"] <= 0:
        return None
    command = [sys.executable, "-m", "core.jobs.worker", "--parent", str(os.getpid())]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


if __name__ == "__main__":
    main()
