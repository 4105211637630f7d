"""Run as a script under an async mode: does a write waiting for another process's SQLite lock let the rest
of the process run?

Another process holds the database's write lock for HOLD_S seconds. One green thread inserts a row (it must
wait for the lock); another counts ticks of 10 ms meanwhile. If the wait blocked the loop (SQLite's own busy
wait is a C sleep), the counter would not move until the insert was done. Prints one JSON line.
"""

import sys

from core.asyncmode import patch

patch(sys.argv[1])

import json  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from sqlalchemy import text  # noqa: E402

from core.db import make_engine  # noqa: E402

HOLD_S = 0.6
HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
"""


def main() -> None:
    path = sys.argv[2]
    engine = make_engine(f"sqlite:///{path}", busy_timeout_ms=5000)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, path, str(HOLD_S)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    ticks_while_waiting = []
    done = threading.Event()

    def write() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
        done.set()

    def count() -> None:
        ticks = 0
        while not done.is_set():
            time.sleep(0.01)
            ticks += 1
        ticks_while_waiting.append(ticks)

    writer, counter = threading.Thread(target=write), threading.Thread(target=count)
    counter.start()
    writer.start()
    writer.join()
    counter.join()
    holder.wait()
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT COUNT(*) FROM t")).scalar()
    print(json.dumps({"ticks_while_waiting": ticks_while_waiting[0], "stored": stored}))


main()
