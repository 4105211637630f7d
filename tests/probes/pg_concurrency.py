"""Run as a script under an async mode: do PostgreSQL queries run concurrently, or block the event loop?

Four green threads each run `SELECT pg_sleep(0.6)`; a fifth asks PostgreSQL how many of them are running
at once. If the driver blocked the loop, the sleeps would run one after another and it would see at most 1.
Prints one JSON line.
"""

import sys

from core.asyncmode import patch

patch(sys.argv[1])

import json  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from sqlalchemy import text  # noqa: E402

from core.db import make_engine  # noqa: E402

SLEEPERS = 4
engine = make_engine(sys.argv[2])
seen: list[int] = []


def sleeper() -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_sleep(0.6)"))


def watcher() -> None:
    time.sleep(0.3)  # cooperative under monkey patching: lets the sleepers start
    with engine.connect() as connection:
        seen.append(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'active' AND query LIKE 'SELECT pg_sleep%'")).scalar())


threads = [threading.Thread(target=sleeper) for _ in range(SLEEPERS)] + [threading.Thread(target=watcher)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"mode": sys.argv[1], "concurrent": seen[0], "sleepers": SLEEPERS}))
