"""Every Socket.IO payload of the live meeting, declared once (docs/protocol.md's tables list the same fields; a
test compares them). Pure: pydantic models, no Flask.

Strict types (JSON's `true` is not the number 1, `"5"` is not 5), lengths and sizes, and text that is valid
UTF-8 without control characters: a lone surrogate such as `"\\ud800"` cannot be stored by PostgreSQL nor sent
as UTF-8, so it is refused here, before it can reach the answer writer's batch or a broadcast state. Keys a
model does not declare are ignored, never used. `parse` turns the first error into the Chinese refusal the
sender sees.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator
from pydantic_core import PydanticCustomError

MAX_TEXT = 200
MAX_LONG_TEXT = 4000
MAX_BLANK_ANSWER = 200
# C0 controls (and DEL) never belong in a name, a reason or an answer; lone surrogates cannot be encoded.
FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
FORBIDDEN_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # tab, \n, \r allowed


class Invalid(ValueError):
    """A payload that does not fit its model; the message is the Chinese reason for the sender."""


def _clean(pattern: re.Pattern[str]):  # type: ignore[no-untyped-def]
    def check(value: str) -> str:
        if pattern.search(value):
            raise ValueError("forbidden characters")
        return value.strip()

    return check


def _filled(value: str) -> str:
    if not value:
        raise PydanticCustomError("blank", "a required text is blank")
    return value


RowId = Annotated[int, Field(strict=True, gt=0, lt=2**31)]
Text = Annotated[str, Field(strict=True, max_length=MAX_TEXT), AfterValidator(_clean(FORBIDDEN))]
RequiredText = Annotated[Text, AfterValidator(_filled)]
LongText = Annotated[str, Field(strict=True, max_length=MAX_LONG_TEXT), AfterValidator(_clean(FORBIDDEN_MULTILINE))]
ClientId = Annotated[str, Field(strict=True, pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Token = Annotated[str, Field(strict=True, min_length=1, max_length=100), AfterValidator(_clean(FORBIDDEN))]
Number = Annotated[int, Field(strict=True)] | Annotated[float, Field(strict=True, allow_inf_nan=False)]
Mode = Literal["called", "all"]
QuestionTypeName = Literal["single", "multiple", "judge", "blank", "essay"]


class Payload(BaseModel):
    """Strict, immutable, undeclared keys ignored."""

    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


# ---- connect -----------------------------------------------------------------------------------------------

class PhoneAuth(Payload):
    """A phone: its personal code and the device token the server bound to it."""

    code: Annotated[Token, Field(max_length=32)]
    device: Token


class ScreenAuth(Payload):
    """A projector: the screen token from its secret URL."""

    screen: Token


class HostAuth(Payload):
    """A host console: the meeting, with the logged-in session cookie."""

    meeting_id: RowId


class AudienceAuth(Payload):
    """A phone joining as anonymous audience (旁听): the meeting's join code and a key naming its browser for
    the per-browser count (the page keeps it in localStorage; without one the address's count still holds)."""

    join: Annotated[str, Field(strict=True, pattern=r"^[0-9]{4,8}$")]
    browser: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z0-9_-]{0,32}$")] = ""


class OperatorAuth(Payload):
    """A venue operator's page (分会场管理员): the venue it keeps, with the logged-in session cookie. Its one key
    (`venue`) is no other model's, so `read_auth` cannot take it for a host console."""

    venue: RowId


AUTH_MODELS: tuple[type[Payload], ...] = (PhoneAuth, ScreenAuth, HostAuth, AudienceAuth, OperatorAuth)


def read_auth(auth: Any) -> Payload | None:
    """The first connect model `auth` fits, or None (the connection is refused)."""
    if isinstance(auth, dict):
        for model in AUTH_MODELS:
            if set(model.model_fields) <= auth.keys():
                try:
                    return model.model_validate(auth)
                except ValidationError:
                    return None
    return None


# ---- phone → server ----------------------------------------------------------------------------------------

BlankAnswer = Annotated[str, Field(strict=True, max_length=MAX_BLANK_ANSWER), AfterValidator(_clean(FORBIDDEN))]
Letters = Annotated[str, Field(strict=True, max_length=26, pattern=r"^[A-Z]*$")]


