"""Create, edit and delete a question; its usage history; its preview on the projector and a phone."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from question_bank import service
from question_bank.forms import OPTION_FIELDS, draft_from_form, empty_form, form_from_draft
from question_bank.kinds import OPTION_LETTERS, QuestionType
from question_bank.views import bp
from question_bank.views.common import LABELS, question_or_404

FORM_CONTEXT = {"option_fields": list(zip(OPTION_LETTERS, OPTION_FIELDS, strict=True)), "types": list(QuestionType)}


def _render_form(form, question=None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("bank/form.html", form=form, question=question, **FORM_CONTEXT, **LABELS), status


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def create():
    """A new question; problems are shown beside their fields."""
    if request.method == "GET":
        return _render_form(empty_form())
    draft, form = draft_from_form(request.form, request.form.getlist)
    if draft is None:
        return _render_form(form, status=422)
    question = service.create_question(db.session, draft)
    db.session.commit()
    flash(f"已保存第{question.id}题", "ok")
    return redirect(url_for("bank.edit", question_id=question.id))


@bp.route("/<int:question_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def edit(question_id: int):
    """Edit a question; its usage history is listed below the form."""
    question = question_or_404(question_id)
    if request.method == "GET":
        return _render_form(form_from_draft(question.to_draft()), question)
    draft, form = draft_from_form(request.form, request.form.getlist)
    if draft is None:
        return _render_form(form, question, status=422)
    service.update_question(db.session, question, draft)
    db.session.commit()
    flash("已保存修改", "ok")
    return redirect(url_for("bank.edit", question_id=question.id))


@bp.post("/<int:question_id>/delete")
@role_required(Role.EDITOR)
def delete(question_id: int):
    """Delete a question no meeting has used."""
    question = question_or_404(question_id)
    try:
        service.delete_question(db.session, question)
    except service.QuestionInUse as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("bank.edit", question_id=question_id))
    db.session.commit()
    flash(f"已删除第{question_id}题", "ok")
    return redirect(url_for("bank.index"))


@bp.get("/<int:question_id>/preview")
@role_required(Role.EDITOR, Role.HOST)
def preview(question_id: int):
    """The question as the projector (1920×1080) and a phone (360 px) will show it."""
    question = question_or_404(question_id)
    return render_template("bank/preview.html", question=question, reveal=request.args.get("reveal") == "1")


@bp.get("/<int:question_id>/preview/<screen>")
@role_required(Role.EDITOR, Role.HOST)
def preview_screen(question_id: int, screen: str):
    """One screen of the preview, as a page of its own (the preview page frames both)."""
    if screen not in ("projector", "phone"):
        return render_template("error.html", status=404, message="页面不存在。"), 404
    question = question_or_404(question_id)
    reveal = request.args.get("reveal") == "1"
    return render_template(f"screens/{screen}_question.html", question=question, draft=question.to_draft(),
                           reveal=reveal, letters=OPTION_LETTERS, **LABELS)
