"""Which venues' ballots may be told apart, so that a per-venue result never identifies a rater. Pure.

A ballot's venue narrows its rater down to the people of one hall; with their receipts (who voted) a venue of
two raters, or a lone 班子成员 among a venue's raters, is a person. So a venue is *tagged* (its ballots keep
its id, its result may be shown) only when it holds at least `threshold` ballots and each rater group present
there (the ungrouped included) is itself at least `threshold` strong; every other venue's ballots are *pooled*
(stored without a venue). The pool must not be a small venue in disguise either: overall minus the tagged
venues is the pool, so while it holds fewer than `threshold` ballots, the smallest tagged venue joins it.
docs/security.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping

MIN_VENUE_BALLOTS = 3  # even where the meeting shows a result from fewer, no venue's is told apart below this


def venue_threshold(min_ballots: int) -> int:
    """How many ballots a venue needs for its result to be shown: the item's minimum, and never below 3."""
    return max(int(min_ballots or 0), MIN_VENUE_BALLOTS)


def tagged_venues(ballots: Iterable[tuple[Hashable, str]], threshold: int,
                  extra: Mapping[Hashable, int] | None = None) -> set[Hashable]:
    """The venues whose ballots may keep their venue. `ballots` are (venue, rater group) of each phone ballot
    (venue None: unknown, always pooled); `extra` adds ballots counted elsewhere (a venue's paper) to a
    venue's total and to the pool's (key None), without a group."""
    per_venue: dict[Hashable, Counter[str]] = {}
    for venue, group in ballots:
        per_venue.setdefault(venue, Counter())[group] += 1
    totals = {venue: sum(groups.values()) for venue, groups in per_venue.items()}
    for venue, number in (extra or {}).items():
        totals[venue] = totals.get(venue, 0) + number
    # Every group there counts, the ungrouped ("") too: one ungrouped rater among three 班子成员 is a person.
    tagged = {venue for venue, total in totals.items() if venue is not None and total >= threshold
              and all(n >= threshold for n in per_venue.get(venue, Counter()).values())}
    pool = sum(total for venue, total in totals.items() if venue not in tagged)
    for venue in sorted(tagged, key=lambda v: (totals[v], str(v))):
        if pool == 0 or pool >= threshold:
            break
        tagged.discard(venue)  # overall minus the tagged venues would be a small pool's result
        pool += totals[venue]
    return tagged
