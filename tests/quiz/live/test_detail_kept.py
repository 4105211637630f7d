"""Detail kept: a redraw that leaves the person out for the rest of the meeting (stored, replayable), the
ticked key points of a 口答 stored and shown, a 代会 speaker named as such."""

from __future__ import annotations

from sqlalchemy import select

from core.db import utcnow
from quiz.live import attendance, calling
from quiz.live.models import Answer, Attendee, PersonDraw
from quiz.quarter import queries as quarter_queries
from quiz.quarter.reports.minutes import meeting_minutes
from quiz.review import service as reviewing
from quiz.review.models import ReviewItem
from tests.quiz.review.test_review import do, host_client


def check_in_all(session, meeting):  # type: ignore[no-untyped-def]
    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"dev-{number}")
    session.commit()


def test_a_redraw_can_leave_the_person_out_for_the_rest_of_the_meeting(app, client, session, meeting):
    check_in_all(session, meeting)
    host = host_client(app, client, session, meeting)
    assert do(host, "draw_person")["ok"]
    first = session.scalars(select(PersonDraw)).one()
    assert do(host, "redraw_person", reason="本人不在场", exclude=True)["ok"]
    while do(host, "draw_person")["ok"]:
        pass
    session.expire_all()
    draws = session.scalars(select(PersonDraw).order_by(PersonDraw.id)).all()
    redraw = draws[1]
    assert (redraw.redraw_of_id, redraw.redraw_reason, redraw.exclude_previous) == (first.id, "本人不在场", True)
    later = draws[2:]
    assert later and all(first.chosen_id not in d.candidates and d.chosen_id != first.chosen_id for d in later)
    # Replayable: each stored draw's seed and candidates give its pick again.
    assert all(calling.pick(d.candidates, d.seed, {int(k): v for k, v in d.pool["weights"].items()} or None)
               == d.chosen_id for d in draws)
    minutes = meeting_minutes(session, meeting.id)
    assert minutes["draws"][1]["excluded"] is True
    host.disconnect()


def test_without_exclusion_a_redrawn_person_may_be_drawn_again(app, client, session, meeting):
    check_in_all(session, meeting)
    host = host_client(app, client, session, meeting)
    do(host, "draw_person")
    first = session.scalars(select(PersonDraw)).one()
    assert do(host, "redraw_person", reason="稍后再答")["ok"]
    do(host, "draw_person")
    session.expire_all()
    assert first.chosen_id in session.scalars(select(PersonDraw).order_by(PersonDraw.id.desc())).first().candidates
    host.disconnect()


def test_the_ticked_key_points_are_stored_and_shown(app, client, session, meeting):
    check_in_all(session, meeting)
    host = host_client(app, client, session, meeting)
    question = {"type": "简答", "stem": "党支部工作的基本要求？",
                "answer": [{"point": "对象明确", "weight": 2}, {"point": "程序规范", "weight": 1},
                           {"point": "记录完整", "weight": 1}]}
    from quiz.live.models import Round

    assert do(host, "draw_person")["ok"]
    draw = session.scalars(select(PersonDraw)).one()
    round_ = Round(meeting_id=meeting.id, mode="called", question=question, called_id=draw.chosen_id,
                   phase="open", time_limit_s=60, opened_at=utcnow())
    session.add(round_)
    session.flush()
    meeting.current_round_id = round_.id
    session.commit()
    host.rev = host.emit("sync", None, callback=True)["state"]["rev"]
    assert do(host, "score_oral", ticked=[0, 2])["ok"]
    session.expire_all()
    answer = session.scalars(select(Answer)).one()
    assert answer.payload["ticked"] == [0, 2]
    assert [(k["point"], k["ticked"]) for k in answer.payload["key_points"]] == [
        ("对象明确", True), ("程序规范", False), ("记录完整", True)]
    assert answer.score == 7.5  # 3 of 4 weight × 10 points
    line = next(r for r in meeting_minutes(session, meeting.id)["rounds"] if r["stem"] == question["stem"])
    assert [(k["point"], k["ticked"]) for k in line["key_points"]] == [
        ("对象明确", True), ("程序规范", False), ("记录完整", True)]
    called_unit = session.get(Attendee, draw.chosen_id).unit_id
    detail = quarter_queries.unit_detail(session, meeting.quarter, called_unit)
    assert detail.called[0].key_points == (("对象明确", True), ("程序规范", False), ("记录完整", True))
    host.disconnect()


def test_a_deputy_speaker_is_named_as_standing_in(app, client, session, meeting):
    check_in_all(session, meeting)
    unit = meeting.units[0]
    secretary = next(a for a in meeting.attendees if a.unit_id == unit.id and a.is_secretary)
    deputy = next(a for a in meeting.attendees if a.unit_id == unit.id and not a.is_secretary)
    secretary.status, secretary.deputy_id = "deputized", deputy.id
    session.commit()
    host = host_client(app, client, session, meeting)
    do(host, "set_segment", segment_id=next(s.id for s in meeting.segments if s.kind == "review"))
    item = session.scalars(select(ReviewItem).where(ReviewItem.unit_id == unit.id)).one()
    assert do(host, "review_select", item_id=item.id)["ok"]
    speaker = host.emit("sync", None, callback=True)["state"]["review"]["speaker"]
    assert speaker["label"] == f"代 {deputy.name}（{deputy.position}）" and speaker["deputy"] is True
    session.expire_all()
    assert reviewing.speaker_for(meeting, unit.id).id == deputy.id
    minutes = meeting_minutes(session, meeting.id)
    assert minutes["reviews"][0]["speaker"] == f"{unit.name} 代 {deputy.name}（{deputy.position}）"
    host.disconnect()
