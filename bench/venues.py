"""The benchmark's meeting held in several halls: a main hall and N branch venues, each with units and people
of its own, made through the app's own services on the database the workers share (not measured).

    python -m bench.venues DATABASE_URL N

prints one JSON line: the meeting's id and, per venue (the convening hall first), its id, name, join code and
projector token. It runs as its own process (as `bench.bank` measures in one) so that the load generator never
imports the app: its garbage collector and memory stay those of the simulated clients.

Every hall gets UNITS_PER_VENUE units of PEOPLE_PER_UNIT people (a county hall with its townships' secretaries):
its projector's attendance table then has rows, as a real branch's has. The phones themselves join as
anonymous listeners with their venue's join code — the path the benchmark has always measured — so each
venue's projector counts its own listeners.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from typing import Any

UNITS_PER_VENUE = 4
PEOPLE_PER_UNIT = 3
TITLE = "压测会议（主会场 + {n} 个分会场）"


def venue_name(number: int) -> str:
    """The name of branch venue `number` (1-based)."""
    return f"压测{number:02d}县分会场"


def setup(database_url: str, branches: int) -> dict[str, Any]:
    """Create the roster and the meeting with `branches` branch venues; who attends where is settled by units."""
    from app import create_app
    from core.db import db
    from quiz.live import venues
    from quiz.live.meetings import MeetingPlan, create_meeting, quarter_of
    from quiz.roster import service as roster

    app = create_app({"DATABASE_URL": database_url, "LOAD_BUNDLED_BANK": False, "REALTIME": False,
                      "JOBS_MODE": "immediate", "JOBS_DIR": tempfile.mkdtemp(prefix="bench-venues-jobs-")})
    with app.app_context():
        session = db.session
        halls: list[list[Any]] = []
        for hall in range(branches + 1):
            prefix = "压测主会场" if hall == 0 else f"压测{hall:02d}县"
            units = [roster.add_unit(session, f"{prefix}单位{n + 1}", "市直单位" if hall == 0 else "县(市、区)")
                     for n in range(UNITS_PER_VENUE)]
            for unit in units:
                for n in range(PEOPLE_PER_UNIT):
                    roster.add_person(session, f"压测{unit.id}号{n + 1}", "党委书记" if n == 0 else "党员代表", unit,
                                      is_secretary=n == 0)
            halls.append(units)
        today = date.today()
        plan = MeetingPlan(title=TITLE.format(n=branches), quarter=quarter_of(today), held_on=today,
                           unit_ids=[u.id for units in halls for u in units], allow_anonymous=True)
        meeting = create_meeting(session, plan)
        for number, units in enumerate(halls[1:], start=1):
            venue = venues.add_venue(session, meeting, venue_name(number), f"压测{number:02d}县委办公室", actor="bench")
            venues.move_units(session, meeting, [u.id for u in units], venue, actor="bench")
        session.commit()
        described = {"meeting_id": meeting.id, "venues": [
            {"id": v.id, "name": v.name, "join_code": v.join_code or meeting.join_code,
             "screen_token": v.screen_token or meeting.screen_token,
             "people": sum(1 for a in meeting.attendees if venues.venue_id_of(meeting, a) == v.id)}
            for v in sorted(meeting.venues, key=lambda v: v.position)]}
        session.close()
    return described


if __name__ == "__main__":
    print(json.dumps(setup(sys.argv[1], int(sys.argv[2])), ensure_ascii=False), flush=True)
