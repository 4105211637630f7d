"""The quarter's long work as jobs (core/jobs): its .xlsx / .docx and its recompute, run in the worker."""

from __future__ import annotations

from core.jobs.registry import JobContext, JobFailed, job_handler
from quiz.quarter import reports
from quiz.quarter import service as quarters

QUARTER_FILE, QUARTER_RECOMPUTE = "quarter_file", "quarter_recompute"
MIME_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@job_handler(QUARTER_FILE)
def quarter_file(context: JobContext) -> None:
    """The approved quarter as a workbook or an editable 通报."""
    quarter, kind = context.params["quarter"], context.params["kind"]
    context.progress("生成报表", 0, 1)
    try:
        body = reports.quarter_file(context.session, quarter, f".{kind}")
    except ValueError as error:
        raise JobFailed(str(error)) from error
    context.save_file(body, f"{reports.quarter_label(quarter)}书记问效考评.{kind}", MIME_TYPES[kind])
    context.progress("生成报表", 1, 1)


@job_handler(QUARTER_RECOMPUTE)
def recompute(context: JobContext) -> None:
    """Compute and store the quarter's results; the quarter's page follows, with what changed."""
    quarter = context.params["quarter"]
    context.progress("计算成绩", 0, 1)
    try:
        changes = quarters.recompute(context.session, quarter, actor=context.params["actor"])
    except quarters.QuarterError as error:
        raise JobFailed(str(error)) from error
    context.result.update(message=f"已重新计算：与之前相比 {len(changes)} 处变化", next_endpoint="quarters.show",
                          next_args={"quarter": quarter, "job": context.job_id})
    context.progress("计算成绩", 1, 1)
