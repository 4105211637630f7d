"""Serving the app for a real venue: the async mode's own WSGI server, tuned the same way for every mode.

Measured on this kind of machine (../shared/PERF-NOTES.md): eventlet accepts only 1,024 connections unless
told otherwise and listens with a backlog of 50 (a burst of phones then waits a 1 s SYN retry); Python's full
garbage collections pause a 2,000-client server for ~300 ms. So: a large connection limit, a large listen
backlog, and the start-up objects frozen out of the collector with higher collection thresholds.
"""

from __future__ import annotations

import gc
import logging
import resource
from typing import Any

from flask import Flask

GC_THRESHOLDS = (50_000, 50, 100)
SPARE_DESCRIPTORS = 1024  # database connections, log and static files beside the phones' sockets


def open_file_target(max_connections: int, soft: int, hard: int) -> int:
    """The open-file limit to ask for: room for every connection plus spare, within the hard limit. Many
    systems start processes at a soft limit of 1,024, which would refuse the 1,025th phone."""
    wanted = max_connections + SPARE_DESCRIPTORS
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    return max(soft, ceiling)


def raise_open_file_limit(max_connections: int) -> int:
    """Raise this process's soft open-file limit for `max_connections`; returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = open_file_target(max_connections, soft, hard)
    if target != soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < max_connections + SPARE_DESCRIPTORS:
        logging.getLogger("shuji").warning("open-file limit %d is below MAX_CONNECTIONS %d + %d: raise the hard "
                                           "limit (ulimit -Hn)", target, max_connections, SPARE_DESCRIPTORS)
    return target


def tune_gc() -> None:
    """Collect once, move everything alive at start-up out of the collector's view, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def log_to_file(app: Flask, path: str) -> None:
    """Send the app's log (host actions included) to a file as well."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for logger in (app.logger, logging.getLogger("shuji")):
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def serve(app: Flask, wsgi: Any, host: str, port: int, mode: str, max_connections: int, backlog: int) -> None:
    """Run `wsgi` (the app with Socket.IO's middleware) on the chosen async mode's server until stopped."""
    raise_open_file_limit(max_connections)
    tune_gc()
    if mode == "eventlet":
        import eventlet
        from eventlet import wsgi as eventlet_wsgi

        listener = eventlet.listen((host, port), backlog=backlog)
        eventlet_wsgi.server(listener, wsgi, max_size=max_connections, log_output=False)
    elif mode == "gevent":
        from gevent import pywsgi
        from geventwebsocket.handler import WebSocketHandler

        server = pywsgi.WSGIServer((host, port), wsgi, handler_class=WebSocketHandler, backlog=backlog,
                                   spawn=max_connections, log=None)
        server.serve_forever()
    else:  # threading: for development only (collapses near 1,000 websockets)
        from core.realtime import socketio

        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