class SubmitAnswer(Payload):
    """`answer`: letters for 单选/多选, a boolean for 判断, one string per blank for 填空 (checked against the
    question by quiz/answers.py)."""

    round_id: RowId
    client_id: ClientId
    answer: Letters | StrictBool | Annotated[list[BlankAnswer], Field(max_length=50)] | None = None


class SubmitRating(Payload):
    """`ballot`: {"rating": "满意"…} or {criterion: 1–10, …} (checked against the item by quiz/review.py)."""

    item_id: RowId
    ballot: Annotated[dict[Annotated[Text, Field(max_length=30)], Annotated[Text, Field(max_length=10)] | int],
                      Field(max_length=20)]


# ---- host → server -----------------------------------------------------------------------------------------

class Command(Payload):
    """Every host command names the meeting revision the console last saw."""

    rev: Annotated[int, Field(strict=True, ge=0, lt=2**31)]


class SegmentCommand(Command):
    segment_id: RowId


class PoolCommand(Command):
    pool: Literal["secretaries", "position", "group"] = "secretaries"
    keyword: Text = ""
    every_unit_once: StrictBool = True
    favour_flagged: StrictBool = False
    venue_id: RowId | None = None  # only the people attending this venue; None: every venue


class HandOverCommand(Command):
    """Hand the presiding role (主会场) to another venue; the reason goes on the record."""

    venue_id: RowId
    reason: RequiredText


class RedrawCommand(PoolCommand):
    reason: RequiredText
    exclude: StrictBool = False  # leave the person out for the rest of the meeting


class EndMeetingCommand(Command):
    close_votes: StrictBool = False  # an open vote is closed as part of the end (else the end is refused)


class ApproveDeviceCommand(Command):
    attendee_id: RowId
    confirm: Annotated[RequiredText, Field(max_length=8)]  # the code the pending phone shows


class AttendeeCommand(Command):
    attendee_id: RowId


class DrawQuestionCommand(Command):
    mode: Mode = "all"
    types: Annotated[list[QuestionTypeName], Field(max_length=5)] = []
    category: Text = ""
    min_difficulty: Annotated[int, Field(strict=True, ge=1, le=5)] = 1
    max_difficulty: Annotated[int, Field(strict=True, ge=1, le=5)] = 5


class PickQuestionCommand(Command):
    question_id: RowId
    mode: Mode = "all"


class ExtendCommand(Command):
    seconds: Annotated[int, Field(strict=True, ge=1, le=600)]


class ReasonCommand(Command):
    reason: RequiredText


class ScoreOralCommand(Command):
    right: StrictBool | None = None
    ticked: Annotated[list[Annotated[int, Field(strict=True, ge=0, lt=100)]], Field(max_length=20)] | None = None

    @model_validator(mode="after")
    def _one_verdict(self) -> ScoreOralCommand:
        if self.right is None and self.ticked is None:
            raise ValueError("either right or ticked")
        return self


class AttendanceCommand(Command):
    attendee_id: RowId
    status: Text
    deputy_id: RowId | None = None


class ItemCommand(Command):
    item_id: RowId


class PartCommand(Command):
    part: Text


class SpeechCommand(Command):
    action: Text


class CommentCommand(Command):
    text: LongText = ""


class CommitmentCommand(Command):
    kind: Text
    text: RequiredText


class RateCommitmentCommand(Command):
    commitment_id: RowId
    kept: Text


Count = Number | Annotated[dict[Annotated[Text, Field(max_length=30)], Number], Field(max_length=20)]


class PaperTallyCommand(Command):
    item_id: RowId
    counts: Annotated[dict[Annotated[Text, Field(max_length=30)], Count], Field(max_length=20)]
    note: Text = ""


HOST_MODELS: dict[str, type[Command]] = {
    "start_meeting": Command, "end_meeting": EndMeetingCommand, "set_segment": SegmentCommand,
    "draw_person": PoolCommand,
    "redraw_person": RedrawCommand, "exclude_person": AttendeeCommand, "include_person": AttendeeCommand,
    "draw_question": DrawQuestionCommand, "pick_question": PickQuestionCommand, "show_question": Command,
    "pause_question": Command, "resume_question": Command, "extend_question": ExtendCommand,
    "close_question": Command, "reveal_answer": Command, "replace_question": ReasonCommand,
    "next_question": Command, "score_oral": ScoreOralCommand, "set_attendance": AttendanceCommand,
    "approve_device": ApproveDeviceCommand, "release_device": AttendeeCommand, "review_select": ItemCommand,
    "review_part": PartCommand, "review_speech": SpeechCommand, "review_open_vote": Command,
    "review_close_vote": Command, "review_reveal": Command, "review_comment": CommentCommand,
    "review_commitment": CommitmentCommand, "review_rate_commitment": RateCommitmentCommand,
    "paper_tally": PaperTallyCommand, "reopen_meeting": ReasonCommand, "hand_over_main": HandOverCommand,
}

