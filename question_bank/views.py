"""The bank's pages: the list with search and filters, the import template and export downloads."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from question_bank.exchange import EXPORT_MIMETYPES, export_bytes
from question_bank.kinds import DIFFICULTY_LABELS, TYPE_LABELS, QuestionType
from question_bank.search import BankQuery, search
from question_bank.transfer.writing import template_xlsx

bp = Blueprint("bank", __name__, url_prefix="/bank")
PER_PAGE = 20


def query_from_args(args) -> BankQuery:  # type: ignore[no-untyped-def]
    """Read the list's filters from the query string, ignoring values that make no sense."""
    types = frozenset(QuestionType(t) for t in args.getlist("type") if t in QuestionType._value2member_map_)
    low, high = _int(args.get("min_difficulty"), 1), _int(args.get("max_difficulty"), 5)
    return BankQuery(
        text=args.get("q", "").strip()[:100], types=types, category=args.get("category", "").strip(),
        tag=args.get("tag", "").strip(), min_difficulty=max(1, min(low, 5)), max_difficulty=max(1, min(high, 5)),
        status=args.get("status", "all"), never_used=args.get("never_used") == "1",
        sort=args.get("sort", "updated"),
    )


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


@bp.get("/")
@role_required(Role.EDITOR, Role.HOST)
def index():
    """The bank as a paged, searchable list."""
    query = query_from_args(request.args)
    page = search(db.session, query, page=_int(request.args.get("page"), 1), per_page=PER_PAGE)
    return render_template("bank/list.html", page=page, query=query, type_labels=TYPE_LABELS,
                           difficulty_labels=DIFFICULTY_LABELS, args=request.args)


@bp.get("/template.xlsx")
@role_required(Role.EDITOR)
def template():
    """The empty import template."""
    return _download(template_xlsx(), "题库导入模板.xlsx", EXPORT_MIMETYPES[".xlsx"])


@bp.get("/export.<fmt>")
@role_required(Role.EDITOR)
def export(fmt: str):
    """The whole bank, or the list's current filter, as .xlsx, .csv or .json."""
    extension = "." + fmt
    if extension not in EXPORT_MIMETYPES:
        return render_template("error.html", status=404, message="不支持的导出格式"), 404
    data = export_bytes(db.session, extension, query_from_args(request.args))
    return _download(data, f"题库导出{extension}", EXPORT_MIMETYPES[extension])


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    from urllib.parse import quote

    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
