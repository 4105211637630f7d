"""Search that works for Chinese: two-character words, filters and paging, on SQLite and PostgreSQL."""

from __future__ import annotations

from question_bank import service
from question_bank.kinds import QuestionType
from question_bank.search import BankQuery, search
from tests.factories import make_question


def ids(session, **query) -> set[int]:  # type: ignore[no-untyped-def]
    return {q.id for q in search(session, BankQuery(**query), per_page=100).items}


def test_a_two_character_word_is_found_in_stem_options_and_explanation(session):
    in_stem = make_question(session, stem="党章规定党员必须履行的义务有（　　）")
    in_option = make_question(session, stem="党的最高理想（　　）", options=["中国共产党党章", "别的"])
    in_explanation = make_question(session, stem="入党誓词（　　）", explanation="见党章第六条")
    make_question(session, stem="与此无关的题目（　　）")
    session.commit()
    assert ids(session, text="党章") == {in_stem.id, in_option.id, in_explanation.id}


def test_every_term_must_match_and_width_and_case_are_folded(session):
    both = make_question(session, stem="ＡＢＣ党章与纪律（　　）")
    make_question(session, stem="只有党章（　　）")
    session.commit()
    assert ids(session, text="党章 纪律") == {both.id}
    assert ids(session, text="abc") == {both.id}


def test_like_wildcards_in_the_query_are_literal(session):
    percent = make_question(session, stem="比例达到100%的是（　　）")
    make_question(session, stem="普通题目（　　）")
    session.commit()
    assert ids(session, text="%") == {percent.id}
    assert ids(session, text="_") == set()


def test_filters_type_category_difficulty_status_and_never_used(session):
    judge = make_question(session, type=QuestionType.JUDGE, stem="判断题", options=[], answer=True,
                          category="组织工作/地方实践", difficulty=5)
    hard = make_question(session, difficulty=4, category="党章党规/纪律处分条例")
    off = make_question(session, enabled=False, category="党章党规党纪")
    session.commit()
    service.record_usage(session, hard.id, meeting_id=1, meeting_label="2026Q4 书记问效")
    session.commit()
    assert ids(session, types=frozenset({QuestionType.JUDGE})) == {judge.id}
    assert ids(session, category="党章党规") == {hard.id}
    assert ids(session, category="组织工作") == {judge.id}
    assert ids(session, min_difficulty=4, max_difficulty=4) == {hard.id}
    assert ids(session, status="disabled") == {off.id}
    assert ids(session, status="enabled") == {judge.id, hard.id}
    assert ids(session, never_used=True) == {judge.id, off.id}


def test_paging_and_sorting(session):
    made = [make_question(session, difficulty=d) for d in (5, 1, 3, 2, 4)]
    session.commit()
    first = search(session, BankQuery(sort="difficulty"), page=1, per_page=2)
    assert first.total == 5 and first.pages == 3
    assert [q.difficulty for q in first.items] == [1, 2]
    last = search(session, BankQuery(sort="id"), page=3, per_page=2)
    assert [q.id for q in last.items] == [made[4].id]
    assert search(session, BankQuery(), page=9, per_page=2).items == []