# ---- venue operator → server (分会场管理员; no revision: the host moving on never refuses a venue's count) -----

AttendeeStatus = Literal["expected", "present", "leave", "absent", "deputized"]
PaperCount = Annotated[int, Field(strict=True, ge=0, le=100_000)]


class VenueAttendance(Payload):
    attendee_id: RowId
    status: AttendeeStatus
    deputy_id: RowId | None = None


class VenueApproveDevice(Payload):
    attendee_id: RowId
    confirm: Annotated[str, Field(strict=True, pattern=r"^[0-9]{4}$")]  # the four digits the new phone shows


class VenueAttendee(Payload):
    attendee_id: RowId


class VenueAnswerTally(Payload):
    """Paper answers to an 全员答题 round at this venue: `counts` per option letter (单选/多选) or 正确/错误 (判断);
    `correct` is counted by the server for 单选/判断 (the operator never needs the key before the reveal)."""

    round_id: RowId
    answered: PaperCount
    correct: PaperCount | None = None
    counts: Annotated[dict[Annotated[str, Field(strict=True, pattern=r"^([A-H]|正确|错误)$")], PaperCount],
                      Field(max_length=8)] = {}


class VenuePaperTally(Payload):
    """Paper ballots of the review item at this venue: {"满意": n, …} or {"ballots": n, "sums": {criterion: n}}."""

    item_id: RowId
    counts: Annotated[dict[Annotated[Text, Field(max_length=30)], Count], Field(max_length=20)]


OPERATOR_MODELS: dict[str, type[Payload]] = {
    "venue_set_attendance": VenueAttendance, "venue_approve_device": VenueApproveDevice,
    "venue_release_device": VenueAttendee, "venue_answer_tally": VenueAnswerTally,
    "venue_paper_tally": VenuePaperTally,
}
PHONE_MODELS: dict[str, type[Payload]] = {"submit_answer": SubmitAnswer, "submit_rating": SubmitRating}

LABELS = {"rev": "会议版本", "seconds": "延时秒数", "segment_id": "议程环节", "question_id": "题目编号",
          "attendee_id": "参会人员", "deputy_id": "代会人员", "min_difficulty": "最低难度",
          "max_difficulty": "最高难度", "reason": "原因", "keyword": "关键词", "category": "分类", "text": "内容",
          "item_id": "述职单位", "kind": "类别", "part": "述职环节", "action": "操作", "kept": "兑现情况",
          "note": "备注", "commitment_id": "承诺事项", "status": "出席状态", "confirm": "确认码", "pool": "点名范围",
          "types": "题型",
          "mode": "作答方式", "counts": "纸质票数据", "ticked": "评分", "right": "评分",
          "every_unit_once": "点名范围", "favour_flagged": "点名范围", "round_id": "题目",
          "answered": "作答人数", "correct": "答对人数", "venue_id": "会场"}


M = TypeVar("M", bound=Payload)


def parse(model: type[M], payload: Any, invalid: str = "参数无效", labels: dict[str, str] | None = None) -> M:
    """The payload as `model`, or `Invalid` naming the first wrong field in Chinese by its label (`invalid`
    when the payload is not an object, or the field has no label)."""
    if not isinstance(payload, dict):
        raise Invalid(invalid)
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise Invalid(_reason(error.errors()[0], invalid, labels or {})) from None


def _reason(error: Any, invalid: str, labels: dict[str, str]) -> str:
    field = error["loc"][0] if error["loc"] else None
    label = labels.get(field) if isinstance(field, str) else None
    if label is None:
        return invalid
    if error["type"] in ("missing", "blank"):
        return f"请填写{label}"
    if error["type"] == "string_too_long" and len(error["loc"]) == 1:
        return f"{label}最多{error['ctx']['max_length']}字"
    return f"{label}无效"
