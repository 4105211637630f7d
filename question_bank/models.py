"""The bank's tables: questions, the category tree, tags and each question's usage history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from question_bank.kinds import QuestionType
from question_bank.rules import QuestionDraft

question_tags = Table(
    "question_tags",
    Base.metadata,
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Category(Base):
    """A node of the category tree. `path` ("党章党规/纪律处分条例") is kept unique and in step with names."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(210), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent")


class Tag(Base):
    """A free label such as 四种形态 or 地方实践."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)


class Question(Base):
    """One doctrine question. `answer` is in the canonical form documented on `QuestionDraft`."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[Any] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    difficulty: Mapped[int] = mapped_column(Integer, default=3, index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True, index=True)
    # Derived from the fields above on every save: duplicate detection and the two-character search.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=question_tags, order_by=Tag.name)
    usages: Mapped[list[QuestionUsage]] = relationship(
        back_populates="question", order_by="QuestionUsage.used_at.desc()", cascade="all, delete-orphan"
    )

    @property
    def question_type(self) -> QuestionType:
        """The type as an enum."""
        return QuestionType(self.type)

    def to_draft(self) -> QuestionDraft:
        """The stored question as a draft: what export writes and the editor edits."""
        return QuestionDraft(
            type=self.question_type, stem=self.stem, options=list(self.options), answer=self.answer,
            explanation=self.explanation, difficulty=self.difficulty,
            category=self.category.path if self.category else "", tags=[t.name for t in self.tags],
            source=self.source, enabled=self.enabled,
        )


class QuestionUsage(Base):
    """A question shown in a meeting that counts (not a rehearsal). Filled by the meeting."""

    __tablename__ = "question_usages"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    # The meeting lives in `quiz`, which the bank must not import: an id and a label, no foreign key.
    meeting_id: Mapped[int] = mapped_column(Integer, index=True)
    meeting_label: Mapped[str] = mapped_column(String(200), default="")
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    question: Mapped[Question] = relationship(back_populates="usages")


class BundledQuestion(Base):
    """Which question a record of the bundled bank became, and the content it was last loaded with.

    A question whose content no longer hashes to `content_hash` was edited by staff and is never
    overwritten by a newer bundled file; a deleted one (question_id NULL) is never re-added.
    """

    __tablename__ = "bundled_questions"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PendingImport(Base):
    """An uploaded file between its dry run and the user's commit or cancel (kept in the database so that
    any worker process can finish it)."""

    __tablename__ = "pending_imports"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    # What the file is meant to be ("questions", "roster"): a token only finishes the import it started.
    kind: Mapped[str] = mapped_column(String(16), default="questions")
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
