"""The bank's long work as jobs (core/jobs): an import's check, its commit, an export.

The check saves its report in the job's folder (`report.json`): the page shows it without reading the file
again, and the commit reads the upload again against the bank as it is then, so a question added since the
check is not stored twice.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

from core.jobs.registry import JobContext, JobFailed, job_handler
from question_bank import exchange
from question_bank.search import query_from_args
from question_bank.transfer.reading import FileProblem, Limits
from question_bank.transfer.report import ImportReport

DRY_RUN, COMMIT, EXPORT = "bank_dry_run", "bank_commit", "bank_export"
REPORT_FILE = "report.json"
SHOWN_PROBLEMS = 1000  # rows of problems a page lists; the rest are in the downloadable list
PROBLEMS_CSV = "导入问题清单.csv"


def _limits(context: JobContext) -> Limits:
    return Limits(max_bytes=int(context.params["max_bytes"]))


def _check(context: JobContext, folder: Path) -> ImportReport:
    data = (folder / "input").read_bytes()
    try:
        return exchange.dry_run(context.session, data, context.params["filename"], _limits(context), context.progress)
    except FileProblem as problem:
        raise JobFailed(str(problem)) from problem


@job_handler(DRY_RUN)
def check_upload(context: JobContext) -> None:
    """Read and check the upload; keep the report for the page and the full problem list as a CSV."""
    report = _check(context, context.folder)
    saved = save_report(report, context.params["filename"])
    (context.folder / REPORT_FILE).write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    if report.bad_rows:
        context.save_file(problems_csv(report), PROBLEMS_CSV, "text/csv; charset=utf-8")
    context.result.update(importable=len(report.importable_rows), bad=len(report.bad_rows),
                          duplicates=len(report.duplicate_rows), next_endpoint="bank.import_report",
                          next_args={"job_id": context.job_id})


@job_handler(COMMIT)
def commit_upload(context: JobContext) -> None:
    """Check the upload again and store its rows (all, or only the valid ones) in one transaction."""
    source = Path(context.params["source_folder"])
    report = _check(context, source)
    context.wait_for_quiet(context.params.get("quiet_wait_s", 120))  # stored between questions, not during one
    try:
        result = exchange.commit_import(context.session, report, exchange.CommitMode(context.params["mode"]),
                                        context.progress)
    except exchange.ImportRefused as refused:
        raise JobFailed(str(refused)) from refused
    context.result.update(created=len(result.created_ids), skipped_bad=result.skipped_bad[:200],
                          bad=len(result.skipped_bad), duplicates=len(result.skipped_duplicates),
                          filename=context.params["filename"], next_endpoint="bank.import_done",
                          next_args={"job_id": context.job_id},
                          message=f"已导入 {len(result.created_ids)} 道题")


@job_handler(EXPORT)
def export_bank(context: JobContext) -> None:
    """The bank (or the list's filter) as .xlsx, .csv or .json."""
    extension = context.params["extension"]
    query = query_from_args(MultiDict(context.params.get("args", {})))
    data = exchange.export_bytes(context.session, extension, query, context.progress)
    context.save_file(data, f"题库导出{extension}", exchange.EXPORT_MIMETYPES[extension])


def save_report(report: ImportReport, filename: str) -> dict[str, Any]:
    """The report as the page needs it: counts, warnings, and the first SHOWN_PROBLEMS problems."""
    problems = report.problem_rows()
    duplicates = [[row.number, row.duplicate_of_question, row.duplicate_of_row] for row in report.duplicate_rows]
    return {"filename": filename, "rows": len(report.rows), "importable": len(report.importable_rows),
            "bad": len(report.bad_rows), "warnings": report.warnings[:SHOWN_PROBLEMS],
            "warnings_cut": max(0, len(report.warnings) - SHOWN_PROBLEMS),
            "problems": problems[:SHOWN_PROBLEMS], "problems_cut": max(0, len(problems) - SHOWN_PROBLEMS),
            "duplicates": duplicates[:SHOWN_PROBLEMS], "duplicates_count": len(duplicates)}


def problems_csv(report: ImportReport) -> bytes:
    """Every problem as a CSV (UTF-8 with BOM, for Excel): row, column, reason, the row's text, a suggested fix."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["行", "列", "原因", "该行内容", "建议修改"])
    writer.writerows(report.problem_rows())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
