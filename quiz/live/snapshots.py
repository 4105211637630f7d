"""What each audience is told: phones, the projector, the host. Built from what is committed.

Phones and the projector never get the answer key, explanation or source before the reveal, and phones never
get the roster (the projector's roll of candidate names goes to the projector only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from quiz.live import attendance, guidance, hooks, presence, venues
from quiz.live.answers import host_view, participant_view
from quiz.live.attendance_figures import venue_figures
from quiz.live.calling import POOL_KINDS
from quiz.live.engine import PHASE_LABELS, Phase
from quiz.live.models import Answer, AnswerTally, Attendee, Meeting, PersonDraw, Round, Venue
from quiz.roster.names import with_hints


def epoch_ms(moment) -> int | None:  # type: ignore[no-untyped-def]
    """A timestamp as milliseconds since the epoch (what browsers count in)."""
    return int(moment.timestamp() * 1000) if moment else None


def _called(attendee: Attendee | None) -> dict[str, Any] | None:
    if attendee is None:
        return None
    unit = attendee.unit.name if attendee.unit else ""
    called = {"attendee_id": attendee.id, "name": attendee.name, "unit": unit, "position": attendee.position,
              "line": f"请问{unit}{attendee.position}{attendee.name}", "venue_id": None, "venue": ""}
    meeting = attendee.meeting
    if venues.has_branches(meeting):  # the called person's hall shows it is theirs; the others say where
        venue = venues.venue_of(meeting, attendee)
        called["venue_id"], called["venue"] = (venue.id, venue.name) if venue else (None, "")
    return called


def eligible_count(session: Session, meeting: Meeting, round_: Round) -> int:
    """How many may answer: the called person, or everyone present."""
    if round_.mode == "called":
        return 1
    return attendance.present_count(session, meeting)


def answered_count(session: Session, round_id: int) -> int:
    """Answers stored for a round, the venues' paper answers (AnswerTally, one per venue) included."""
    phones = session.scalar(select(func.count(Answer.id)).where(Answer.round_id == round_id)) or 0
    paper = session.scalar(select(func.sum(AnswerTally.answered)).where(AnswerTally.round_id == round_id)) or 0
    return phones + paper


def distribution(session: Session, round_: Round) -> dict[str, Any]:
    """After closing: how the room answered (per option for choices and 判断; right/wrong otherwise), the phone-less
    venues' paper answers added (each venue's AnswerTally once)."""
    answers = session.scalars(select(Answer).where(Answer.round_id == round_.id)).all()
    tallies = session.scalars(select(AnswerTally).where(AnswerTally.round_id == round_.id)).all()
    paper = Counter()
    for tally in tallies:
        paper.update(tally.counts)
    correct = sum(a.correct for a in answers) + sum(t.correct for t in tallies)
    total = len(answers) + sum(t.answered for t in tallies)
    kind = round_.question["type"]
    if kind in ("单选", "多选"):
        counts = Counter(letter for a in answers for letter in str(a.payload)) + paper
        letters = "ABCDEFGH"[: len(round_.question["options"])]
        return {"options": {letter: counts.get(letter, 0) for letter in letters}, "correct": correct, "total": total}
    if kind == "判断":
        return {"options": {"正确": sum(a.payload is True for a in answers) + paper.get("正确", 0),
                            "错误": sum(a.payload is False for a in answers) + paper.get("错误", 0)},
                "correct": correct, "total": total}
    return {"correct": correct, "total": total}


def round_state(session: Session, meeting: Meeting, round_: Round | None) -> dict[str, Any] | None:
    """The public view of the current round."""
    if round_ is None or round_.phase == Phase.PREVIEW.value:
        return None  # a previewed question is the console's alone
    revealed = round_.phase == Phase.REVEALED.value
    state = {
        "id": round_.id, "mode": round_.mode, "phase": round_.phase, "phase_label": PHASE_LABELS[Phase(round_.phase)],
        "question": participant_view(round_.question, revealed), "time_limit_s": round_.time_limit_s,
        "deadline_ms": epoch_ms(round_.deadline_at), "remaining_ms": round_.remaining_ms,
        "called": _called(round_.called), "answered": answered_count(session, round_.id),
        "eligible": eligible_count(session, meeting, round_),
    }
    if round_.phase in (Phase.CLOSED.value, Phase.REVEALED.value):
        state["distribution"] = distribution(session, round_) if revealed else None
    return state


