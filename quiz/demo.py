"""The demo: a roster shaped like the Guigang meeting in the seed article (5 counties and 8 city units, each
with a secretary and a few others; names obviously made up) and a demo meeting. Created once, on an empty
roster, by the README's first command."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz import roster
from quiz.meetings import MeetingPlan, create_meeting, quarter_of
from quiz.models import Meeting, Unit

COUNTIES = ["演示甲县", "演示乙市", "演示丙区", "演示丁区", "演示戊县"]
CITY_UNITS = ["市国资委", "市发改委", "市工信委", "市“两新”组织党工委", "市教育局", "市卫健委", "市交通运输局",
              "演示集团公司"]
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
    return create_meeting(session, plan)
