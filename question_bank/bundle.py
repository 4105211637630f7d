"""The bundled doctrine bank: one JSON record per line in `bundled/doctrine.jsonl`. Pure.

Each record is an export record (see `transfer.writing.draft_to_record`) plus a stable `key`, so that a
newer file can update the questions an older one loaded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from question_bank.rules import QuestionDraft, validate
from question_bank.transfer.report import parse_record
from question_bank.transfer.writing import draft_to_record

BUNDLED_FILE = Path(__file__).resolve().parent / "bundled" / "doctrine.jsonl"


@dataclass(frozen=True)
class BundledRecord:
    """One bundled question: its stable key, the question, and the hash of its content."""

    key: str
    draft: QuestionDraft
    content_hash: str


class BadBundle(ValueError):
    """The bundled file is broken (a developer's error: tests keep it from shipping)."""


def content_hash(draft: QuestionDraft) -> str:
    """A hash of everything staff can edit in a question."""
    canonical = json.dumps(draft_to_record(draft), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_bundle(text: str) -> list[BundledRecord]:
    """Read and validate every record; a bad line raises `BadBundle` naming the line."""
    records: list[BundledRecord] = []
    keys: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = _load_line(number, line)
        key = record.pop("key", None)
        if not isinstance(key, str) or not key or key in keys:
            raise BadBundle(f"line {number}: missing or repeated key {key!r}")
        keys.add(key)
        draft, problems = parse_record(record)
        errors = validate(draft) if draft else []
        if problems or errors:
            details = [p.reason for p in problems] + [e.message for e in errors]
            raise BadBundle(f"line {number} ({key}): {'；'.join(details)}")
        records.append(BundledRecord(key, draft, content_hash(draft)))
    return records


def _load_line(number: int, line: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadBundle(f"line {number}: {error}") from error
    if not isinstance(record, dict):
        raise BadBundle(f"line {number}: not an object")
    return record


def load_bundled(path: Path = BUNDLED_FILE) -> list[BundledRecord]:
    """The shipped bundle."""
    return parse_bundle(path.read_text(encoding="utf-8"))
