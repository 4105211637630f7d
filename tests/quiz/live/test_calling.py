"""Who may be called, and the seeded pick."""

from __future__ import annotations

from collections import Counter

import pytest

from quiz.live.calling import (
    POOL_GROUP,
    POOL_POSITION,
    AttendeeFacts,
    NobodyToCall,
    Pool,
    eligible,
    pick,
    pool_members,
    weights_for,
)

PEOPLE = [
    AttendeeFacts(1, 10, "present", is_secretary=True, position="市委副书记"),
    AttendeeFacts(2, 20, "deputized", is_secretary=True, deputy_id=3, position="县委书记"),
    AttendeeFacts(3, 20, "present", position="县委副书记"),
    AttendeeFacts(4, 30, "leave", is_secretary=True),
    AttendeeFacts(5, 40, "expected", is_secretary=True),
    AttendeeFacts(6, 10, "present", position="组织部部长", groups=("班子成员",)),
    AttendeeFacts(7, None, "present", anonymous=True),
    AttendeeFacts(8, 99, "present", is_secretary=True),  # its unit is not taking part
]


def ids(members) -> list[int]:  # type: ignore[no-untyped-def]
    return [m.id for m in members]


def test_default_pool_is_present_secretaries_or_their_deputies():
    assert ids(pool_members(PEOPLE, Pool(), {10, 20, 30, 40})) == [1, 3]


def test_pools_by_position_and_group():
    assert ids(pool_members(PEOPLE, Pool(kind=POOL_POSITION, keyword="组织部部长"), set())) == [6]
    assert ids(pool_members(PEOPLE, Pool(kind=POOL_GROUP, keyword="班子成员"), set())) == [6]


def test_no_repeats_exclusions_and_every_unit_once():
    members = pool_members(PEOPLE, Pool(kind=POOL_POSITION, keyword="书记"), set())
    assert ids(members) == [1, 3]
    assert ids(eligible(members, called=[1], pool=Pool(every_unit_once=False), called_units=Counter())) == [3]
    excluded = [AttendeeFacts(1, 10, "present", excluded=True), AttendeeFacts(3, 20, "present")]
    assert ids(eligible(excluded, [], Pool(), Counter())) == [3]
    same_unit = [AttendeeFacts(1, 10, "present"), AttendeeFacts(6, 10, "present"), AttendeeFacts(3, 20, "present")]
    assert ids(eligible(same_unit, [1], Pool(every_unit_once=True), Counter({10: 1}))) == [3]
    assert ids(eligible(same_unit, [1], Pool(every_unit_once=False), Counter({10: 1}))) == [3, 6]


def test_pick_is_reproducible_and_order_independent():
    assert pick([5, 3, 9], seed=42) == pick([9, 5, 3], seed=42)
    assert {pick([1, 2, 3, 4], seed=s) for s in range(40)} == {1, 2, 3, 4}
    with pytest.raises(NobodyToCall, match="没有可点名的人员"):
        pick([], seed=1)


def test_favoured_units_are_drawn_more_often_and_the_draw_replays():
    members = [AttendeeFacts(i, unit, "present") for i, unit in ((1, 10), (2, 20), (3, 30), (4, 40))]
    pool = Pool(favour_units=frozenset({10}), favour_weight=3)
    weights = weights_for(members, pool)
    assert weights == {1: 3}
    picks = [pick([1, 2, 3, 4], seed, weights) for seed in range(600)]
    assert picks.count(1) > 2 * max(picks.count(i) for i in (2, 3, 4))  # ~3/6 of the draws vs ~1/6 each
    assert all(pick([4, 3, 2, 1], seed, weights) == picks[seed] for seed in range(50))
