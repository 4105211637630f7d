"""Venue operators (分会场管理员), through Flask-SocketIO's test client and the pages: scoped to their venue for
attendance, devices and paper tallies; refused everywhere else (other venues' people, the main hall's, host
commands, other staff pages); paper counts replace rather than add; never the answer key before the reveal.
tests/test_venue_operators_live.py drives the same over a real server and real sockets."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.accounts.roles import Role
from core.realtime import socketio
from quiz.live import attendance, snapshots, venues
from quiz.live import hosting as live
from quiz.live.models import AnswerTally, MeetingEvent, Round
from quiz.review import service as reviewing
from quiz.review.models import PaperTally, ReviewItem
from tests.factories import login, make_host, make_question, make_user
from tests.quiz.conftest import make_meeting

ONLY_HERE = "该参会人员不在本会场，不能在此操作"


@pytest.fixture()
def halls(session):  # type: ignore[no-untyped-def]
    """单位1 in the main hall, 单位2 at 东区分会场 (kept by operator X), 单位3 at 西区分会场 (kept by Y)."""
    meeting = make_meeting(session, held=False)
    east = venues.add_venue(session, meeting, "东区分会场")
    west = venues.add_venue(session, meeting, "西区分会场")
    venues.move_units(session, meeting, [meeting.units[1].id], east)
    venues.move_units(session, meeting, [meeting.units[2].id], west)
    x, y = make_user(session, Role.OPERATOR, "op-east"), make_user(session, Role.OPERATOR, "op-west")
    venues.set_operators(session, east, [x.id])
    venues.set_operators(session, west, [y.id])
    session.commit()
    return meeting, east, west, x


def people(meeting, unit_index):  # type: ignore[no-untyped-def]
    unit_id = meeting.units[unit_index].id
    return [a for a in meeting.attendees if a.unit_id == unit_id]


def operator(app, client, session, user, venue):  # type: ignore[no-untyped-def]
    login(client, user)
    return socketio.test_client(app, auth={"venue": venue.id}, flask_test_client=client)


def states(sio) -> list[dict]:  # type: ignore[no-untyped-def]
    return [p["args"][0] for p in sio.get_received() if p["name"] == "state"]


def test_an_operator_lands_on_its_venues_and_every_other_staff_page_refuses_it(app, client, session, halls):
    meeting, east, west, x = halls
    login(client, x)
    assert client.get("/").headers["Location"].endswith("/venues/")
    mine = client.get("/venues/").get_data(as_text=True)
    assert "东区分会场" in mine and "西区分会场" not in mine and meeting.title in mine
    assert client.get(f"/venues/{east.id}").status_code == 200
    assert client.get(f"/venues/{west.id}").status_code == 403
    assert client.get(f"/venues/{venues.convening(meeting).id}").status_code == 403
    assert client.get("/venues/999999").status_code == 404
    page = client.get(f"/venues/{east.id}").get_data(as_text=True)
    assert "题库" not in page and "主持台" not in page and meeting.screen_token not in page
    for rule in app.url_map.iter_rules():  # every staff GET without arguments: refused (403) or not a page
        if "GET" in rule.methods and not rule.arguments and not rule.endpoint.startswith(("public.", "venues.")) \
                and rule.endpoint not in ("static", "favicon", "home", "health.healthz", "accounts.login"):
            assert client.get(rule.rule).status_code == 403, rule.rule
    for path in (f"/meetings/{meeting.id}/console", f"/meetings/{meeting.id}/cards", f"/meetings/{meeting.id}/edit"):
        assert client.get(path).status_code == 403, path
    assert not socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=client).is_connected()


def test_hosts_and_editors_do_not_keep_venues_and_admins_keep_any(app, client, session, halls):
    meeting, east, west, _ = halls
    login(client, make_host(session, meeting))
    assert client.get(f"/venues/{east.id}").status_code == 403
    assert not socketio.test_client(app, auth={"venue": east.id}, flask_test_client=client).is_connected()
    admin = app.test_client()
    login(admin, make_user(session, Role.ADMIN))
    assert admin.get(f"/venues/{west.id}").status_code == 200
    assert "西区分会场" in admin.get("/venues/").get_data(as_text=True)


def test_an_operator_acts_at_its_venue_only(app, client, session, halls):
    meeting, east, west, x = halls
    here, there, main = people(meeting, 1), people(meeting, 2), people(meeting, 0)
    sio = operator(app, client, session, x, east)
    assert sio.is_connected()
    state = sio.emit("sync", None, callback=True)["state"]
    assert {p["id"] for p in state["people"]} == {a.id for a in here}  # never another venue's people
    assert "attendees" not in state and "current" not in state and "venues" not in state
    assert state["figures"]["expected"] == 2 and state["venue"]["id"] == east.id

    assert sio.emit("venue_set_attendance", {"attendee_id": here[0].id, "status": "present"}, callback=True) == {
        "ok": True}
    assert states(sio)[-1]["figures"]["present"] == 1
    for stranger in (there[0], main[0]):
        for event, payload in (("venue_set_attendance", {"status": "leave"}), ("venue_release_device", {}),
                               ("venue_approve_device", {"confirm": "1234"})):
            reply = sio.emit(event, {"attendee_id": stranger.id, **payload}, callback=True)
            assert reply == {"ok": False, "error": ONLY_HERE}, (event, stranger.name)
    reply = sio.emit("venue_set_attendance", {"attendee_id": here[1].id, "status": "deputized",
                                              "deputy_id": there[0].id}, callback=True)
    assert reply == {"ok": False, "error": ONLY_HERE}  # a deputy from another venue is not this venue's to name
    assert sio.emit("venue_set_attendance", {"attendee_id": here[1].id, "status": "deputized",
                                             "deputy_id": here[0].id}, callback=True)["ok"]
    session.expire_all()
    assert {a.status for a in there + main} == {"expected"}
    assert [a.status for a in here] == ["present", "deputized"]
    log = session.scalars(select(MeetingEvent).where(MeetingEvent.kind == "venue_set_attendance")).all()
    assert [(e.actor, e.detail["venue_id"]) for e in log] == [("op-east", east.id)] * 2
    # Host commands from the operator's socket are refused, and logged.
    revision = meeting.revision
    assert sio.emit("start_meeting", {"rev": meeting.revision}, callback=True)["error"] == "只有主持人可以操作会议"
    assert sio.emit("set_attendance", {"rev": meeting.revision, "attendee_id": there[0].id, "status": "present"},
                    callback=True)["ok"] is False
    session.expire_all()
    assert session.get(type(meeting), meeting.id).revision == revision and there[0].status == "expected"
    assert session.scalars(select(MeetingEvent).where(MeetingEvent.kind == "refused_host_event")).all()
    sio.disconnect()


def test_devices_are_approved_and_released_at_the_venue(app, client, session, halls):
    meeting, east, _, x = halls
    person = people(meeting, 1)[0]
    attendance.check_in(session, person, "first-phone")
    attendance.check_in(session, person, "second-phone")  # a second device asks
    session.commit()
    phone = socketio.test_client(app, auth={"code": person.code, "device": "first-phone"})
    assert phone.is_connected()
    sio = operator(app, client, session, x, east)
    row = next(p for p in sio.emit("sync", None, callback=True)["state"]["people"] if p["id"] == person.id)
    assert row["pending"] and row["pending_code"] == attendance.confirmation_code("second-phone")
    wrong = f"{(int(row['pending_code']) + 1) % 10_000:04d}"
    assert not sio.emit("venue_approve_device", {"attendee_id": person.id, "confirm": wrong}, callback=True)["ok"]
    assert sio.emit("venue_approve_device", {"attendee_id": person.id, "confirm": "12a4"},
                    callback=True)["error"] == "确认码无效"
    assert sio.emit("venue_approve_device", {"attendee_id": person.id, "confirm": row["pending_code"]},
                    callback=True)["ok"]
    assert not phone.is_connected() or any(p["name"] == "binding_ended" for p in phone.get_received())
    session.expire_all()
    assert person.device_token == "second-phone"
    assert sio.emit("venue_release_device", {"attendee_id": person.id}, callback=True)["ok"]
    session.expire_all()
    assert person.device_token is None
    sio.disconnect()


def test_a_logged_out_operator_or_one_unassigned_is_refused(app, client, session, halls):
    meeting, east, west, x = halls
    thief = app.test_client()
    sio = operator(app, client, session, x, east)
    thief.set_cookie("session", client.get_cookie("session").value)
    assert not socketio.test_client(app, auth={"venue": west.id}, flask_test_client=client).is_connected()
    assert not socketio.test_client(app, auth={"venue": "east"}, flask_test_client=client).is_connected()
    venues.set_operators(session, east, [])
    session.commit()
    person = people(meeting, 1)[0]
    reply = sio.emit("venue_set_attendance", {"attendee_id": person.id, "status": "present"}, callback=True)
    assert reply["ok"] is False and "不再负责本会场" in reply["error"]
    assert sio.emit("sync", None, callback=True)["ok"] is False
    venues.set_operators(session, east, [x.id])
    session.commit()
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert not socketio.test_client(app, auth={"venue": east.id}, flask_test_client=thief).is_connected()
    assert sio.emit("venue_set_attendance", {"attendee_id": person.id, "status": "present"},
                    callback=True)["ok"] is False
    session.expire_all()
    assert person.status == "expected"


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/venues/").get_data(as_text=True)).group(1)


def _open_round(session, meeting, **question):  # type: ignore[no-untyped-def]
    round_ = live.pick_question(session, meeting, make_question(session, **question).id, "all", "host")
    live.show(session, meeting, "host")
    session.commit()
    return round_


def test_paper_answers_count_once_and_never_leak_the_key(app, client, session, halls):
    meeting, east, west, x = halls
    here = people(meeting, 1)
    for person in here:
        attendance.set_status(session, person, "present")
    session.commit()
    round_ = _open_round(session, meeting, options=["甲", "乙", "丙"], answer="B")
    sio = operator(app, client, session, x, east)
    state = sio.emit("sync", None, callback=True)["state"]
    assert "answer" not in state["round"]["question"] and state["venue_round"]["tallyable"]
    tally = {"round_id": round_.id, "answered": 2, "counts": {"B": 1, "C": 1}}
    for _ in range(2):  # a double submit
        assert sio.emit("venue_answer_tally", tally, callback=True) == {"ok": True}
    session.expire_all()
    assert session.scalars(select(AnswerTally)).all()[0].correct == 1  # counted by the server, from the key
    assert snapshots.answered_count(session, round_.id) == 2
    last = states(sio)[-1]
    shown = last["venue_round"]
    assert shown["tally"]["correct"] is None and shown["answered"] == 2  # the key stays hidden until the reveal
    assert "answer" not in last["round"]["question"] and "explanation" not in json.dumps(last)
    refusals = [({**tally, "answered": 3, "counts": {"B": 3}}, "不能超过此数"),
                ({**tally, "counts": {"D": 2}}, "选项与本题不符"),
                ({**tally, "counts": {"B": 1}}, "之和须等于作答人数"),
                ({**tally, "answered": True}, "作答人数无效"),
                ({**tally, "answered": -1}, "作答人数无效"),
                ({**tally, "counts": {"Ｂ": 2}}, "数据无效"),
                ({**tally, "counts": {"B\u0000": 2}}, "数据无效"),
                ({**tally, "round_id": "1"}, "题目无效")]
    for payload, message in refusals:
        reply = sio.emit("venue_answer_tally", payload, callback=True)
        assert reply["ok"] is False and message in reply["error"], (payload, reply)
    live.clock_command(session, meeting, "reveal", "host")
    session.commit()
    distribution = snapshots.distribution(session, session.get(Round, round_.id))
    assert distribution == {"options": {"A": 0, "B": 1, "C": 1}, "correct": 1, "total": 2}
    # A correction after the reveal replaces the count, and is logged with the old one.
    assert sio.emit("venue_answer_tally", {**tally, "counts": {"B": 2}}, callback=True)["ok"]
    session.expire_all()
    assert snapshots.distribution(session, session.get(Round, round_.id))["options"]["B"] == 2
    logged = session.scalars(select(MeetingEvent).where(MeetingEvent.kind == "venue_answer_tally")).all()
    assert logged[-1].detail["previous"]["counts"] == {"B": 1, "C": 1} and logged[-1].detail["after_reveal"]
    # Another venue's operator cannot enter this venue's count: its own tally is its own row.
    assert len(session.scalars(select(AnswerTally)).all()) == 1
    sio.disconnect()


def test_a_venues_paper_ballots_replace_and_count_in_the_turnout(app, client, session, halls):
    meeting, east, west, x = halls
    for person in meeting.attendees:
        attendance.set_status(session, person, "present")
    session.commit()
    review = next(s for s in meeting.segments if s.kind == "review")
    live.set_segment(session, meeting, review.id, "host")
    item = session.scalars(select(ReviewItem).where(ReviewItem.meeting_id == meeting.id)
                           .order_by(ReviewItem.position)).first()  # 单位1 speaks: east's two people rate
    reviewing.select_item(session, meeting, item.id, "host")
    session.commit()
    sio = operator(app, client, session, x, east)
    paper = {"item_id": item.id, "counts": {"满意": 1, "基本满意": 1}}
    assert "尚未开始" in sio.emit("venue_paper_tally", paper, callback=True)["error"]
    reviewing.open_vote(session, meeting, "host")
    session.commit()
    before = reviewing.turnout(session, meeting, item)[0]
    for _ in range(2):
        assert sio.emit("venue_paper_tally", paper, callback=True) == {"ok": True}
    assert "不能超过此数" in sio.emit("venue_paper_tally", {**paper, "counts": {"满意": 3}}, callback=True)["error"]
    assert sio.emit("venue_paper_tally", {**paper, "counts": {"很满意": 1}}, callback=True)["ok"] is False
    session.expire_all()
    rows = session.scalars(select(PaperTally).where(PaperTally.item_id == item.id)).all()
    assert [(r.venue_id, r.counts) for r in rows] == [(east.id, {"满意": 1, "基本满意": 1})]
    assert reviewing.turnout(session, meeting, item)[0] == before + 2
    shown = states(sio)[-1]["venue_review"]
    assert (shown["paper"], shown["ballots"], shown["eligible"]) == (2, 2, 2)
    sio.disconnect()


def test_phones_and_projectors_cannot_send_operator_commands(app, session, halls):
    meeting, east, _, _ = halls
    person = people(meeting, 1)[0]
    attendance.check_in(session, person, "dev")
    session.commit()
    for sio in (socketio.test_client(app, auth={"code": person.code, "device": "dev"}),
                socketio.test_client(app, auth={"screen": east.screen_token})):
        assert sio.is_connected()
        reply = sio.emit("venue_set_attendance", {"attendee_id": person.id, "status": "leave"}, callback=True)
        assert reply == {"ok": False, "error": "只有本会场的分会场管理员可以操作"}
        sio.disconnect()
    session.expire_all()
    assert person.status == "present"


def test_paper_answers_fit_each_question_type_and_only_this_meeting(app, client, session, halls):
    from question_bank.kinds import QuestionType

    meeting, east, _, x = halls
    for person in people(meeting, 1):
        attendance.set_status(session, person, "present")
    session.commit()
    sio = operator(app, client, session, x, east)
    preview = live.pick_question(session, meeting, make_question(session, answer="B").id, "all", "host")
    session.commit()
    state = sio.emit("sync", None, callback=True)["state"]  # a previewed question is the console's alone
    assert state["round"] is None and state["venue_round"] is None and "current" not in state
    reply = sio.emit("venue_answer_tally", {"round_id": preview.id, "answered": 1, "counts": {"B": 1}}, callback=True)
    assert "尚未出示" in reply["error"]
    live.replace(session, meeting, "换题", "host")
    session.commit()
    cases = [
        (dict(type=QuestionType.JUDGE, options=[], answer=False), {"answered": 2, "counts": {"正确": 1, "错误": 1}},
         None, 1),
        (dict(type=QuestionType.MULTIPLE, options=["甲", "乙", "丙"], answer="AC"),
         {"answered": 2, "counts": {"A": 2, "C": 1}, "correct": 1}, None, 1),
        (dict(type=QuestionType.MULTIPLE, options=["甲", "乙", "丙"], answer="AC"),
         {"answered": 2, "counts": {"A": 1}}, "不能少于作答人数", None),
        (dict(type=QuestionType.MULTIPLE, options=["甲", "乙", "丙"], answer="AC"),
         {"answered": 1, "counts": {"A": 1}, "correct": 2}, "答对人数不能多于作答人数", None),
        (dict(type=QuestionType.BLANK, stem="党的根本宗旨是（　　）", options=[], answer=[["全心全意为人民服务"]]),
         {"answered": 2, "counts": {"A": 2}}, "只需填写作答人数和答对人数", None),
        (dict(type=QuestionType.BLANK, stem="党的根本宗旨是（　　）", options=[], answer=[["全心全意为人民服务"]]),
         {"answered": 2, "correct": 1}, None, 1),
    ]
    for question, tally, refused, correct in cases:
        round_ = _open_round(session, meeting, **question)
        reply = sio.emit("venue_answer_tally", {"round_id": round_.id, **tally}, callback=True)
        if refused:
            assert reply["ok"] is False and refused in reply["error"], (question, reply)
        else:
            assert reply == {"ok": True}, (question, reply)
            session.expire_all()
            assert session.scalar(select(AnswerTally.correct).where(AnswerTally.round_id == round_.id)) == correct
        live.replace(session, meeting, "下一题", "host")
        session.commit()
    # Another meeting's round, and a 点名 round, are not this venue's to count.
    other = make_meeting(session)
    foreign = _open_round(session, other)
    reply = sio.emit("venue_answer_tally", {"round_id": foreign.id, "answered": 0, "counts": {}}, callback=True)
    assert reply == {"ok": False, "error": "题目不存在"}
    assert session.scalars(select(AnswerTally).where(AnswerTally.round_id == foreign.id)).all() == []
    sio.disconnect()


def test_operator_events_from_other_connections_use_the_junk_bucket(app, session, halls):
    from quiz.live import events

    meeting, east, _, x = halls
    events.CONNECTIONS["op"] = events.Identity("operator", meeting.id, venue_id=east.id)
    events.CONNECTIONS["ph"] = events.Identity("phone", meeting.id, attendee_id=1)
    try:
        assert events._kind("op", "venue_answer_tally") == "operator"
        assert events._kind("ph", "venue_answer_tally") == "junk"
        assert events._kind("op", "start_meeting") == "command"  # an operator is limited, unlike a host
    finally:
        events.CONNECTIONS.pop("op")
        events.CONNECTIONS.pop("ph")


def test_two_submits_at_once_leave_one_tally(app, session, halls):
    """Two operators' pages (or a double click on a slow network) sending the venue's count at the same moment:
    the venue's row is locked, so the second replaces the first — one row, never the sum."""
    import threading

    from core.db import db
    from quiz.live import events, payloads, venue_commands

    meeting, east, _, x = halls
    for person in people(meeting, 1):
        attendance.set_status(session, person, "present")
    session.commit()
    round_ = _open_round(session, meeting)
    identity = events.Identity("operator", meeting.id, actor=x.username, user_id=x.id, venue_id=east.id)
    start, errors = threading.Barrier(2), []

    def submit(answered: int) -> None:
        command = payloads.VenueAnswerTally(round_id=round_.id, answered=answered, counts={"A": answered})
        with app.app_context():
            start.wait()
            try:
                venue_commands._store("venue_answer_tally", identity, command)
            except Exception as error:  # noqa: BLE001  (SQLite may answer busy: counted below, never doubled)
                errors.append(error)
            finally:
                db.session.rollback()

    threads = [threading.Thread(target=submit, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    session.expire_all()
    rows = session.scalars(select(AnswerTally).where(AnswerTally.round_id == round_.id)).all()
    assert len(rows) == 1 and rows[0].answered in (1, 2)
    assert snapshots.answered_count(session, round_.id) == rows[0].answered
    if session.get_bind().dialect.name == "postgresql":
        assert errors == []  # the lock serialises them: both stored, the later one stands


def test_an_admin_watching_a_venue_nobody_keeps_gets_every_broadcast(app, client, session, halls):
    """The main hall has no operator assigned: an admin's page there is live all the same (its connection is in
    the venue's presence), not only at connect."""
    meeting, _, _, _ = halls
    hall = venues.convening(meeting)
    login(client, make_user(session, Role.ADMIN))
    desk = socketio.test_client(app, auth={"venue": hall.id}, flask_test_client=client)
    assert desk.is_connected()
    desk.get_received()
    host_client = app.test_client()
    login(host_client, make_host(session, meeting))
    host = socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=host_client)
    rev = host.emit("sync", callback=True)["state"]["rev"]
    assert host.emit("start_meeting", {"rev": rev}, callback=True)["ok"]
    seen = states(desk)
    assert seen and seen[-1]["meeting"]["status"] == "open" and seen[-1]["venue"]["id"] == hall.id
    desk.disconnect()
    host.disconnect()
