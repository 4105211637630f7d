"""Venues (主会场 + 分会场): the halls one meeting is held in, who attends where, who keeps each hall, and the
handover of the presiding role. Takes a session and flushes; the boundary commits.

Every meeting has its convening hall (position 0, named 主会场 unless staff rename it): its join code and
projector URL are the meeting's own. A branch venue has its own code and projector URL, a 负责人 and the
分会场管理员 accounts that keep it. An attendee's `venue_id` is None for the convening hall. Who attends where is
settled before the meeting starts; the main role (主会场) may be handed to a branch venue during it (recorded).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.accounts.models import User
from core.accounts.roles import Role
from core.db import utcnow
from core.textsafe import INVISIBLE
from quiz.live.models import Attendee, Meeting, MeetingEvent, Venue, venue_operators

CONVENING_NAME = "主会场"
MAX_NAME = 60
MAX_VENUES = 60  # a city's counties and townships; a form that posts more is not a meeting plan


class VenueError(ValueError):
    """A venue change that cannot be made; the message is Chinese."""


def log(session: Session, meeting: Meeting, event: str, actor: str = "", note: str = "", /, **detail: object) -> None:
    """A line in the meeting's log (quiz/live/meetings.py's `log`, which imports this module)."""
    session.add(MeetingEvent(meeting_id=meeting.id, kind=event, actor=actor, note=note, detail=detail))


def ensure_convening(session: Session, meeting: Meeting) -> Venue:
    """The meeting's convening hall, created the first time it is asked for (a new meeting's first venue)."""
    for venue in meeting.venues:
        if venue.position == 0:
            return venue
    venue = Venue(position=0, name=CONVENING_NAME)
    meeting.venues.append(venue)
    session.flush()
    return venue


def convening(meeting: Meeting) -> Venue | None:
    """The hall where the meeting was convened (its codes are the meeting's)."""
    return next((v for v in meeting.venues if v.position == 0), None)


def main_venue(meeting: Meeting) -> Venue | None:
    """The venue presiding now (主会场): the convening hall unless the role was handed over."""
    if meeting.main_venue_id is not None:
        handed = next((v for v in meeting.venues if v.id == meeting.main_venue_id), None)
        if handed is not None:
            return handed
    return convening(meeting)


def is_branch(venue: Venue) -> bool:
    """A branch venue (分会场), as opposed to the convening hall."""
    return venue.position != 0


def venue_id_of(meeting: Meeting, attendee: Attendee) -> int | None:
    """The id of the venue an attendee attends (the convening hall's for None)."""
    if attendee.venue_id is not None:
        return attendee.venue_id
    hall = convening(meeting)
    return hall.id if hall else None


def venue_of(meeting: Meeting, attendee: Attendee) -> Venue | None:
    """The venue an attendee attends."""
    wanted = venue_id_of(meeting, attendee)
    return next((v for v in meeting.venues if v.id == wanted), None)


def has_branches(meeting: Meeting) -> bool:
    """Whether the meeting is held in more than one hall."""
    return any(is_branch(v) for v in meeting.venues)


def _clean_name(name: str, field: str = "会场名称") -> str:
    name = " ".join(name.split())
    # Invisible characters too (zero-width spaces, direction overrides): a name printed on a venue sheet and
    # shown to a phone at the wrong hall must read as what it is.
    if not name or len(name) > MAX_NAME or INVISIBLE.search(name):
        raise VenueError(f"{field}须为1–{MAX_NAME}字，不含控制字符或不可见字符")
    return name


def _clean_leader(leader: str) -> str:
    leader = " ".join(leader.split())
    if len(leader) > MAX_NAME or INVISIBLE.search(leader):
        raise VenueError(f"负责人须为{MAX_NAME}字以内，不含控制字符或不可见字符")
    return leader


def new_join_code(session: Session) -> str:
    """Six digits no meeting and no venue uses: typed off a projector like the meeting's own code."""
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if (session.scalar(select(Meeting.id).where(Meeting.join_code == code)) is None
                and session.scalar(select(Venue.id).where(Venue.join_code == code)) is None):
            return code


def add_venue(session: Session, meeting: Meeting, name: str, leader: str = "", actor: str = "") -> Venue:
    """A branch venue with its own join code and projector URL."""
    ensure_convening(session, meeting)
    name = _clean_name(name)
    if any(v.name == name for v in meeting.venues):
        raise VenueError(f"会场“{name}”已存在")
    if len(meeting.venues) >= MAX_VENUES:
        raise VenueError(f"一次会议最多设 {MAX_VENUES} 个会场")
    venue = Venue(position=max(v.position for v in meeting.venues) + 1, name=name, leader=_clean_leader(leader),
                  join_code=new_join_code(session), screen_token=secrets.token_urlsafe(24))
    meeting.venues.append(venue)
    session.flush()
    log(session, meeting, "venue_add", actor, venue_id=venue.id, name=name)
    return venue


def update_venue(session: Session, venue: Venue, name: str, leader: str, actor: str = "") -> None:
    """Rename a venue or change its 负责人."""
    name = _clean_name(name)
    if any(v.name == name and v.id != venue.id for v in venue.meeting.venues):
        raise VenueError(f"会场“{name}”已存在")
    venue.name, venue.leader = name, _clean_leader(leader)
    log(session, venue.meeting, "venue_edit", actor, venue_id=venue.id, name=name)
    session.flush()


def _before_start(meeting: Meeting) -> None:
    if meeting.started_at is not None:
        raise VenueError("会议已开始，参会会场不能再调整（如需调整请在会前完成）")


def remove_venue(session: Session, venue: Venue, actor: str = "") -> None:
    """Remove a branch venue before the meeting starts; its attendees go back to the convening hall."""
    meeting = venue.meeting
    if not is_branch(venue):
        raise VenueError("主会场不能删除")
    _before_start(meeting)
    session.execute(update(Attendee).where(Attendee.venue_id == venue.id).values(venue_id=None))
    log(session, meeting, "venue_remove", actor, venue_id=venue.id, name=venue.name)
    meeting.venues.remove(venue)
    session.flush()
    session.expire_all()


def move_attendees(session: Session, meeting: Meeting, attendee_ids: Iterable[int], venue: Venue,
                   actor: str = "") -> int:
    """Move people to a venue before the meeting (the seat cards say where they attend); how many moved."""
    _before_start(meeting)
    if venue.meeting_id != meeting.id:
        raise VenueError("会场不属于本次会议")
    target = venue.id if is_branch(venue) else None
    ids = [a.id for a in meeting.attendees if a.id in set(attendee_ids) and not a.anonymous]
    for attendee in meeting.attendees:
        if attendee.id in ids:
            attendee.venue_id = target
    log(session, meeting, "venue_move", actor, venue_id=venue.id, attendees=len(ids))
    session.flush()
    return len(ids)


def move_units(session: Session, meeting: Meeting, unit_ids: Iterable[int], venue: Venue, actor: str = "") -> int:
    """Move every attendee of these units to a venue (a county's people to the county's hall)."""
    wanted = set(unit_ids)
    return move_attendees(session, meeting, [a.id for a in meeting.attendees if a.unit_id in wanted], venue, actor)


def set_operators(session: Session, venue: Venue, user_ids: Iterable[int], actor: str = "") -> None:
    """The 分会场管理员 accounts that keep this venue (only active operator accounts can be given one)."""
    wanted = set(user_ids)
    venue.operators = list(session.scalars(select(User).where(
        User.id.in_(wanted), User.role == Role.OPERATOR.value, User.active.is_(True))))
    log(session, venue.meeting, "venue_operators", actor, venue_id=venue.id,
        operators=[u.username for u in venue.operators])
    session.flush()


def operator_accounts(session: Session) -> list[User]:
    """Active 分会场管理员 accounts (the ones a venue can be given to)."""
    return list(session.scalars(select(User).where(User.role == Role.OPERATOR.value, User.active.is_(True))
                                .order_by(User.username)))


def may_operate(session: Session, user: User | None, venue: Venue) -> bool:
    """Whether `user` may keep `venue`: an admin always, an operator when given it, nobody else (a host runs
    the meeting from the console, which reaches every venue)."""
    if user is None or not user.active:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.OPERATOR and session.scalar(select(venue_operators.c.user_id).where(
        venue_operators.c.venue_id == venue.id, venue_operators.c.user_id == user.id)) is not None


def operated_venues(session: Session, user: User) -> list[Venue]:
    """The venues an operator keeps (every venue for an admin), newest meeting first."""
    query = select(Venue).join(Meeting, Venue.meeting_id == Meeting.id)
    if user.role != Role.ADMIN:
        query = query.join(venue_operators, venue_operators.c.venue_id == Venue.id).where(
            venue_operators.c.user_id == user.id)
    return list(session.scalars(query.order_by(Meeting.held_on.desc(), Meeting.id.desc(), Venue.position)))


def hand_over(session: Session, meeting: Meeting, venue_id: int, reason: str, actor: str) -> Venue:
    """Hand the presiding role (主会场) to another venue, as the rules allow, with the reason on the record."""
    venue = next((v for v in meeting.venues if v.id == venue_id), None)
    if venue is None:
        raise VenueError("会场不存在")
    if not reason.strip():
        raise VenueError("移交主会场须填写原因")
    previous = main_venue(meeting)
    if previous is not None and previous.id == venue.id:
        raise VenueError(f"{venue.name}已是主会场")
    meeting.main_venue_id = venue.id if is_branch(venue) else None
    log(session, meeting, "hand_over_main", actor, reason.strip()[:200], venue_id=venue.id, name=venue.name,
        previous=previous.name if previous else "", at=utcnow().isoformat())
    session.flush()
    return venue


def copy_venues(session: Session, source: Meeting, target: Meeting) -> None:
    """Next quarter's meeting keeps this one's halls, their 负责人 and operators, and who attends where (by
    person: someone new on the roster attends the convening hall until moved)."""
    ensure_convening(session, target)
    hall = convening(source)
    if hall is not None:
        convening(target).name, convening(target).leader = hall.name, hall.leader
    copies: dict[int, Venue] = {}
    for venue in source.venues:
        if is_branch(venue):
            copy = add_venue(session, target, venue.name, venue.leader)
            copy.operators = list(venue.operators)
            copies[venue.id] = copy
    where = {a.person_id: copies.get(a.venue_id) for a in source.attendees if a.person_id and a.venue_id}
    for attendee in target.attendees:
        venue = where.get(attendee.person_id)
        if venue is not None:
            attendee.venue_id = venue.id
    session.flush()


def screen_venue(session: Session, token: str) -> tuple[int, int | None] | None:
    """(meeting id, venue id) of a projector URL's token: the meeting's own (the convening hall) or a branch
    venue's; None for an unknown token."""
    meeting_id = session.scalar(select(Meeting.id).where(Meeting.screen_token == token))
    if meeting_id is not None:
        hall = session.scalar(select(Venue.id).where(Venue.meeting_id == meeting_id, Venue.position == 0))
        return meeting_id, hall
    row = session.execute(select(Venue.meeting_id, Venue.id).where(Venue.screen_token == token)).first()
    return (row.meeting_id, row.id) if row else None
