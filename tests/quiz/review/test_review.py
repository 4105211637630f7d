"""述职评议: the tally rules, and the live vote through real Socket.IO test clients — nobody rates their own
unit, one ballot per rater (changeable until the close), the close unseals the ballots in random order and
destroys the vote's key, the result needs the minimum number of ballots, paper tallies count, and nothing
ties a ballot to its rater."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from core.realtime import socketio
from quiz.live import attendance
from quiz.live.models import MeetingEvent
from quiz.review import service as reviewing
from quiz.review.ballots import BadBallot, read_ballot, tally
from quiz.review.models import Ballot, PendingBallot, ReviewItem, VoteReceipt
from tests.factories import login, make_host

CRITERIA = [{"name": "抓党建成效", "weight": 2}, {"name": "问题查摆", "weight": 1}]


def test_tally_of_ratings_weights_and_paper():
    result = tally([], [("", {"rating": "满意"}), ("班子成员", {"rating": "不满意"})], {"班子成员": 3},
                   [{"满意": 2, "基本满意": 1}])
    assert result.ballots == 5 and result.ratings == {"满意": 3, "基本满意": 1, "不满意": 1}
    assert result.score == round((100 + 0 * 3 + 200 + 60) / 7, 2)


def test_tally_of_criteria():
    result = tally(CRITERIA, [("", {"抓党建成效": 9, "问题查摆": 6})], {}, [{"ballots": 2, "sums": {"抓党建成效": 14,
                                                                                              "问题查摆": 16}}])
    assert result.ballots == 3
    assert result.score == round((80 + 2 * (2 * 7 + 8) / 3 * 10) / 3, 2)
    with pytest.raises(BadBallot, match="请为“问题查摆”打 1–10 分"):
        read_ballot(CRITERIA, {"抓党建成效": 9})
    with pytest.raises(BadBallot):
        read_ballot([], {"rating": "非常满意"})


def host_client(app, client, session, meeting):  # type: ignore[no-untyped-def]
    login(client, make_host(session, meeting))
    host = socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=client)
    host.rev = host.emit("sync", None, callback=True)["state"]["rev"]
    return host


def do(host, event: str, **payload) -> dict:  # type: ignore[no-untyped-def]
    reply = host.emit(event, {"rev": host.rev, **payload}, callback=True)
    host.rev = reply.get("rev", host.rev)
    return reply


def test_a_live_vote_is_anonymous_by_construction(app, client, session, meeting):
    phones = {}
    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"dev-{number}")
        phones[attendee.name] = (attendee, f"dev-{number}")
    meeting.settings = {**meeting.settings, "review": {"min_ballots": 3}}
    session.commit()
    host = host_client(app, client, session, meeting)
    review_segment = next(s for s in meeting.segments if s.kind == "review")
    assert do(host, "set_segment", segment_id=review_segment.id)["ok"]
    items = session.scalars(select(ReviewItem).order_by(ReviewItem.position)).all()
    assert [i.unit_id for i in items] == [u.id for u in meeting.units]
    first = items[0]
    assert do(host, "review_select", item_id=first.id)["ok"]
    assert do(host, "review_speech", action="start")["ok"] and do(host, "review_part", part="problems")["ok"]
    assert do(host, "review_reveal")["error"] == "请先结束投票"
    assert do(host, "review_open_vote")["ok"]

    def rate(name: str, rating: str) -> dict:
        attendee, device = phones[name]
        sio = socketio.test_client(app, auth={"code": attendee.code, "device": device})
        reply = sio.emit("submit_rating", {"item_id": first.id, "ballot": {"rating": rating}}, callback=True)
        sio.disconnect()
        return reply

    assert rate("书记1", "满意") == {"ok": False, "error": "不能评议本单位"}
    assert rate("书记2", "不满意")["ok"] and rate("书记2", "满意")["ok"]  # changed before the close
    assert rate("副书记2", "基本满意")["ok"]
    session.expire_all()
    # While the vote is open, ratings wait sealed: no ballot row yet, two sealed ones of one length.
    pending = session.scalars(select(PendingBallot)).all()
    assert session.scalars(select(Ballot)).all() == [] and len(pending) == 2
    assert len({len(p.sealed) for p in pending}) == 1 and all(b"\xe6\xbb\xa1" not in p.sealed for p in pending)

    key_id = session.get(ReviewItem, first.id).vote_key_id
    key_file = Path(app.config["VOTE_KEY_DIR"]) / f"vote-{key_id}.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert do(host, "review_close_vote")["ok"]
    assert rate("书记3", "满意")["error"] == "投票未开放或已结束"
    assert do(host, "review_reveal")["error"].startswith("有效票 2 张，少于公布所需的 3 张")
    assert do(host, "paper_tally", item_id=first.id, counts={"基本满意": 1})["ok"]
    assert do(host, "review_reveal")["ok"]

    session.expire_all()
    assert session.scalars(select(PendingBallot)).all() == []  # the sealed rows are gone, and their key
    assert not key_file.exists() and session.get(ReviewItem, first.id).vote_key_id is None  # destroyed
    assert {r.attendee_id for r in session.scalars(select(VoteReceipt))} == {phones["书记2"][0].id,
                                                                             phones["副书记2"][0].id}
    ballot_columns = {c["name"] for c in inspect(session.get_bind()).get_columns("ballots")}
    # No rater, no time, no sequence; a venue only where it holds enough ballots (venue_privacy.py).
    assert ballot_columns == {"token", "item_id", "rater_group", "scores", "venue_id"}
    assert {b.venue_id for b in session.scalars(select(Ballot))} == {None}  # two ballots in the hall: pooled
    assert sorted(b.scores["rating"] for b in session.scalars(select(Ballot))) == ["基本满意", "满意"]
    logged = json.dumps([e.detail for e in session.scalars(select(MeetingEvent))], ensure_ascii=False)
    # Phones' ratings never reach the log (only the staff's paper tally, {"基本满意": 1}, is recorded).
    assert "rating" not in logged and "不满意" not in logged and "ballot" not in logged
    item_state = host.emit("sync", None, callback=True)["state"]["review"]
    assert item_state["result"] == {"score": round((100 + 60 + 60) / 3, 2), "ballots": 3,
                                    "ratings": {"满意": 1, "基本满意": 2, "不满意": 0}, "criteria": {}}
    assert reviewing.turnout(session, meeting, session.get(ReviewItem, first.id)) == (3, 4)
    host.disconnect()


def test_commitments_and_comment(app, client, session, meeting):
    host = host_client(app, client, session, meeting)
    review_segment = next(s for s in meeting.segments if s.kind == "review")
    do(host, "set_segment", segment_id=review_segment.id)
    item = session.scalars(select(ReviewItem)).first()
    assert do(host, "review_commitment", kind="plan", text="x")["error"] == "请先选择述职单位"
    do(host, "review_select", item_id=item.id)
    assert do(host, "review_commitment", kind="problem", text="组织生活不规范")["ok"]
    assert do(host, "review_comment", text="问题找得准，措施要再实一些")["ok"]
    state = host.emit("sync", None, callback=True)["state"]["review"]
    assert state["commitments"] == [{"id": state["commitments"][0]["id"], "kind": "problem", "text": "组织生活不规范"}]
    assert state["comment"] == "问题找得准，措施要再实一些"
    host.disconnect()


def test_criteria_ballots_with_group_weights(app, client, session, meeting):
    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"dev-{number}")
    meeting.settings = {**meeting.settings, "review": {"criteria": CRITERIA, "group_weights": {"班子成员": 2},
                                                       "min_ballots": 1}}
    session.commit()
    host = host_client(app, client, session, meeting)
    do(host, "set_segment", segment_id=next(s.id for s in meeting.segments if s.kind == "review"))
    item = session.scalars(select(ReviewItem).order_by(ReviewItem.position)).first()
    do(host, "review_select", item_id=item.id)
    do(host, "review_open_vote")
    voters = {a.name: a for a in meeting.attendees}

    def rate(name: str, ballot: dict) -> dict:
        attendee = voters[name]
        sio = socketio.test_client(app, auth={"code": attendee.code, "device": attendee.device_token})
        reply = sio.emit("submit_rating", {"item_id": item.id, "ballot": ballot}, callback=True)
        sio.disconnect()
        return reply

    assert rate("书记2", {"抓党建成效": 9})["error"] == "请为“问题查摆”打 1–10 分"
    assert rate("书记2", {"抓党建成效": 9, "问题查摆": 6})["ok"]  # no group: weight 1 → (18+6)/3×10 = 80
    assert rate("副书记2", {"抓党建成效": 6, "问题查摆": 3})["ok"]  # 班子成员: weight 2 → (12+3)/3×10 = 50
    do(host, "review_close_vote")
    assert do(host, "review_reveal")["ok"]
    result = host.emit("sync", None, callback=True)["state"]["review"]["result"]
    assert result["score"] == round((80 + 2 * 50) / 3, 2) and result["criteria"] == {"抓党建成效": 7.5, "问题查摆": 4.5}
    host.disconnect()


def test_a_meeting_does_not_end_over_an_open_vote(app, client, session, meeting):
    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"dev-{number}")
    session.commit()
    host = host_client(app, client, session, meeting)
    do(host, "set_segment", segment_id=next(s.id for s in meeting.segments if s.kind == "review"))
    item = session.scalars(select(ReviewItem).order_by(ReviewItem.position)).first()
    do(host, "review_select", item_id=item.id)
    assert do(host, "review_open_vote")["ok"]
    rater = next(a for a in meeting.attendees if a.unit_id != item.unit_id)
    phone = socketio.test_client(app, auth={"code": rater.code, "device": rater.device_token})
    assert phone.emit("submit_rating", {"item_id": item.id, "ballot": {"rating": "满意"}}, callback=True)["ok"]

    assert do(host, "end_meeting")["error"] == "评议投票尚未结束：请先结束投票，或选择“结束投票并结束会议”"
    session.expire_all()
    key = Path(app.config["VOTE_KEY_DIR"]) / f"vote-{session.get(ReviewItem, item.id).vote_key_id}.key"
    assert key.exists()
    assert session.get(ReviewItem, item.id).vote_state == "open"
    assert do(host, "end_meeting", close_votes=True)["ok"]  # the host's choice: the vote closes with the end
    session.expire_all()
    assert session.get(ReviewItem, item.id).vote_state == "closed"
    assert [b.scores for b in session.scalars(select(Ballot))] == [{"rating": "满意"}]
    assert session.scalars(select(PendingBallot)).all() == []
    assert not key.exists()
    # An ended meeting takes no ballot, even for a vote someone reopened behind its back.
    session.get(ReviewItem, item.id).vote_state = "open"
    session.commit()
    reply = phone.emit("submit_rating", {"item_id": item.id, "ballot": {"rating": "不满意"}}, callback=True)
    assert reply == {"ok": False, "error": "会议已结束"}
    phone.disconnect()
    host.disconnect()


def test_a_quarter_does_not_close_over_an_open_vote(session, meeting):
    from quiz.quarter import service as quarters
    from quiz.quarter.models import Quarter

    session.add(Quarter(quarter=meeting.quarter, approved=True))
    segment = next(s for s in meeting.segments if s.kind == "review")
    items = reviewing.ensure_items(session, meeting, segment)
    items[0].vote_state = "open"
    session.flush()
    with pytest.raises(quarters.QuarterError, match="评议投票未结束"):
        quarters.close(session, meeting.quarter, "staff")
    items[0].vote_state = "closed"
    quarters.close(session, meeting.quarter, "staff")
    assert session.get(Quarter, meeting.quarter).status == "closed"
    session.rollback()
