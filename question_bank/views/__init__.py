"""The bank's pages: list and bulk actions, the question editor and preview, categories, import."""

from flask import Blueprint

bp = Blueprint("bank", __name__, url_prefix="/bank")

from question_bank.views import categories, editing, importing, listing  # noqa: E402, F401  (register routes)
