"""What a job handler is given, how it reports, and the table of handlers by kind.

A handler is `handler(context) -> None`. It reads `context.params` and the job's folder, calls
`context.progress(stage, done, total)` now and then, stores what it made with `context.save_file` and
`context.result`, and raises `JobFailed` with a Chinese message for a refusal the user should read. Its
database work goes through `context.session`; the job's final row is committed in the same transaction, so
a job stopped at any moment has stored all of its work or none of it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

PROGRESS_FILE = "progress.json"
PROGRESS_INTERVAL_S = 0.3  # a page polls about twice a second; writing more often would only cost time


WAIT_STAGE = "等待答题间隙写入"  # shown while a question or a vote is open in the hall
QUIET_POLL_S = 0.5
# Whether the hall is busy taking answers or ballots: registered by the meeting side (quiz/review/jobs.py), which core
# never imports. None: always quiet.
QUIET_CHECK: list[Callable[[Session], bool] | None] = [None]


def set_quiet_check(check: Callable[[Session], bool]) -> None:
    """Name the function that says whether a meeting is taking answers or ballots right now."""
    QUIET_CHECK[0] = check


class JobFailed(Exception):
    """The job cannot be done as asked; the message (Chinese) is shown to the user as the reason."""


@dataclass
class JobContext:
    """A running job's inputs, folder and reporting."""

    job_id: int
    kind: str
    session: Session
    params: dict[str, Any]
    folder: Path
    user_id: int | None
    result: dict[str, Any] = field(default_factory=dict)
    file_name: str = ""
    file_mimetype: str = ""
    _last_write: float = 0.0
    _last_stage: str = ""

    def progress(self, stage: str, done: int, total: int) -> None:
        """Record how far the job got: at most every PROGRESS_INTERVAL_S, and at every new stage. Written to a
        file in the job's folder, not the database: on SQLite the job's own write transaction may hold the
        lock, and a page reads the file without waiting for it."""
        now = time.monotonic()
        if stage == self._last_stage and now - self._last_write < PROGRESS_INTERVAL_S and done < total:
            return
        self._last_write, self._last_stage = now, stage
        write_progress(self.folder, stage, done, total)

    def wait_for_quiet(self, timeout_s: float = 120.0) -> bool:
        """Before a big write: wait (up to `timeout_s`) until no meeting is taking answers or ballots, so the
        write never holds SQLite's lock while phones are answering. True when a quiet moment came. The job's
        session must not have written yet (its read snapshot is released to see the hall as it is now)."""
        check = QUIET_CHECK[0]
        deadline = time.monotonic() + timeout_s
        while check is not None:
            self.session.rollback()  # a fresh snapshot; nothing was written yet
            if not check(self.session):
                return True
            if time.monotonic() >= deadline:
                return False
            write_progress(self.folder, WAIT_STAGE, 0, 0)
            time.sleep(QUIET_POLL_S)
        return True

    def input_path(self) -> Path:
        """The upload this job reads (saved by the page that queued it)."""
        return self.folder / "input"

    def save_file(self, data: bytes, file_name: str, mimetype: str) -> None:
        """Keep what the job made for download, under the name the user will see."""
        (self.folder / "output").write_bytes(data)
        self.file_name, self.file_mimetype = file_name, mimetype


def write_progress(folder: Path, stage: str, done: int, total: int) -> None:
    """Replace the job's progress file atomically (a reader never sees half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{PROGRESS_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps({"stage": stage, "done": done, "total": total}, ensure_ascii=False),
                         encoding="utf-8")
    os.replace(temporary, folder / PROGRESS_FILE)


def read_progress(folder: Path) -> dict[str, Any] | None:
    """The latest progress a running job wrote, if any."""
    try:
        return json.loads((folder / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


Handler = Callable[[JobContext], None]
HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler of one kind of job (each area registers its own at import)."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register
