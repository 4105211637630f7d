"""The roster's long work as jobs (core/jobs), run in the worker: its export, and its import's check and commit
(a roster file of any size must not stall the hall's process)."""

from __future__ import annotations

import pickle
from pathlib import Path

from core.jobs.registry import JobContext, JobFailed, job_handler
from question_bank import exchange
from question_bank.transfer.reading import FileProblem, Limits
from quiz.roster import service as roster
from quiz.roster.transfer import RosterReport, roster_xlsx

ROSTER_EXPORT = "roster_export"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@job_handler(ROSTER_EXPORT)
def roster_export(context: JobContext) -> None:
    """The active roster (demo people left out) in the import template's columns."""
    rows = roster.export_rows(context.session)
    context.progress("导出名册", len(rows), len(rows))
    context.save_file(roster_xlsx(rows), "人员名册导出.xlsx", XLSX_MIME)


# ---- the import, as the bank's: a check job (its report kept for the page), then a commit job -------------

IMPORT_CHECK, IMPORT_COMMIT = "roster_import_check", "roster_import_commit"
REPORT_FILE = "report.pickle"  # written and read only by this app, in its own job folder


@job_handler(IMPORT_CHECK)
def check_import(context: JobContext) -> None:
    """Read and check the upload against the roster; stage it for the commit and keep the report."""
    data = context.input_path().read_bytes()
    filename = context.params["filename"]
    context.progress("读取并检查名册", 0, 1)
    try:
        report = roster.dry_run(context.session, data, filename, Limits(max_bytes=int(context.params["max_bytes"])))
    except FileProblem as problem:
        raise JobFailed(str(problem)) from problem
    token = exchange.stage_upload(context.session, data, filename, context.user_id, kind="roster")
    (context.folder / REPORT_FILE).write_bytes(pickle.dumps(report))
    context.result.update(token=token, filename=filename, rows=len(report.rows), bad=len(report.bad_rows),
                          next_endpoint="roster.import_report", next_args={"job_id": context.job_id})


def saved_report(folder: Path) -> RosterReport:
    """The check job's report, for its page."""
    return pickle.loads((folder / REPORT_FILE).read_bytes())  # noqa: S301 - the app's own file, never a user's


@job_handler(IMPORT_COMMIT)
def commit_import(context: JobContext) -> None:
    """Check the staged upload again against the roster as it is now (a person added since the check is not
    added twice) and store its rows; the staged upload goes with the same transaction."""
    pending = exchange.staged_upload(context.session, context.params["token"], context.user_id, kind="roster")
    if pending is None:
        raise JobFailed("导入已完成、已取消或已过期，请重新上传")
    filename, data = pending.filename, pending.data
    context.wait_for_quiet(context.params.get("quiet_wait_s", 120))  # stored between questions, not during one
    pending = exchange.staged_upload(context.session, context.params["token"], context.user_id, kind="roster")
    if pending is None:
        raise JobFailed("导入已完成、已取消或已过期，请重新上传")
    context.progress("导入名册", 0, 1)
    try:
        report = roster.dry_run(context.session, data, filename, Limits(max_bytes=int(context.params["max_bytes"])))
        result = roster.commit_import(context.session, report, roster.CommitMode(context.params["mode"]))
    except (FileProblem, roster.ImportRefused, roster.RosterError) as error:
        raise JobFailed(str(error)) from error
    exchange.discard_upload(context.session, pending)
    context.result.update(created=len(result.created_ids), created_units=result.created_units,
                          skipped_bad=result.skipped_bad[:200], bad=len(result.skipped_bad),
                          duplicates=len(result.skipped_duplicates), filename=filename,
                          next_endpoint="roster.import_done", next_args={"job_id": context.job_id},
                          message=f"已导入 {len(result.created_ids)} 人")
