"""Who is logged in, and the decorator that checks a role on every protected page."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, g, redirect, request, session, url_for

from core.accounts.models import User
from core.accounts.roles import Role, allows
from core.db import db


def session_stamp(user: User) -> str:
    """A value tied to the password hash and the user's session epoch: a password change or a logout (each
    raises the epoch) ends every session issued before it, copies of the cookie included. Checked on every
    request and when a host's socket connects."""
    key = current_app.config["SECRET_KEY"].encode()
    material = f"{user.session_epoch or 0}:{user.password_hash}".encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def log_in(user: User) -> None:
    """Start a fresh session for the user."""
    session.clear()
    session["uid"] = user.id
    session["stamp"] = session_stamp(user)
    session.permanent = False


def log_out(user: User | None) -> None:
    """End the session here and every copy of it (the caller commits the raised epoch)."""
    if user is not None:
        user.session_epoch = (user.session_epoch or 0) + 1
        db.session.flush()
    session.clear()


def load_current_user() -> None:
    """Before each request: put the logged-in, active user (or None) on `g.user`."""
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    user = db.session.get(User, uid)
    if user is None or not user.active or session.get("stamp") != session_stamp(user):
        session.clear()
        return
    g.user = user


def role_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the view run only for a logged-in user holding one of `roles` (admin holds them all)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if not any(allows(g.user.role, role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths may be redirected to after login (no open redirects). Browsers drop tabs
    and newlines from a URL (`/%09/evil.example`, a tab, is followed as `//evil.example`) and read a backslash as a
    slash, so any control character or backslash refuses the target, as does a newline Werkzeug would not put
    in a Location header."""
    if not target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target
