"""Job pages: a job's live progress (polled as JSON), its download, cancelling it, the list of my jobs.

Starting a job is each area's page (an upload, an export button); this module only shows and ends them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, g, jsonify, redirect, render_template, send_file, url_for

from core.accounts.guard import role_required
from core.accounts.roles import Role
from core.db import db
from core.jobs import queue, service
from core.jobs.models import DONE, RUNNING, Job
from core.jobs.registry import read_progress

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
STAFF = (Role.EDITOR, Role.HOST)
INLINE_TYPES = ("text/html",)  # shown in the browser (seat cards to print), not downloaded


def start_job(kind: str, title: str, params: dict | None = None, download: bool = False, upload=None):  # type: ignore[no-untyped-def]
    """Record a job for the current user (with `upload`, a form's file, saved as its input), commit, queue it,
    and send the browser to the job's page; a download's page (`download`) fetches the file by itself."""
    root = current_app.config["JOBS_DIR"]
    job = service.create_job(db.session, root, kind, title, g.user.id, params)
    if upload is not None:
        upload.save(service.job_folder(root, job.id) / "input")
    db.session.commit()
    queue.submit(job.id)
    return redirect(url_for("jobs.show", job_id=job.id, **({"auto": 1} if download else {})))


def job_or_404(job_id: int) -> Job:
    """The job, if it exists and is the current user's (admins see all)."""
    job = db.session.get(Job, job_id)
    if job is None or not service.visible_to(job, g.user):
        abort(404)
    return job


def job_state(job: Job) -> dict:
    """What the page shows: the row, with a running job's latest progress from its folder."""
    state = job.public()
    if job.status == RUNNING:
        state.update(read_progress(service.job_folder(current_app.config["JOBS_DIR"], job.id)) or {})
    result = job.result or {}
    state["next_url"] = url_for(result["next_endpoint"], **result.get("next_args", {})) \
        if job.status == DONE and result.get("next_endpoint") else ""
    state["download_url"] = url_for("jobs.download", job_id=job.id) if state["has_file"] else ""
    return state


@bp.get("/")
@role_required(*STAFF)
def index():
    """My recent jobs (everyone's, for an admin)."""
    return render_template("jobs/list.html", jobs=service.recent_jobs(db.session, g.user))


@bp.get("/<int:job_id>")
@role_required(*STAFF)
def show(job_id: int):
    """A job's page: stage, a bar, rows done of total; then its download, its next page, or its reason."""
    job = job_or_404(job_id)
    return render_template("jobs/show.html", job=job, state=job_state(job))


@bp.get("/<int:job_id>.json")
@role_required(*STAFF)
def state(job_id: int):
    """The job's state for the page's polling."""
    return jsonify(job_state(job_or_404(job_id)))


@bp.post("/<int:job_id>/cancel")
@role_required(*STAFF)
def cancel(job_id: int):
    """Cancel a queued job now, a running one as soon as its supervisor sees the request."""
    job = job_or_404(job_id)
    service.request_cancel(db.session, job)
    db.session.commit()
    return jsonify(job_state(job))


@bp.get("/<int:job_id>/download")
@role_required(*STAFF)
def download(job_id: int):
    """What the job made: a file to save, or a page to print (seat cards)."""
    job = job_or_404(job_id)
    path = Path(service.job_folder(current_app.config["JOBS_DIR"], job.id)) / "output"
    if job.status != DONE or not job.file_name or not path.exists():
        abort(404)
    if job.file_mimetype in INLINE_TYPES:
        return send_file(path, mimetype=job.file_mimetype)
    response: Response = send_file(path, mimetype=job.file_mimetype, as_attachment=True,
                                   download_name=job.file_name)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.file_name)}"
    return response
