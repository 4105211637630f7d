"""The quarter's reports (.xlsx, an editable .docx 通报, a printable page), a meeting's minutes, a unit's history.

Reads stored rows only: `QuarterResult` (one per unit and quarter, written by the quarter's computation),
meetings, draws, rounds, answers, review items and commitments. Nothing is exported before the quarter is
approved (审定). Anonymity: a vote reaches a report only as the aggregates `quiz.review.service` computes (turnout
counts; a revealed vote's tally); no ballot token, sealed `PendingBallot` or `VoteReceipt` is ever put in one.
"""

from quiz.quarter.reports.minutes import (
    history_chart,
    history_columns,
    meeting_minutes,
    report_index,
    unit_history,
    vote_result,
)
from quiz.quarter.reports.notice import quarter_docx
from quiz.quarter.reports.quarter import approved_context, export_quarter, quarter_file, quarter_report_context
from quiz.quarter.reports.text import component_text, doc_number, flags_text, grade_text, quarter_label, weight_shares
from quiz.quarter.reports.venues import results_context as venue_results_context
from quiz.quarter.reports.workbook import quarter_xlsx

__all__ = [
    "approved_context",
    "component_text",
    "doc_number",
    "export_quarter",
    "flags_text",
    "grade_text",
    "history_chart",
    "history_columns",
    "meeting_minutes",
    "quarter_docx",
    "quarter_file",
    "quarter_label",
    "quarter_report_context",
    "quarter_xlsx",
    "report_index",
    "unit_history",
    "venue_results_context",
    "vote_result",
    "weight_shares",
]
