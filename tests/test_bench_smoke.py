"""The meeting benchmark as a smoke test (about 200 phones): it must finish with every acked answer stored
once. No timing is asserted here — figures live in docs/performance.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_the_benchmark_runs_and_loses_nothing(mode: str):
    result = subprocess.run([sys.executable, "-m", "bench.meeting", "--phones", "200", "--questions", "2",
                             "--mode", mode], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    app = figures["app"]
    assert (app["lost"], app["duplicated"], app["burst"]["refused"], app["stored"]) == (0, 0, 0, 400)
    assert set(figures["ratios"]) == {"fanout_p99", "all_acked", "join_cpu"}
