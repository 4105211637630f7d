"""The guided console: from the meeting's state, the next sensible action (the one large button a host, or a
presenter remote's →/PageDown/Space, presses) and, for every other control, whether the state allows it and
why not. Pure: the facts are gathered by quiz/live/snapshots.py; the server still refuses an illegal move.

The guide only suggests. A host may always move the agenda, call again or draw another question; the order it
follows is the meeting's: each segment in turn — 点名答题 (call, ask, reveal; once per unit present by
default), 全员答题 (a few questions to everyone), 述职评议 (each unit: speech, vote, result), 结果公布 — then
结束会议, which always asks for confirmation first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_ALL_ROUNDS = 3  # 全员答题 questions suggested when the segment names no number ("rounds")
UNSETTLED = ("open", "paused")


@dataclass(frozen=True)
class SegmentFacts:
    """One agenda item: its id, kind, title and the number of questions it plans (None: the default)."""

    id: int
    kind: str
    title: str
    rounds: int | None = None


@dataclass(frozen=True)
class RoundFacts:
    """The round on the console (preview included)."""

    phase: str
    mode: str
    answered: int = 0
    eligible: int = 0
    scored: bool = False  # the called person's answer is on record (phone or host)


@dataclass(frozen=True)
class ItemFacts:
    """A 述职评议 / 表态发言 item: its unit, speech timer, vote and turnout."""

    id: int
    unit: str
    vote_state: str  # pending | open | closed | revealed | none (表态发言: no vote)
    speech: str = "none"  # none | running | stopped
    ballots: int = 0
    eligible: int = 0
    min_ballots: int = 0

    @property
    def finished(self) -> bool:
        """Nothing left to do for this unit."""
        if self.vote_state == "none":
            return self.speech == "stopped"
        return self.vote_state == "revealed" or (self.vote_state == "closed" and self.ballots < self.min_ballots)


@dataclass(frozen=True)
class Facts:
    """What the guide looks at."""

    ended: bool = False
    started: bool = False
    segments: tuple[SegmentFacts, ...] = ()
    segment_id: int | None = None
    units: int = 0  # units with someone present (点名答题 calls each once)
    has_call: bool = False  # a call stands (for a redraw)
    call_waiting: bool = False  # someone was called in this segment and has not been asked yet
    rounds_done: int = 0  # questions shown in this segment (not replaced)
    round: RoundFacts | None = None
    item: ItemFacts | None = None  # the review item at the lectern
    pending_items: tuple[ItemFacts, ...] = ()  # the segment's items not finished, in speaking order
    open_vote: bool = False


@dataclass(frozen=True)
class Action:
    """The primary button: a host command with its payload, or nothing to press (`command` "", e.g. the meeting
    has ended). `confirm`: pressed once it asks to be pressed again (early close, ending a vote with ballots
    missing); `dialog`: it opens the console's confirmation (结束会议)."""

    command: str
    label: str
    payload: dict[str, Any] = field(default_factory=dict)
    hint: str = ""
    confirm: str = ""
    dialog: str = ""

    def as_json(self) -> dict[str, Any]:
        """As sent to the console."""
        return {"command": self.command, "label": self.label, "payload": self.payload, "hint": self.hint,
                "confirm": self.confirm, "dialog": self.dialog}


def _segment(facts: Facts) -> tuple[int, SegmentFacts] | None:
    return next(((i, s) for i, s in enumerate(facts.segments) if s.id == facts.segment_id), None)


def _quota(facts: Facts, segment: SegmentFacts) -> int:
    if segment.rounds is not None:
        return segment.rounds
    return max(1, facts.units) if segment.kind == "call" else DEFAULT_ALL_ROUNDS


def _move_on(facts: Facts, index: int, hint: str = "") -> Action:
    if index + 1 < len(facts.segments):
        following = facts.segments[index + 1]
        return Action("set_segment", f"进入下一环节：{following.title}", {"segment_id": following.id}, hint)
    return Action("end_meeting", "结束会议", hint=hint or "议程已全部完成", dialog="end_meeting")


def _round_action(round_: RoundFacts) -> Action:
    if round_.phase == "preview":
        return Action("show_question", "出示题目", hint="题目将显示在大屏和手机上，开始计时")
    if round_.phase == "paused":
        return Action("resume_question", "继续计时")
    if round_.phase == "open":
        count = f"已作答 {round_.answered} / {round_.eligible}"
        if (round_.eligible and round_.answered >= round_.eligible) or (round_.mode == "called" and round_.scored):
            return Action("reveal_answer", "公布答案", hint=count)
        missing = max(0, round_.eligible - round_.answered)
        return Action("close_question", "提前收卷", hint=f"{count}，时间到将自动收卷",
                      confirm=f"尚有 {missing} 人未作答，再按一次提前收卷")
    if round_.phase == "closed":
        return Action("reveal_answer", "公布答案", hint=f"已作答 {round_.answered} / {round_.eligible}")
    return Action("next_question", "下一题", hint="清空大屏，准备下一题")


