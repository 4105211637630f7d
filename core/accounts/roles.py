"""Roles and what each may do. Pure: no Flask, no database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A staff member's role. Admin may do everything; host runs meetings; editor keeps the bank; operator
    keeps one branch venue of a meeting."""

    ADMIN = "admin"
    HOST = "host"
    EDITOR = "editor"
    OPERATOR = "operator"  # 分会场管理员: attendance, devices and paper tallies at the venues it is given


ROLE_LABELS = {Role.ADMIN: "管理员", Role.HOST: "主持人", Role.EDITOR: "题库编辑", Role.OPERATOR: "分会场管理员"}


def allows(role: str, needed: Role) -> bool:
    """True when `role` may do what `needed` guards; admin implies every other role."""
    return role == Role.ADMIN or role == needed
