"""A big write waits for a quiet moment: no question open for answers, no vote open for ballots."""

from __future__ import annotations

from pathlib import Path

from core.jobs.registry import JobContext
from quiz.live import hosting as live
from quiz.review.jobs import hall_busy
from tests.factories import make_question
from tests.quiz.live.test_live_service import HOST, command


def test_a_job_waits_while_a_question_is_open_and_goes_on_after(session, meeting, tmp_path: Path):
    question = make_question(session)
    session.commit()  # waiting rolls the job's session back to see the hall afresh
    context = JobContext(1, "bank_commit", session, {}, tmp_path, None)
    assert hall_busy(session) is False and context.wait_for_quiet(0) is True
    command(session, meeting, lambda: live.pick_question(session, meeting, question.id, "all", HOST))
    command(session, meeting, lambda: live.show(session, meeting, HOST))
    assert hall_busy(session) is True
    assert context.wait_for_quiet(0.6) is False  # still answering: it gave up waiting (and then writes anyway)
    assert "等待答题间隙写入" in (tmp_path / "progress.json").read_text(encoding="utf-8")
    command(session, meeting, lambda: live.clock_command(session, meeting, "close", HOST))
    assert hall_busy(session) is False and context.wait_for_quiet(0) is True
