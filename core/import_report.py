"""What every import's dry-run report shares (the question bank's and the roster's): a row is bad, a
duplicate, or importable; a report lists its bad, duplicate and importable rows and every problem.

Mixins: each importer keeps its own dataclasses (their fields differ) and names the field that points at the
stored record a row repeats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from core.textsafe import visible

CELL_LIMIT = 40  # characters of one cell quoted in a report (a 题干 can be 500)
ROW_TEXT_LIMIT = 240


class RowOutcome:
    """For a row dataclass with `problems`, `duplicate_of_row` and the field named by `existing_field`."""

    existing_field: ClassVar[str]

    @property
    def is_bad(self) -> bool:
        """The row cannot be imported as it stands."""
        return bool(self.problems)  # type: ignore[attr-defined]

    @property
    def is_duplicate(self) -> bool:
        """The row repeats a stored record or an earlier row; a commit skips it."""
        return getattr(self, self.existing_field) is not None or self.duplicate_of_row is not None  # type: ignore[attr-defined]

    @property
    def is_importable(self) -> bool:
        """A commit would store this row."""
        return not self.is_bad and not self.is_duplicate


class ReportRows:
    """For a report dataclass with `rows` of `RowOutcome` rows whose problems have `column` and `reason`."""

    rows: list[Any]

    @property
    def bad_rows(self) -> list[Any]:
        """Rows with problems."""
        return [row for row in self.rows if row.is_bad]

    @property
    def duplicate_rows(self) -> list[Any]:
        """Valid rows that repeat a stored record or an earlier row."""
        return [row for row in self.rows if not row.is_bad and row.is_duplicate]

    @property
    def importable_rows(self) -> list[Any]:
        """Rows a commit would store."""
        return [row for row in self.rows if row.is_importable]

    def problem_lines(self) -> list[tuple[int, str, str]]:
        """(row, column, reason) for every problem, in row order."""
        return [(row.number, p.column, p.reason) for row in self.bad_rows for p in row.problems]

    def problem_rows(self) -> list[tuple[int, str, str, str, str]]:
        """(row, column, reason, the row's text, a suggested fix or "") for every problem, in row order: the
        text lets a person find the row in a file of thousands."""
        return [(row.number, p.column, p.reason, getattr(row, "text", ""), getattr(p, "fix", ""))
                for row in self.bad_rows for p in row.problems]


def row_text(cells: Mapping[str, Any]) -> str:
    """A row's non-empty cells as `列：值 | 列：值`, each cut to CELL_LIMIT characters and the whole to
    ROW_TEXT_LIMIT, with line breaks and invisible characters shown (core.textsafe.visible)."""
    parts = []
    for column, value in cells.items():
        value = str(value).strip()
        if value:
            value = value if len(value) <= CELL_LIMIT else value[:CELL_LIMIT] + "…"
            parts.append(f"{column}：{visible(value)}")
    text = " | ".join(parts)
    return text if len(text) <= ROW_TEXT_LIMIT else text[:ROW_TEXT_LIMIT] + "…"
