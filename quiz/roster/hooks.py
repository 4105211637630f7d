"""What the roster's pages need from the wings above it, as hooks they fill (core/hooks.py).

The first start's demo is a live meeting on a demo roster (quiz/live/demo.py); the roster's import page offers
to clear it while any is left, and asks the live wing (quiz/live/wiring.py) whether there is.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from core.hooks import Hook

demo_present: Hook[Callable[[Session], bool]] = Hook("quiz.roster.hooks.demo_present", "quiz.live.wiring")
