"""随机点名: who may be called, and the random pick. Pure; the caller records seed and candidate list, which
replay the draw exactly (candidates are sorted by id before the seeded pick)."""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass

POOL_SECRETARIES = "secretaries"  # the checked-in accountable secretaries, or their 代会 deputies
POOL_POSITION = "position"  # present attendees whose position contains a keyword (组织部部长, 副书记 …)
POOL_GROUP = "group"  # present attendees in a roster group (班子成员 …)
POOL_KINDS = {POOL_SECRETARIES: "各单位书记（含代会人员）", POOL_POSITION: "按职务", POOL_GROUP: "按分组"}


@dataclass(frozen=True)
class AttendeeFacts:
    """What the draw needs to know of an attendee."""

    id: int
    unit_id: int | None
    status: str
    is_secretary: bool = False
    deputy_id: int | None = None
    position: str = ""
    groups: tuple[str, ...] = ()
    anonymous: bool = False
    excluded: bool = False
    venue_id: int | None = None  # the venue they attend (the convening hall's id, not None, when it has one)


@dataclass(frozen=True)
class Pool:
    """The host's choice of whom to call from; `favour_units` (last quarter's bottom units) are drawn
    `favour_weight` times as often."""

    kind: str = POOL_SECRETARIES
    keyword: str = ""
    every_unit_once: bool = True
    favour_units: frozenset[int] = frozenset()
    favour_weight: int = 3
    venue_id: int | None = None  # call only someone attending this venue (None: every venue)


class NobodyToCall(ValueError):
    """The pool is empty once exclusions and earlier calls are taken out."""


def pool_members(attendees: list[AttendeeFacts], pool: Pool, participating_units: set[int]) -> list[AttendeeFacts]:
    """Everyone the pool names who is present to answer (a secretary's 代会 deputy stands in for them); with a
    venue, only those attending it (the person who would answer: a deputy's venue, not the secretary's)."""
    members = _named(attendees, pool, participating_units)
    if pool.venue_id is None:
        return members
    return [m for m in members if m.venue_id == pool.venue_id]


def _named(attendees: list[AttendeeFacts], pool: Pool, participating_units: set[int]) -> list[AttendeeFacts]:
    by_id = {a.id: a for a in attendees}
    present = [a for a in attendees if a.status == "present" and not a.anonymous]
    if pool.kind == POOL_POSITION:
        return [a for a in present if pool.keyword and pool.keyword in a.position]
    if pool.kind == POOL_GROUP:
        return [a for a in present if pool.keyword in a.groups]
    members = []
    for secretary in (a for a in attendees if a.is_secretary and a.unit_id in participating_units):
        if secretary.status == "present":
            members.append(secretary)
        elif secretary.status == "deputized" and secretary.deputy_id in by_id:
            deputy = by_id[secretary.deputy_id]
            if deputy.status == "present":
                members.append(deputy)
    return members


def eligible(members: list[AttendeeFacts], called: list[int], pool: Pool,
             called_units: Counter[int | None]) -> list[AttendeeFacts]:
    """Members not excluded and not yet called; with `every_unit_once`, only those of the least-called units."""
    remaining = [m for m in members if not m.excluded and m.id not in set(called)]
    if pool.every_unit_once and remaining:
        fewest = min(called_units.get(m.unit_id, 0) for m in remaining)
        remaining = [m for m in remaining if called_units.get(m.unit_id, 0) == fewest]
    return sorted(remaining, key=lambda m: m.id)


def new_seed() -> int:
    """A fresh seed to record with the draw."""
    return secrets.randbits(63)


def pick(candidate_ids: list[int], seed: int, weights: dict[int, int] | None = None) -> int:
    """The seeded pick among candidate ids (order-independent); `weights` favour some candidates."""
    if not candidate_ids:
        raise NobodyToCall("没有可点名的人员：请检查签到情况、点名范围或已排除的人员")
    ordered = sorted(candidate_ids)
    if not weights:
        return random.Random(seed).choice(ordered)
    return random.Random(seed).choices(ordered, weights=[weights.get(i, 1) for i in ordered])[0]


def weights_for(members: list[AttendeeFacts], pool: Pool) -> dict[int, int]:
    """Draw weights: members of favoured units count `favour_weight` times."""
    return {m.id: pool.favour_weight for m in members if m.unit_id in pool.favour_units}


def replay(candidate_ids: list[int], seed: int, weights: dict[int, int] | None = None) -> int:
    """Who a recorded draw chose: the same pick from its stored candidates, seed and weights."""
    return pick(candidate_ids, seed, weights)
