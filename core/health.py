"""GET /healthz: is the app up, can it reach its database, is the schema current."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core import migrate
from core.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """JSON status; 503 when the database cannot be reached."""
    body = {"status": "ok", "async_mode": current_app.config["ASYNC_MODE"], "database": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        body["schema"] = "current" if migrate.current_revision(db.engine) == migrate.head_revision() else "outdated"
    except SQLAlchemyError as error:
        body.update(status="error", database="unreachable", detail=type(error).__name__)
        return jsonify(body), 503
    finally:
        db.session.rollback()
    return jsonify(body)
