"""Meetings: create, edit, copy last quarter's; their agenda; their attendees and codes.

Takes a session and flushes; the boundary commits.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.accounts.models import User
from core.accounts.roles import Role
from quiz.live import hooks, venues
from quiz.live.models import Attendee, Meeting, MeetingEvent, Segment, Venue, meeting_hosts
from quiz.live.scoring import DEFAULT_SCORING
from quiz.roster import service as roster
from quiz.roster.models import Person, Unit

SEGMENT_KINDS = {"call": "点名答题", "all": "全员答题", "review": "述职评议", "pledge": "表态发言",
                 "results": "结果公布"}
DEFAULT_AGENDA = ["call", "all", "review", "results"]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a card without doubt
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
DEFAULT_SETTINGS = {"scoring": DEFAULT_SCORING, "time_limit_s": 60, "recent_meetings": 2}


class MeetingError(ValueError):
    """A meeting change that cannot be made; the message is Chinese."""


@dataclass
class MeetingPlan:
    """What staff enter to create or edit a meeting."""

    title: str
    quarter: str
    held_on: date
    unit_ids: list[int]
    agenda: list[str] = field(default_factory=lambda: list(DEFAULT_AGENDA))
    rehearsal: bool = False
    allow_anonymous: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    host_ids: list[int] = field(default_factory=list)  # host accounts assigned to run it (admins run all)


def quarter_of(day: date) -> str:
    """The calendar quarter of a date: 2026-11-22 → 2026Q4."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_quarter(quarter: str) -> str:
    """2026Q1 → 2025Q4."""
    match = QUARTER.match(quarter)
    if match is None:
        raise MeetingError("季度格式应为“2026Q4”")
    year, number = int(match.group(1)), int(match.group(2))
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


def next_quarter(quarter: str) -> str:
    """2026Q4 → 2027Q1."""
    year, number = (int(part) for part in QUARTER.match(quarter).groups())
    return f"{year + 1}Q1" if number == 4 else f"{year}Q{number + 1}"


def _check(plan: MeetingPlan) -> None:
    if not plan.title.strip() or len(plan.title) > 200:
        raise MeetingError("会议名称须为1–200字")
    if not QUARTER.match(plan.quarter):
        raise MeetingError("季度格式应为“2026Q4”")
    if not plan.unit_ids:
        raise MeetingError("请选择参会单位")
    if any(kind not in SEGMENT_KINDS for kind in plan.agenda) or not plan.agenda:
        raise MeetingError("议程中有未知的环节")


def unique_code(session: Session, column, length: int, alphabet: str) -> str:  # type: ignore[no-untyped-def]
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(length))
        if session.scalar(select(column).where(column == code)) is None:
            return code


def create_meeting(session: Session, plan: MeetingPlan, creator: User | None = None) -> Meeting:
    """A new meeting with its agenda, and every active person of the participating units as an attendee; its
    hosts are the plan's and the creator (unless an admin, who runs every meeting anyway)."""
    _check(plan)
    meeting = Meeting(
        title=plan.title.strip(), quarter=plan.quarter, held_on=plan.held_on, rehearsal=plan.rehearsal,
        allow_anonymous=plan.allow_anonymous, settings={**DEFAULT_SETTINGS, **plan.settings},
        join_code=unique_code(session, Meeting.join_code, 6, "0123456789"),
        screen_token=secrets.token_urlsafe(24), status="open",
    )
    meeting.venues = [Venue(position=0, name=venues.CONVENING_NAME)]
    meeting.units = list(session.scalars(select(Unit).where(Unit.id.in_(plan.unit_ids))))
    agenda = list(plan.agenda)
    if "pledge" not in agenda and _bottom_units_last_quarter(session, plan.quarter) & set(plan.unit_ids):
        agenda.insert(0, "pledge")  # last quarter's bottom units stand up first and state how they will improve
    meeting.segments = [Segment(position=i, kind=kind, title=SEGMENT_KINDS[kind]) for i, kind in enumerate(agenda)]
    host_ids = [*plan.host_ids, *([creator.id] if creator is not None and creator.role != Role.ADMIN else [])]
    meeting.hosts = host_accounts(session, host_ids)
    session.add(meeting)
    session.flush()
    for person in roster.people_of(session, plan.unit_ids):
        add_attendee(session, meeting, person)
    return meeting


def host_accounts(session: Session, user_ids: list[int] | None = None) -> list[User]:
    """Active host accounts (all of them, or those of `user_ids`): the ones a meeting can be assigned to."""
    query = select(User).where(User.role == Role.HOST.value, User.active.is_(True)).order_by(User.username)
    if user_ids is not None:
        query = query.where(User.id.in_(user_ids))
    return list(session.scalars(query))


def may_host(session: Session, user: User | None, meeting: Meeting) -> bool:
    """Whether `user` may run `meeting`: an admin always, a host when assigned to it, nobody else."""
    if user is None or not user.active:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.HOST and session.scalar(select(meeting_hosts.c.user_id).where(
        meeting_hosts.c.meeting_id == meeting.id, meeting_hosts.c.user_id == user.id)) is not None


def _bottom_units_last_quarter(session: Session, quarter: str) -> set[int]:
    return hooks.quarter_record().bottom_units(session, previous_quarter(quarter))


