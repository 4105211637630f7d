"""A progress bar for long command-line imports and exports: the same `(stage, done, total)` calls a job makes.

On a terminal the bar redraws in place; into a file or a pipe each stage prints one line when it starts and
one when it ends, so a log stays readable.
"""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """Call it with (stage, done, total); call `close()` at the end."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            if self.stage and self.live:
                self.stream.write("\n")
            self.stage = stage
            if not self.live:
                self.stream.write(f"{stage}：开始（共 {total}）\n")
        if self.live:
            filled = WIDTH * done // total if total else WIDTH
            self.stream.write(f"\r{stage} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}")
        elif total and done >= total:
            self.stream.write(f"{stage}：完成 {done}/{total}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the last line."""
        if self.stage and self.live:
            self.stream.write("\n")
            self.stream.flush()
