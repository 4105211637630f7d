"""GET /healthz: is the app up, can it reach its database, is the schema current, does its message queue work."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core import migrate, throttle
from core.db import db
from core.realtime import message_queue

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """JSON status; 503 when the database cannot be reached. An unreachable message queue (Redis) makes the
    status "degraded" but keeps 200: this worker still stores and acks answers and reaches its own clients,
    so a load balancer must not take it out (docs/deploy.md, "When Redis is down")."""
    body = {"status": "ok", "async_mode": current_app.config["ASYNC_MODE"], "database": "ok",
            **queue_health()}
    body.update(throttle.store(current_app).health())
    if body["message_queue"] == "unreachable" or "limits_warning" in body:
        body["status"] = "degraded"
    try:
        db.session.execute(text("SELECT 1"))
        body["schema"] = "current" if migrate.current_revision(db.engine) == migrate.head_revision() else "outdated"
    except SQLAlchemyError as error:
        body.update(status="error", database="unreachable", detail=type(error).__name__)
        return jsonify(body), 503
    finally:
        db.session.rollback()
    return jsonify(body)


def queue_health() -> dict[str, Any]:
    """`message_queue`: "none" without REDIS_URL, else "ok" or "unreachable" (a ping fails now, or this
    worker's publishing or listening failed and has not recovered), with `message_queue_down_s` when known."""
    manager = message_queue(current_app)
    if manager is None:
        return {"message_queue": "none"}
    status = manager.status()
    if manager.probe() and not status["degraded"]:
        return {"message_queue": "ok"}
    down = {"message_queue_down_s": round(status["down_s"], 1)} if status["degraded"] else {}
    return {"message_queue": "unreachable", **down}
