"""Create, update and delete questions; keep the category tree and tags. Takes a session, only flushes."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from question_bank.draw import Candidate, DrawFilters, DrawResult, draw
from question_bank.kinds import QuestionType
from question_bank.models import Category, Question, QuestionUsage, Tag
from question_bank.rules import FieldError, QuestionDraft, split_category, validate
from question_bank.textnorm import fingerprint, search_text


class ValidationFailed(ValueError):
    """The draft has problems; `errors` carries them field by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("；".join(error.message for error in errors))
        self.errors = errors


def create_question(session: Session, draft: QuestionDraft) -> Question:
    """Validate and store a new question."""
    _require_valid(draft)
    question = Question()
    apply_draft(session, question, draft)
    session.add(question)
    session.flush()
    return question


def update_question(session: Session, question: Question, draft: QuestionDraft) -> Question:
    """Validate and overwrite a stored question's fields (its usage history stays)."""
    _require_valid(draft)
    apply_draft(session, question, draft)
    session.flush()
    return question


class QuestionInUse(ValueError):
    """A question a meeting has shown keeps its history: disable it instead of deleting it."""


def delete_question(session: Session, question: Question) -> None:
    """Remove a question that no meeting has used (a used one is refused: disable it instead)."""
    if question.usages:
        raise QuestionInUse(f"第{question.id}题已在会议中使用过，为保留会议记录不能删除，请改为停用")
    session.delete(question)
    session.flush()


def questions_by_ids(session: Session, ids: list[int]) -> list[Question]:
    """The questions with these ids (unknown ids are ignored), in id order."""
    return list(session.scalars(select(Question).where(Question.id.in_(ids)).order_by(Question.id))) if ids else []


def bulk_set_enabled(session: Session, questions: list[Question], enabled: bool) -> int:
    """Enable or disable many questions; returns how many changed."""
    changed = [q for q in questions if q.enabled != enabled]
    for question in changed:
        question.enabled = enabled
    session.flush()
    return len(changed)


def bulk_move(session: Session, questions: list[Question], category_path: str) -> None:
    """Put many questions into one category (created if missing)."""
    category = category_for_path(session, category_path)
    for question in questions:
        question.category = category
    session.flush()


def bulk_delete(session: Session, questions: list[Question]) -> None:
    """Delete many questions, or none when any has been used in a meeting."""
    used = [q.id for q in questions if q.usages]
    if used:
        shown = "、".join(f"#{qid}" for qid in used[:10]) + ("等" if len(used) > 10 else "")
        raise QuestionInUse(f"{len(used)}道题已在会议中使用过（{shown}），为保留会议记录不能删除，请改为停用")
    for question in questions:
        session.delete(question)
    session.flush()


def _require_valid(draft: QuestionDraft) -> None:
    errors = validate(draft)
    if errors:
        raise ValidationFailed(errors)


def apply_draft(session: Session, question: Question, draft: QuestionDraft) -> None:
    """Copy an already validated draft onto a question, with its derived search and duplicate keys."""
    question.type = draft.type.value
    question.stem = draft.stem
    question.options = list(draft.options)
    question.answer = draft.answer
    question.explanation = draft.explanation
    question.difficulty = draft.difficulty
    question.source = draft.source
    question.enabled = draft.enabled
    question.category = category_for_path(session, draft.category)
    question.tags = tags_named(session, draft.tags)
    question.fingerprint = fingerprint(draft.type.value, draft.stem, draft.options)
    question.search_text = search_text(draft.stem, draft.options, draft.explanation)


def category_for_path(session: Session, path: str) -> Category | None:
    """The category at `path` (such as 党章党规/纪律处分条例), creating missing levels; None for ""."""
    parent: Category | None = None
    for depth, name in enumerate(segments := split_category(path)):
        full_path = "/".join(segments[: depth + 1])
        category = session.scalar(select(Category).where(Category.path == full_path))
        if category is None:
            category = Category(name=name, path=full_path, parent=parent)
            session.add(category)
            session.flush()
        parent = category
    return parent


def tags_named(session: Session, names: list[str]) -> list[Tag]:
    """The tags with these names, creating the missing ones."""
    if not names:
        return []
    found = {tag.name: tag for tag in session.scalars(select(Tag).where(Tag.name.in_(names)))}
    for name in names:
        if name not in found:
            found[name] = Tag(name=name)
            session.add(found[name])
    return [found[name] for name in names]


def existing_fingerprints(session: Session, fingerprints: set[str]) -> dict[str, int]:
    """Stored questions with any of these fingerprints: fingerprint → the lowest such question id."""
    found: dict[str, int] = {}
    wanted = sorted(fingerprints)
    for start in range(0, len(wanted), 500):  # keep IN lists short for SQLite's parameter limit
        rows = session.execute(
            select(Question.fingerprint, Question.id)
            .where(Question.fingerprint.in_(wanted[start:start + 500]))
            .order_by(Question.id)
        )
        for key, question_id in rows:
            found.setdefault(key, question_id)
    return found


def record_usage(session: Session, question_id: int, meeting_id: int, meeting_label: str) -> QuestionUsage:
    """Note that a meeting (not a rehearsal) showed the question."""
    usage = QuestionUsage(question_id=question_id, meeting_id=meeting_id, meeting_label=meeting_label)
    session.add(usage)
    session.flush()
    return usage


def draw_questions(
    session: Session, filters: DrawFilters, count: int, seed: int | None = None, recent_meeting_count: int = 0
) -> DrawResult:
    """Draw enabled questions under the filters; `recent_meeting_count` K leaves out those used in the last K
    meetings. Record the returned seed to replay the draw."""
    recent = recent_meeting_ids(session, recent_meeting_count)
    filters = replace(filters, recent_meetings=frozenset(recent) | filters.recent_meetings)
    return draw(enabled_candidates(session), filters, count, seed)


def recent_meeting_ids(session: Session, count: int) -> list[int]:
    """The ids of the last `count` meetings that used questions, newest first."""
    if count <= 0:
        return []
    latest = func.max(QuestionUsage.used_at)
    rows = session.execute(
        select(QuestionUsage.meeting_id).group_by(QuestionUsage.meeting_id).order_by(latest.desc()).limit(count)
    )
    return [meeting_id for (meeting_id,) in rows]


def enabled_candidates(session: Session) -> list[Candidate]:
    """Every enabled question as a draw candidate, with the meetings that used it."""
    used: dict[int, set[int]] = {}
    for question_id, meeting_id in session.execute(select(QuestionUsage.question_id, QuestionUsage.meeting_id)):
        used.setdefault(question_id, set()).add(meeting_id)
    rows = session.execute(
        select(Question.id, Question.type, Question.difficulty, Category.path)
        .outerjoin(Category, Question.category_id == Category.id)
        .where(Question.enabled.is_(True))
    )
    return [
        Candidate(qid, QuestionType(qtype), path or "", difficulty, frozenset(used.get(qid, ())))
        for qid, qtype, difficulty, path in rows
    ]
