"""Serving the app for a real venue: the async mode's own WSGI server, tuned the same way for every mode.

Measured on this kind of machine (../shared/PERF-NOTES.md): eventlet accepts only 1,024 connections unless
told otherwise and listens with a backlog of 50 (a burst of phones then waits a 1 s SYN retry); Python's full
garbage collections pause a 2,000-client server for ~300 ms. So: a large connection limit, a large listen
backlog, and the start-up objects frozen out of the collector with higher collection thresholds. And against
half-sent requests and idle sockets: a deadline for each request's headers, an idle timeout between keep-alive
requests and a per-address connection cap (core/connlimits.py), the same under both servers.
"""

from __future__ import annotations

import gc
import logging
import resource
from collections.abc import Callable
from typing import Any

from flask import Flask

from core.connlimits import REFUSED_RESPONSE, HeadersLate, VenueLimits

OriginCheck = Callable[[str | None, dict[str, Any]], bool]
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


def serve(app: Flask, wsgi: Any, host: str, port: int, mode: str, max_connections: int, backlog: int,
          limits: VenueLimits | None = None, origin_allowed: OriginCheck | None = None) -> None:
    """Run `wsgi` (the app with Socket.IO's middleware) on the chosen async mode's server until stopped, with
    the header, idle and per-address limits of `limits` (core/connlimits.py). `origin_allowed` is Socket.IO's
    Origin check (core/realtime.py), which gevent must also apply before its websocket upgrade."""
    limits = limits or VenueLimits()
    raise_open_file_limit(max_connections)
    tune_gc()
    if mode == "eventlet":
        import eventlet
        from eventlet import wsgi as eventlet_wsgi

        listener = eventlet.listen((host, port), backlog=backlog)
        eventlet_wsgi.server(listener, wsgi, max_size=max_connections, log_output=False,
                             protocol=eventlet_protocol(limits))
    elif mode == "gevent":
        server_class = gevent_server(limits, origin_allowed)
        server = server_class((host, port), wsgi, handler_class=gevent_handler(limits), backlog=backlog,
                              spawn=max_connections, log=None)
        server.serve_forever()
    else:  # threading: for development only (collapses near 1,000 websockets)
        from core.realtime import socketio

        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)


def gevent_server(limits: VenueLimits, origin_allowed: OriginCheck | None = None) -> type:
    """gevent's WSGIServer refusing a connection beyond its address's cap with a 503 before reading it.
    gevent-websocket answers a websocket handshake (101) before the app runs, so Engine.IO's Origin check would
    come too late: a foreign Origin's upgrade goes to the app as plain HTTP instead, which refuses it (400)."""
    from gevent import pywsgi

    class VenueServer(pywsgi.WSGIServer):
        def pre_start_hook(self, handler: Any) -> bool:
            environ = handler.environ
            return origin_allowed is not None and not origin_allowed(environ.get("HTTP_ORIGIN"), environ)

        def handle(self, sock: Any, address: Any) -> None:
            peer = address[0] if isinstance(address, tuple) else str(address)
            if not limits.enter(peer):
                _refuse(sock)
                return
            try:
                super().handle(sock, address)
            finally:
                limits.leave(peer)

    return VenueServer


def gevent_handler(limits: VenueLimits) -> type:
    """gevent-websocket's handler with a deadline on each request's line and headers (the idle timeout from
    the second request of a keep-alive connection on). Once the headers are in, no deadline applies: a
    long-poll answer or a websocket lives as long as Socket.IO keeps it."""
    from gevent import Timeout
    from geventwebsocket.handler import WebSocketHandler

    class VenueHandler(WebSocketHandler):
        served = 0
        timer: Any = None

        def read_requestline(self) -> str:
            self.timer = Timeout(limits.deadline(self.served), HeadersLate)
            self.timer.start()
            try:
                line = super().read_requestline()
            except HeadersLate:
                return ""  # handle_one_request closes the connection on an empty request line
            if not line.endswith("\n"):  # closed, or too long: answered without reading headers
                self.timer.cancel()
            return line

        def read_request(self, raw_requestline: str) -> Any:
            try:
                return super().read_request(raw_requestline)
            finally:
                self.timer.cancel()
                self.served += 1

        def _handle_client_error(self, ex: Exception) -> Any:
            if isinstance(ex, HeadersLate):
                return None  # close without a word or a log line (a slowloris would fill the log)
            return super()._handle_client_error(ex)

        def handle(self) -> None:
            try:
                super().handle()
            finally:
                if self.timer is not None:
                    self.timer.cancel()

    return VenueHandler


def eventlet_protocol(limits: VenueLimits) -> type:
    """eventlet's HttpProtocol with the same rules: the per-address cap at accept, a deadline on each request's
    line and headers, none once they are in."""
    import eventlet
    from eventlet import wsgi as eventlet_wsgi

    class VenueProtocol(eventlet_wsgi.HttpProtocol):
        served = 0
        timer: Any = None

        def __init__(self, conn_state: list, server: Any) -> None:
            peer = conn_state[0][0] if isinstance(conn_state[0], tuple) else str(conn_state[0])
            if not limits.enter(peer):
                _refuse(conn_state[1])
                return
            try:
                super().__init__(conn_state, server)
            finally:
                limits.leave(peer)
                if self.timer is not None:
                    self.timer.cancel()

        def _read_request_line(self) -> Any:
            self.timer = eventlet.Timeout(limits.deadline(self.served), HeadersLate)
            try:
                return super()._read_request_line()
            except HeadersLate:
                self.close_connection = 1
                return ""

        def parse_request(self) -> bool:
            try:
                return super().parse_request()
            except HeadersLate:
                self.close_connection = 1
                return False
            finally:
                self.timer.cancel()
                self.served += 1

    return VenueProtocol


def _refuse(sock: Any) -> None:
    try:
        sock.sendall(REFUSED_RESPONSE)
    except OSError:
        pass
    finally:
        sock.close()
