"""Text rules shared by validation, duplicate detection and search. Pure.

A blank in a stem is a bracket pair (half- or full-width) with only white space inside, or a run of two or
more underscores. `（试行）` has text inside, so it is text, not a blank.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

# \s covers ideographic (U+3000) and non-breaking (U+00A0) spaces as well as ASCII white space.
BLANK_PATTERN = re.compile(r"[（(]\s*[）)]|_{2,}|＿{2,}")
BLANK_PLACEHOLDER = "□"
CANONICAL_BLANK = "（　　）"


def count_blanks(stem: str) -> int:
    """How many blanks the stem marks."""
    return len(BLANK_PATTERN.findall(stem))


def unify_blanks(stem: str, marker: str = BLANK_PLACEHOLDER) -> str:
    """Replace every blank, whatever its spelling, with one marker."""
    return BLANK_PATTERN.sub(marker, stem)


def clean_cell(value: str) -> str:
    """Trim a cell and normalise line endings; inner text is kept as typed."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _strip_for_comparison(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def fingerprint(type_value: str, stem: str, options: Iterable[str]) -> str:
    """A key equal for questions that differ only in width, case, spacing, punctuation or blank style."""
    parts = [type_value, _strip_for_comparison(unify_blanks(stem))]
    parts += [_strip_for_comparison(option) for option in options]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def search_text(stem: str, options: Iterable[str], explanation: str) -> str:
    """The text a search scans: stem, options and explanation, width- and case-folded."""
    joined = "\n".join([stem, *options, explanation])
    return unicodedata.normalize("NFKC", joined).casefold()


def search_terms(query: str) -> list[str]:
    """Split a query on white space into folded terms; every term must match."""
    folded = unicodedata.normalize("NFKC", query).casefold()
    return [term for term in folded.split() if term]
