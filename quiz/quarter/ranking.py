"""A quarter's score per unit, the ranking, the bottom flags and the proposed grades. Pure: standard library only.

Components, each on a 0–100 scale (stored and compared rounded to 0.01):

- 点名答题 (``called``): the mean, over the unit's called rounds of the quarter's meetings, of
  score / points × 100 (capped at 100; a called person who gave no answer scores 0). Rounds never shown
  (``preview``) and replaced rounds (``replaced``) are not counted.
- 全员答题 (``all``): the mean, over the unit's present attendees (and the deputies of its 代会 attendees) of
  every meeting, of each one's accuracy = correct / 全员答题 rounds shown while they were present.
- 述职评议 (``review``): the weighted mean value of the ballots on the unit's closed review items, phone and
  paper alike. A default ballot is worth 满意 100, 基本满意 60, 不满意 0; a criteria ballot is worth the
  criteria-weighted mean of score × 10. A ballot weighs its rater group's weight (a group not listed: 1;
  a paper ballot, which has no group: 1), as the live tally in `quiz.review.ballots` does.
- 日常考核 (``daily``): the imported score, as is.

Missing components — a component with no data for a unit is never silently 0. Looking at the meetings where
the component was held (the unit could have earned it there) and the unit's attendance at each:

- some meeting with 缺席 (absent without leave, or never checked in) → status ``absent``: it counts as 0;
- else present at some meeting (e.g. simply not drawn for 点名答题) → status ``none``: left out;
- else 请假 at every one → status ``excused``: left out;
- held at none of the unit's meetings (or 日常考核 not imported) → ``none``: left out.

A unit is present at a meeting when any of its people is 出席 or 代会 (a deputy stood in); otherwise on
leave when all of them are 请假; otherwise absent. Components left out drop out of the total, whose weights
are renormalised over the counted ones: total = Σ w·c / Σ w over counted components (None when Σ w is 0).

Ranking, bottom flags and grades: see `rank_units` and `proposed_grade`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quiz.review.ballots import RATING_VALUES

COMPONENTS = ("called", "all", "review", "daily")
COMPONENT_LABELS = {"called": "点名答题", "all": "全员答题", "review": "述职评议", "daily": "日常考核"}
DEFAULT_WEIGHTS: dict[str, float] = {"called": 40, "all": 20, "review": 40, "daily": 0}
DEFAULT_THRESHOLDS: dict[str, float] = {"excellent": 90, "weak": 60}
DEFAULT_BOTTOM_N = 3
EXCELLENT, FAIR, WEAK = "先进", "一般", "软弱涣散"
GRADES = (EXCELLENT, FAIR, WEAK)
OK, EXCUSED, ABSENT, NONE = "ok", "excused", "absent", "none"
STATUS_LABELS = {OK: "正常", EXCUSED: "请假", ABSENT: "缺席", NONE: "无数据"}
PRESENT, LEAVE = "present", "leave"
NO_DATA_BASIS = {"called": "未被点名", "all": "未参加全员答题", "review": "无有效评议票", "daily": "未导入"}


# Inputs


@dataclass(frozen=True)
class UnitInfo:
    """A unit as the ranking needs it; `position` is its display order (the last tie-break)."""

    unit_id: int
    name: str
    position: int


@dataclass(frozen=True)
class Attendance:
    """The statuses of a unit's people at one meeting (出席 present, 请假 leave, 缺席 absent, 代会 deputized,
    expected = never checked in, which counts as absent)."""

    meeting_id: int
    unit_id: int
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class CalledRound:
    """A 点名答题 round put to one of the unit's people; `score` None when no answer was stored."""

    meeting_id: int
    unit_id: int
    round_id: int
    score: float | None
    points: float
    person: str = ""
    stem: str = ""
    key_points: tuple[tuple[str, bool], ...] = ()  # an oral answer's key points as marked: (point, ticked)


@dataclass(frozen=True)
class AllRecord:
    """One present attendee's 全员答题 at one meeting: rounds shown while present, and how many correct."""

    meeting_id: int
    unit_id: int
    attendee_id: int
    shown: int
    correct: int
    person: str = ""


@dataclass(frozen=True)
class BallotFact:
    """One anonymous ballot: its rater group and its scores (no rater, no token)."""

    group: str
    scores: Mapping[str, Any]


@dataclass(frozen=True)
class ReviewVote:
    """The vote on one closed review item: criteria as (name, weight) (empty: the default rating),
    group weights, the phone ballots and the paper tallies."""

    meeting_id: int
    unit_id: int
    item_id: int
    criteria: tuple[tuple[str, float], ...] = ()
    group_weights: Mapping[str, float] = field(default_factory=dict)
    ballots: tuple[BallotFact, ...] = ()
    papers: tuple[Mapping[str, Any], ...] = ()
    min_ballots: int = 3
    label: str = ""


