"""The payload models (quiz/payloads.py) on their own, and docs/protocol.md's tables against them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quiz.live import payloads, protocol
from quiz.live.payloads import Invalid, SubmitAnswer, parse

PROTOCOL = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"


def answer(**fields):  # type: ignore[no-untyped-def]
    return parse(SubmitAnswer, {"round_id": 7, "client_id": "7-abc_DEF", "answer": "A"} | fields, "作答数据无效")


@pytest.mark.parametrize("fields", [
    {"round_id": True}, {"round_id": "7"}, {"round_id": 7.0}, {"round_id": 0}, {"round_id": 2**31},
    {"client_id": "\ud800"}, {"client_id": ""}, {"client_id": "x" * 41}, {"client_id": "a b"}, {"client_id": "题"},
    {"answer": ["\ud800"]}, {"answer": ["a\x00b"]}, {"answer": ["x" * 201]}, {"answer": 1}, {"answer": {"a": 1}},
    {"answer": ["a"] * 51},
])
def test_answers_refuse_wrong_types_lengths_and_characters(fields):  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid, match="^作答数据无效$"):
        answer(**fields)


def test_answers_take_letters_booleans_and_blanks():
    assert answer().answer == "A"
    assert answer(answer=False).answer is False
    assert answer(answer=[" 人民 ", "x"]).answer == ["人民", "x"]
    assert answer(answer=None, attendee_id=99).answer is None  # undeclared keys are ignored, never used


def test_host_commands_name_the_wrong_field_in_chinese():
    labels = payloads.LABELS
    with pytest.raises(Invalid, match="^延时秒数无效$"):
        parse(payloads.ExtendCommand, {"rev": 1, "seconds": True}, labels=labels)
    with pytest.raises(Invalid, match="^请填写原因$"):
        parse(payloads.ReasonCommand, {"rev": 1, "reason": "   "}, labels=labels)
    with pytest.raises(Invalid, match="^原因最多200字$"):
        parse(payloads.ReasonCommand, {"rev": 1, "reason": "因" * 201}, labels=labels)
    with pytest.raises(Invalid, match="^内容无效$"):
        parse(payloads.CommentCommand, {"rev": 1, "text": "a\x1bb"}, labels=labels)
    assert parse(payloads.CommentCommand, {"rev": 1, "text": "第一行\n第二行"}, labels=labels).text == "第一行\n第二行"
    with pytest.raises(Invalid, match="^参数无效$"):
        parse(payloads.Command, "not a dict", labels=labels)


def test_connect_auth():
    assert isinstance(payloads.read_auth({"code": "ABCD2345", "device": "tok"}), payloads.PhoneAuth)
    assert isinstance(payloads.read_auth({"screen": "tok"}), payloads.ScreenAuth)
    assert isinstance(payloads.read_auth({"meeting_id": 3}), payloads.HostAuth)
    assert isinstance(payloads.read_auth({"venue": 3}), payloads.OperatorAuth)
    assert isinstance(payloads.read_auth({"meeting_id": 3, "venue": 4}), payloads.HostAuth)  # a host's, checked so
    for auth in [None, "x", {}, {"meeting_id": True}, {"code": "A", "device": "\ud800"}, {"screen": ""},
                 {"venue": True}, {"venue": "3"}, {"venue": 0}, {"venue": 2**31}, {"venue": 1.0}]:
        assert payloads.read_auth(auth) is None, auth


def test_operator_payloads_refuse_odd_types_and_text():
    labels = payloads.LABELS
    ok = {"round_id": 1, "answered": 3, "counts": {"A": 1, "正确": 2}}
    assert parse(payloads.VenueAnswerTally, ok, labels=labels).counts == {"A": 1, "正确": 2}
    bad = [{**ok, "answered": 3.0}, {**ok, "answered": "3"}, {**ok, "answered": 100_001}, {**ok, "counts": {"a": 1}},
           {**ok, "counts": {"AB": 1}}, {**ok, "counts": {"Ａ": 1}}, {**ok, "counts": {"A": -1}},
           {**ok, "counts": {"\ud800": 1}}, {**ok, "correct": False}, {"answered": 1}]
    for payload in bad:
        with pytest.raises(Invalid):
            parse(payloads.VenueAnswerTally, payload, labels=labels)
    for payload in [{"attendee_id": 1, "status": "here"}, {"attendee_id": 1, "status": "present\u200b"},
                    {"attendee_id": "1", "status": "present"}, {"attendee_id": 1, "status": "present", "deputy_id": 0}]:
        with pytest.raises(Invalid):
            parse(payloads.VenueAttendance, payload, labels=labels)
    for confirm in ["123", "12345", "１２３４", "12 4", "\u0661\u0662\u0663\u0664"]:
        with pytest.raises(Invalid):
            parse(payloads.VenueApproveDevice, {"attendee_id": 1, "confirm": confirm}, labels=labels)
    with pytest.raises(Invalid):
        parse(payloads.VenuePaperTally, {"item_id": 1, "counts": {"满意\x00": 1}}, labels=labels)


# docs/protocol.md


def without_parentheses(cell: str) -> str:
    """A table cell without its (explanations), however nested: what is left names the fields."""
    while True:
        shorter = re.sub(r"\([^()]*\)", "", cell)
        if shorter == cell:
            return cell
        cell = shorter


def payload_tables() -> dict[str, set[str]]:
    """Event → the fields its row in docs/protocol.md names, from the event tables with a payload column."""
    events: dict[str, set[str]] = {}
    in_table = False
    for line in PROTOCOL.read_text(encoding="utf-8").splitlines():
        if line.startswith("| event | extra payload |") or line.startswith("| event | payload fields |"):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if not in_table or cells[0].startswith("---"):
            continue
        fields = {name for name in re.findall(r"`([^`]+)`", without_parentheses(cells[1]))
                  if re.fullmatch(r"[a-z_]+", name)}
        for event in re.findall(r"`([a-z_]+)`", cells[0]):
            assert event not in events, f"{event} is listed twice"
            events[event] = fields
    return events


def auth_table() -> dict[str, set[str]]:
    text = PROTOCOL.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (phone|listener|projector|host console / prompt|venue operator) \| `\{([^`]*)\}`", text,
                      re.MULTILINE)
    return {client: set(re.findall(r'"([a-z_]+)":', keys)) for client, keys in rows}


def declared(model: type[payloads.Payload]) -> set[str]:
    return set(model.model_fields) - {"rev"}  # every host payload's rev is described once, above the table


def test_the_protocol_tables_list_each_models_fields():
    tables = payload_tables()
    models = {**payloads.HOST_MODELS, **payloads.PHONE_MODELS, **payloads.OPERATOR_MODELS}
    assert set(models) == {*protocol.HOST_COMMANDS, protocol.SUBMIT_ANSWER, protocol.SUBMIT_RATING,
                           *protocol.OPERATOR_COMMANDS}
    assert set(tables) == set(models)
    for event, model in models.items():
        assert tables[event] == declared(model), event
    assert auth_table() == {"phone": declared(payloads.PhoneAuth), "listener": declared(payloads.AudienceAuth),
                            "projector": declared(payloads.ScreenAuth),
                            "host console / prompt": declared(payloads.HostAuth),
                            "venue operator": declared(payloads.OperatorAuth)}
