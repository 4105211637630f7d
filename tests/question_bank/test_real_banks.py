"""The two real public banks in ../shared/data: the clean one imports whole, the dirty one is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from question_bank.exchange import CommitMode, ImportRefused, commit_import, dry_run
from question_bank.models import Question
from question_bank.search import BankQuery, search

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def data_file(name: str) -> bytes:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real question banks not present at {DATA} (they live beside the project, not in it)")
    return path.read_bytes()


@pytest.mark.parametrize("name", ["maogai_304.csv", "maogai_304.xlsx"])
def test_maogai_imports_whole(session, name: str):
    report = dry_run(session, data_file(name), name)
    assert len(report.rows) == 304 and report.bad_rows == []
    # Rows 156 and 196 are the same question, differing only in quotation marks: flagged, not stored twice.
    assert [(row.number, row.duplicate_of_row) for row in report.duplicate_rows] == [(196, 156)]
    result = commit_import(session, report, CommitMode.ALL)
    session.commit()
    assert len(result.created_ids) == 303
    assert session.scalar(select(func.count(Question.id))) == 303
    assert search(session, BankQuery(text="党章")).total > 0


@pytest.mark.parametrize("name", ["dangjian_tk_675.csv", "dangjian_tk_675.xlsx"])
def test_dangjian_dirty_rows_are_reported_not_guessed(session, name: str):
    report = dry_run(session, data_file(name), name)
    lines = report.problem_lines()
    reasons = [reason for _, _, reason in lines]
    assert len(report.rows) == 675
    assert any("[object Object]" in reason for reason in reasons)
    assert any("没有标出空位" in reason for reason in reasons)
    mismatched = [r for r in reasons if r.startswith("题干中有") and "答案有1个" in r]
    assert len(mismatched) >= 30  # answers joined with 、 or spaces instead of |
    assert all(column == "答案" or "空位" in reason for _, column, reason in lines)
    with pytest.raises(ImportRefused):
        commit_import(session, report, CommitMode.ALL)
    result = commit_import(session, report, CommitMode.VALID)
    session.commit()
    assert len(result.created_ids) == len(report.importable_rows) == 675 - len(report.bad_rows) - 1
    assert session.scalar(select(func.count(Question.id))) == len(result.created_ids)
