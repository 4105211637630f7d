"""Import and export against a real database: dry run, duplicates, both commit modes, round trips."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from question_bank import bulk, service
from question_bank.exchange import CommitMode, ImportRefused, commit_import, dry_run, export_bytes
from question_bank.kinds import QuestionType
from question_bank.models import Category, Question
from question_bank.rules import QuestionDraft
from tests.factories import make_question

GOOD_AND_BAD = (
    "题型,题干,选项A,选项B,选项C,答案,解析,难度,分类,标签,出处\n"
    "单选,党的最高理想是（　　）,实现共产主义,发家致富,,A,党章总纲,易,党章党规/党章,理想,《中国共产党章程》\n"
    "多选,党的纪律包括（　　）,政治纪律,组织纪律,生活纪律,B,,,,,\n"
    "判断,党员有八项权利。,,,,对,,2,,,\n"
    "填空,好干部标准：信念坚定、（　　）、勤政务实,,,,为民服务,,,组织工作,,\n"
    "简答,什么是“四种形态”？,,,,第一种形态:2|第二种形态,,,,,\n"
    "论述,xx,,,,A,,,,,\n"
)


def count_questions(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count(Question.id)))


def test_dry_run_reports_row_column_reason_and_stores_nothing(session):
    report = dry_run(session, GOOD_AND_BAD.encode(), "题库.csv")
    assert report.problem_lines() == [
        (3, "答案", "多选题至少需要2个正确答案；只有一个正确答案请用单选题"),
        (7, "题型", "无法识别的题型“论述”（可用：单选、多选、判断、填空、简答）"),
    ]
    assert [row.number for row in report.importable_rows] == [2, 4, 5, 6]
    assert count_questions(session) == 0


def test_commit_all_is_refused_while_any_row_is_bad(session):
    report = dry_run(session, GOOD_AND_BAD.encode(), "题库.csv")
    with pytest.raises(ImportRefused, match="有2行存在问题"):
        commit_import(session, report, CommitMode.ALL)
    assert count_questions(session) == 0


def test_commit_valid_stores_the_good_rows_and_lists_the_rest(session):
    report = dry_run(session, GOOD_AND_BAD.encode(), "题库.csv")
    result = commit_import(session, report, CommitMode.VALID)
    session.commit()
    assert result.skipped_bad == [3, 7] and len(result.created_ids) == 4
    stored = {q.question_type: q for q in session.scalars(select(Question))}
    assert stored[QuestionType.SINGLE].category.path == "党章党规/党章"
    single = stored[QuestionType.SINGLE]
    assert single.difficulty == 1 and [t.name for t in single.tags] == ["理想"]
    assert stored[QuestionType.JUDGE].answer is True
    assert stored[QuestionType.BLANK].answer == [["为民服务"]]
    assert stored[QuestionType.ESSAY].answer == [{"point": "第一种形态", "weight": 2},
                                                 {"point": "第二种形态", "weight": 1}]
    assert session.scalar(select(Category).where(Category.path == "党章党规")).children[0].name == "党章"


def test_duplicates_of_stored_questions_and_of_earlier_rows_are_flagged_and_skipped(session):
    existing = make_question(session, stem="党的最高理想是（ ）", options=["实现共产主义", "发家致富"])
    session.commit()
    text = ("题型,题干,选项A,选项B,答案\n"
            "单选,党的最高理想是____。,实现共产主义,发家致富 ,A\n"
            "单选,党的根本宗旨是（　　）,全心全意为人民服务,发展经济,A\n"
            "单选,党的根本宗旨是（ ）！,全心全意为人民服务,发展经济,A\n")
    report = dry_run(session, text.encode(), "a.csv")
    assert report.rows[0].duplicate_of_question == existing.id
    assert report.rows[2].duplicate_of_row == 3
    result = commit_import(session, report, CommitMode.ALL)
    assert result.skipped_duplicates == [2, 4] and len(result.created_ids) == 1


def test_a_failing_commit_leaves_nothing_behind(session, monkeypatch):
    report = dry_run(session, GOOD_AND_BAD.encode(), "题库.csv")
    stored = []

    def fail_after_the_first_rows(stage: str, done: int, total: int) -> None:
        stored.append(done)
        raise RuntimeError("disk full")  # a row was inserted (and its category created) by now

    monkeypatch.setattr(bulk, "CHUNK", 1)
    with pytest.raises(RuntimeError):
        commit_import(session, report, CommitMode.VALID, fail_after_the_first_rows)
    assert stored == [1] and count_questions(session) == 1  # inside the transaction
    session.rollback()  # what the request boundary does on error
    assert count_questions(session) == 0


def every_kind() -> list[QuestionDraft]:
    return [
        QuestionDraft(type=QuestionType.SINGLE, stem="单选（　　）", options=["甲", "=乙"], answer="B",
                      explanation="解析\n第二行", difficulty=2, category="甲/乙", tags=["一", "二"],
                      source="《章程》第1条"),
        QuestionDraft(type=QuestionType.MULTIPLE, stem="多选（　　）", options=list("ABCDEFGH"), answer="ACH",
                      enabled=False),
        QuestionDraft(type=QuestionType.JUDGE, stem="判断", answer=False, difficulty=5),
        QuestionDraft(type=QuestionType.BLANK, stem="填空（　　）和____", answer=[["a/b", "c"], ["d|e"]]),
        QuestionDraft(type=QuestionType.ESSAY, stem="简答", answer=[{"point": "比例3:1", "weight": 1},
                                                                   {"point": "二", "weight": 2.5}]),
    ]


@pytest.mark.parametrize("extension", [".xlsx", ".csv", ".json"])
def test_export_then_import_is_lossless(session, extension: str):
    originals = every_kind()
    for draft in originals:
        service.create_question(session, draft)
    session.commit()
    data = export_bytes(session, extension)
    for question in session.scalars(select(Question)):
        service.delete_question(session, question)
    session.commit()
    report = dry_run(session, data, "bank" + extension)
    assert report.bad_rows == [] and len(report.importable_rows) == len(originals)
    commit_import(session, report, CommitMode.ALL)
    session.commit()
    again = [q.to_draft() for q in session.scalars(select(Question).order_by(Question.id))]
    assert again == originals


def test_json_import_accepts_spreadsheet_spellings_and_reports_bad_fields(session):
    import json

    records = [{"type": "判断", "stem": "党员有表决权。", "answer": "对"},
               {"type": "单选", "stem": "x", "options": "甲乙", "answer": "A"},
               {"type": "填空", "stem": "（　　）", "answer": [["a"], ["b"]]}]
    report = dry_run(session, json.dumps(records, ensure_ascii=False).encode(), "a.json")
    assert report.rows[0].draft.answer is True
    assert report.problem_lines() == [(2, "选项", "应为文本列表"),
                                      (3, "答案", "题干中有1个空，答案有2个（各空的答案之间用 | 分隔）")]


@pytest.mark.parametrize("extension", [".xlsx", ".csv", ".json"])
def test_a_stored_bank_of_thousands_exports_and_reimports_unchanged(session, extension: str):
    from bench.bankgen import generated_drafts

    drafts = list(generated_drafts(3000))
    bulk.create_questions(session, drafts)
    session.commit()
    exported = export_bytes(session, extension)
    report = dry_run(session, exported, f"bank{extension}")
    assert [row.draft for row in report.rows] == drafts
    assert len(report.duplicate_rows) == 3000 and not report.importable_rows  # every one is already stored
