"""What "fits" means for a projector screen, measured in the browser."""

from __future__ import annotations

from pathlib import Path

from question_bank.bundle import BUNDLED_FILE, parse_bundle
from question_bank.rules import QuestionDraft
from question_bank.transfer.reading import read_upload
from question_bank.transfer.report import build_report

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SHARED_BANKS = ("maogai_304.csv", "dangjian_tk_675.csv")

# Every visible element inside the viewport; no box that clips or scrolls its content (the page, the screen, the
# shown section, any element with overflow other than visible), one-line ellipses excepted (the bar's meeting
# title, a unit's name in the results) and the page's own hidden scrollbars.
OVERFLOWS = """() => {
  const vw = window.innerWidth, vh = window.innerHeight, bad = [];
  const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + String(e.className).trim().replace(/\\s+/g, ".") : "");
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1 || root.scrollHeight > root.clientHeight + 1) bad.push("the page scrolls");
  for (const e of document.querySelectorAll("body *")) {
    const s = getComputedStyle(e);
    if (s.display === "none" || s.visibility === "hidden" || e.closest("[hidden]")) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1)
      bad.push(name(e) + " outside the viewport " + JSON.stringify([r.left, r.top, r.right, r.bottom].map(Math.round)));
    if (s.overflowX !== "visible" || s.overflowY !== "visible") {
      const ellipsis = s.textOverflow === "ellipsis" && s.whiteSpace === "nowrap";
      if (e.scrollHeight > e.clientHeight + 1) bad.push(name(e) + " clips its height " + e.scrollHeight + ">" + e.clientHeight);
      if (!ellipsis && e.scrollWidth > e.clientWidth + 1) bad.push(name(e) + " clips its width " + e.scrollWidth + ">" + e.clientWidth);
    }
  }
  return bad;
}"""

# The smallest font size in reference pixels (one pixel of 1920×1080) of each kind of text that is shown.
FONT_SIZES = """(selectors) => {
  const px = Math.min(window.innerWidth / 1920, window.innerHeight / 1080), out = {};
  for (const selector of selectors) {
    const sizes = [...document.querySelectorAll(selector)].filter(e => !e.closest("[hidden]"))
      .map(e => parseFloat(getComputedStyle(e).fontSize) / px);
    if (sizes.length) out[selector] = Math.min(...sizes);
  }
  return out;
}"""

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
