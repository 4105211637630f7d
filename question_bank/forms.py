"""The editor's question form ⇄ a draft. Pure: takes and returns plain values, no Flask.

Answers are entered the natural way for each type: ticked options for choices, 正确/错误 for 判断, one
line per blank for 填空 (alternatives separated by `/`), one line per key point for 简答 (optionally
ending in `:权重`). Problems are returned per form field, ready to show beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from question_bank.kinds import DEFAULT_DIFFICULTY, OPTION_LETTERS, QuestionType
from question_bank.rules import QuestionDraft, validate
from question_bank.textnorm import clean_cell
from question_bank.transfer.cells import CellError, format_answer, parse_answer, parse_tags

OPTION_FIELDS = [f"option_{letter}" for letter in OPTION_LETTERS]


@dataclass
class QuestionForm:
    """What the form shows: field values and the errors beside each field."""

    values: dict[str, str | list[str]]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_error(self, name: str, message: str) -> None:
        """Attach a message to a field."""
        self.errors.setdefault(name, []).append(message)


def empty_form() -> QuestionForm:
    """A blank form for a new single-choice question."""
    return form_from_draft(QuestionDraft(type=QuestionType.SINGLE, stem="", answer="", options=["", "", "", ""]))


def form_from_draft(draft: QuestionDraft) -> QuestionForm:
    """The form for editing a stored question."""
    values: dict[str, str | list[str]] = {
        "type": draft.type.value, "stem": draft.stem, "explanation": draft.explanation,
        "difficulty": str(draft.difficulty), "category": draft.category, "tags": "、".join(draft.tags),
        "source": draft.source, "enabled": "1" if draft.enabled else "",
        "correct": list(draft.answer) if draft.type.is_choice else [],
        "judgement": ("true" if draft.answer else "false") if draft.type is QuestionType.JUDGE else "",
        "lines": _answer_lines(draft),
    }
    for name, option in zip(OPTION_FIELDS, draft.options, strict=False):
        values[name] = option
    return QuestionForm(values)


def _answer_lines(draft: QuestionDraft) -> str:
    if draft.type in (QuestionType.BLANK, QuestionType.ESSAY) and draft.answer:
        return format_answer(draft.type, draft.answer).replace("|", "\n").replace("\\\n", "|")
    return ""


def draft_from_form(form: Mapping[str, str], getlist: Callable[[str], list[str]]) -> tuple[QuestionDraft | None,
                                                                                           QuestionForm]:
    """Read a submitted form; return the draft when it is valid, and the form with its errors either way."""
    values: dict[str, str | list[str]] = {name: clean_cell(form.get(name, "")) for name in (
        "type", "stem", "explanation", "difficulty", "category", "tags", "source", "enabled", "judgement", "lines",
        *OPTION_FIELDS)}
    values["correct"] = [letter for letter in getlist("correct") if letter in OPTION_LETTERS]
    state = QuestionForm(values)
    try:
        qtype = QuestionType(values["type"])
    except ValueError:
        state.add_error("type", "请选择题型")
        return None, state
    answer = _read_answer(qtype, values, state)
    difficulty = str(values["difficulty"])
    draft = QuestionDraft(
        type=qtype, stem=str(values["stem"]), answer=answer,
        options=_options(values) if qtype.is_choice else [], explanation=str(values["explanation"]),
        difficulty=int(difficulty) if difficulty.isdigit() else DEFAULT_DIFFICULTY,
        category=str(values["category"]), tags=parse_tags(str(values["tags"])), source=str(values["source"]),
        enabled=values["enabled"] == "1",
    )
    for error in validate(draft):
        name = OPTION_FIELDS[error.index] if error.field == "options" and error.index is not None else error.field
        if name == "answer" and qtype.is_choice and not values["correct"]:
            error = replace(error, message="请在选项左侧勾选正确答案")
        state.add_error(name, error.message)
    return (None if state.errors else draft), state


def _options(values: dict) -> list[str]:
    options = [str(values[name]) for name in OPTION_FIELDS]
    while options and not options[-1]:
        options.pop()
    return options


def _read_answer(qtype: QuestionType, values: dict, state: QuestionForm):  # type: ignore[no-untyped-def]
    if qtype.is_choice:
        return "".join(sorted(values["correct"]))
    if qtype is QuestionType.JUDGE:
        return {"true": True, "false": False}.get(str(values["judgement"]))
    lines = [line.strip().replace("|", "\\|") for line in str(values["lines"]).splitlines() if line.strip()]
    if not lines:
        state.add_error("answer", "请填写答案" if qtype is QuestionType.BLANK else "请至少填写一个要点")
        return None
    try:
        return parse_answer(qtype, "|".join(lines))
    except CellError as error:
        state.add_error("answer", error.problem.reason)
        return None