def segment_kind(meeting: Meeting) -> str | None:
    """The kind of the agenda segment in progress."""
    return next((s.kind for s in meeting.segments if s.id == meeting.current_segment_id), None)


def public_state(session: Session, meeting: Meeting) -> dict[str, Any]:
    """What every phone in the meeting's room receives."""
    draw = session.get(PersonDraw, meeting.current_draw_id) if meeting.current_draw_id else None
    segment = next((s for s in meeting.segments if s.id == meeting.current_segment_id), None)
    round_ = session.get(Round, meeting.current_round_id) if meeting.current_round_id else None
    return {
        "rev": meeting.revision,
        "meeting": {"id": meeting.id, "title": meeting.title, "status": meeting.status,
                    "rehearsal": meeting.rehearsal},
        "segment": {"id": segment.id, "kind": segment.kind, "title": segment.title} if segment else None,
        "call": _called(draw.chosen) if draw else None,
        "round": round_state(session, meeting, round_),
        "review": hooks.review_segments().public_part(session, meeting),
    }


def venue_part(meeting: Meeting, venue: Venue | None, base_url: str) -> dict[str, Any]:
    """Who a venue is and how phones join it: its code and address (the meeting's own for the convening hall)."""
    main = venues.main_venue(meeting)
    code = venue.join_code if venue is not None and venue.join_code else meeting.join_code
    return {"venue": {"id": venue.id if venue else None, "name": venue.name if venue else venues.CONVENING_NAME,
                      "leader": venue.leader if venue else "", "branch": bool(venue and venues.is_branch(venue)),
                      "main": main is None or (venue is not None and venue.id == main.id),
                      "main_name": main.name if main else venues.CONVENING_NAME,
                      "count": len(meeting.venues)},
            "join": {"url": f"{base_url}/j/{code}", "code": code}}


def screen_states(session: Session, meeting: Meeting, base_url: str, public: dict[str, Any] | None = None,
                  counts: attendance.HallCounts | None = None) -> dict[int | None, dict[str, Any]]:
    """Every venue's projector view (venue id → state): the shared part is built once, and the attendance of
    every hall comes from `counts` (read once per broadcast: attendance.hall_counts)."""
    shared = _screen_shared(session, meeting, public)
    counts = counts or attendance.hall_counts(session, meeting)
    per_venue, listeners = counts.per_venue, counts.listeners
    hall = venues.convening(meeting)
    overall = _attendance_part([u for units in per_venue.values() for u in units], sum(listeners.values()))
    # A one-hall meeting's projector shows the meeting's units even where nobody is expected yet.
    one_hall = None if venues.has_branches(meeting) else attendance.meeting_units(meeting, per_venue)
    states = {}
    for venue in meeting.venues or [None]:
        key = None if venue is None or not venues.is_branch(venue) else venue.id
        here = _attendance_part(per_venue.get(key, []) if one_hall is None else one_hall, listeners.get(key, 0))
        states[venue.id if venue else None] = shared | venue_part(meeting, venue, base_url) | {
            "attendance": here | {"overall": {"expected": overall["expected"], "present": overall["present"]}}}
    if hall is not None:
        states[None] = states[hall.id]
    return states


def _attendance_part(units: list[attendance.UnitAttendance], anonymous: int) -> dict[str, Any]:
    return {"expected": sum(u.expected for u in units), "present": sum(u.present for u in units),
            "anonymous": anonymous,
            "units": [{"name": u.name, "expected": u.expected, "present": u.present} for u in units]}


def _screen_shared(session: Session, meeting: Meeting, public: dict[str, Any] | None) -> dict[str, Any]:
    draw = session.get(PersonDraw, meeting.current_draw_id) if meeting.current_draw_id else None
    roll = None
    if draw is not None:
        shown = draw.candidates[:60]
        by_id = {a.id: a for a in session.scalars(select(Attendee).where(Attendee.id.in_(shown)))}
        roll = {"draw_id": draw.id, "names": [_called(by_id[i])["line"][2:] for i in shown if i in by_id]}
    return (public or public_state(session, meeting)) | {
        "roll": roll,
        "results": meeting_results(session, meeting) if segment_kind(meeting) == "results" else None,
    }


