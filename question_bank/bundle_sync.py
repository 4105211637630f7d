"""Load the bundled bank into a database, and upgrade it in place when the bundled file changes.

- a new record is added;
- a changed record updates its question, unless staff edited that question since it was loaded
  (its content no longer matches what was loaded): staff edits are never overwritten;
- a question staff deleted is not re-added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import wait_for_turn
from question_bank import service
from question_bank.bundle import BundledRecord, content_hash, load_bundled
from question_bank.models import BundledQuestion, Question

# Several workers may start at once on PostgreSQL: they take turns.
PG_BUNDLE_LOCK = 727_002


@dataclass
class SyncResult:
    """Keys of the records each rule applied to."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_staff_edits: list[str] = field(default_factory=list)
    deleted_by_staff: list[str] = field(default_factory=list)


def sync_bundled(session: Session, records: list[BundledRecord]) -> SyncResult:
    """Apply the bundle to the database (flushes; the caller commits)."""
    if session.get_bind().dialect.name == "postgresql":
        wait_for_turn(session, PG_BUNDLE_LOCK)
    known = {row.key: row for row in session.scalars(select(BundledQuestion))}
    result = SyncResult()
    for record in records:
        row = known.get(record.key)
        if row is None:
            question = service.create_question(session, record.draft)
            session.add(BundledQuestion(key=record.key, content_hash=record.content_hash, question_id=question.id))
            result.added.append(record.key)
        elif row.content_hash != record.content_hash:
            _upgrade(session, row, record, result)
    session.flush()
    return result


def _upgrade(session: Session, row: BundledQuestion, record: BundledRecord, result: SyncResult) -> None:
    question = session.get(Question, row.question_id) if row.question_id else None
    if question is None:
        result.deleted_by_staff.append(record.key)
    elif content_hash(question.to_draft()) != row.content_hash:
        result.kept_staff_edits.append(record.key)
    else:
        service.update_question(session, question, record.draft)
        row.content_hash = record.content_hash
        result.updated.append(record.key)


def install_bundled(session: Session) -> SyncResult:
    """Apply the shipped bundle and commit (run on every start unless LOAD_BUNDLED_BANK=0)."""
    result = sync_bundled(session, load_bundled())
    session.commit()
    return result
