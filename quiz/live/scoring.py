"""Points for an answer. Pure and server-side only.

Settings (per meeting, `scoring` in its settings):
- `points` (default 10) for a fully correct answer; no negative marks.
- `partial_multiple`: a 多选 answer with no wrong letter earns points × chosen-correct / all-correct.
- `partial_blank`: a 填空 answer earns points × right blanks / all blanks.
- `speed_bonus` (default 0): up to this many extra points for a fully correct answer, falling linearly to 0
  at the deadline. Only fully correct answers get it, so a fast wrong or partial answer never beats a correct
  one (a partial answer is worth less than `points`, and gets no bonus).
- 简答 / oral: points × ticked key-point weights / all weights; or a host's right/wrong.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

DEFAULT_SCORING = {"points": 10, "partial_multiple": True, "partial_blank": True, "speed_bonus": 0}


@dataclass(frozen=True)
class Marked:
    """The outcome of marking: fully correct or not, and the points."""

    correct: bool
    score: float


def scoring_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The meeting's scoring settings over the defaults."""
    return {**DEFAULT_SCORING, **(settings or {})}


def normalise_text(text: str) -> str:
    """Width, case, spaces and punctuation do not matter when comparing a typed answer."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def mark(question: dict[str, Any], answer: Any, settings: dict[str, Any], elapsed_fraction: float = 1.0) -> Marked:
    """Mark an answer against the question snapshot (`type` is the Chinese label, as in exports)."""
    points = float(settings["points"])
    kind = question["type"]
    key = question["answer"]
    if kind in ("单选", "判断"):
        fraction = 1.0 if answer == key else 0.0
    elif kind == "多选":
        fraction = _multiple(key, answer, settings["partial_multiple"])
    elif kind == "填空":
        fraction = _blanks(key, answer, settings["partial_blank"])
    else:
        return oral(question, answer, settings)
    correct = fraction >= 1.0
    bonus = settings["speed_bonus"] * max(0.0, 1.0 - elapsed_fraction) if correct else 0.0
    return Marked(correct, round(points * fraction + bonus, 2))


def _multiple(key: str, answer: str, partial: bool) -> float:
    chosen = set(answer)
    if chosen == set(key):
        return 1.0
    if not partial or not chosen or chosen - set(key):
        return 0.0
    return len(chosen) / len(key)


def _blanks(key: list[list[str]], answer: list[str], partial: bool) -> float:
    right = sum(
        1 for accepted, given in zip(key, answer, strict=False)
        if normalise_text(given) in {normalise_text(a) for a in accepted}
    )
    if right == len(key):
        return 1.0
    return right / len(key) if partial else 0.0


def oral(question: dict[str, Any], verdict: Any, settings: dict[str, Any]) -> Marked:
    """A host's marking of an oral answer: {"ticked": [key-point indexes]} or {"right": bool}."""
    points = float(settings["points"])
    if isinstance(verdict, dict) and "right" in verdict:
        return Marked(bool(verdict["right"]), points if verdict["right"] else 0.0)
    key_points = question["answer"] if question["type"] == "简答" else []
    weights = [float(p["weight"]) for p in key_points]
    ticked = set(verdict.get("ticked", [])) if isinstance(verdict, dict) else set()
    total = sum(weights) or 1.0
    earned = sum(w for i, w in enumerate(weights) if i in ticked)
    return Marked(earned >= total, round(points * earned / total, 2))


def key_point_marks(question: dict[str, Any], verdict: Any) -> list[dict[str, Any]]:
    """The 简答 question's key points as the host marked them: [{"point", "weight", "ticked"}, …] (stored with
    the answer and shown in the minutes and the unit's breakdown); [] for a right / wrong verdict."""
    if question.get("type") != "简答" or not isinstance(verdict, dict) or "ticked" not in verdict:
        return []
    ticked = set(verdict.get("ticked") or [])
    return [{"point": str(p.get("point", "")), "weight": p.get("weight", 1), "ticked": index in ticked}
            for index, p in enumerate(question.get("answer") or []) if isinstance(p, dict)]
