"""The live meeting reaches the review and quarter wings only through hooks (quiz/live/hooks.py): the app fills
every one of them, and a hook left empty stops the step that needs it instead of skipping it."""

from __future__ import annotations

import pytest

from core.hooks import Hook, HookMissing
from quiz.live import hooks
from quiz.live import hosting as live
from quiz.roster import hooks as roster_hooks


def test_the_app_fills_every_hook_of_the_lower_wings(app):
    for hook in (hooks.review_segments, hooks.quarter_record, roster_hooks.demo_present):
        assert hook.provided, hook.name


def test_the_review_runs_its_own_segment_kinds_and_commands(app):
    segments = hooks.review_segments()
    assert segments.kinds == {"review", "pledge"}
    assert {"review_open_vote", "review_close_vote", "paper_tally"} <= segments.commands.keys()
    assert set(segments.after_commit) == {"review_close_vote", "end_meeting"}  # the vote's key goes after both


def test_an_unfilled_hook_stops_the_step_loudly(session, meeting, monkeypatch):
    monkeypatch.setattr(hooks, "review_segments", Hook("quiz.live.hooks.review_segments", "quiz.review.wiring"))
    review = next(s for s in meeting.segments if s.kind == "review")
    with pytest.raises(HookMissing, match="quiz.review.wiring"):
        live.set_segment(session, meeting, review.id, "host1")
    session.rollback()
