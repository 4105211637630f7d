"""Import and export against the database: dry run, commit (all or only valid rows), export.

A commit stores every importable row in the caller's one transaction, or nothing: the boundary commits
once after `commit_import` returns and rolls back if it raises.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.db import utcnow
from core.progress import Progress, no_progress
from question_bank import bulk, service
from question_bank.models import PendingImport
from question_bank.search import BankQuery, count_matching, matching_drafts
from question_bank.transfer.reading import Limits, read_upload
from question_bank.transfer.report import ImportReport, build_report, mark_existing
from question_bank.transfer.writing import to_csv, to_json, to_xlsx

EXPORT_WRITERS = {".xlsx": to_xlsx, ".csv": to_csv, ".json": to_json}
EXPORT_MIMETYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
}


class CommitMode(StrEnum):
    """ALL refuses while any row is bad; VALID stores the good rows and lists the rest."""

    ALL = "all"
    VALID = "valid"


class ImportRefused(ValueError):
    """A commit of all rows was asked for while some rows are bad."""


@dataclass
class ImportResult:
    """What a commit stored and what it left out."""

    created_ids: list[int]
    skipped_bad: list[int]
    skipped_duplicates: list[int]



def dry_run(session: Session, data: bytes, filename: str, limits: Limits | None = None,
            progress: Progress = no_progress) -> ImportReport:
    """Read and check an upload without storing anything; raises `FileProblem` for an unusable file."""
    report = build_report(read_upload(data, filename, limits or Limits(), progress=progress), progress)
    wanted = {row.fingerprint for row in report.rows if row.fingerprint}
    mark_existing(report, service.existing_fingerprints(session, wanted))
    return report


def commit_import(session: Session, report: ImportReport, mode: CommitMode,
                  progress: Progress = no_progress) -> ImportResult:
    """Store the report's importable rows; duplicates are skipped, bad rows refused or skipped by mode."""
    bad = [row.number for row in report.bad_rows]
    if mode is CommitMode.ALL and bad:
        raise ImportRefused(f"有{len(bad)}行存在问题，不能全部导入。请修正后重新导入，或选择“只导入无误的行”")
    created = bulk.create_questions(session, [row.draft for row in report.importable_rows], progress)
    return ImportResult(created, bad, [row.number for row in report.duplicate_rows])


def export_bytes(session: Session, extension: str, query: BankQuery | None = None,
                 progress: Progress = no_progress) -> bytes:
    """The questions matching `query` (all when None) as a file of the format named by `extension`."""
    writer = EXPORT_WRITERS.get(extension.lower())
    if writer is None:
        raise ValueError(f"不支持导出为“{extension}”，请使用 .xlsx、.csv 或 .json")
    query = query or BankQuery()
    return writer(matching_drafts(session, query), progress, count_matching(session, query))


STAGED_LIFETIME = timedelta(hours=24)


def stage_upload(session: Session, data: bytes, filename: str, user_id: int, kind: str = "questions") -> str:
    """Keep an upload between its dry run and the commit; returns the token naming it."""
    session.execute(delete(PendingImport).where(PendingImport.created_at < utcnow() - STAGED_LIFETIME))
    token = secrets.token_urlsafe(24)
    session.add(PendingImport(token=token, kind=kind, filename=filename[:255], data=data, user_id=user_id))
    session.flush()
    return token


def staged_upload(session: Session, token: str, user_id: int, kind: str = "questions") -> PendingImport | None:
    """The user's own staged upload of this kind, if it still exists."""
    pending = session.get(PendingImport, token)
    return pending if pending is not None and pending.user_id == user_id and pending.kind == kind else None


def discard_upload(session: Session, pending: PendingImport) -> None:
    """Forget a staged upload (after its commit, or on cancel)."""
    session.delete(pending)
    session.flush()
