"""Meeting fixtures: a small roster and a meeting built on it, in one line each."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest

from core.db import utcnow
from quiz.live.meetings import MeetingPlan, create_meeting
from quiz.roster import service as roster

_meetings = count(1)


def make_meeting(session, units: int = 3, held: bool = True, **plan):  # type: ignore[no-untyped-def]
    """Units 单位1…N (named afresh for each further meeting), each with a secretary (第一责任人) and a deputy,
    and a meeting of all of them — held (started by its host, so it counts in its quarter) unless `held=False`."""
    made = []
    batch = next(_meetings)
    prefix = "" if batch == 1 else f"第{batch}组"
    for number in range(1, units + 1):
        unit = roster.add_unit(session, f"{prefix}单位{number}", "市直单位")
        roster.add_person(session, f"书记{number}", "党委书记", unit, is_secretary=True)
        roster.add_person(session, f"副书记{number}", "党委副书记", unit, groups=["班子成员"])
        made.append(unit)
    values = {"title": "2026Q4 书记问效会", "quarter": "2026Q4", "held_on": date(2026, 11, 22),
              "unit_ids": [u.id for u in made]} | plan
    meeting = create_meeting(session, MeetingPlan(**values))
    meeting.started_at = utcnow() if held else None
    session.commit()
    return meeting


@pytest.fixture(autouse=True)
def fresh_names():  # type: ignore[no-untyped-def]
    """Each test's first meeting uses the plain names 单位1…N."""
    global _meetings
    _meetings = count(1)


@pytest.fixture()
def meeting(session):  # type: ignore[no-untyped-def]
    return make_meeting(session)


def make_halls(session):  # type: ignore[no-untyped-def]
    """A meeting of three units not yet started: 单位1 in the main hall, 单位2 at 东区分会场 (负责人 张负责), 单位3 at
    西区分会场. Returns (meeting, east, west)."""
    from quiz.live import venues

    meeting = make_meeting(session, held=False)
    east = venues.add_venue(session, meeting, "东区分会场", "张负责")
    west = venues.add_venue(session, meeting, "西区分会场")
    venues.move_units(session, meeting, [meeting.units[1].id], east)
    venues.move_units(session, meeting, [meeting.units[2].id], west)
    session.commit()
    return meeting, east, west
