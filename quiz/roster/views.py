"""The roster's pages: people by unit, units in display order, the person form, and the spreadsheet import
(upload → dry-run report → commit all / commit the valid rows / cancel, as the bank's import).

Editors and admins change the roster; hosts may look at it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for

from core.accounts.guard import role_required, safe_next_url
from core.accounts.roles import Role
from core.db import db
from core.jobs.models import DONE
from core.jobs.service import job_folder
from core.jobs.views import job_or_404, start_job
from question_bank import exchange
from question_bank.views.common import download, int_arg
from quiz.roster import hooks
from quiz.roster import jobs as quiz_jobs
from quiz.roster import service as roster
from quiz.roster.models import Person, Unit
from quiz.roster.transfer import UNIT_KINDS, parse_groups, template_xlsx

roster_bp = Blueprint("roster", __name__, url_prefix="/roster")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_LABELS = {"active": "在册", "left": "已离任", "all": "全部"}


def _get_or_404(model: type[Unit] | type[Person], row_id: int):  # type: ignore[no-untyped-def]
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row


def _back(default: str) -> str:
    return safe_next_url(request.form.get("back")) or default


# People


@roster_bp.get("/")
@role_required(Role.EDITOR, Role.HOST)
def index():
    """People grouped by unit in display order, filtered by unit, by 在册 / 已离任 and by a search (`q`: part of
    a name, unit or 职务, or pinyin initials)."""
    unit_id = int_arg(request.args.get("unit"), 0) or None
    status = request.args.get("status", "active")
    status = status if status in STATUS_LABELS else "active"
    query = request.args.get("q", "").strip()[:50]
    found = roster.people(db.session, unit_id, status, query)
    all_units = roster.units(db.session, active_only=False)
    groups = _by_unit(all_units, found, unit_id, status, listed_empty=not query)
    return render_template("roster/index.html", groups=groups, total=len(found), unit_id=unit_id, status=status,
                           query=query, units=all_units, status_labels=STATUS_LABELS)


def _by_unit(units: list[Unit], found: list[Person], unit_id: int | None, status: str,
             listed_empty: bool = True) -> dict[Unit | None, list[Person]]:
    """People by unit in display order; an active (or the chosen) unit is listed even when empty, so a
    person can be added to it from here (not while searching: then only the units with a match)."""
    groups: dict[Unit | None, list[Person]] = {u: [] for u in units if unit_id in (None, u.id)}
    for person in found:
        groups.setdefault(person.unit, []).append(person)
    listed_empty = listed_empty and status != "left"
    return {unit: members for unit, members in groups.items()
            if members or (listed_empty and unit is not None and (unit.active or unit.id == unit_id))}


def _draft_from_form() -> roster.PersonDraft:
    form = request.form
    return roster.PersonDraft(
        name=" ".join(form.get("name", "").split()), position=" ".join(form.get("position", "").split()),
        unit_id=int_arg(form.get("unit_id"), 0) or None, is_secretary=form.get("is_secretary") == "1",
        groups=parse_groups(form.get("groups", "")))


def _render_person(draft: roster.PersonDraft, person: Person | None = None, errors: dict | None = None,
                   status: int = 200):  # type: ignore[no-untyped-def]
    choices = [u for u in roster.units(db.session, active_only=False) if u.active or (person and u is person.unit)]
    return render_template("roster/person.html", draft=draft, person=person, errors=errors or {}, units=choices,
                           move_units=roster.units(db.session)), status


def _save_person(draft: roster.PersonDraft, person: Person | None):  # type: ignore[no-untyped-def]
    """Create or update from the form; on a problem, the form again with the message beside its field."""
    errors = roster.person_problems(draft)
    if errors:
        return _render_person(draft, person, errors, 422)
    try:
        if person is None:
            person = roster.create_person(db.session, draft)
        else:
            roster.update_person(db.session, person, draft)
    except roster.RosterError as error:
        db.session.rollback()
        return _render_person(draft, person, {error.field or "name": str(error)}, 422)
    db.session.commit()
    flash(f"已保存“{person.name}”", "ok")
    return redirect(url_for("roster.index", unit=person.unit_id))


@roster_bp.route("/people/new", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def person_new():
    """Add a person; `?unit=` preselects the unit."""
    if request.method == "GET":
        return _render_person(roster.PersonDraft("", unit_id=int_arg(request.args.get("unit"), 0) or None))
    return _save_person(_draft_from_form(), None)


@roster_bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@role_required(Role.EDITOR)
def person_edit(person_id: int):
    """Edit a person; the page also moves them to another unit and marks them as left."""
    person = _get_or_404(Person, person_id)
    if request.method == "GET":
        draft = roster.PersonDraft(person.name, person.position, person.unit_id, person.is_secretary,
                                   list(person.groups))
        return _render_person(draft, person)
    return _save_person(_draft_from_form(), person)


@roster_bp.post("/people/<int:person_id>/move")
@role_required(Role.EDITOR)
def person_move(person_id: int):
    """Move a person to another unit (new 职务 optional); meetings already held keep their snapshot."""
    person = _get_or_404(Person, person_id)
    unit = db.session.get(Unit, int_arg(request.form.get("unit_id"), 0))
    if unit is None:
        flash("请选择要调入的单位", "error")
        return redirect(url_for("roster.person_edit", person_id=person_id))
    position = " ".join(request.form.get("position", "").split()) or None
    try:
        roster.move_person(db.session, person, unit, position, request.form.get("is_secretary") == "1")
    except roster.RosterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("roster.person_edit", person_id=person_id))
    db.session.commit()
    flash(f"已将“{person.name}”调至“{unit.name}”", "ok")
    return redirect(url_for("roster.index", unit=unit.id))


@roster_bp.post("/people/<int:person_id>/active")
@role_required(Role.EDITOR)
def person_active(person_id: int):
    """Mark a person as left (`active=0`) or back on the roster (`active=1`)."""
    person = _get_or_404(Person, person_id)
    active = request.form.get("active") == "1"
    try:
        roster.set_person_active(db.session, person, active)
    except roster.RosterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_back(url_for("roster.index")))
    db.session.commit()
    flash(f"已将“{person.name}”{'恢复在册' if active else '标为离任'}", "ok")
    return redirect(_back(url_for("roster.index")))


# Units


def _render_units(errors: dict | None = None, values: dict | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("roster/units.html", units=roster.units(db.session, active_only=False),
                           counts=roster.head_counts(db.session), kinds=UNIT_KINDS, errors=errors or {},
                           values=values or {}), status


@roster_bp.get("/units")
@role_required(Role.EDITOR, Role.HOST)
def unit_list():
    """Units in display order, with their head counts."""
    return _render_units()


@roster_bp.post("/units")
@role_required(Role.EDITOR)
def unit_add():
    """Add a unit at the end of the display order."""
    values = {"name": " ".join(request.form.get("name", "").split()), "kind": request.form.get("kind", "")}
    try:
        unit = roster.add_unit(db.session, values["name"], values["kind"])
    except roster.RosterError as error:
        db.session.rollback()
        return _render_units({error.field or "name": str(error)}, values, 422)
    db.session.commit()
    flash(f"已添加单位“{unit.name}”", "ok")
    return redirect(url_for("roster.unit_list"))


@roster_bp.post("/units/<int:unit_id>")
@role_required(Role.EDITOR)
def unit_edit(unit_id: int):
    """Rename a unit or change its kind."""
    unit = _get_or_404(Unit, unit_id)
    try:
        roster.edit_unit(db.session, unit, " ".join(request.form.get("name", "").split()), request.form.get("kind", ""))
    except roster.RosterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("roster.unit_list"))
    db.session.commit()
    flash(f"已保存单位“{unit.name}”", "ok")
    return redirect(url_for("roster.unit_list"))


@roster_bp.post("/units/<int:unit_id>/move")
@role_required(Role.EDITOR)
def unit_move(unit_id: int):
    """Move a unit one place up or down in display order."""
    unit = _get_or_404(Unit, unit_id)
    roster.move_unit(db.session, unit, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("roster.unit_list"))


@roster_bp.post("/units/<int:unit_id>/active")
@role_required(Role.EDITOR)
def unit_active(unit_id: int):
    """Deactivate a unit (`active=0`) or bring it back (`active=1`); its people stay on the roster."""
    unit = _get_or_404(Unit, unit_id)
    active = request.form.get("active") == "1"
    roster.set_unit_active(db.session, unit, active)
    db.session.commit()
    flash(f"已{'恢复' if active else '停用'}单位“{unit.name}”", "ok")
    return redirect(url_for("roster.unit_list"))


# Import


@roster_bp.get("/template.xlsx")
@role_required(Role.EDITOR)
def template():
    """The empty roster template, with a sheet explaining the allowed values."""
    return download(template_xlsx(), "名册导入模板.xlsx", XLSX)


@roster_bp.post("/export")
@role_required(Role.EDITOR)
def export():
    """Queue the roster's export (the import template's columns, so it imports again); the job page offers it."""
    return start_job(quiz_jobs.ROSTER_EXPORT, "导出人员名册", download=True)


@roster_bp.get("/import")
@role_required(Role.EDITOR)
def import_start():
    """The upload form (offering to clear the demo data first, while there is any)."""
    return render_template("roster/import.html", has_demo=hooks.demo_present()(db.session))


@roster_bp.post("/import")
@role_required(Role.EDITOR)
def import_upload():
    """Queue the check of the uploaded file (a job: a roster file of any size is read in the worker); its page
    leads to the report. Nothing is stored yet but the upload itself."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("roster/import.html", error="请选择要导入的文件"), 400
    params = {"filename": upload.filename, "max_bytes": current_app.config["MAX_CONTENT_LENGTH"]}
    return start_job(quiz_jobs.IMPORT_CHECK, f"检查名册文件：{upload.filename[:80]}", params, upload=upload)


