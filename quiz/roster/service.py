"""The roster: units and people, and its spreadsheet import. Takes a session and flushes.

A person who moves or leaves is changed here only; every meeting keeps its own snapshot of who came from
which unit in which position (`Attendee`), so history is never rewritten. A unit has at most one active
第一责任人: the editor and the import both refuse a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from question_bank.exchange import CommitMode, ImportRefused
from question_bank.transfer.reading import Limits
from quiz.roster import transfer
from quiz.roster.models import Person, Unit
from quiz.roster.search import person_matches
from quiz.roster.transfer import UNIT_KINDS as UNIT_KINDS  # the roster's public name for the list


class RosterError(ValueError):
    """A roster change that cannot be made; the message is Chinese, `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# Units


def add_unit(session: Session, name: str, kind: str = "", position: int | None = None) -> Unit:
    """A new unit, last in display order unless `position` is given (names are unique)."""
    name, kind = name.strip(), kind.strip()
    _check_unit(session, name, kind)
    if position is None:
        position = (session.scalar(select(func.max(Unit.position))) or 0) + 1
    unit = Unit(name=name, kind=kind, position=position, active=True)
    session.add(unit)
    session.flush()
    return unit


def edit_unit(session: Session, unit: Unit, name: str, kind: str) -> None:
    """Rename a unit and/or change its kind; past meetings refer to it by id, so they follow the new name."""
    name, kind = name.strip(), kind.strip()
    _check_unit(session, name, kind, unit)
    unit.name, unit.kind = name, kind
    session.flush()


def _check_unit(session: Session, name: str, kind: str, unit: Unit | None = None) -> None:
    for field_name, problem in (("name", transfer.unit_name_problem(name)), ("kind", transfer.unit_kind_problem(kind))):
        if problem:
            raise RosterError(problem, field_name)
    twin = unit_named(session, name)
    if twin is not None and twin is not unit:
        raise RosterError(f"已有单位“{twin.name}”", "name")


def unit_named(session: Session, name: str) -> Unit | None:
    """The unit with this name, width, case and spaces forgiven."""
    wanted = transfer.key(name)
    return next((unit for unit in units(session, active_only=False) if transfer.key(unit.name) == wanted), None)


def move_unit(session: Session, unit: Unit, offset: int) -> bool:
    """Move a unit `offset` places in display order (−1 up, +1 down); False when it is already at that end."""
    ordered = units(session, active_only=False)
    index = ordered.index(unit)
    target = index + offset
    if not 0 <= target < len(ordered):
        return False
    ordered.insert(target, ordered.pop(index))
    for position, each in enumerate(ordered, start=1):  # renumber: imports and old data may have left ties
        each.position = position
    session.flush()
    return True


def set_unit_active(session: Session, unit: Unit, active: bool) -> None:
    """Deactivate a unit (new meetings no longer offer it; its people stay on the roster) or bring it back."""
    unit.active = active
    session.flush()


def units(session: Session, active_only: bool = True) -> list[Unit]:
    """Units in display order."""
    statement = select(Unit).order_by(Unit.position, Unit.name)
    if active_only:
        statement = statement.where(Unit.active.is_(True))
    return list(session.scalars(statement))


def head_counts(session: Session) -> dict[int, int]:
    """Active people per unit id."""
    rows = session.execute(select(Person.unit_id, func.count(Person.id)).where(Person.active.is_(True))
                           .group_by(Person.unit_id))
    return {unit_id: number for unit_id, number in rows if unit_id is not None}


# People


@dataclass
class PersonDraft:
    """What the person form holds."""

    name: str
    position: str = ""
    unit_id: int | None = None
    is_secretary: bool = False
    groups: list[str] = field(default_factory=list)


def person_problems(draft: PersonDraft, need_unit: bool = True) -> dict[str, str]:
    """Field → Chinese message for every field of the draft that cannot be stored. Pure."""
    problems = {"name": transfer.name_problem(draft.name), "position": transfer.position_problem(draft.position),
                "groups": transfer.groups_problem(draft.groups),
                "unit_id": "请选择单位" if need_unit and draft.unit_id is None else None}
    return {name: message for name, message in problems.items() if message}


def create_person(session: Session, draft: PersonDraft) -> Person:
    """A new, active person from the form; refuses field problems, an inactive unit and a second 第一责任人."""
    _refuse_problems(draft)
    return _store_person(session, draft, _open_unit(session, draft.unit_id))


def add_person(session: Session, name: str, position: str, unit: Unit | None, is_secretary: bool = False,
               groups: list[str] | None = None) -> Person:
    """A new person on the roster (the short form the demo and tests use; the unit may be None here)."""
    draft = PersonDraft(name.strip(), position.strip(), unit.id if unit else None, is_secretary, list(groups or []))
    _refuse_problems(draft, need_unit=False)
    return _store_person(session, draft, unit)


def update_person(session: Session, person: Person, draft: PersonDraft) -> None:
    """Change a person's details (a change of unit included); past meetings keep their snapshot."""
    _refuse_problems(draft)
    unit = person.unit if draft.unit_id == person.unit_id else _open_unit(session, draft.unit_id)
    _check_single_secretary(session, person, unit, draft.is_secretary)
    person.name, person.position, person.unit = draft.name, draft.position, unit
    person.is_secretary, person.groups = draft.is_secretary, list(draft.groups)
    session.flush()


def move_person(session: Session, person: Person, unit: Unit | None, position: str | None = None,
                is_secretary: bool | None = None) -> None:
    """A person changes unit (and maybe position and 第一责任人 flag); past meetings keep what they recorded."""
    if unit is not None and not unit.active and unit is not person.unit:
        raise RosterError(f"单位“{unit.name}”已停用，不能调入", "unit_id")
    secretary = person.is_secretary if is_secretary is None else is_secretary
    _check_single_secretary(session, person, unit, secretary)
    if position is not None:
        problem = transfer.position_problem(position.strip())
        if problem:
            raise RosterError(problem, "position")
        person.position = position.strip()
    person.unit, person.is_secretary = unit, secretary
    session.flush()


def set_person_active(session: Session, person: Person, active: bool) -> None:
    """Mark a person as left (kept for history, no longer invited) or back on the roster."""
    if active:
        _check_single_secretary(session, person, person.unit, active=True)
    person.active = active
    session.flush()


def _refuse_problems(draft: PersonDraft, need_unit: bool = True) -> None:
    problems = person_problems(draft, need_unit)
    if problems:
        field_name, message = next(iter(problems.items()))
        raise RosterError(message, field_name)


def _store_person(session: Session, draft: PersonDraft, unit: Unit | None) -> Person:
    person = Person(name=draft.name, position=draft.position, unit=unit, is_secretary=draft.is_secretary,
                    groups=list(draft.groups), active=True)
    _check_single_secretary(session, person, unit)
    session.add(person)
    session.flush()
    return person


def _open_unit(session: Session, unit_id: int | None) -> Unit:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None:
        raise RosterError("请选择单位", "unit_id")
    if not unit.active:
        raise RosterError(f"单位“{unit.name}”已停用，请选择其他单位", "unit_id")
    return unit


def _check_single_secretary(session: Session, person: Person, unit: Unit | None, is_secretary: bool | None = None,
                            active: bool | None = None) -> None:
    wants = person.is_secretary if is_secretary is None else is_secretary
    stays = person.active is not False if active is None else active
    if not (wants and stays and unit is not None and unit.id is not None):
        return
    other = session.scalar(select(Person).where(
        Person.unit_id == unit.id, Person.is_secretary.is_(True), Person.active.is_(True),
        Person.id != (person.id or 0)).limit(1))
    if other is not None:
        raise RosterError(f"“{unit.name}”已有第一责任人“{other.name}”，一个单位只能有一位；"
                          "请先取消其第一责任人标记或将其标为离任", "is_secretary")


def people_of(session: Session, unit_ids: list[int]) -> list[Person]:
    """Active people of these units, secretaries first."""
    return list(session.scalars(
        select(Person).where(Person.unit_id.in_(unit_ids), Person.active.is_(True))
        .order_by(Person.unit_id, Person.is_secretary.desc(), Person.id)))


def people(session: Session, unit_id: int | None = None, status: str = "active", query: str = "") -> list[Person]:
    """People for the roster page: of one unit or all, `status` active / left / all, matching `query` (part of a
    name, 职务 or unit, or pinyin initials: quiz/roster/search.py); in unit display order, 第一责任人 first
    (people without a unit last)."""
    statement = select(Person)
    if unit_id is not None:
        statement = statement.where(Person.unit_id == unit_id)
    if status in ("active", "left"):
        statement = statement.where(Person.active.is_(status == "active"))
    # Filtered here rather than in SQL: initials are not stored, and a roster is hundreds of people, not millions.
    found = [person for person in session.scalars(statement)
             if person_matches(query, person.name, person.position, person.unit.name if person.unit else "")]
    return sorted(found, key=lambda p: (p.unit is None, p.unit.position if p.unit else 0,
                                        p.unit.name if p.unit else "", not p.is_secretary, p.id))


# Import


@dataclass
class ImportResult:
    """What a commit stored and what it left out."""

    created_ids: list[int]
    created_units: list[str]
    skipped_bad: list[int]
    skipped_duplicates: list[int]


def roster_facts(session: Session) -> transfer.RosterFacts:
    """The roster as the import's checks need it."""
    all_units = units(session, active_only=False)
    secretaries = {p.unit_id: p.name for p in session.scalars(
        select(Person).where(Person.is_secretary.is_(True), Person.active.is_(True)).order_by(Person.id))}
    by_id = {unit.id: unit for unit in all_units}
    facts = transfer.RosterFacts(units={transfer.key(u.name): transfer.ExistingUnit(
        u.name, u.kind, u.active, secretaries.get(u.id)) for u in all_units})
    for person_id, unit_id, name in session.execute(
            select(Person.id, Person.unit_id, Person.name).where(Person.active.is_(True), Person.unit_id.is_not(None))):
        facts.people.setdefault((transfer.key(by_id[unit_id].name), transfer.key(name)), person_id)
    return facts


def dry_run(session: Session, data: bytes, filename: str, limits: Limits | None = None) -> transfer.RosterReport:
    """Read and check an upload against the roster without storing anything; raises `FileProblem`."""
    return transfer.build_report(transfer.read_roster(data, filename, limits), roster_facts(session))


def commit_import(session: Session, report: transfer.RosterReport, mode: CommitMode) -> ImportResult:
    """Store the report's importable rows (creating missing units) in the caller's transaction; duplicates
    are skipped, bad rows refused (ALL) or skipped (VALID)."""
    bad = [row.number for row in report.bad_rows]
    if mode is CommitMode.ALL and bad:
        raise ImportRefused(f"有{len(bad)}行存在问题，不能全部导入。请修正后重新导入，或选择“只导入无误的行”")
    known = {transfer.key(unit.name): unit for unit in units(session, active_only=False)}
    created_units: list[str] = []
    created: list[int] = []
    for row in report.importable_rows:
        entry = row.entry
        unit = known.get(transfer.key(entry.unit))
        if unit is None:
            unit = known[transfer.key(entry.unit)] = add_unit(session, entry.unit, entry.unit_kind)
            created_units.append(unit.name)
        elif entry.unit_kind and not unit.kind:
            unit.kind = entry.unit_kind  # the file fills a kind the roster left blank, never overwrites one
        draft = PersonDraft(entry.name, entry.position, unit.id, entry.is_secretary, list(entry.groups))
        created.append(_store_person(session, draft, unit).id)
    return ImportResult(created, created_units, bad, [row.number for row in report.duplicate_rows])


def export_rows(session: Session) -> list[list[str]]:
    """Every active person of an active, real unit, in the units' order, as the import template's cells."""
    rows = session.execute(
        select(Unit.name, Unit.kind, Person.name, Person.position, Person.is_secretary, Person.groups)
        .join(Unit, Person.unit_id == Unit.id)
        .where(Person.active.is_(True), Unit.active.is_(True), Person.demo.is_(False), Unit.demo.is_(False))
        .order_by(Unit.position, Unit.id, Person.is_secretary.desc(), Person.id))
    return [[unit, kind or "", name, position or "", transfer.YES if secretary else "", "、".join(groups or [])]
            for unit, kind, name, position, secretary, groups in rows]
