"""Finding questions: substring search that works for two-character Chinese words, filters and paging.

Full-text tokenisers split Chinese into unpredictable words and miss short queries such as 党章, so the
search scans a width- and case-folded copy of stem, options and explanation (`Question.search_text`) with
LIKE on both SQLite and PostgreSQL. Every white-space separated term must match.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from question_bank.kinds import QuestionType
from question_bank.models import Category, Question, QuestionUsage, Tag, question_tags
from question_bank.rules import QuestionDraft
from question_bank.textnorm import search_terms

SORTS = {
    "updated": Question.updated_at.desc(),
    "created": Question.created_at.desc(),
    "id": Question.id.asc(),
    "difficulty": Question.difficulty.asc(),
    "type": Question.type.asc(),
}


@dataclass(frozen=True)
class BankQuery:
    """What to look for. Empty fields do not filter."""

    text: str = ""
    types: frozenset[QuestionType] = frozenset()
    category: str = ""
    tag: str = ""
    min_difficulty: int = 1
    max_difficulty: int = 5
    status: str = "all"  # all | enabled | disabled
    never_used: bool = False
    sort: str = "updated"


@dataclass
class Page:
    """One page of results."""

    items: list[Question]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.per_page))


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(query: BankQuery) -> Select:
    """The SELECT for every question matching the query (no ordering, no paging)."""
    statement = select(Question)
    for term in search_terms(query.text):
        statement = statement.where(Question.search_text.like(f"%{_escape_like(term)}%", escape="\\"))
    if query.types:
        statement = statement.where(Question.type.in_([t.value for t in query.types]))
    if query.category:
        path = query.category.strip("/")
        statement = statement.join(Category, Question.category_id == Category.id).where(
            or_(Category.path == path, Category.path.like(_escape_like(path) + "/%", escape="\\"))
        )
    if query.tag:
        statement = statement.where(Question.tags.any(Tag.name == query.tag))
    if (query.min_difficulty, query.max_difficulty) != (1, 5):
        statement = statement.where(Question.difficulty.between(query.min_difficulty, query.max_difficulty))
    if query.status in ("enabled", "disabled"):
        statement = statement.where(Question.enabled.is_(query.status == "enabled"))
    if query.never_used:
        statement = statement.where(~exists().where(QuestionUsage.question_id == Question.id))
    return statement


def search(session: Session, query: BankQuery, page: int = 1, per_page: int = 20) -> Page:
    """One page of matching questions, in the query's sort order (ties broken by id)."""
    statement = filtered(query)
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    page = max(1, page)
    ordered = statement.order_by(SORTS.get(query.sort, SORTS["updated"]), Question.id.desc())
    items = session.scalars(
        ordered.options(selectinload(Question.category), selectinload(Question.tags))
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total or 0, page, per_page)


def count_matching(session: Session, query: BankQuery) -> int:
    """How many questions match (for an export's progress)."""
    return session.scalar(select(func.count()).select_from(filtered(query).subquery())) or 0


EXPORT_BATCH = 1000


def matching_drafts(session: Session, query: BankQuery) -> Iterator[QuestionDraft]:
    """Every matching question as a draft, oldest first, read a batch at a time: an export of 20,000 questions
    holds plain rows, never 20,000 ORM objects with their tags."""
    paths = dict(session.execute(select(Category.id, Category.path)).tuples().all())
    columns = (Question.id, Question.type, Question.stem, Question.options, Question.answer, Question.explanation,
               Question.difficulty, Question.category_id, Question.source, Question.enabled)
    statement = filtered(query).with_only_columns(*columns).order_by(Question.id)
    rows = session.execute(statement.execution_options(yield_per=EXPORT_BATCH))
    for batch in rows.partitions():
        tags = _tags_of(session, [row.id for row in batch])
        for row in batch:
            yield QuestionDraft(
                type=QuestionType(row.type), stem=row.stem, options=list(row.options or []), answer=row.answer,
                explanation=row.explanation, difficulty=row.difficulty, category=paths.get(row.category_id, ""),
                tags=tags.get(row.id, []), source=row.source, enabled=row.enabled)


def _tags_of(session: Session, question_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    statement = (select(question_tags.c.question_id, Tag.name).join(Tag, Tag.id == question_tags.c.tag_id)
                 .where(question_tags.c.question_id.in_(question_ids)).order_by(Tag.name))
    for question_id, name in session.execute(statement):
        found.setdefault(question_id, []).append(name)
    return found


def query_from_args(args) -> BankQuery:  # type: ignore[no-untyped-def]
    """Read the list's filters from the query string, ignoring values that make no sense."""
    types = frozenset(QuestionType(t) for t in args.getlist("type") if t in QuestionType._value2member_map_)
    low = min(max(_int(args.get("min_difficulty"), 1), 1), 5)
    high = min(max(_int(args.get("max_difficulty"), 5), low), 5)
    return BankQuery(
        text=args.get("q", "").strip()[:100], types=types, category=args.get("category", "").strip(),
        tag=args.get("tag", "").strip(), min_difficulty=low, max_difficulty=high,
        status=args.get("status", "all") if args.get("status") in ("enabled", "disabled") else "all",
        never_used=args.get("never_used") == "1", sort=args.get("sort") if args.get("sort") in SORTS else "updated",
    )


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default