def pledge_units(session: Session, meeting: Meeting) -> list[int]:
    """The meeting's units flagged 排名靠后 last quarter: they make a 表态发言 at this meeting."""
    flagged = _bottom_units_last_quarter(session, meeting.quarter)
    return [u.id for u in meeting.units if u.id in flagged]


def add_attendee(session: Session, meeting: Meeting, person: Person) -> Attendee:
    """Snapshot a person into the meeting with a fresh personal code."""
    attendee = Attendee(
        person_id=person.id, unit_id=person.unit_id, name=person.name, position=person.position,
        is_secretary=person.is_secretary, groups=list(person.groups),
        code=unique_code(session, Attendee.code, 8, CODE_ALPHABET),
    )
    meeting.attendees.append(attendee)  # through the collection, so a loaded meeting sees it at once
    session.flush()
    return attendee


def update_meeting(session: Session, meeting: Meeting, plan: MeetingPlan) -> None:
    """Change title, date, quarter, flags and units (attendees of newly added units are added)."""
    _check(plan)
    meeting.title, meeting.quarter, meeting.held_on = plan.title.strip(), plan.quarter, plan.held_on
    meeting.rehearsal, meeting.allow_anonymous = plan.rehearsal, plan.allow_anonymous
    meeting.settings = {**meeting.settings, **plan.settings}
    meeting.hosts = host_accounts(session, plan.host_ids)
    known_units = {u.id for u in meeting.units}
    meeting.units = list(session.scalars(select(Unit).where(Unit.id.in_(plan.unit_ids))))
    known_people = {a.person_id for a in meeting.attendees}
    for person in roster.people_of(session, [uid for uid in plan.unit_ids if uid not in known_units]):
        if person.id not in known_people:
            add_attendee(session, meeting, person)
    session.flush()


def copy_meeting(session: Session, source: Meeting, held_on: date, creator: User | None = None) -> Meeting:
    """Next quarter's meeting from this one: same units, agenda, settings and hosts; today's roster."""
    plan = MeetingPlan(
        title=source.title.replace(source.quarter, next_quarter(source.quarter)),
        quarter=next_quarter(source.quarter), held_on=held_on, unit_ids=[u.id for u in source.units],
        agenda=[s.kind for s in source.segments], rehearsal=False, allow_anonymous=source.allow_anonymous,
        settings=dict(source.settings), host_ids=[user.id for user in source.hosts],
    )
    meeting = create_meeting(session, plan, creator)
    venues.copy_venues(session, source, meeting)
    return meeting


def delete_meeting(session: Session, meeting: Meeting, actor: str) -> None:
    """Delete a meeting that was never held (the host never started it), recorded in its quarter's log. A held
    meeting is the record of what happened and cannot be deleted; the demo meeting goes with `clear_demo`."""
    if meeting.started_at is not None and not meeting.demo:
        raise MeetingError("会议已召开，不能删除（召开过的会议是考评的记录）")
    remove_meeting(session, meeting)
    hooks.quarter_record().log(session, meeting.quarter, "meeting_delete", actor, title=meeting.title,
                               held_on=meeting.held_on.isoformat(), demo=meeting.demo)


def remove_meeting(session: Session, meeting: Meeting) -> None:
    """Delete the meeting's row; the database's cascades take its agenda, attendees, rounds, votes and log
    (what only refers to it, as a commitment rated in it, is let go first: hooks.review_segments)."""
    hooks.review_segments().before_remove(session, meeting)
    session.flush()
    session.expunge(meeting)
    session.execute(delete(Meeting).where(Meeting.id == meeting.id))
    session.expire_all()


def latest_meeting(session: Session, user: User | None = None) -> Meeting | None:
    """The most recent real meeting `user` may run (the one "copy last quarter's" starts from)."""
    return session.scalar(_visible(select(Meeting), user).where(Meeting.demo.is_(False))
                          .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(1))


def meetings(session: Session, user: User | None = None) -> list[Meeting]:
    """The meetings `user` may run (all of them for an admin or without a user), newest first."""
    return list(session.scalars(_visible(select(Meeting), user).order_by(Meeting.held_on.desc(),
                                                                         Meeting.id.desc())))


def _visible(query, user: User | None):  # type: ignore[no-untyped-def]
    if user is None or user.role == Role.ADMIN:
        return query
    return query.where(Meeting.id.in_(select(meeting_hosts.c.meeting_id).where(meeting_hosts.c.user_id == user.id)))


def by_join_code(session: Session, code: str) -> Meeting | None:
    """The open meeting with this join code (the meeting's own or one of its branch venues')."""
    code = code.strip()
    branch = select(Venue.meeting_id).where(Venue.join_code == code)
    return session.scalar(select(Meeting).where((Meeting.join_code == code) | Meeting.id.in_(branch),
                                                Meeting.status != "ended"))


def attendee_by_code(session: Session, code: str) -> Attendee | None:
    """The attendee whose seat-card code this is (case and spaces forgiven)."""
    cleaned = "".join(code.split()).upper()
    if not cleaned or len(cleaned) > 12:
        return None
    return session.scalar(select(Attendee).where(Attendee.code == cleaned))


def log(session: Session, meeting: Meeting, event: str, actor: str = "", note: str = "", /, **detail: Any) -> None:
    """Add a line to the meeting's log (any keyword becomes a detail)."""
    session.add(MeetingEvent(meeting_id=meeting.id, kind=event, actor=actor, note=note, detail=detail))
