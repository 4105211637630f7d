"""How long work says how far it got: `progress(stage, done, total)`. Pure.

The bank's readers, writers and bulk store call it now and then; a job's context records it for the job page
(core/jobs/registry.py), the command line draws a bar (core/jobs/progress_bar.py), and everything else passes
`no_progress`.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """Progress nobody watches."""
    return None