@dataclass(frozen=True)
class Settings:
    """A quarter's weights per component, grade thresholds and how many units are flagged at the bottom."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    bottom_n: int = DEFAULT_BOTTOM_N

    @classmethod
    def from_stored(cls, weights: Mapping[str, float] | None, thresholds: Mapping[str, float] | None,
                    bottom_n: int | None) -> Settings:
        """Stored settings over the defaults (a quarter stores only what staff changed)."""
        return cls({**DEFAULT_WEIGHTS, **(weights or {})}, {**DEFAULT_THRESHOLDS, **(thresholds or {})},
                   DEFAULT_BOTTOM_N if bottom_n is None else bottom_n)


@dataclass
class QuarterInput:
    """Everything a quarter's scores are computed from. `held` names, per component, the meetings where it
    was held (where a unit could have earned it)."""

    units: list[UnitInfo]
    attendance: list[Attendance] = field(default_factory=list)
    called: list[CalledRound] = field(default_factory=list)
    all_rounds: list[AllRecord] = field(default_factory=list)
    reviews: list[ReviewVote] = field(default_factory=list)
    daily: dict[int, float] = field(default_factory=dict)
    held: dict[str, set[int]] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    previous_bottom: frozenset[int] = frozenset()


# Outputs


@dataclass
class Component:
    """One component of a unit's score: value 0–100 (0 when absent, None when left out), status, the
    configured weight and a short Chinese basis ("3次点名，平均8.5分")."""

    value: float | None
    status: str
    weight: float
    basis: str

    @property
    def counted(self) -> bool:
        """Whether the component enters the total."""
        return self.value is not None and self.status in (OK, ABSENT)

    def as_json(self) -> dict[str, Any]:
        """The stored shape: {"value", "status", "weight", "basis"}."""
        return {"value": self.value, "status": self.status, "weight": self.weight, "basis": self.basis}


@dataclass
class UnitScore:
    """A unit's quarter result: components, total, rank (None when unranked), flags and proposed grade."""

    unit_id: int
    name: str
    position: int
    components: dict[str, Component]
    total: float | None
    rank: int | None = None
    bottom: bool = False
    repeat_bottom: bool = False
    proposed_grade: str = ""


# Attendance


def unit_presence(statuses: Iterable[str]) -> str | None:
    """present if anyone 出席 or 代会; else leave if everyone 请假; else absent. None for nobody."""
    statuses = list(statuses)
    if not statuses:
        return None
    if any(status in (PRESENT, "deputized") for status in statuses):
        return PRESENT
    return LEAVE if all(status == LEAVE for status in statuses) else ABSENT


def _presences(data: QuarterInput) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    for fact in data.attendance:
        presence = unit_presence(fact.statuses)
        if presence is not None:
            found[(fact.meeting_id, fact.unit_id)] = presence
    return found


# Component values


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def called_value(rounds: Sequence[CalledRound]) -> tuple[float, str] | None:
    """点名答题: mean of score / points × 100 over the rounds, with its basis text."""
    if not rounds:
        return None
    shares = [min(100.0, 100.0 * (r.score or 0.0) / r.points) if r.points > 0 else 0.0 for r in rounds]
    mean_score = sum(r.score or 0.0 for r in rounds) / len(rounds)
    points = {r.points for r in rounds}
    full = f"（满分{_number(points.pop())}分）" if len(points) == 1 else ""
    return sum(shares) / len(shares), f"{len(rounds)}次点名，平均{_number(mean_score)}分{full}"


def all_value(records: Sequence[AllRecord]) -> tuple[float, str] | None:
    """全员答题: mean over present attendees of their accuracy (attendees shown no round are left out)."""
    seen = [r for r in records if r.shown > 0]
    if not seen:
        return None
    accuracy = sum(100.0 * r.correct / r.shown for r in seen) / len(seen)
    correct, shown = sum(r.correct for r in seen), sum(r.shown for r in seen)
    return accuracy, f"{len(seen)}人次作答，答对{correct}/{shown}题次"


