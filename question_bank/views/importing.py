"""Import in the browser: upload → dry-run report → commit all / commit the valid rows / cancel."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from question_bank import exchange
from question_bank.transfer.reading import FileProblem, Limits
from question_bank.views import bp


def _limits() -> Limits:
    return Limits(max_bytes=current_app.config["MAX_CONTENT_LENGTH"])


@bp.get("/import")
@role_required(Role.EDITOR)
def import_start():
    """The upload form, with the empty template beside it."""
    return render_template("bank/import.html")


@bp.post("/import")
@role_required(Role.EDITOR)
def import_upload():
    """Check the uploaded file and show the report; nothing is stored yet but the upload itself."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("bank/import.html", error="请选择要导入的文件"), 400
    data = upload.read()
    try:
        report = exchange.dry_run(db.session, data, upload.filename, _limits())
    except FileProblem as problem:
        return render_template("bank/import.html", error=str(problem)), 400
    token = exchange.stage_upload(db.session, data, upload.filename, g.user.id)
    db.session.commit()
    return render_template("bank/import_report.html", report=report, token=token, filename=upload.filename)


@bp.post("/import/<token>")
@role_required(Role.EDITOR)
def import_commit(token: str):
    """Commit all rows, only the valid rows, or cancel. The file is checked again against the bank as it is
    now, so a question added since the dry run is not duplicated."""
    pending = exchange.staged_upload(db.session, token, g.user.id)
    if pending is None:
        flash("导入已完成、已取消或已过期，请重新上传", "error")
        return redirect(url_for("bank.import_start"))
    action = request.form.get("action")
    if action == "cancel":
        exchange.discard_upload(db.session, pending)
        db.session.commit()
        flash("已取消导入，未写入任何题目", "ok")
        return redirect(url_for("bank.import_start"))
    report = exchange.dry_run(db.session, pending.data, pending.filename, _limits())
    try:
        mode = exchange.CommitMode(action)
        result = exchange.commit_import(db.session, report, mode)
    except (ValueError, exchange.ImportRefused) as error:
        db.session.rollback()
        message = str(error) if isinstance(error, exchange.ImportRefused) else "未知的操作"
        return render_template("bank/import_report.html", report=report, token=token, filename=pending.filename,
                               error=message), 409
    filename = pending.filename
    exchange.discard_upload(db.session, pending)
    db.session.commit()
    return render_template("bank/import_done.html", result=result, report=report, filename=filename)
