"""Helpers the bank's pages share."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort

from core.db import db
from question_bank.kinds import DIFFICULTY_LABELS, TYPE_LABELS
from question_bank.models import Question

LABELS = {"type_labels": TYPE_LABELS, "difficulty_labels": DIFFICULTY_LABELS}


def question_or_404(question_id: int) -> Question:
    """The question, or a 404 page."""
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    return question


def download(data: bytes, filename: str, mimetype: str) -> Response:
    """A file download with a UTF-8 file name."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def int_arg(value: str | None, default: int) -> int:
    """An integer from a form or query string, or the default."""
    try:
        return int(value) if value else default
    except ValueError:
        return default
