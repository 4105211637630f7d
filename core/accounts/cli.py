"""`flask --app app user …`: create the first admin or other staff from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.accounts import service
from core.accounts.roles import Role
from core.db import db

user_cli = AppGroup("user", help="管理工作人员账号")


@user_cli.command("create-admin")
@click.option("--username", default="admin", show_default=True, help="用户名")
@click.password_option("--password", help="密码（不填则提示输入）")
def create_admin(username: str, password: str) -> None:
    """创建管理员账号。"""
    _create(username, password, Role.ADMIN)


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option("--password", help="密码（不填则提示输入）")
def create(username: str, role: str, password: str) -> None:
    """创建指定角色的账号（admin / host / editor）。"""
    _create(username, password, Role(role))


def _create(username: str, password: str, role: Role) -> None:
    session = db.new_session()
    try:
        service.create_user(session, username, password, role)
        session.commit()
    except service.AccountError as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    finally:
        session.close()
    click.echo(f"已创建{role.value}账号：{username}")
