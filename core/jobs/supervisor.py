"""Run one job: claim it, fork a child that does the work, and watch the child's time, memory and the user's
cancel. The child runs in the idle scheduling class (the hall's process gets the CPU first), dies with its
supervisor, and commits the job's work and its final row in one transaction; whatever stops it, the supervisor
records why.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import resource
import signal
import socket
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from core.db import DatabaseBusy, db
from core.jobs import service
from core.jobs.models import CANCELLED, DONE, FAILED, Job
from core.jobs.registry import HANDLERS, JobContext, JobFailed

log = logging.getLogger(__name__)
POLL_S = 0.2
CANCEL_CHECK_S = 0.4  # a read (WAL readers never wait): a cancel takes effect within this
HEARTBEAT_S = 2.0
PR_SET_PDEATHSIG = 1
CRASH_MESSAGE = "处理时出错，任务已停止（详情见服务器日志）"
CANCELLED_MESSAGE = "已取消，未写入任何数据"


@dataclass(frozen=True)
class Limits:
    """How long a job may run and how much memory its process may hold."""

    time_s: float
    memory_mb: int


def limits_of(app: Flask) -> Limits:
    """The configured limits (JOB_TIME_LIMIT_S, JOB_MEMORY_MB)."""
    return Limits(float(app.config["JOB_TIME_LIMIT_S"]), int(app.config["JOB_MEMORY_MB"]))


def run_supervised(app: Flask, job_id: int) -> None:
    """Claim the job and run it in a watched child process (the worker's task)."""
    with app.app_context():
        session = db.new_session()
        try:
            if not service.claim(session, job_id, f"{socket.gethostname()}:{os.getpid()}"):
                return
            pid = os.fork()
            if pid == 0:
                _child(app, job_id, limits_of(app))
            _watch(session, job_id, pid, limits_of(app))
        finally:
            session.close()


def run_inline(app: Flask, job_id: int) -> None:
    """Run a job in this process, without limits (JOBS_MODE=immediate: tests and tools)."""
    with app.app_context():
        session = db.new_session()
        try:
            if service.claim(session, job_id, f"inline:{os.getpid()}"):
                execute(app, job_id)
        finally:
            session.close()


def _child(app: Flask, job_id: int, limits: Limits) -> None:
    code = 1
    try:
        _die_with_parent()
        _lowest_priority()
        # A backstop beside the supervisor's RSS check: address space well above the limit is refused.
        ceiling = (limits.memory_mb * 4 + 1024) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        with app.app_context():
            db.engine.dispose(close=False)  # the parent's pooled connections are not ours to use
            execute(app, job_id)
        code = 0
    except BaseException:  # noqa: BLE001  (the process must end here, whatever happened)
        traceback.print_exc()
    finally:
        os._exit(code)


def execute(app: Flask, job_id: int) -> None:
    """Run the job's handler and record its outcome in the handler's own transaction."""
    session = db.new_session()
    try:
        job = session.get(Job, job_id)
        root = app.config["JOBS_DIR"]
        context = JobContext(job.id, job.kind, session, dict(job.params or {}), service.job_folder(root, job.id),
                             job.user_id)
        try:
            HANDLERS[job.kind](context)
        except JobFailed as refused:
            session.rollback()
            _outcome(session, job_id, FAILED, str(refused))
            return
        except MemoryError:
            session.rollback()
            _outcome(session, job_id, FAILED, memory_message(limits_of(app)))
            return
        except Exception:
            log.exception("job %s (%s) failed", job_id, job.kind)
            session.rollback()
            _outcome(session, job_id, FAILED, CRASH_MESSAGE)
            return
        job = session.get(Job, job_id)
        service.record_outcome(session, job, DONE, context.result.pop("message", ""), context.result,
                               context.file_name, context.file_mimetype)
        session.commit()
    finally:
        session.close()


def _outcome(session, job_id: int, status: str, message: str) -> None:  # type: ignore[no-untyped-def]
    job = session.get(Job, job_id)
    service.record_outcome(session, job, status, message)
    session.commit()


def memory_message(limits: Limits) -> str:
    """What the user reads when a job needed more memory than allowed."""
    return (f"任务所需内存超过上限（{limits.memory_mb} MB），已停止，未写入任何数据。"
            "请拆分文件后重试，或请管理员调高 JOB_MEMORY_MB")


def time_message(limits: Limits) -> str:
    """What the user reads when a job ran past its time limit."""
    return (f"任务运行超过时间上限（{limits.time_s / 60:g} 分钟），已停止，未写入任何数据。"
            "请拆分文件后重试，或请管理员调高 JOB_TIME_LIMIT_S")


def _watch(session, job_id: int, pid: int, limits: Limits) -> None:  # type: ignore[no-untyped-def]
    started = last_beat = last_check = time.monotonic()
    while True:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            _after_exit(session, job_id, status)
            return
        now = time.monotonic()
        reason = None
        if now - started > limits.time_s:
            reason = (FAILED, time_message(limits))
        elif _rss_mb(pid) > limits.memory_mb:
            reason = (FAILED, memory_message(limits))
        elif now - last_beat >= HEARTBEAT_S:
            last_beat = last_check = now
            if _beat(session, job_id):
                reason = (CANCELLED, CANCELLED_MESSAGE)
        elif now - last_check >= CANCEL_CHECK_S:
            last_check = now
            if service.cancel_asked(session, job_id):
                reason = (CANCELLED, CANCELLED_MESSAGE)
        if reason:
            _stop(pid)
            service.end_if_running(session, job_id, *reason)
            return
        time.sleep(POLL_S)


def _beat(session, job_id: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        return service.heartbeat(session, job_id)
    except DatabaseBusy:  # the job's own commit holds SQLite's lock: try again at the next beat
        session.rollback()
        return service.cancel_asked(session, job_id)


def _after_exit(session, job_id: int, status: int) -> None:  # type: ignore[no-untyped-def]
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGKILL, signal.SIGSEGV):
        message = f"任务进程意外终止（信号 {os.WTERMSIG(status)}，可能内存不足），未写入任何数据"
    else:
        message = CRASH_MESSAGE
    service.end_if_running(session, job_id, FAILED, message)


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _lowest_priority() -> None:
    """Run only on CPU time the hall's process leaves (Linux SCHED_IDLE; elsewhere nice 19). On two cores a job
    at nice 10 still took a share from the server holding 2,000 phones; an idle-class job takes none."""
    os.nice(19)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _die_with_parent() -> None:
    """Linux: this process is killed when its parent dies (no orphaned job keeps writing)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


die_with_parent = _die_with_parent