def _item_action(item: ItemFacts) -> Action | None:
    if item.finished:
        return None
    if item.speech == "none":
        return Action("review_speech", f"开始计时：{item.unit}", {"action": "start"})
    if item.speech == "running":
        return Action("review_speech", "结束发言（停止计时）", {"action": "stop"})
    if item.vote_state == "pending":
        return Action("review_open_vote", "开始评议投票")
    turnout = f"已投 {item.ballots} / {item.eligible}"
    if item.vote_state == "open":
        missing = max(0, item.eligible - item.ballots)
        return Action("review_close_vote", "结束投票", hint=turnout,
                      confirm=f"尚有 {missing} 人未投票，再按一次结束投票" if missing else "")
    return Action("review_reveal", "公布评议结果", hint=turnout)


def next_action(facts: Facts) -> Action:
    """The one thing to press next (see the module's docstring for the order)."""
    if facts.ended:
        return Action("", "会议已结束", hint="如需补录或更正，可重新开放会议")
    where = _segment(facts)
    if where is None:
        if not facts.segments:
            return Action("", "议程为空", hint="请先编辑会议，添加议程")
        first = facts.segments[0]
        label = "开始会议" if not facts.started else f"进入：{first.title}"
        return Action("set_segment", label, {"segment_id": first.id}, hint=f"第一项议程：{first.title}")
    index, segment = where
    if facts.round is not None and facts.round.phase != "replaced":
        return _round_action(facts.round)
    if segment.kind in ("call", "all"):
        quota = _quota(facts, segment)
        if facts.rounds_done >= quota:
            return _move_on(facts, index, f"本环节已完成 {facts.rounds_done} 题")
        progress = f"本环节第 {facts.rounds_done + 1} / {quota} 题"
        if segment.kind == "all":
            return Action("draw_question", "抽题（全员作答）", {"mode": "all"}, progress)
        if facts.call_waiting:
            return Action("draw_question", "为被点名者抽题", {"mode": "called"}, progress)
        return Action("draw_person", "随机点名", hint=progress)
    if segment.kind in ("review", "pledge"):
        if facts.item is not None and (action := _item_action(facts.item)) is not None:
            return action
        upcoming = next((i for i in facts.pending_items if facts.item is None or i.id != facts.item.id), None)
        if upcoming is not None:
            verb = "表态发言" if segment.kind == "pledge" else "述职"
            return Action("review_select", f"请{upcoming.unit}{verb}", {"item_id": upcoming.id},
                          f"还有 {len(facts.pending_items)} 个单位")
        return _move_on(facts, index, "各单位均已完成")
    return _move_on(facts, index)


def controls(facts: Facts) -> dict[str, str | None]:
    """Every console control → None when the state allows it, else the reason (shown on hover)."""
    if facts.ended:
        return dict.fromkeys(CONTROLS, "会议已结束")
    phase = facts.round.phase if facts.round is not None and facts.round.phase != "replaced" else None
    unsettled = "当前题目作答中，请先收卷" if phase in UNSETTLED else None
    no_round = "当前没有题目" if phase is None else None
    item = facts.item
    no_item = "请先选择述职单位" if item is None else None
    reasons: dict[str, str | None] = {
        "set_segment": None,
        "draw_person": unsettled,
        "redraw_person": unsettled or (None if facts.has_call else "尚未点名"),
        "draw_question": unsettled,
        "pick_question": unsettled,
        "show_question": no_round or (None if phase == "preview" else "题目已出示"),
        "pause_question": no_round or (None if phase == "open" else "题目不在作答中"),
        "resume_question": no_round or (None if phase == "paused" else "题目未暂停"),
        "extend_question": no_round or (None if phase in UNSETTLED else "题目不在作答中"),
        "close_question": no_round or (None if phase in UNSETTLED else "题目不在作答中"),
        "reveal_answer": no_round or (None if phase in (*UNSETTLED, "closed") else
                                      ("请先出示题目" if phase == "preview" else "答案已公布")),
        "next_question": no_round or unsettled,
        "replace_question": no_round or (None if phase != "revealed" else "答案已公布，不能换题"),
        "score_oral": no_round or (None if facts.round.mode == "called" and phase != "preview" else
                                   ("请先出示题目" if phase == "preview" else "只有点名作答的题目由主持人评分")),
        "review_part": no_item,
        "review_speech_start": no_item or (None if item.speech != "running" else "正在计时"),
        "review_speech_stop": no_item or (None if item.speech == "running" else "计时尚未开始"),
        "review_open_vote": no_item or (None if item.vote_state == "pending" else "本单位的投票已开始或已结束"),
        "review_close_vote": no_item or (None if item.vote_state == "open" else "投票未在进行"),
        "review_reveal": no_item or _reveal_reason(item),
        "end_meeting": unsettled,
    }
    return reasons


def _reveal_reason(item: ItemFacts) -> str | None:
    if item.vote_state == "revealed":
        return "结果已公布"
    if item.vote_state != "closed":
        return "请先结束投票"
    if item.ballots < item.min_ballots:
        return f"有效票 {item.ballots} 张，少于公布所需的 {item.min_ballots} 张"
    return None


CONTROLS = ("set_segment", "draw_person", "redraw_person", "draw_question", "pick_question", "show_question",
            "pause_question", "resume_question", "extend_question", "close_question", "reveal_answer",
            "next_question", "replace_question", "score_oral", "review_part", "review_speech_start",
            "review_speech_stop", "review_open_vote", "review_close_vote", "review_reveal", "end_meeting")
