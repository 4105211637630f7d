"""Store thousands of already validated questions at once: categories and tags first, then the questions and
their tag rows as a few executemany statements. Takes a session, only flushes.

Why not `service.create_question` in a loop: each question is a flush (and a category and tag look-up), so
10,000 rows hold SQLite's single write lock for tens of seconds, during which the hall's answer writer waits.
Here everything is computed before the first write, and the writes themselves take a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.progress import Progress, no_progress
from question_bank.models import Question, Tag, question_tags
from question_bank.rules import QuestionDraft
from question_bank.service import category_for_path
from question_bank.textnorm import fingerprint, search_text

STORE_STAGE = "写入题库"
CHUNK = 1000  # rows per statement: progress between chunks, SQLite's parameter limit far away




def create_questions(session: Session, drafts: Sequence[QuestionDraft],
                     progress: Progress = no_progress) -> list[int]:
    """Insert validated drafts in order; returns their new ids (in the drafts' order).

    Every row is computed before the first write: on SQLite the write lock is held from the first write to the
    commit, and the hall's writers wait for it, so that stretch holds only the inserts themselves."""
    now = utcnow()
    rows = [_row(draft, now) for draft in drafts]
    category_ids = _category_ids(session, {draft.category for draft in drafts})
    tag_ids = _tag_ids(session, {name for draft in drafts for name in draft.tags})
    for row, draft in zip(rows, drafts, strict=True):
        row["category_id"] = category_ids[draft.category]
    ids: list[int] = []
    for start in range(0, len(drafts), CHUNK):
        chunk = drafts[start:start + CHUNK]
        statement = insert(Question).returning(Question.id, sort_by_parameter_order=True)
        new_ids = list(session.scalars(statement, rows[start:start + CHUNK]))
        links = [{"question_id": qid, "tag_id": tag_ids[name]}
                 for qid, draft in zip(new_ids, chunk, strict=True) for name in dict.fromkeys(draft.tags)]
        if links:
            session.execute(insert(question_tags), links)
        ids += new_ids
        progress(STORE_STAGE, len(ids), len(drafts))
    session.flush()
    return ids


def _row(draft: QuestionDraft, now) -> dict:  # type: ignore[no-untyped-def]
    return {"type": draft.type.value, "stem": draft.stem, "options": list(draft.options), "answer": draft.answer,
            "explanation": draft.explanation, "difficulty": draft.difficulty, "source": draft.source,
            "enabled": draft.enabled, "category_id": None,
            "fingerprint": fingerprint(draft.type.value, draft.stem, draft.options),
            "search_text": search_text(draft.stem, draft.options, draft.explanation),
            "created_at": now, "updated_at": now}


def _category_ids(session: Session, paths: set[str]) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for path in sorted(paths):
        category = category_for_path(session, path)
        found[path] = category.id if category is not None else None
    return found


def _tag_ids(session: Session, names: set[str]) -> dict[str, int]:
    wanted = sorted(names)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        found.update(session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(part))).tuples().all())
    missing = [name for name in wanted if name not in found]
    for start in range(0, len(missing), CHUNK):
        part = missing[start:start + CHUNK]
        statement = insert(Tag).returning(Tag.name, Tag.id, sort_by_parameter_order=True)
        found.update(session.execute(statement, [{"name": name} for name in part]).tuples().all())
    return found
