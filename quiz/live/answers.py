"""What participants may see of a question, and what they may send back. Pure.

The participants' view never carries the answer key, the explanation or the source before the reveal.
"""

from __future__ import annotations

from typing import Any

from question_bank.kinds import OPTION_LETTERS
from question_bank.textnorm import count_blanks

MAX_BLANK_ANSWER = 200
PHONE_TYPES = ("单选", "多选", "判断", "填空")


class BadAnswer(ValueError):
    """The answer does not fit the question; the message is shown on the phone."""


def participant_view(question: dict[str, Any], revealed: bool) -> dict[str, Any]:
    """The question as phones and the projector see it: the key only once revealed."""
    view = {"type": question["type"], "stem": question["stem"], "options": list(question.get("options", [])),
            "blanks": count_blanks(question["stem"]) if question["type"] == "填空" else 0,
            "phone_answerable": question["type"] in PHONE_TYPES}
    if revealed:
        view.update(answer=question["answer"], explanation=question.get("explanation", ""),
                    source=question.get("source", ""))
    return view


def host_view(question: dict[str, Any]) -> dict[str, Any]:
    """Everything, for the host's console and the presiding prompt."""
    return participant_view(question, revealed=True) | {"difficulty": question.get("difficulty"),
                                                        "category": question.get("category", "")}


def read_answer(question: dict[str, Any], payload: Any) -> Any:
    """The submitted answer in canonical form, or `BadAnswer`."""
    kind = question["type"]
    if kind in ("单选", "多选"):
        return _letters(question, payload, single=kind == "单选")
    if kind == "判断":
        if not isinstance(payload, bool):
            raise BadAnswer("请选择“正确”或“错误”")
        return payload
    if kind == "填空":
        return _blanks(question, payload)
    raise BadAnswer("这道题请口头作答")


def _letters(question: dict[str, Any], payload: Any, single: bool) -> str:
    letters = OPTION_LETTERS[: len(question.get("options", []))]
    if not isinstance(payload, str) or not payload or len(payload) > len(letters):
        raise BadAnswer("请选择答案")
    chosen = "".join(sorted(set(payload)))
    if any(letter not in letters for letter in chosen) or len(chosen) != len(payload):
        raise BadAnswer("答案无效，请重新选择")
    if single and len(chosen) != 1:
        raise BadAnswer("单选题只能选一项")
    return chosen


def _blanks(question: dict[str, Any], payload: Any) -> list[str]:
    blanks = count_blanks(question["stem"])
    if not isinstance(payload, list) or len(payload) != blanks or not all(isinstance(p, str) for p in payload):
        raise BadAnswer(f"请填写全部{blanks}个空")
    if any(len(p) > MAX_BLANK_ANSWER for p in payload):
        raise BadAnswer(f"每个空最多{MAX_BLANK_ANSWER}字")
    if not any(p.strip() for p in payload):
        raise BadAnswer("请至少填写一个空")
    return [p.strip() for p in payload]