def screen_state(session: Session, meeting: Meeting, base_url: str, public: dict[str, Any] | None = None,
                 venue_id: int | None = None) -> dict[str, Any]:
    """One projector's view: the public state (`public`, when the caller built it already), its venue's
    attendance and join address, and the draw's roll of names. `venue_id` None: the convening hall."""
    states = screen_states(session, meeting, base_url, public)
    return states.get(venue_id) or states[None]


def round_turnout_by_venue(session: Session, meeting: Meeting) -> dict[int | None, int] | None:
    """The current round's answers per venue (None: the convening hall): phone and host-scored answers grouped
    by the attendee's venue, plus each venue's paper tally (AnswerTally). None when no round is up. Two
    grouped queries, whatever the number of venues."""
    round_ = session.get(Round, meeting.current_round_id) if meeting.current_round_id else None
    if round_ is None or round_.phase == Phase.PREVIEW.value:
        return None
    answered: Counter[int | None] = Counter(dict(session.execute(
        select(Attendee.venue_id, func.count(Answer.id)).join(Attendee, Answer.attendee_id == Attendee.id)
        .where(Answer.round_id == round_.id).group_by(Attendee.venue_id)).all()))
    hall = venues.convening(meeting)
    for venue_id, paper in session.execute(select(AnswerTally.venue_id, AnswerTally.answered)
                                           .where(AnswerTally.round_id == round_.id)):
        answered[None if hall is not None and venue_id == hall.id else venue_id] += paper or 0
    return dict(answered)


def venues_part(session: Session, meeting: Meeting, base_url: str,
                online: Mapping[int | None, presence.VenuePresence] | None = None,
                listeners: dict[int | None, int] | None = None) -> list[dict[str, Any]]:
    """The console's list of halls: each one's codes, projector address, 负责人 and attendance figures (by the
    same rule as the minutes': 实到 + 请假 + 缺席 + 代会 = 应到), who is connected there now (`online`: the
    presence over every worker, quiz/live/presence.py) and the turnout of the current round and vote."""
    figures = venue_figures(session, meeting.id)
    listeners = attendance.anonymous_by_venue(session, meeting) if listeners is None else listeners
    main = venues.main_venue(meeting)
    answered = round_turnout_by_venue(session, meeting)
    voted = hooks.review_segments().venue_turnouts(session, meeting)
    rows = []
    for venue in meeting.venues:
        key = venue.id if venues.is_branch(venue) else None
        total = figures.get(key, ([], None))[1]
        code = venue.join_code or meeting.join_code
        rows.append({"id": venue.id, "name": venue.name, "leader": venue.leader, "branch": venues.is_branch(venue),
                     "main": main is not None and venue.id == main.id, "join_code": code,
                     "join_url": f"{base_url}/j/{code}",
                     "screen_url": f"{base_url}/s/{venue.screen_token or meeting.screen_token}",
                     "operators": [u.display_name or u.username for u in venue.operators],
                     "attendance": {"expected": total.expected if total else 0,
                                    "present": total.present if total else 0, "leave": total.leave if total else 0,
                                    "absent": total.absent if total else 0,
                                    "deputized": total.deputized if total else 0,
                                    "unchecked": total.unchecked if total else 0,
                                    "anonymous": listeners.get(key, 0)},
                     "presence": presence.for_venue(online or {}, venue.id, not venues.is_branch(venue)).as_dict(),
                     "turnout": {"round": None if answered is None else answered.get(key, 0),
                                 "vote": None if voted is None else voted.get(key, 0)}})
    return rows


