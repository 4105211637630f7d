"""Create users and check passwords. Takes a session and flushes; the caller commits."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from core.accounts.models import User
from core.accounts.roles import Role
from core.db import utcnow

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD_LENGTH = 8
# scrypt (werkzeug's default KDF) with explicit parameters, so a library default can't weaken it.
PASSWORD_METHOD = "scrypt:32768:8:1"
# Compared against when the user does not exist, so a wrong username costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


class AccountError(ValueError):
    """A user-facing problem with account data; the message is Chinese and safe to show."""


def hash_password(password: str) -> str:
    """Hash a password with scrypt."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def create_user(session: Session, username: str, password: str, role: Role, display_name: str = "") -> User:
    """Add a user after checking the username, password strength and uniqueness."""
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise AccountError("用户名须为2–64位英文字母、数字、下划线、点或短横线")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要{MIN_PASSWORD_LENGTH}位")
    if find_user(session, username) is not None:
        raise AccountError(f"用户名“{username}”已存在")
    user = User(username=username, password_hash=hash_password(password), role=Role(role).value,
                display_name=display_name.strip() or username)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User | None:
    """Look a user up by username, ignoring case."""
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user whose password matches, recording the login time; else None."""
    user = find_user(session, username)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Replace a user's password: every session of the user ends (the epoch in their stamp moves on)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要{MIN_PASSWORD_LENGTH}位")
    user.password_hash = hash_password(password)
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()


def has_users(session: Session) -> bool:
    """True once any account exists."""
    return session.scalar(select(func.count(User.id))) > 0


def ensure_first_admin(session: Session) -> str | None:
    """On an empty database, create `admin` with a random password and return it (shown once)."""
    if has_users(session):
        return None
    password = secrets.token_urlsafe(12)
    create_user(session, "admin", password, Role.ADMIN, "管理员")
    return password


def list_users(session: Session) -> list[User]:
    """All users, by username."""
    return list(session.scalars(select(User).order_by(User.username)))