def _as_score(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return min(10.0, max(0.0, float(value)))


def ballot_value(scores: Mapping[str, Any], criteria: Sequence[tuple[str, float]]) -> float | None:
    """A ballot's worth 0–100: the default rating (满意 100, 基本满意 60, 不满意 0), or the criteria-weighted
    mean of score × 10 over the criteria it scored. None for a ballot with nothing usable."""
    if not criteria:
        return RATING_VALUES.get(str(scores.get("rating", "")))
    pairs = [(weight, 10.0 * score) for name, weight in criteria
             if (score := _as_score(scores.get(name))) is not None]
    total_weight = sum(weight for weight, _ in pairs)
    return sum(weight * value for weight, value in pairs) / total_weight if total_weight > 0 else None


def paper_ballots(counts: Mapping[str, Any], criteria: Sequence[tuple[str, float]]) -> list[tuple[float, int]]:
    """A paper tally as (value, number of ballots) pairs: per rating, or the tally's mean ballot."""
    if not criteria:
        return [(RATING_VALUES[rating], int(counts.get(rating) or 0)) for rating in RATING_VALUES
                if int(counts.get(rating) or 0) > 0]
    number = int(counts.get("ballots") or 0)
    sums = counts.get("sums") or {}
    if number <= 0:
        return []
    value = ballot_value({name: total / number for name, total in sums.items()
                          if isinstance(total, int | float)}, criteria)
    return [] if value is None else [(value, number)]


def vote_tally(vote: ReviewVote) -> tuple[float, float, int, int]:
    """(Σ weight × value, Σ weight, phone ballots counted, paper ballots counted) of one item's vote."""
    weighted = weights = 0.0
    phone = paper = 0
    for ballot in vote.ballots:
        value = ballot_value(ballot.scores, vote.criteria)
        if value is None:
            continue
        weight = float(vote.group_weights.get(ballot.group, 1.0))
        weighted, weights, phone = weighted + weight * value, weights + weight, phone + 1
    for counts in vote.papers:  # paper ballots belong to no rater group: each weighs 1
        for value, number in paper_ballots(counts, vote.criteria):
            weighted, weights, paper = weighted + number * value, weights + number, paper + number
    return weighted, weights, phone, paper


def review_value(votes: Sequence[ReviewVote]) -> tuple[float, str] | None:
    """述职评议: the weighted mean ballot value over all the unit's items, phone and paper ballots pooled."""
    tallies = [vote_tally(vote) for vote in votes]
    weighted, weights = sum(t[0] for t in tallies), sum(t[1] for t in tallies)
    phone, paper = sum(t[2] for t in tallies), sum(t[3] for t in tallies)
    if weights <= 0:
        return None
    paper_text = f"（含纸质票{paper}张）" if paper else ""
    return weighted / weights, f"{phone + paper}张评议票{paper_text}"


def review_breakdown(vote: ReviewVote) -> dict[str, Any]:
    """Counts behind one item's vote, never who gave which ballot: per rating (or the mean per criterion),
    per rater group (a group with fewer ballots than the item's minimum is not shown apart), paper tallies."""
    per_group: dict[str, list[BallotFact]] = defaultdict(list)
    for ballot in vote.ballots:
        per_group[ballot.group].append(ballot)
    groups = []
    for group in sorted(per_group):
        ballots = per_group[group]
        shown = len(ballots) >= vote.min_ballots
        groups.append({"group": group or "未分组", "ballots": len(ballots), "shown": shown,
                       "weight": float(vote.group_weights.get(group, 1.0)),
                       "summary": _summary(ballots, vote.criteria) if shown else {}})
    weighted, weights, phone, paper = vote_tally(vote)
    return {"label": vote.label, "phone": phone, "paper": paper, "criteria": [name for name, _ in vote.criteria],
            "summary": _summary(vote.ballots, vote.criteria), "groups": groups,
            "papers": [dict(counts) for counts in vote.papers],
            "value": round(weighted / weights, 2) if weights > 0 else None}


def _summary(ballots: Sequence[BallotFact], criteria: Sequence[tuple[str, float]]) -> dict[str, Any]:
    if not criteria:
        counted = Counter(str(b.scores.get("rating", "")) for b in ballots)
        return {rating: counted.get(rating, 0) for rating in RATING_VALUES}
    summary = {}
    for name, _weight in criteria:
        scores = [s for b in ballots if (s := _as_score(b.scores.get(name))) is not None]
        summary[name] = round(sum(scores) / len(scores), 2) if scores else None
    return summary


# One unit


def _missing(key: str, unit_id: int, data: QuarterInput, presences: dict[tuple[int, int], str]) -> tuple[str, str]:
    """The status and basis of a component without data, by the unit's attendance where it was held."""
    seen = [presences[(m, unit_id)] for m in sorted(data.held.get(key, ())) if (m, unit_id) in presences]
    if not seen:
        return NONE, "本季度未开展" if key != "daily" else NO_DATA_BASIS["daily"]
    absences, leaves = seen.count(ABSENT), seen.count(LEAVE)
    if absences:
        return ABSENT, f"缺席{absences}次会议，计0分"
    if PRESENT in seen:
        return NONE, NO_DATA_BASIS[key]
    return EXCUSED, f"请假{leaves}次会议，不计入"


def _measure(key: str, unit_id: int, data: QuarterInput) -> tuple[float, str] | None:
    if key == "called":
        return called_value([r for r in data.called if r.unit_id == unit_id])
    if key == "all":
        return all_value([r for r in data.all_rounds if r.unit_id == unit_id])
    if key == "review":
        return review_value([v for v in data.reviews if v.unit_id == unit_id])
    score = data.daily.get(unit_id)
    return None if score is None else (float(score), "导入分数")


def _component(key: str, unit_id: int, data: QuarterInput, presences: dict[tuple[int, int], str]) -> Component:
    weight = float(data.settings.weights.get(key, 0))
    measured = _measure(key, unit_id, data)
    if measured is not None:
        value, basis = measured
        absences = sum(1 for m in data.held.get(key, ()) if presences.get((m, unit_id)) == ABSENT)
        if absences and key != "daily":
            basis += f"（另缺席{absences}次会议）"
        return Component(round(value, 2), OK, weight, basis)
    status, basis = _missing(key, unit_id, data, presences)
    return Component(0.0 if status == ABSENT else None, status, weight, basis)


def weighted_total(components: Mapping[str, Component]) -> float | None:
    """Σ w·c / Σ w over the counted components, rounded to 0.01; None when nothing counted carries weight."""
    counted = [c for c in components.values() if c.counted and c.weight > 0]
    weights = sum(c.weight for c in counted)
    if weights <= 0:
        return None
    return round(sum(c.weight * (c.value or 0.0) for c in counted) / weights, 2)


def score_unit(unit: UnitInfo, data: QuarterInput, presences: dict[tuple[int, int], str]) -> UnitScore:
    """One unit's components and total (not yet ranked)."""
    components = {key: _component(key, unit.unit_id, data, presences) for key in COMPONENTS}
    return UnitScore(unit.unit_id, unit.name, unit.position, components, weighted_total(components))


# The quarter


def proposed_grade(total: float | None, thresholds: Mapping[str, float]) -> str:
    """先进 at or above `excellent` (90), 软弱涣散 below `weak` (60), 一般 between; "" without a total."""
    if total is None:
        return ""
    if total >= thresholds.get("excellent", DEFAULT_THRESHOLDS["excellent"]):
        return EXCELLENT
    return WEAK if total < thresholds.get("weak", DEFAULT_THRESHOLDS["weak"]) else FAIR


def _tie_value(score: UnitScore, key: str) -> float:
    component = score.components.get(key)
    return component.value if component is not None and component.counted and component.value is not None else -1.0


def absences(score: UnitScore) -> int:
    """How many of the unit's components are 缺席 (absent without leave, counted as 0)."""
    return sum(1 for component in score.components.values() if component.status == ABSENT)


def rank_key(score: UnitScore) -> tuple[float, int, float, float, float, int, int]:
    """The sort key of `rank_units` (smaller sorts first)."""
    return (-(score.total or 0.0), absences(score), -_tie_value(score, "review"), -_tie_value(score, "called"),
            -_tie_value(score, "all"), score.position, score.unit_id)


def rank_units(scores: list[UnitScore], bottom_n: int,
               previous_bottom: frozenset[int] = frozenset()) -> list[UnitScore]:
    """Rank the units that have a total, flag the bottom ones, and return every unit in rank order.

    Order (each rule only decides what the ones before it left tied):
      1. higher total (as stored, rounded to 0.01);
      2. fewer components 缺席 (absent without leave): a unit that came and scored 0 ranks above one that
         stayed away without leave and was given its 0;
      3. higher 述职评议;
      4. higher 点名答题;
      5. higher 全员答题 — in 3–5 a component left out (excused / none) sorts below any value, and an
         absent one counts as its 0;
      6. earlier in the units' display order (Unit.position), then the lower unit id.
    Ranks are 1..N with no shared ranks. The last `bottom_n` ranked units are flagged bottom (排名靠后);
    a bottom unit also bottom in the previous quarter is flagged repeat_bottom (连续靠后). Units without a
    total get no rank, no flag and no grade, and are listed after the ranked ones in display order.
    """
    ranked = sorted((s for s in scores if s.total is not None), key=rank_key)
    unranked = sorted((s for s in scores if s.total is None), key=lambda s: (s.position, s.unit_id))
    first_bottom = len(ranked) - max(0, bottom_n)
    for index, score in enumerate(ranked):
        score.rank = index + 1
        score.bottom = index >= first_bottom
        score.repeat_bottom = score.bottom and score.unit_id in previous_bottom
    for score in unranked:
        score.rank, score.bottom, score.repeat_bottom = None, False, False
    return ranked + unranked


def compute_quarter(data: QuarterInput) -> list[UnitScore]:
    """Every unit's quarter result, ranked, flagged and with its proposed grade, in rank order."""
    presences = _presences(data)
    scores = [score_unit(unit, data, presences) for unit in data.units]
    ranked = rank_units(scores, data.settings.bottom_n, data.previous_bottom)
    for score in ranked:
        score.proposed_grade = proposed_grade(score.total, data.settings.thresholds)
    return ranked
