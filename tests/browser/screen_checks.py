"""What "fits" means for a projector screen, measured in the browser."""

from __future__ import annotations

from pathlib import Path

from question_bank.bundle import BUNDLED_FILE, parse_bundle
from question_bank.rules import QuestionDraft
from question_bank.transfer.reading import read_upload
from question_bank.transfer.report import build_report

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SHARED_BANKS = ("maogai_304.csv", "dangjian_tk_675.csv")

# Measured in the page by screen_checks.js (loaded into every page of fake_live.open_page).
OVERFLOWS = "ScreenChecks.overflows()"
FONT_SIZES = "selectors => ScreenChecks.fontSizes(selectors)"

# The style guide's minimum sizes (at 1920×1080; the same share of the screen at 1280×720).
MINIMUM_SIZES = {"#question .stem": 44, "#question .options li": 36, "#question .explanation": 30,
                 "#question .reveal .answer": 36, ".call-line": 56, ".result-bars li": 26, ".units li": 24}


def bank_drafts(bank: str) -> list[QuestionDraft]:
    """The bundled bank's questions, or one of ../shared/data's banks read by the bank's import code (its valid
    rows); None when that folder is absent."""
    if bank == "bundled":
        return [record.draft for record in parse_bundle(BUNDLED_FILE.read_text("utf-8"))]
    path = SHARED_DATA / bank
    if not path.exists():
        return []
    report = build_report(read_upload(path.read_bytes(), bank))
    return [row.draft for row in report.rows if row.draft is not None]


def longest(drafts: list[QuestionDraft]) -> dict[str, QuestionDraft]:
    """The bank's questions with the longest stem, options, explanation and source."""
    def options(d: QuestionDraft) -> int:
        return sum(map(len, d.options))

    return {"stem": max(drafts, key=lambda d: len(d.stem)), "options": max(drafts, key=options),
            "explanation": max(drafts, key=lambda d: len(d.explanation)),
            "source": max(drafts, key=lambda d: len(d.source)),
            "most-options": max(drafts, key=lambda d: (len(d.options), options(d)))}
