"""The demo: a roster shaped like the Guigang meeting in the seed article (5 counties and 8 city units, each
with a secretary and a few others; every name obviously made up) and a demo meeting, held in a main hall and two
county branch venues (分会场). Created once, on an empty roster, by the README's first command.

Demo data stays demo: its units, people and meeting are marked `demo`, never count in a quarter, a ranking,
a report or an export, and staff clear them with one recorded action (`clear_demo`, offered on the roster
import)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.live import hooks, venues
from quiz.live.meetings import MeetingPlan, create_meeting, quarter_of, remove_meeting
from quiz.live.models import Attendee, Meeting, meeting_units
from quiz.roster import service as roster
from quiz.roster.models import Person, Unit

COUNTIES = ["演示甲县", "演示乙市", "演示丙区", "演示丁区", "演示戊县"]
CITY_UNITS = ["演示市直一委", "演示市直二委", "演示市直三委", "演示“两新”组织党工委", "演示市直四局", "演示市直五委",
              "演示市直六局", "演示集团公司"]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ["示一", "示二", "示三", "示四", "示五", "示六"]


def _kind(name: str) -> str:
    if name in COUNTIES:
        return "县(市、区)"
    return "国有企业" if "集团" in name else ("两新组织" if "两新" in name else "市直单位")


def create_demo(session: Session, today: date | None = None) -> Meeting | None:
    """Add the demo roster and meeting, only when the roster is empty. Returns the meeting."""
    if session.scalar(select(func.count(Unit.id))):
        return None
    today = today or date.today()
    units = [roster.add_unit(session, name, _kind(name)) for name in COUNTIES + CITY_UNITS]
    for unit in units:
        unit.demo = True
    for number, unit in enumerate(units):
        surname = SURNAMES[number % len(SURNAMES)]
        is_county = unit.kind == "县(市、区)"
        roster.add_person(session, f"{surname}{GIVEN[0]}", f"{unit.name[-1]}委书记" if is_county else "党委书记",
                          unit, is_secretary=True, groups=["班子成员"])
        roster.add_person(session, f"{surname}{GIVEN[1]}", "组织部部长" if is_county else "党委副书记", unit,
                          groups=["班子成员"])
        roster.add_person(session, f"{surname}{GIVEN[2]}", "党员代表", unit, groups=["党员代表"])
    plan = MeetingPlan(title=f"{quarter_of(today)} 书记问效党建工作会议（演示）", quarter=quarter_of(today),
                       held_on=today, unit_ids=[u.id for u in units], allow_anonymous=True)
    for person in session.scalars(select(Person).where(Person.unit_id.in_([u.id for u in units]))):
        person.demo = True
    meeting = create_meeting(session, plan)
    meeting.demo = True
    # Two counties attend from their own halls (分会场), as a city's meeting often is held.
    for county in COUNTIES[3:5]:
        hall = venues.add_venue(session, meeting, f"{county}分会场", f"{county}委办公室", actor="demo")
        venues.move_units(session, meeting, [u.id for u in units if u.name == county], hall, actor="demo")
    session.flush()
    return meeting


@dataclass
class Cleared:
    """What `clear_demo` removed (units and people still referenced elsewhere are only deactivated)."""

    meetings: int = 0
    units: int = 0
    people: int = 0
    deactivated: int = 0


def has_demo(session: Session) -> bool:
    """Whether any demo data is left."""
    return bool(session.scalar(select(func.count(Unit.id)).where(Unit.demo.is_(True)))
                or session.scalar(select(func.count(Meeting.id)).where(Meeting.demo.is_(True))))


def clear_demo(session: Session, actor: str) -> Cleared:
    """Remove the demo meeting, roster and any quarter row about a demo unit; recorded in the quarter's log (the
    quarter's rows and log are its wing's: hooks.quarter_record)."""
    record = hooks.quarter_record()
    cleared = Cleared()
    quarters = set()
    for meeting in list(session.scalars(select(Meeting).where(Meeting.demo.is_(True)))):
        quarters.add(meeting.quarter)
        remove_meeting(session, meeting)
        cleared.meetings += 1
    unit_ids = list(session.scalars(select(Unit.id).where(Unit.demo.is_(True))))
    record.forget_units(session, unit_ids)
    for person in session.scalars(select(Person).where(Person.demo.is_(True))):
        if session.scalar(select(func.count()).select_from(Attendee).where(Attendee.person_id == person.id)):
            person.active, cleared.deactivated = False, cleared.deactivated + 1
        else:
            session.delete(person)
            cleared.people += 1
    session.flush()
    for unit in session.scalars(select(Unit).where(Unit.id.in_(unit_ids))):
        if _unit_in_use(session, unit.id):
            unit.active, cleared.deactivated = False, cleared.deactivated + 1
        else:
            session.delete(unit)
            cleared.units += 1
    session.flush()
    for quarter in sorted(quarters) or [quarter_of(date.today())]:
        record.log(session, quarter, "demo_clear", actor, meetings=cleared.meetings, units=cleared.units,
                    people=cleared.people, deactivated=cleared.deactivated)
    return cleared


def _unit_in_use(session: Session, unit_id: int) -> bool:
    """A demo unit a real meeting has used stays (deactivated): its rows are part of that meeting's record."""
    tables = ((Attendee, Attendee.unit_id), (Person, Person.unit_id), (meeting_units, meeting_units.c.unit_id))
    return (any(session.scalar(select(func.count()).select_from(table).where(column == unit_id))
                for table, column in tables)
            or hooks.review_segments().unit_in_use(session, unit_id))
