"""Check-in, device binding and attendance states. Takes a session and flushes.

A personal code binds to the first phone that opens it (出席, with the time). Another device gets a pending
request the host approves; the host can also release a binding so the next scan binds afresh.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from quiz.live.models import Attendee, Meeting

STATUS_LABELS = {"expected": "未签到", "present": "出席", "leave": "请假", "absent": "缺席", "deputized": "代会"}


class Binding(StrEnum):
    """What opening a personal code on a device did."""

    BOUND = "bound"  # this device is (now) the attendee's
    PENDING = "pending"  # another device holds the code: waits for the host


class AttendanceError(ValueError):
    """An attendance change that cannot be made; the message is Chinese."""


def new_device_token() -> str:
    """A token naming one phone's claim to a personal code. Only the server makes them: a token a client
    presents is used only when it matches the one bound (or pending) already."""
    return secrets.token_urlsafe(18)


def confirmation_code(device_token: str) -> str:
    """Four digits derived from a pending device's token, shown on that phone and beside the request on the
    console: the host approves the phone whose screen shows the same digits."""
    return f"{int.from_bytes(hashlib.sha256(device_token.encode()).digest()[:4], 'big') % 10_000:04d}"


def check_in(session: Session, attendee: Attendee, device_token: str) -> Binding:
    """Bind the code to this device (a fresh server-made token) if it is free (and mark the attendee present),
    or file a request in its name."""
    if attendee.device_token in (None, device_token):
        attendee.device_token = device_token
        if attendee.status != "present":
            attendee.status = "present"
            attendee.checked_in_at = utcnow()
        session.flush()
        return Binding.BOUND
    attendee.pending_device_token = device_token
    attendee.pending_since = utcnow()
    session.flush()
    return Binding.PENDING


def approve_device(session: Session, attendee: Attendee, confirm: str) -> Attendee:
    """Move the binding to the device that asked for it, if it is the one whose confirmation code the host
    read (another device may have asked since the console showed the request)."""
    if not attendee.pending_device_token:
        raise AttendanceError("没有待批准的设备")
    if confirm.strip() != confirmation_code(attendee.pending_device_token):
        raise AttendanceError("确认码不符：请求更换的设备已变化，请与参会人员核对手机上显示的确认码")
    attendee.device_token, attendee.pending_device_token, attendee.pending_since = (
        attendee.pending_device_token, None, None)
    session.flush()
    return attendee


def release_device(session: Session, attendee: Attendee) -> Attendee:
    """Free the code: the next device that opens it is bound (a dead phone, WeChat vs. the browser)."""
    attendee.device_token = None
    attendee.pending_device_token = None
    attendee.pending_since = None
    session.flush()
    return attendee


def set_status(session: Session, attendee: Attendee, status: str, deputy: Attendee | None = None) -> None:
    """出席 / 请假 / 缺席 / 代会 (with a named deputy from the same meeting), or back to 未签到."""
    if status not in STATUS_LABELS:
        raise AttendanceError("未知的出席状态")
    if status == "deputized":
        if deputy is None or deputy.meeting_id != attendee.meeting_id or deputy.id == attendee.id:
            raise AttendanceError("代会须指定本次会议的另一名参会人员")
        attendee.deputy_id = deputy.id
    else:
        attendee.deputy_id = None
    if status == "present" and attendee.checked_in_at is None:
        attendee.checked_in_at = utcnow()
    attendee.status = status
    session.flush()


@dataclass
class UnitAttendance:
    """应到 / 实到 for one unit."""

    unit_id: int | None
    name: str
    expected: int = 0
    present: int = 0
    leave: int = 0


@dataclass(frozen=True)
class HallCounts:
    """What every projector and the console count, read once per broadcast: the named attendees per venue and
    unit (`summary_by_venue`) and the listeners per venue (`anonymous_by_venue`)."""

    per_venue: dict[int | None, list[UnitAttendance]]
    listeners: dict[int | None, int]


def hall_counts(session: Session, meeting: Meeting) -> HallCounts:
    """Two grouped queries, whatever the number of venues."""
    return HallCounts(summary_by_venue(session, meeting), anonymous_by_venue(session, meeting))


def summary(session: Session, meeting: Meeting) -> list[UnitAttendance]:
    """Attendance per participating unit (anonymous audience not counted), in the units' order. Counted by the
    database: the projector refreshes this while thousands of phones join."""
    return meeting_units(meeting, summary_by_venue(session, meeting))


def meeting_units(meeting: Meeting, per_venue: dict[int | None, list[UnitAttendance]]) -> list[UnitAttendance]:
    """Every participating unit's attendance over all venues (a unit with nobody expected yet included)."""
    rows = {unit.id: UnitAttendance(unit.id, unit.name) for unit in meeting.units}
    for units in per_venue.values():
        for unit in units:
            row = rows[unit.unit_id]
            row.expected, row.present, row.leave = (row.expected + unit.expected, row.present + unit.present,
                                                    row.leave + unit.leave)
    return list(rows.values())


