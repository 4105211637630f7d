"""Socket.IO permissions and payload validation, through Flask-SocketIO's test client (the live-server flow
test covers the same paths over real sockets)."""

from __future__ import annotations

from core.accounts.roles import Role
from core.realtime import socketio
from quiz.live import attendance
from tests.factories import login, make_host, make_user


def phone(app, meeting, attendee, device="dev-1"):  # type: ignore[no-untyped-def]
    return socketio.test_client(app, auth={"code": attendee.code, "device": device})


def test_unknown_or_unbound_clients_are_refused(app, session, meeting):
    assert not socketio.test_client(app).is_connected()
    attendee = meeting.attendees[0]
    assert not phone(app, meeting, attendee).is_connected()  # not bound to this device yet
    attendance.check_in(session, attendee, "dev-1")
    session.commit()
    assert not phone(app, meeting, attendee, device="someone-else").is_connected()
    connected = phone(app, meeting, attendee)
    assert connected.is_connected()
    state = connected.emit("sync", None, callback=True)["state"]
    assert state["me"]["name"] == attendee.name and "attendees" not in state
    connected.disconnect()


def test_phones_and_the_projector_cannot_drive_the_meeting(app, session, meeting):
    attendee = meeting.attendees[0]
    attendance.check_in(session, attendee, "dev-1")
    session.commit()
    for sio in (phone(app, meeting, attendee), socketio.test_client(app, auth={"screen": meeting.screen_token})):
        assert sio.is_connected()
        reply = sio.emit("draw_person", {"rev": meeting.revision}, callback=True)
        assert reply == {"ok": False, "error": "只有主持人可以操作会议"}
        sio.disconnect()
    screen = socketio.test_client(app, auth={"screen": meeting.screen_token})
    assert screen.emit("submit_answer", {"round_id": 1, "client_id": "x", "answer": "A"}, callback=True)["ok"] is False
    assert "roll" in screen.emit("sync", None, callback=True)["state"]
    screen.disconnect()


def test_host_payloads_are_validated(app, client, session, meeting):
    login(client, make_host(session, meeting))
    host = socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=client)
    assert host.is_connected()
    rev = host.emit("sync", None, callback=True)["state"]["rev"]
    cases = [
        ("extend_question", {"rev": rev, "seconds": "lots"}, "延时秒数无效"),
        ("draw_question", {"rev": rev, "types": ["poetry"]}, "题型无效"),
        ("draw_question", {"rev": rev, "mode": "shout"}, "作答方式无效"),
        ("replace_question", {"rev": rev, "reason": "x" * 500}, "原因最多200字"),
        ("replace_question", {"rev": rev, "reason": "  "}, "请填写原因"),
        ("set_attendance", {"rev": rev, "attendee_id": 999999, "status": "present"}, "参会人员不存在"),
        ("draw_person", {"rev": rev, "pool": "everyone"}, "点名范围无效"),
        ("show_question", {"rev": rev}, "当前没有题目"),
    ]
    for event, payload, message in cases:
        reply = host.emit(event, payload, callback=True)
        assert reply["ok"] is False and message in reply["error"], (event, reply)
    assert host.emit("next_question", "not a dict", callback=True) == {"ok": False, "error": "参数无效", "rev": rev}
    ok = host.emit("set_attendance", {"rev": rev, "attendee_id": meeting.attendees[0].id, "status": "leave"},
                   callback=True)
    assert ok["ok"] and ok["rev"] == rev + 1
    states = [packet["args"][0] for packet in host.get_received() if packet["name"] == "state"]
    assert states and states[-1]["attendees"][0]["status"] == "leave"
    host.disconnect()


def test_an_editor_cannot_open_a_host_connection(app, client, session, meeting):
    login(client, make_user(session, Role.EDITOR))
    assert not socketio.test_client(app, auth={"meeting_id": meeting.id}, flask_test_client=client).is_connected()