def host_state(session: Session, meeting: Meeting, base_url: str, roster: bool = True,
               screen: dict[str, Any] | None = None,
               online: Mapping[int | None, presence.VenuePresence] | None = None,
               counts: attendance.HallCounts | None = None) -> dict[str, Any]:
    """The console's view: everything, including the previewed question with its key, and every venue. With
    `roster`, also the named attendees' rows (the anonymous audience is only counted); broadcasts that change no
    attendee leave them out, and the console keeps the rows it has. `screen`: the convening hall's projector
    view, when already built (with the `counts` it was built from); `online`: who is connected at each venue
    (quiz/live/presence.py)."""
    counts = counts or attendance.hall_counts(session, meeting)
    state = dict(screen or screen_states(session, meeting, base_url, counts=counts)[None])
    if venues.has_branches(meeting):  # the console counts the whole meeting; each venue is in "venues"
        state["attendance"] = _attendance_part(attendance.meeting_units(meeting, counts.per_venue),
                                               sum(counts.listeners.values()))
    state["venues"] = venues_part(session, meeting, base_url, online, counts.listeners)
    round_ = session.get(Round, meeting.current_round_id) if meeting.current_round_id else None
    if round_ is not None:
        state["current"] = {"id": round_.id, "phase": round_.phase, "mode": round_.mode,
                            "question": host_view(round_.question), "question_id": round_.question_id,
                            "called_id": round_.called_id}
        oral_answer = session.scalar(select(Answer).where(Answer.round_id == round_.id,
                                                          Answer.attendee_id == round_.called_id)) \
            if round_.called_id else None
        state["current"]["called_answer"] = (
            {"payload": oral_answer.payload, "score": oral_answer.score, "source": oral_answer.source}
            if oral_answer else None)
    if state["call"]:
        state["call"] = state["call"] | {"name_hint": with_hints(state["call"]["name"])}  # not the screen's dict
    state.update(hooks.review_segments().host_part(session, meeting))  # its "review" and "review_items"
    if roster:
        state["attendees"] = [_attendee_row(a) for a in session.scalars(
            select(Attendee).where(Attendee.meeting_id == meeting.id, Attendee.anonymous.is_(False))
            .order_by(Attendee.id).options(selectinload(Attendee.unit)))]
    state["segments"] = [{"id": s.id, "kind": s.kind, "title": s.title} for s in meeting.segments]
    state["pool_kinds"] = POOL_KINDS
    state["guide"] = guidance.guide_state(session, meeting, state)
    state["closing"] = guidance.end_consequences(session, meeting)
    return state


def _attendee_row(attendee: Attendee) -> dict[str, Any]:
    return {"id": attendee.id, "name": attendee.name, "unit": attendee.unit.name if attendee.unit else "",
            "position": attendee.position, "secretary": attendee.is_secretary, "status": attendee.status,
            "status_label": attendance.STATUS_LABELS[attendee.status], "anonymous": attendee.anonymous,
            "bound": attendee.device_token is not None, "pending": attendee.pending_device_token is not None,
            "pending_code": attendance.confirmation_code(attendee.pending_device_token)
            if attendee.pending_device_token else None,
            "excluded": attendee.excluded_from_draw, "deputy_id": attendee.deputy_id,
            "venue_id": attendee.venue_id}


def personal_state(session: Session, meeting: Meeting, attendee: Attendee) -> dict[str, Any]:
    """One phone's view: the public state plus who they are and their own answer (and result once revealed)."""
    state = public_state(session, meeting)
    me = {"id": attendee.id, "name": attendee.name, "unit": attendee.unit.name if attendee.unit else "",
          "unit_id": attendee.unit_id, "anonymous": attendee.anonymous,
          "venue_id": None, "venue": ""}
    if venues.has_branches(meeting):  # the phone says which hall its person attends
        venue = venues.venue_of(meeting, attendee)
        me["venue_id"], me["venue"] = (venue.id, venue.name) if venue else (None, "")
    round_ = state["round"]
    if round_ is not None:
        answer = session.scalar(select(Answer).where(Answer.round_id == round_["id"],
                                                     Answer.attendee_id == attendee.id))
        me["answer"] = answer.payload if answer and answer.source == "phone" else None
        if answer and round_["phase"] == Phase.REVEALED.value:
            me["result"] = {"correct": answer.correct, "score": answer.score}
    me.update(hooks.review_segments().personal_part(session, meeting, attendee, state["review"]))
    return state | {"me": me}


def meeting_results(session: Session, meeting: Meeting) -> list[dict[str, Any]]:
    """This meeting's results per unit (shown in the 结果公布 segment)."""
    from quiz.live.results import AnswerFact, unit_results

    rows = session.execute(
        select(Attendee.unit_id, Round.mode, Answer.correct, Answer.score)
        .join(Round, Answer.round_id == Round.id).join(Attendee, Answer.attendee_id == Attendee.id)
        .where(Round.meeting_id == meeting.id, Round.phase != Phase.REPLACED.value))
    facts = [AnswerFact(unit_id, mode, bool(correct), float(score)) for unit_id, mode, correct, score in rows]
    reviews = hooks.review_segments().unit_scores(session, meeting)
    return [{"name": r.name, "called_points": round(r.called_points, 2), "called_answers": r.called_answers,
             "accuracy": r.accuracy, "all_answers": r.all_answers, "review_score": r.review_score}
            for r in unit_results([(u.id, u.name) for u in meeting.units], facts, reviews)]
