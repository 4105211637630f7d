"""The live wing's answers to the roster's hooks (quiz/roster/hooks.py); app.create_app calls `install`."""

from __future__ import annotations

from quiz.live import demo
from quiz.roster import hooks as roster_hooks


def install() -> None:
    """Fill the roster's hooks (idempotent)."""
    roster_hooks.demo_present.provide(demo.has_demo)
