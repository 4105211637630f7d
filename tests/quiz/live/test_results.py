"""The 结果公布 screen: no data sorts after any score (a 0 included) and the 述职评议 score is shown."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from quiz.live.results import AnswerFact, unit_results
from quiz.review.models import Ballot, ReviewItem
from tests.quiz.review.test_review import do, host_client


def test_no_data_sorts_after_a_zero():
    rows = unit_results([(1, "甲"), (2, "乙"), (3, "丙")],
                        [AnswerFact(2, "all", False, 0.0), AnswerFact(2, "all", False, 0.0)], {3: 80.0})
    # 乙 answered and got 0 %: above 甲 and 丙, who gave no answer; 丙 has a 述职评议 score, 甲 nothing.
    assert [(r.name, r.accuracy, r.review_score) for r in rows] == [("乙", 0.0, None), ("丙", None, 80.0),
                                                                   ("甲", None, None)]
    assert [r.name for r in unit_results([(1, "甲"), (2, "乙")], [AnswerFact(1, "called", False, 0.0)])] == \
        ["甲", "乙"]  # called and scored 0 is a score


def test_the_projector_shows_the_review_score(app, client, session, meeting):
    segment = next(s for s in meeting.segments if s.kind == "review")
    second = meeting.units[1]
    item = ReviewItem(meeting_id=meeting.id, segment_id=segment.id, unit_id=second.id, vote_state="revealed")
    session.add(item)
    session.flush()
    session.add_all([Ballot(token=secrets.token_urlsafe(32), item_id=item.id, scores={"rating": r})
                     for r in ("满意", "基本满意")])
    session.commit()
    host = host_client(app, client, session, meeting)
    assert do(host, "set_segment", segment_id=next(s.id for s in meeting.segments if s.kind == "results"))["ok"]
    results = host.emit("sync", None, callback=True)["state"]["results"]
    assert results[0]["name"] == second.name and results[0]["review_score"] == 80.0
    assert [r["review_score"] for r in results[1:]] == [None, None]
    assert session.scalars(select(ReviewItem)).one().vote_state == "revealed"
    host.disconnect()
