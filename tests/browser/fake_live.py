"""The real projector and phone pages (template, CSS, scripts) fed with states the test builds, through a stand-in
for the Socket.IO client: every screen at every size without driving a meeting to it.

The states have the shape of quiz/live/snapshots.py's (the questions go through the real `participant_view`);
tests/browser/test_live_round.py checks the same pages against a real meeting."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from question_bank.rules import QuestionDraft
from question_bank.transfer.writing import draft_to_record
from quiz.live.answers import participant_view
from quiz.live.engine import PHASE_LABELS, Phase

FAKE_SOCKET = (Path(__file__).parent / "fake_socket.js").read_text("utf-8")
CHECKS = Path(__file__).parent / "screen_checks.js"


def open_page(browser, url: str, width: int, height: int, text_size: str = "100%",  # type: ignore[no-untyped-def]
              **context):
    """A page of the app at `url` whose socket is the stand-in; `text_size` as a phone's text setting sets it."""
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **context).new_page()
    page.add_init_script(path=str(CHECKS))
    page.add_init_script("document.addEventListener('DOMContentLoaded', () => "
                         f"{{ document.documentElement.style.fontSize = '{text_size}'; }});")
    page.route("**/vendor/socket.io-*.js*", lambda route: route.fulfill(
        status=200, content_type="application/javascript", body=FAKE_SOCKET))
    page.goto(url)
    page.wait_for_function("window.__live && window.__live.handlers.state")
    return page


def deliver(page, state: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Show `state` on the page (and wait until its scripts rendered it)."""
    page.evaluate("state => window.__live.deliver(state)", json.loads(json.dumps(state)))


def question_view(draft: QuestionDraft, revealed: bool) -> dict[str, Any]:
    """The question as the projector and phones receive it."""
    return participant_view(draft_to_record(draft), revealed)


def round_state(draft: QuestionDraft, phase: str, mode: str = "all", called: dict | None = None,
                round_id: int = 1, eligible: int = 120) -> dict[str, Any]:
    """`round` of a public state, as snapshots.round_state builds it."""
    revealed = phase == Phase.REVEALED.value
    view = question_view(draft, revealed)
    state = {"id": round_id, "mode": mode, "phase": phase, "phase_label": PHASE_LABELS[Phase(phase)],
             "question": view, "time_limit_s": 60, "deadline_ms": None, "remaining_ms": 45000,
             "called": called, "answered": 87 if mode == "all" else 0, "eligible": 1 if mode == "called" else eligible}
    if phase in ("closed", "revealed"):
        state["distribution"] = _distribution(view) if revealed else None
    return state


def _distribution(view: dict[str, Any]) -> dict[str, Any]:
    if view["type"] in ("单选", "多选"):
        options = {letter: 10 + 7 * i for i, letter in enumerate("ABCDEFGH"[: len(view["options"])])}
        return {"options": options, "correct": 61, "total": 118}
    if view["type"] == "判断":
        return {"options": {"正确": 80, "错误": 38}, "correct": 80, "total": 118}
    return {"correct": 61, "total": 118}


def called_person(attendee_id: int = 7, unit: str = "中共某某市某某区委组织部机关党委", position: str = "党支部书记",
                  name: str = "欧阳建国") -> dict[str, Any]:
    """`called` / `call` of a public state."""
    return {"attendee_id": attendee_id, "name": name, "unit": unit, "position": position,
            "line": f"请问{unit}{position}{name}"}


def units(count: int, long_names: bool = False) -> list[dict[str, Any]]:
    """The lobby's attendance per unit."""
    name = "中共某某市某某区某某街道工作委员会第{}党支部" if long_names else "第{}党支部"
    return [{"name": name.format(i + 1), "expected": 12, "present": (i * 5) % 13} for i in range(count)]


def public_state(**parts: Any) -> dict[str, Any]:
    """A whole state (what the projector gets: the public state plus attendance, join, roll and results)."""
    state: dict[str, Any] = {
        "rev": 1, "meeting": {"id": 1, "title": "2026年第四季度书记问效会", "status": "live", "rehearsal": False},
        "segment": None, "call": None, "round": None, "review": None,
        "join": {"url": "http://192.168.100.200:5000/j/482913", "code": "482913"},
        "attendance": {"expected": 168, "present": 121, "anonymous": 0, "units": units(14)},
        "roll": None, "results": None,
    }
    state.update(copy.deepcopy(parts))
    return state


COMMITMENT = ("针对基层党组织书记抓党建述职评议中指出的“三会一课”制度落实不严格、"
              "组织生活质量不高等问题，制定第{}项整改措施并按季度跟踪落实")


def review_state(vote_state: str = "pending", commitments: int = 0, result: bool = False,
                 part_label: str = "述成绩") -> dict[str, Any]:
    """`review` of a public state, as snapshots.review_state builds it for the projector and phones."""
    return {
        "item_id": 3, "unit_id": 2, "unit": "中共某某市某某区某某街道工作委员会", "kind": "review",
        "speaker": {"name": "欧阳建国", "position": "党工委书记", "label": "党工委书记 欧阳建国", "deputy": False},
        "part": "results", "part_label": part_label,
        "speech": {"started_ms": None, "stopped_ms": None, "limit_s": 480},
        "vote_state": vote_state, "criteria": [], "ratings": ["满意", "基本满意", "不满意"],
        "turnout": {"ballots": 57, "eligible": 96}, "min_ballots": 3,
        "earlier_commitments": [{"id": i, "kind": "problem" if i % 2 else "plan", "kept": "partly" if i % 3 else None,
                                 "text": COMMITMENT.format(i + 1)} for i in range(commitments)],
        "result": ({"score": 86.67, "ballots": 57, "ratings": {"满意": 40, "基本满意": 15, "不满意": 2}}
                   if result else None),
    }


def meeting_results(count: int) -> list[dict[str, Any]]:
    """`results` of the projector's state in the 结果公布 segment."""
    return [{"name": f"中共某某区第{i + 1}街道党工委", "called_points": max(0, 30 - 2 * i),
             "called_answers": 3 if i < count - 1 else 0, "accuracy": round(max(0.0, 95 - 3.5 * i), 1),
             "all_answers": 40 + i,
             "review_score": None if i == 2 else round(92 - 1.7 * i, 2)} for i in range(count)]
