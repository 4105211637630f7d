"""A generated question bank of any size, for the bank benchmark and the large-file tests.

Every question is distinct (its number is in the stem and options), valid, and of realistic length: stems of
40–120 characters, four options, an explanation and a source, spread over all five types and 12 categories.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from question_bank.kinds import QuestionType
from question_bank.rules import QuestionDraft

CATEGORIES = [f"党章党规/第{n}类" for n in range(1, 7)] + [f"理论学习/专题{n}" for n in range(1, 7)]
FILLER = "坚持和加强党的全面领导，全面从严治党，推进党的自我革命，锻造坚强有力的基层党组织"


def generated_drafts(count: int, seed: int = 7, first: int = 1) -> Iterator[QuestionDraft]:
    """`count` distinct valid questions numbered from `first`, the same for the same seed."""
    rng = random.Random(seed)
    kinds = list(QuestionType)
    for number in range(first, first + count):
        kind = kinds[number % len(kinds)]
        lead = FILLER[: rng.randint(20, len(FILLER))]
        yield _draft(kind, number, f"第{number}题：{lead}，", rng)


def _draft(kind: QuestionType, number: int, lead: str, rng: random.Random) -> QuestionDraft:
    common = {"explanation": f"解析{number}：{FILLER}。", "difficulty": rng.randint(1, 5),
              "category": CATEGORIES[number % len(CATEGORIES)], "tags": [f"标签{number % 17}"],
              "source": f"《中国共产党章程》第{number % 50 + 1}条"}
    options = [f"选项{number}-{letter}：{FILLER[:rng.randint(6, 24)]}" for letter in "ABCD"]
    if kind is QuestionType.SINGLE:
        return QuestionDraft(type=kind, stem=lead + "下列说法正确的是（　　）。", options=options,
                             answer=rng.choice("ABCD"), **common)
    if kind is QuestionType.MULTIPLE:
        return QuestionDraft(type=kind, stem=lead + "下列说法正确的有（　　）。", options=options, answer="ABD",
                             **common)
    if kind is QuestionType.JUDGE:
        return QuestionDraft(type=kind, stem=lead + "这一说法是否正确。", options=[], answer=bool(number % 2),
                             **common)
    if kind is QuestionType.BLANK:
        return QuestionDraft(type=kind, stem=lead + "必须坚持（　　）和（　　）。", options=[],
                             answer=[[f"答案{number}"], ["为民服务", "为民"]], **common)
    return QuestionDraft(type=kind, stem=lead + "请简述其主要内容。", options=[],
                         answer=[{"point": f"要点{number}", "weight": 2}, {"point": "从严治党", "weight": 1}], **common)