def summary_by_venue(session: Session, meeting: Meeting) -> dict[int | None, list[UnitAttendance]]:
    """`summary` for each venue (venue id → its units that have someone there; None: the convening hall), from
    one query: a meeting of eleven halls refreshes every projector at once."""
    names = {unit.id: (position, unit.name) for position, unit in enumerate(meeting.units)}
    per_venue: dict[int | None, dict[int, UnitAttendance]] = {}
    counts = session.execute(
        select(Attendee.venue_id, Attendee.unit_id, Attendee.status, func.count())
        .where(Attendee.meeting_id == meeting.id, Attendee.anonymous.is_(False), Attendee.unit_id.is_not(None))
        .group_by(Attendee.venue_id, Attendee.unit_id, Attendee.status))
    for venue_id, unit_id, status, number in counts:
        if unit_id not in names:
            continue
        units = per_venue.setdefault(venue_id, {})
        row = units.setdefault(unit_id, UnitAttendance(unit_id, names[unit_id][1]))
        row.expected += number
        row.present += number if status == "present" else 0
        row.leave += number if status == "leave" else 0
    return {venue_id: sorted(units.values(), key=lambda u: names[u.unit_id][0])
            for venue_id, units in per_venue.items()}


def present_count(session: Session, meeting: Meeting, named_only: bool = False) -> int:
    """Attendees checked in (出席), the anonymous audience included unless `named_only`."""
    query = select(func.count()).select_from(Attendee).where(Attendee.meeting_id == meeting.id,
                                                             Attendee.status == "present")
    if named_only:
        query = query.where(Attendee.anonymous.is_(False))
    return session.scalar(query) or 0


def anonymous_count(session: Session, meeting: Meeting) -> int:
    """The anonymous audience (旁听) that joined."""
    return sum(anonymous_by_venue(session, meeting).values())


def anonymous_by_venue(session: Session, meeting: Meeting) -> dict[int | None, int]:
    """The anonymous audience per venue (None: the convening hall)."""
    return dict(session.execute(select(Attendee.venue_id, func.count()).where(
        Attendee.meeting_id == meeting.id, Attendee.anonymous.is_(True)).group_by(Attendee.venue_id)).all())


def stood_in_for(attendee: Attendee) -> Attendee | None:
    """The 代会 attendee this one stands in for (their deputy at this meeting), if any."""
    return next((a for a in attendee.meeting.attendees
                 if a.deputy_id == attendee.id and a.status == "deputized"), None)


def who_label(attendee: Attendee) -> str:
    """How a person is named on screens and in records: a 代会 deputy as "代 ‹姓名›（‹职务›）", so that nobody
    takes them for the unit's own speaker; anyone else as "‹职务› ‹姓名›"."""
    if stood_in_for(attendee) is not None:
        return f"代 {attendee.name}（{attendee.position}）" if attendee.position else f"代 {attendee.name}"
    return " ".join(part for part in (attendee.position, attendee.name) if part)
