"""The bank's long work, measured: import check (dry run), commit, and each export, at 1k / 5k / 20k generated
questions and on the real banks in ../shared/data, each in a fresh process so its peak memory is its own.

    .venv/bin/python -m bench.bank --sizes 1000 5000 20000 --repeat 3

Prints one JSON line per (source, operation): median seconds over the runs, peak RSS in MB. What a job does is
exactly this code (`question_bank.exchange`), in the worker's process; the hall's process does none of it.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OPERATIONS = ("dry_run", "commit", "export_xlsx", "export_csv", "export_json")


def _source_bytes(source: str) -> tuple[bytes, str]:
    if source.isdigit():
        from bench.bankgen import generated_drafts
        from question_bank.transfer.writing import to_xlsx

        return to_xlsx(generated_drafts(int(source))), "bank.xlsx"
    path = SHARED / source
    return path.read_bytes(), path.name


def measure_one(source: str, operation: str) -> dict:
    """One operation in this process against a fresh SQLite database (what the worker runs)."""
    from app import create_app
    from core.db import db
    from question_bank import exchange

    folder = Path(tempfile.mkdtemp(prefix="bench-bank-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bank.sqlite3'}", "SECRET_KEY": "bench",
                      "LOAD_BUNDLED_BANK": False, "REALTIME": False, "JOBS_MODE": "immediate",
                      "JOBS_DIR": str(folder / "jobs")})
    data, name = _source_bytes(source)
    with app.app_context():
        session = db.new_session()
        if operation.startswith("export"):  # the bank to export is stored first, outside the timing
            report = exchange.dry_run(session, data, name)
            exchange.commit_import(session, report, exchange.CommitMode.VALID)
            session.commit()
        started = time.perf_counter()
        if operation == "dry_run":
            report = exchange.dry_run(session, data, name)
            rows = len(report.rows)
        elif operation == "commit":
            report = exchange.dry_run(session, data, name)
            started = time.perf_counter()  # the commit alone (a commit job checks first: add the two)
            rows = len(exchange.commit_import(session, report, exchange.CommitMode.VALID).created_ids)
            session.commit()
        else:
            rows = len(exchange.export_bytes(session, "." + operation.split("_")[1]))
        seconds = time.perf_counter() - started
        session.close()
    return {"source": source, "operation": operation, "seconds": round(seconds, 3), "rows_or_bytes": rows,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run(sources: list[str], repeat: int) -> list[dict]:
    """Every operation on every source, `repeat` times in fresh processes; medians."""
    lines = []
    for source in sources:
        for operation in OPERATIONS:
            runs = [json.loads(subprocess.run([sys.executable, "-m", "bench.bank", "--one", source, operation],
                                              cwd=ROOT, check=True, capture_output=True, text=True).stdout)
                    for _ in range(repeat)]
            line = {"source": source, "operation": operation,
                    "seconds_median": statistics.median(r["seconds"] for r in runs),
                    "seconds_runs": [r["seconds"] for r in runs],
                    "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs), "rows_or_bytes": runs[0]["rows_or_bytes"]}
            print(json.dumps(line, ensure_ascii=False), flush=True)
            lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[1000, 5000, 20000])
    parser.add_argument("--real", action="store_true", help="also the real banks in ../shared/data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", nargs=2, metavar=("SOURCE", "OPERATION"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        print(json.dumps(measure_one(*options.one), ensure_ascii=False))
        return
    sources = [str(size) for size in options.sizes]
    if options.real and SHARED.exists():
        sources += ["maogai_304.xlsx", "dangjian_tk_675.xlsx", "maogai_304.csv", "dangjian_tk_675.csv"]
    run(sources, options.repeat)


if __name__ == "__main__":
    main()
