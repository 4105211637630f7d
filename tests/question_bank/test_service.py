"""Storing questions, and the draw against stored questions and their usage history."""

from __future__ import annotations

import pytest

from question_bank import service
from question_bank.draw import DrawFilters, NotEnoughQuestions
from question_bank.kinds import QuestionType
from tests.factories import draft, make_question


def test_invalid_drafts_are_refused_with_field_errors(session):
    with pytest.raises(service.ValidationFailed) as caught:
        service.create_question(session, draft(answer="Z"))
    assert [e.field for e in caught.value.errors] == ["answer"]


def test_update_keeps_usage_history_and_refreshes_search(session):
    question = make_question(session, stem="旧题干（　　）")
    service.record_usage(session, question.id, 7, "第一期")
    service.update_question(session, question, draft(stem="新题干（　　）"))
    session.commit()
    assert question.stem == "新题干（　　）" and "新题干" in question.search_text
    assert [(u.meeting_id, u.meeting_label) for u in question.usages] == [(7, "第一期")]


def test_draw_leaves_out_disabled_questions_and_those_used_in_recent_meetings(session):
    a, b, c = (make_question(session) for _ in range(3))
    make_question(session, enabled=False)
    session.commit()
    for meeting, question in ((1, a), (2, b), (3, c)):
        service.record_usage(session, question.id, meeting, f"第{meeting}期")
    session.commit()
    assert service.recent_meeting_ids(session, 2) == [3, 2]
    result = service.draw_questions(session, DrawFilters(), 1, seed=5, recent_meeting_count=2)
    assert result.question_ids == [a.id] and result.eligible == 1
    with pytest.raises(NotEnoughQuestions):
        service.draw_questions(session, DrawFilters(), 2, recent_meeting_count=2)
    replay = service.draw_questions(session, DrawFilters(), 3, seed=99)
    assert service.draw_questions(session, DrawFilters(), 3, seed=99).question_ids == replay.question_ids


def test_draw_filters_by_type_and_category_from_the_database(session):
    make_question(session, category="党章党规/党章")
    essay = make_question(session, type=QuestionType.ESSAY, options=[], stem="什么是“四种形态”？",
                          answer=[{"point": "常态", "weight": 1}], category="党章党规/纪律处分条例")
    session.commit()
    filters = DrawFilters(types=frozenset({QuestionType.ESSAY}), categories=frozenset({"党章党规"}))
    assert service.draw_questions(session, filters, 1).question_ids == [essay.id]
