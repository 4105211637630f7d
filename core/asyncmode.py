"""Cooperative I/O for the chosen async mode, applied before anything opens a socket.

Only `app.main()` calls `patch()`; tests and the CLI run without monkey patching.
"""

from __future__ import annotations

import warnings


def patch(mode: str) -> None:
    """Monkey-patch the standard library (and psycopg2) so blocking calls yield to other clients."""
    if mode == "eventlet":
        with warnings.catch_warnings():
            # eventlet warns that it is deprecated; the design still offers it (docs/deploy.md).
            warnings.simplefilter("ignore")
            import eventlet
        # eventlet's monkey_patch makes psycopg2 green itself when psycopg2 is importable.
        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        _make_psycopg2_gevent_friendly()


def _make_psycopg2_gevent_friendly() -> None:
    import psycopg2
    from psycopg2 import extensions

    extensions.set_wait_callback(_gevent_wait)
    del psycopg2


def _gevent_wait(conn, timeout=None):  # type: ignore[no-untyped-def]
    # psycopg2 calls this while a query runs; waiting on gevent's event loop lets other greenlets run. Not
    # select(): a server holding 1,000+ phones opens database connections on descriptors above select()'s
    # limit of 1,024 ("filedescriptor out of range"); gevent's watchers have no such limit.
    from gevent.socket import wait_read, wait_write
    from psycopg2 import OperationalError, extensions

    while True:
        state = conn.poll()
        if state == extensions.POLL_OK:
            return
        if state == extensions.POLL_READ:
            wait_read(conn.fileno(), timeout)
        elif state == extensions.POLL_WRITE:
            wait_write(conn.fileno(), timeout)
        else:
            raise OperationalError(f"unexpected psycopg2 poll state {state}")


def patch_from_environment() -> None:
    """Patch for the mode named by ASYNC_MODE (default gevent), as `python app.py` runs it."""
    import os

    from core.config import DEFAULT_ASYNC_MODE

    patch(os.environ.get("ASYNC_MODE", DEFAULT_ASYNC_MODE).strip().lower())
