"""The category tree, managed in place: add, rename, move, merge, delete, with question counts."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from question_bank import categories
from question_bank.models import Category
from question_bank.views import bp
from question_bank.views.common import int_arg


@bp.get("/categories")
@role_required(Role.EDITOR)
def category_tree():
    """The tree with each category's own and total question counts."""
    return render_template("bank/categories.html", nodes=categories.flatten(categories.tree(db.session)))


def _category(field: str) -> Category | None:
    category_id = int_arg(request.form.get(field), 0)
    return db.session.get(Category, category_id) if category_id else None


@bp.post("/categories")
@role_required(Role.EDITOR)
def category_change():
    """Apply one change to the tree; a refused change is explained and nothing is stored."""
    action = request.form.get("action", "")
    subject = _category("category_id")
    try:
        message = _change(action, subject)
    except categories.CategoryError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("bank.category_tree"))
    db.session.commit()
    flash(message, "ok")
    return redirect(url_for("bank.category_tree"))


def _change(action: str, subject: Category | None) -> str:
    name = request.form.get("name", "")
    if action == "add":
        return f"已添加分类“{categories.add(db.session, name, _category('parent_id')).path}”"
    if subject is None:
        raise categories.CategoryError("请选择分类")
    if action == "rename":
        categories.rename(db.session, subject, name)
        return f"已改名为“{subject.path}”"
    if action == "move":
        categories.move(db.session, subject, _category("parent_id"))
        return f"已移动为“{subject.path}”"
    if action == "merge":
        target = _category("target_id")
        if target is None:
            raise categories.CategoryError("请选择要合并到的分类")
        source_path = subject.path
        moved = categories.merge(db.session, subject, target)
        return f"已把“{source_path}”合并到“{target.path}”（{moved}道题）"
    if action == "delete":
        path = subject.path
        categories.delete(db.session, subject)
        return f"已删除分类“{path}”"
    raise categories.CategoryError("未知的操作")
