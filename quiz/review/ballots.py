"""述职评议's rules: what a ballot may say, and what the ballots add up to. Pure.

Default: one overall rating, 满意 / 基本满意 / 不满意, worth 100 / 60 / 0. Or several criteria, each scored
1–10 with a weight; a ballot is then worth the weighted mean × 10. Ballots may be weighted by the rater's
roster group (e.g. 班子成员 ×2). Paper ballots come in as tallies. The result is a score from 0 to 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RATING_VALUES = {"满意": 100.0, "基本满意": 60.0, "不满意": 0.0}
PARTS = {"achievements": "述成绩", "problems": "晒问题", "plans": "谈打算"}
DEFAULT_REVIEW = {"criteria": [], "group_weights": {}, "min_ballots": 3, "speech_limit_s": 300}
MAX_CRITERIA = 8


class BadBallot(ValueError):
    """The ballot does not fit the item's criteria; the message is shown on the phone."""


def review_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """A meeting's review settings over the defaults."""
    return {**DEFAULT_REVIEW, **(settings or {})}


def read_ballot(criteria: list[dict[str, Any]], payload: Any) -> dict[str, Any]:
    """The ballot in canonical form: {"rating": "满意"} by default, else {criterion: 1–10, …} for every criterion."""
    if not isinstance(payload, dict):
        raise BadBallot("请完成评分")
    if not criteria:
        if not isinstance(payload.get("rating"), str) or payload["rating"] not in RATING_VALUES:
            raise BadBallot("请选择 满意 / 基本满意 / 不满意")
        return {"rating": payload["rating"]}
    scores = {}
    for criterion in criteria:
        value = payload.get(criterion["name"])
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            raise BadBallot(f"请为“{criterion['name']}”打 1–10 分")
        scores[criterion["name"]] = value
    return scores


def ballot_value(criteria: list[dict[str, Any]], scores: dict[str, Any]) -> float:
    """One ballot's worth on the 0–100 scale."""
    if not criteria:
        return RATING_VALUES[scores["rating"]]
    total_weight = sum(float(c.get("weight", 1)) for c in criteria) or 1.0
    return sum(float(c.get("weight", 1)) * scores[c["name"]] for c in criteria) / total_weight * 10


@dataclass
class Tally:
    """What the ballots add up to."""

    ballots: int = 0
    weight: float = 0.0
    weighted_sum: float = 0.0
    ratings: dict[str, int] = field(default_factory=dict)
    criteria_sums: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> float | None:
        """The weighted mean on the 0–100 scale, or None without ballots."""
        return round(self.weighted_sum / self.weight, 2) if self.weight else None


def tally(criteria: list[dict[str, Any]], ballots: list[tuple[str, dict[str, Any]]], group_weights: dict[str, float],
          paper: list[dict[str, Any]]) -> Tally:
    """Add up phone ballots ((rater group, scores) pairs) and paper tallies."""
    result = Tally(ratings={name: 0 for name in RATING_VALUES} if not criteria else {})
    for group, scores in ballots:
        weight = float(group_weights.get(group, 1.0))
        _add(result, criteria, scores, weight, 1)
    for counts in paper:
        if not criteria:
            for rating, number in counts.items():
                if rating in RATING_VALUES and int(number) > 0:
                    _add(result, criteria, {"rating": rating}, float(number), int(number))
        elif int(counts.get("ballots", 0)) > 0:
            number = int(counts["ballots"])
            means = {name: float(total) / number for name, total in counts.get("sums", {}).items()}
            _add(result, criteria, means, float(number), number)
    return result


def _add(result: Tally, criteria: list[dict[str, Any]], scores: dict[str, Any], weight: float, count: int) -> None:
    result.ballots += count
    result.weight += weight
    result.weighted_sum += weight * ballot_value(criteria, scores)
    if not criteria:
        result.ratings[scores["rating"]] += count
    else:
        for name, value in scores.items():
            result.criteria_sums[name] = result.criteria_sums.get(name, 0.0) + float(value) * count


def _weighted_lines(text: str, what: str) -> list[tuple[str, float]]:
    """Lines "名称:权重" (the weight optional, 1 by default) → (name, weight) pairs."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, _, weight = line.replace("：", ":").partition(":")
        try:
            value = float(weight) if weight.strip() else 1.0
        except ValueError as error:
            raise BadBallot(f"{what}第{number}行的权重“{weight.strip()}”不是数字") from error
        if not name.strip() or len(name.strip()) > 30 or not 0 < value <= 100:
            raise BadBallot(f"{what}第{number}行无效：名称须为1–30字，权重须大于0且不超过100")
        pairs.append((name.strip(), value))
    return pairs


def parse_criteria(text: str) -> list[dict[str, Any]]:
    """评议项目, one per line as "名称:权重"; none means the default overall rating."""
    criteria = [{"name": name, "weight": weight} for name, weight in _weighted_lines(text, "评议项目")]
    if len(criteria) > MAX_CRITERIA or len({c["name"] for c in criteria}) != len(criteria):
        raise BadBallot(f"评议项目最多{MAX_CRITERIA}项，且不能重名")
    return criteria


def parse_group_weights(text: str) -> dict[str, float]:
    """Rater-group weights, one per line as "分组:权重" (groups from the roster, e.g. 班子成员:2)."""
    return dict(_weighted_lines(text, "分组权重"))


def format_weighted(pairs: list[tuple[str, float]]) -> str:
    """The lines back for the form."""
    return "\n".join(f"{name}:{weight:g}" for name, weight in pairs)