@roster_bp.get("/import/report/<int:job_id>")
@role_required(Role.EDITOR)
def import_report(job_id: int):
    """The check's report: commit all, only the valid rows, or cancel."""
    job = _finished(job_id, quiz_jobs.IMPORT_CHECK)
    if job is None:
        return redirect(url_for("jobs.show", job_id=job_id))
    report = quiz_jobs.saved_report(job_folder(current_app.config["JOBS_DIR"], job.id))
    return render_template("roster/import_report.html", report=report, token=job.result["token"],
                           filename=job.result["filename"])


@roster_bp.post("/import/<token>")
@role_required(Role.EDITOR)
def import_commit(token: str):
    """Cancel, or queue the commit of all rows or only the valid ones (a job, which checks the file again
    against the roster as it is then, so a person added since the check is not added twice)."""
    pending = exchange.staged_upload(db.session, token, g.user.id, kind="roster")
    if pending is None:
        flash("导入已完成、已取消或已过期，请重新上传", "error")
        return redirect(url_for("roster.import_start"))
    action = request.form.get("action", "")
    if action == "cancel":
        return _discard(pending, "已取消导入，名册未作任何改动", "ok")
    if action not in roster.CommitMode._value2member_map_:
        return render_template("error.html", status=400, message="未知的操作"), 400
    params = {"token": token, "mode": action, "max_bytes": current_app.config["MAX_CONTENT_LENGTH"],
              "quiet_wait_s": current_app.config["JOB_QUIET_WAIT_S"]}
    return start_job(quiz_jobs.IMPORT_COMMIT, f"导入名册：{pending.filename[:80]}", params)


@roster_bp.get("/import/done/<int:job_id>")
@role_required(Role.EDITOR)
def import_done(job_id: int):
    """What the commit stored."""
    job = _finished(job_id, quiz_jobs.IMPORT_COMMIT)
    if job is None:
        return redirect(url_for("jobs.show", job_id=job_id))
    return render_template("roster/import_done.html", result=job.result, filename=job.result["filename"])


def _finished(job_id: int, kind: str):  # type: ignore[no-untyped-def]
    """The user's job of this kind once done (404 for another's), else None: its own page shows how it goes."""
    job = job_or_404(job_id)
    return job if job.kind == kind and job.status == DONE else None


def _discard(pending, message: str, category: str):  # type: ignore[no-untyped-def]
    exchange.discard_upload(db.session, pending)
    db.session.commit()
    flash(message, category)
    return redirect(url_for("roster.import_start"))
