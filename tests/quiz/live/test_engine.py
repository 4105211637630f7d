"""The round state machine: every legal move, and illegal ones refused with a message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quiz.live import engine
from quiz.live.engine import IllegalMove, Phase, RoundClock

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fresh(limit: int = 60) -> RoundClock:
    return RoundClock(phase=Phase.PREVIEW, time_limit_s=limit)


def test_show_sets_the_server_deadline():
    clock = engine.show(fresh(30), T0)
    assert clock.phase is Phase.OPEN and clock.deadline_at == at(30)
    assert engine.accepts_answers(clock, at(29.999)) and not engine.accepts_answers(clock, at(30))


def test_pause_keeps_the_time_left_and_resume_restores_it():
    paused = engine.pause(engine.show(fresh(30), T0), at(10))
    assert paused.remaining_ms == 20_000 and not engine.accepts_answers(paused, at(11))
    resumed = engine.resume(paused, at(100))
    assert resumed.deadline_at == at(120)


def test_extend_open_and_paused():
    assert engine.extend(engine.show(fresh(30), T0), 15).deadline_at == at(45)
    assert engine.extend(engine.pause(engine.show(fresh(30), T0), at(10)), 5).remaining_ms == 25_000
    with pytest.raises(IllegalMove, match="延时须为"):
        engine.extend(engine.show(fresh(), T0), 0)


def test_deadline_closes_and_reveal_follows():
    clock = engine.show(fresh(10), T0)
    assert not engine.is_due(clock, at(9)) and engine.is_due(clock, at(10))
    closed = engine.close(clock, at(10))
    revealed = engine.reveal(closed, at(12))
    assert revealed.phase is Phase.REVEALED and revealed.closed_at == at(10) and revealed.revealed_at == at(12)


def test_reveal_from_open_closes_first():
    revealed = engine.reveal(engine.show(fresh(), T0), at(5))
    assert revealed.phase is Phase.REVEALED and revealed.closed_at == at(5)


@pytest.mark.parametrize(("moves", "phrase"), [
    (lambda c: engine.pause(c, T0), "预览中，不能暂停"),
    (lambda c: engine.close(c, T0), "不能收卷"),
    (lambda c: engine.reveal(c, T0), "不能揭晓答案"),
    (lambda c: engine.show(engine.show(c, T0), T0), "作答中，不能出示"),
    (lambda c: engine.replace_question(engine.reveal(engine.show(c, T0), T0)), "已揭晓，不能换题"),
])
def test_illegal_moves_are_refused(moves, phrase: str):
    with pytest.raises(IllegalMove, match=phrase):
        moves(fresh())


def test_replace_and_moving_on():
    assert engine.replace_question(engine.show(fresh(), T0)).phase is Phase.REPLACED
    assert not engine.can_move_on(engine.show(fresh(), T0))
    assert engine.can_move_on(engine.close(engine.show(fresh(), T0), T0))
