"""Validation of a question, shared by every way in (import, CLI, editor). Pure.

`validate(draft)` returns field errors with Chinese messages; an empty list means the question may be
stored. Answers are in their canonical form here (see `QuestionDraft.answer`); parsing the many spellings
people type is `transfer.cells`' job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from question_bank.kinds import MAX_DIFFICULTY, MAX_OPTIONS, MIN_DIFFICULTY, OPTION_LETTERS, QuestionType
from question_bank.textnorm import count_blanks

MAX_STEM = 2000
MAX_OPTION = 500
MAX_EXPLANATION = 4000
MAX_SOURCE = 500
MAX_ANSWER_TEXT = 500
MAX_BLANKS = 20
MAX_ALTERNATIVES = 10
MAX_KEY_POINTS = 20
MAX_WEIGHT = 100
MAX_TAGS = 20
MAX_TAG = 30
MAX_CATEGORY_DEPTH = 5
MAX_CATEGORY_SEGMENT = 40
# Values a broken exporter writes instead of an answer; storing them would mark every phone wrong.
TAG_FORBIDDEN = ",，、;；\n"
GARBAGE_ANSWERS = frozenset({"[object object]", "undefined", "null", "nan", "none", "#n/a", "#value!"})


@dataclass
class QuestionDraft:
    """A question as entered, before it is stored.

    `answer` by type: 单选 one letter ("B"); 多选 letters in order ("ABD"); 判断 a bool; 填空 one list of
    accepted answers per blank ([["信念坚定"], ["为民服务", "为民"]]); 简答 key points
    ([{"point": "…", "weight": 1}]).
    """

    type: QuestionType
    stem: str
    answer: Any
    options: list[str] = field(default_factory=list)
    explanation: str = ""
    difficulty: int = 3
    category: str = ""
    tags: list[str] = field(default_factory=list)
    source: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class FieldError:
    """One problem: the field it is in (and the option index, for an option), and what is wrong."""

    field: str
    message: str
    index: int | None = None


def validate(draft: QuestionDraft) -> list[FieldError]:
    """Every problem with the draft, in field order; empty when it may be stored."""
    errors = _check_stem(draft.stem) + _check_options(draft)
    errors += ANSWER_CHECKS[draft.type](draft)
    errors += _check_lengths(draft) + _check_category(draft.category) + _check_tags(draft.tags)
    if not MIN_DIFFICULTY <= draft.difficulty <= MAX_DIFFICULTY:
        errors.append(FieldError("difficulty", f"难度须为{MIN_DIFFICULTY}–{MAX_DIFFICULTY}"))
    return errors


def _too_long(what: str, text: str, limit: int) -> str:
    return f"{what}过长（最多{limit}字，现有{len(text)}字）"


def _check_stem(stem: str) -> list[FieldError]:
    if not stem.strip():
        return [FieldError("stem", "请填写题干")]
    if len(stem) > MAX_STEM:
        return [FieldError("stem", _too_long("题干", stem, MAX_STEM))]
    return []


def _check_options(draft: QuestionDraft) -> list[FieldError]:
    options = draft.options
    if not draft.type.is_choice:
        if options:
            return [FieldError("options", f"{draft.type.label}题不应有选项")]
        return []
    errors: list[FieldError] = []
    if len(options) > MAX_OPTIONS:
        errors.append(FieldError("options", f"选项最多{MAX_OPTIONS}个"))
    if len(options) < 2:
        errors.append(FieldError("options", f"{draft.type.label}题至少需要2个选项"))
    seen: dict[str, int] = {}
    for index, option in enumerate(options[:MAX_OPTIONS]):
        if not option.strip():
            errors.append(FieldError("options", f"选项{OPTION_LETTERS[index]}为空，选项须从A起连续填写", index))
        elif len(option) > MAX_OPTION:
            errors.append(FieldError("options", _too_long(f"选项{OPTION_LETTERS[index]}", option, MAX_OPTION),
                                     index))
        elif option.strip() in seen:
            first = OPTION_LETTERS[seen[option.strip()]]
            errors.append(FieldError("options", f"选项{OPTION_LETTERS[index]}与选项{first}相同", index))
        else:
            seen[option.strip()] = index
    return errors


def _check_choice_answer(draft: QuestionDraft) -> list[FieldError]:
    answer = draft.answer
    if not isinstance(answer, str) or not answer:
        return [FieldError("answer", "请填写答案（选项字母，如 A 或 ABD）")]
    letters = OPTION_LETTERS[: len(draft.options)]
    stray = [letter for letter in answer if letter not in letters]
    if stray:
        return [FieldError("answer", f"答案中的“{''.join(stray)}”没有对应的选项")]
    if len(set(answer)) != len(answer):
        return [FieldError("answer", "答案中有重复的字母")]
    if draft.type is QuestionType.SINGLE and len(answer) != 1:
        return [FieldError("answer", f"单选题必须有且只有一个正确答案（现为“{answer}”）")]
    if draft.type is QuestionType.MULTIPLE and len(answer) < 2:
        return [FieldError("answer", "多选题至少需要2个正确答案；只有一个正确答案请用单选题")]
    return []


def _check_judge_answer(draft: QuestionDraft) -> list[FieldError]:
    if not isinstance(draft.answer, bool):
        return [FieldError("answer", "判断题的答案须为“正确”或“错误”")]
    return []


def _check_blank_answer(draft: QuestionDraft) -> list[FieldError]:
    blanks = count_blanks(draft.stem)
    answer = draft.answer
    if blanks == 0:
        return [FieldError("stem", "填空题的题干中没有标出空位（用（　　）或 ____ 标出）")]
    if blanks > MAX_BLANKS:
        return [FieldError("stem", f"填空题最多{MAX_BLANKS}个空")]
    if not isinstance(answer, list) or not all(isinstance(b, list) for b in answer):
        return [FieldError("answer", "请填写每个空的答案")]
    if len(answer) != blanks:
        return [FieldError("answer", f"题干中有{blanks}个空，答案有{len(answer)}个（各空的答案之间用 | 分隔）")]
    errors = []
    for number, accepted in enumerate(answer, start=1):
        problem = _blank_problem(accepted)
        if problem:
            errors.append(FieldError("answer", f"第{number}个空{problem}"))
    return errors


def _blank_problem(accepted: list[Any]) -> str | None:
    texts = [a for a in accepted if isinstance(a, str) and a.strip()]
    if not texts or len(texts) != len(accepted):
        return "没有答案"
    if len(texts) > MAX_ALTERNATIVES:
        return f"的备选答案最多{MAX_ALTERNATIVES}个"
    for text in texts:
        if text.strip().casefold() in GARBAGE_ANSWERS:
            return f"的答案“{text}”无效（疑似导出程序出错），请改为正确答案"
        if len(text) > MAX_ANSWER_TEXT:
            return f"的答案过长（最多{MAX_ANSWER_TEXT}字）"
    return None


def _check_essay_answer(draft: QuestionDraft) -> list[FieldError]:
    points = draft.answer
    if not isinstance(points, list) or not points:
        return [FieldError("answer", "简答题至少需要一个要点（各要点之间用 | 分隔）")]
    if len(points) > MAX_KEY_POINTS:
        return [FieldError("answer", f"要点最多{MAX_KEY_POINTS}个")]
    errors = []
    for number, point in enumerate(points, start=1):
        text = point.get("point", "") if isinstance(point, dict) else ""
        weight = point.get("weight") if isinstance(point, dict) else None
        if not isinstance(text, str) or not text.strip():
            errors.append(FieldError("answer", f"第{number}个要点为空"))
        elif len(text) > MAX_ANSWER_TEXT:
            errors.append(FieldError("answer", f"第{number}个要点过长（最多{MAX_ANSWER_TEXT}字）"))
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= MAX_WEIGHT:
            errors.append(FieldError("answer", f"第{number}个要点的权重须为大于0、不超过{MAX_WEIGHT}的数"))
    return errors


ANSWER_CHECKS = {
    QuestionType.SINGLE: _check_choice_answer,
    QuestionType.MULTIPLE: _check_choice_answer,
    QuestionType.JUDGE: _check_judge_answer,
    QuestionType.BLANK: _check_blank_answer,
    QuestionType.ESSAY: _check_essay_answer,
}


def _check_lengths(draft: QuestionDraft) -> list[FieldError]:
    errors = []
    if len(draft.explanation) > MAX_EXPLANATION:
        errors.append(FieldError("explanation", _too_long("解析", draft.explanation, MAX_EXPLANATION)))
    if len(draft.source) > MAX_SOURCE:
        errors.append(FieldError("source", _too_long("出处", draft.source, MAX_SOURCE)))
    return errors


def split_category(path: str) -> list[str]:
    """The segments of a category path such as 党章党规/纪律处分条例 (either slash, spaces trimmed)."""
    return [segment.strip() for segment in path.replace("／", "/").split("/")] if path.strip() else []


def _check_category(path: str) -> list[FieldError]:
    segments = split_category(path)
    if any(not segment for segment in segments):
        return [FieldError("category", "分类路径中有空的层级（如“党章党规//条例”）")]
    if len(segments) > MAX_CATEGORY_DEPTH:
        return [FieldError("category", f"分类最多{MAX_CATEGORY_DEPTH}级")]
    if any(len(segment) > MAX_CATEGORY_SEGMENT for segment in segments):
        return [FieldError("category", f"每级分类名最多{MAX_CATEGORY_SEGMENT}字")]
    return []


def _check_tags(tags: list[str]) -> list[FieldError]:
    if len(tags) > MAX_TAGS:
        return [FieldError("tags", f"标签最多{MAX_TAGS}个")]
    long = [tag for tag in tags if len(tag) > MAX_TAG]
    if long:
        return [FieldError("tags", f"标签“{long[0][:10]}…”过长（每个最多{MAX_TAG}字）")]
    # These separate tags in a spreadsheet cell; inside a tag they would split it on the next import.
    if any(not tag.strip() or any(ch in TAG_FORBIDDEN for ch in tag) for tag in tags):
        return [FieldError("tags", "标签不能为空，也不能含有逗号、顿号、分号或换行")]
    return []
