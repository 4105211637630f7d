"""Login, logout and the admin's user list."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from core import throttle
from core.accounts import service
from core.accounts.guard import log_in, log_out, role_required, safe_next_url
from core.accounts.roles import ROLE_LABELS, Role
from core.db import db

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on success go where the user was heading."""
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip().lower()
        limits, address = throttle.store(current_app), _address()
        refusal = limits.login_refusal(username, address)
        if refusal:
            return render_template("accounts/login.html", error=refusal), 429
        user = service.authenticate(db.session, username, request.form.get("password", ""))
        if user is not None:
            db.session.commit()
            log_in(user)
            return redirect(safe_next_url(request.args.get("next")) or url_for("home"))
        limits.login_failed(username, address)
        error = "用户名或密码错误"
    return render_template("accounts/login.html", error=error), 401 if error else 200


def _address() -> str:
    return throttle.request_address(request, current_app.config.get("TRUSTED_PROXIES", ()))


@bp.post("/logout")
def logout():
    """End the session: this browser's and every copy of its cookie."""
    log_out(g.get("user"))
    db.session.commit()
    return redirect(url_for("accounts.login"))


@bp.get("/admin/users")
@role_required(Role.ADMIN)
def users():
    """List staff accounts with their roles."""
    return render_template("admin/users.html", users=service.list_users(db.session), role_labels=ROLE_LABELS)


@bp.post("/admin/users")
@role_required(Role.ADMIN)
def create_user():
    """Add a staff account."""
    form = request.form
    try:
        role = Role(form.get("role", ""))
        service.create_user(db.session, form.get("username", ""), form.get("password", ""), role,
                            form.get("display_name", ""))
    except (service.AccountError, ValueError) as error:
        db.session.rollback()
        message = str(error) if isinstance(error, service.AccountError) else "请选择有效的角色"
        flash(message, "error")
        return redirect(url_for("accounts.users"))
    db.session.commit()
    flash(f"已创建用户“{form.get('username', '').strip()}”", "ok")
    return redirect(url_for("accounts.users"))


@bp.app_context_processor
def inject_user() -> dict:
    """Templates see the logged-in user as `current_user`."""
    return {"current_user": g.get("user"), "role_labels": ROLE_LABELS}
