"""The bank list (search, filters, paging, sorting), bulk actions, and downloads."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.accounts.guard import role_required, safe_next_url
from core.accounts.roles import Role
from core.db import db
from core.jobs.views import start_job
from question_bank import categories, jobs, service
from question_bank.exchange import EXPORT_MIMETYPES
from question_bank.search import query_from_args, search
from question_bank.transfer.writing import template_xlsx
from question_bank.views import bp
from question_bank.views.common import LABELS, download, int_arg

PER_PAGE = 20
BULK_ACTIONS = {"enable": "启用", "disable": "停用", "move": "移动到分类", "delete": "删除"}
SORT_LABELS = {"updated": "最近修改", "created": "最近创建", "id": "编号", "difficulty": "难度", "type": "题型"}


@bp.get("/")
@role_required(Role.EDITOR, Role.HOST)
def index():
    """The bank as a paged, searchable, sortable list."""
    query = query_from_args(request.args)
    page = search(db.session, query, page=int_arg(request.args.get("page"), 1), per_page=PER_PAGE)
    filter_pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "page" and v]
    filters = dict(filter_pairs)
    return render_template("bank/list.html", page=page, query=query, filters=filters, filter_pairs=filter_pairs,
                           sort_labels=SORT_LABELS,
                           category_nodes=categories.flatten(categories.tree(db.session)),
                           bulk_actions=BULK_ACTIONS, **LABELS)


@bp.post("/bulk")
@role_required(Role.EDITOR)
def bulk():
    """Ask to confirm a bulk action naming how many questions it touches; on confirmation, do it."""
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    action = request.form.get("action", "")
    questions = service.questions_by_ids(db.session, ids)
    back = safe_next_url(request.form.get("back")) or url_for("bank.index")
    if action not in BULK_ACTIONS or not questions:
        flash("请先勾选题目并选择操作", "error")
        return redirect(back)
    target = request.form.get("category", "").strip()
    if request.form.get("confirmed") != "1":
        return render_template("bank/confirm_bulk.html", questions=questions, action=action,
                               action_label=BULK_ACTIONS[action], category=target, back=back)
    try:
        message = _apply_bulk(action, questions, target)
    except service.QuestionInUse as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back)
    db.session.commit()
    flash(message, "ok")
    return redirect(back)


def _apply_bulk(action: str, questions: list, target: str) -> str:
    count = len(questions)
    if action in ("enable", "disable"):
        service.bulk_set_enabled(db.session, questions, action == "enable")
        return f"已{BULK_ACTIONS[action]} {count} 道题"
    if action == "move":
        service.bulk_move(db.session, questions, target)
        return f"已把 {count} 道题移动到“{target or '未分类'}”"
    service.bulk_delete(db.session, questions)
    return f"已删除 {count} 道题"


@bp.get("/template.xlsx")
@role_required(Role.EDITOR)
def template():
    """The empty import template."""
    return download(template_xlsx(), "题库导入模板.xlsx", EXPORT_MIMETYPES[".xlsx"])


@bp.post("/export.<fmt>")
@role_required(Role.EDITOR)
def export(fmt: str):
    """Queue an export of the whole bank, or of the list's current filter, as .xlsx, .csv or .json; the job
    page offers the file when it is ready."""
    extension = "." + fmt
    if extension not in EXPORT_MIMETYPES:
        return render_template("error.html", status=404, message="不支持的导出格式"), 404
    args = {key: request.form.getlist(key) for key in request.form if key != "csrf_token"}
    return start_job(jobs.EXPORT, f"导出题库（{extension}）", {"extension": extension, "args": args}, download=True)
