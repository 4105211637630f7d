"""Run as a script under an async mode: do PostgreSQL queries run concurrently, or block the event loop?

Four green threads each run `SELECT pg_sleep(0.6)`; a fifth asks PostgreSQL how many of them are running
at once. If the driver blocked the loop, the sleeps would run one after another and it would see at most 1.
With a third argument `high-fds`, 1,100 descriptors are opened first, so every database connection gets one
above 1,024 — as in a server holding a thousand phones, where a select()-based wait fails. Prints one JSON
line.
"""

import sys

from core.asyncmode import patch

patch(sys.argv[1])

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from sqlalchemy import text  # noqa: E402

from core.db import make_engine  # noqa: E402

SLEEPERS = 4
HIGH_FDS = 1100
if sys.argv[3:] == ["high-fds"]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(HIGH_FDS)]
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
with engine.connect() as probe:
    lowest_fd = probe.connection.dbapi_connection.fileno()
print(json.dumps({"mode": sys.argv[1], "concurrent": seen[0], "sleepers": SLEEPERS, "fd": lowest_fd}))
