"""The job's row: what was asked, by whom, how far it got, and how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
STATUS_LABELS = {QUEUED: "排队中", RUNNING: "进行中", DONE: "已完成", FAILED: "失败", CANCELLED: "已取消"}


class Job(Base):
    """One piece of long work. `params` are the handler's inputs; `result` its summary for the page; files
    live in the job's folder under JOBS_DIR (`input` for an upload, the output under `file_name`)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True,
                                                index=True)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stage: Mapped[str] = mapped_column(String(40), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_mimetype: Mapped[str] = mapped_column(String(120), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def finished(self) -> bool:
        """Done, failed or cancelled: nothing more will happen to it."""
        return self.status in FINISHED

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return STATUS_LABELS.get(self.status, self.status)

    def public(self) -> dict[str, Any]:
        """What the job page polls: status, stage, progress and the outcome (never the params)."""
        return {"id": self.id, "title": self.title, "status": self.status, "status_label": self.status_label,
                "stage": self.stage, "done": self.done, "total": self.total, "message": self.message,
                "finished": self.finished, "has_file": bool(self.file_name) and self.status == DONE,
                "file_name": self.file_name, "cancel_requested": self.cancel_requested}
