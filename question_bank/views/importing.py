"""Import in the browser: upload → a check job → its report → a commit job (all / only valid rows) → done.

The file is read and stored by the job worker, never in this process (core/jobs): a 50 MB upload or a
hostile spreadsheet cannot stall the hall. The upload is saved in the check job's folder and read again by
the commit job.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from core.jobs import service
from core.jobs.models import DONE
from core.jobs.views import job_or_404, start_job
from question_bank import exchange, jobs
from question_bank.views import bp


@bp.get("/import")
@role_required(Role.EDITOR)
def import_start():
    """The upload form, with the empty template beside it."""
    return render_template("bank/import.html")


@bp.post("/import")
@role_required(Role.EDITOR)
def import_upload():
    """Save the upload and queue its check; the job page shows the progress, then the report."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("bank/import.html", error="请选择要导入的文件"), 400
    params = {"filename": upload.filename[:255], "max_bytes": current_app.config["MAX_CONTENT_LENGTH"]}
    return start_job(jobs.DRY_RUN, f"检查导入文件：{upload.filename[:80]}", params, upload=upload)


def _checked(job_id: int):  # type: ignore[no-untyped-def]
    job = job_or_404(job_id)
    if job.kind != jobs.DRY_RUN or job.status != DONE:
        abort(404)
    return job


class SavedReport(SimpleNamespace):
    """A stored check report with the shape the report templates read."""

    def problem_rows(self) -> list[Any]:
        return self.problems


def load_report(job) -> SavedReport:  # type: ignore[no-untyped-def]
    """The check's report from its folder."""
    folder = service.job_folder(current_app.config["JOBS_DIR"], job.id)
    saved = json.loads((folder / jobs.REPORT_FILE).read_text(encoding="utf-8"))
    duplicates = [SimpleNamespace(number=n, duplicate_of_question=q, duplicate_of_row=r)
                  for n, q, r in saved["duplicates"]]
    return SavedReport(rows=range(saved["rows"]), importable_rows=range(saved["importable"]),
                       bad_rows=range(saved["bad"]), duplicate_rows=duplicates,
                       duplicates_count=saved["duplicates_count"], warnings=saved["warnings"],
                       problems=saved["problems"], problems_cut=saved["problems_cut"],
                       problems_url=url_for("jobs.download", job_id=job.id), filename=saved["filename"])


@bp.get("/import/report/<int:job_id>")
@role_required(Role.EDITOR)
def import_report(job_id: int):
    """The check's report with the choices: commit all, only the valid rows, or cancel."""
    job = _checked(job_id)
    report = load_report(job)
    return render_template("bank/import_report.html", report=report, token=job.id, filename=report.filename)


@bp.post("/import/<int:job_id>")
@role_required(Role.EDITOR)
def import_commit(job_id: int):
    """Queue the commit (all rows, or only the valid ones), or cancel and forget the upload."""
    job = _checked(job_id)
    if (job.result or {}).get("used"):
        flash("导入已完成或已取消，请重新上传", "error")
        return redirect(url_for("bank.import_start"))
    action = request.form.get("action")
    if action == "cancel":
        _mark_used(job)
        db.session.commit()
        flash("已取消导入，未写入任何题目", "ok")
        return redirect(url_for("bank.import_start"))
    refusal = "未知的操作" if action not in exchange.CommitMode._value2member_map_ else None
    if action == exchange.CommitMode.ALL and job.result["bad"]:
        refusal = f"有{job.result['bad']}行存在问题，不能全部导入。请修正后重新导入，或选择“只导入无误的行”"
    if refusal:
        report = load_report(job)
        return render_template("bank/import_report.html", report=report, token=job.id, filename=report.filename,
                               error=refusal), 409
    root = current_app.config["JOBS_DIR"]
    params = {**job.params, "mode": action, "source_folder": str(service.job_folder(root, job.id)),
              "quiet_wait_s": current_app.config["JOB_QUIET_WAIT_S"]}
    _mark_used(job)  # committed with the new job
    return start_job(jobs.COMMIT, f"导入题目：{job.params['filename'][:80]}", params)


def _mark_used(job) -> None:  # type: ignore[no-untyped-def]
    # A check is committed or cancelled once: a second click (or the back button) cannot store it twice.
    job.result = {**(job.result or {}), "used": True}


@bp.get("/import/done/<int:job_id>")
@role_required(Role.EDITOR)
def import_done(job_id: int):
    """What the commit stored and what it left out."""
    job = job_or_404(job_id)
    if job.kind != jobs.COMMIT or job.status != DONE:
        abort(404)
    return render_template("bank/import_done.html", result=job.result, filename=job.params["filename"])
