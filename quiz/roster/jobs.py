"""The roster's long work as a job (core/jobs): its export, run in the worker."""

from __future__ import annotations

from core.jobs.registry import JobContext, job_handler
from quiz.roster import service as roster
from quiz.roster.transfer import roster_xlsx

ROSTER_EXPORT = "roster_export"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@job_handler(ROSTER_EXPORT)
def roster_export(context: JobContext) -> None:
    """The active roster (demo people left out) in the import template's columns."""
    rows = roster.export_rows(context.session)
    context.progress("导出名册", len(rows), len(rows))
    context.save_file(roster_xlsx(rows), "人员名册导出.xlsx", XLSX_MIME)
