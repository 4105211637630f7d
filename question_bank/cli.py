"""`flask --app app bank import|export`: the bank from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core.db import db
from core.jobs.progress_bar import ProgressBar
from question_bank.bundle_sync import install_bundled
from question_bank.exchange import CommitMode, ImportRefused, commit_import, dry_run, export_bytes
from question_bank.transfer.reading import FileProblem, Limits
from question_bank.transfer.report import ImportReport

bank_cli = AppGroup("bank", help="题库导入与导出")


@bank_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit", "mode", flag_value=CommitMode.ALL.value, help="全部导入（有问题行时拒绝）")
@click.option("--commit-valid", "mode", flag_value=CommitMode.VALID.value, help="只导入无误的行")
def import_command(file: Path, mode: str | None) -> None:
    """检查并导入题库文件（.xlsx / .csv / .json）。默认只检查，不写入。"""
    limits = Limits(max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    session = db.new_session()
    bar = ProgressBar()
    try:
        report = dry_run(session, file.read_bytes(), file.name, limits, bar)
        bar.close()
        print_report(report)
        if mode is None:
            click.echo("（仅检查，未写入。加 --commit 全部导入，或 --commit-valid 只导入无误的行）")
            sys.exit(1 if report.bad_rows else 0)
        result = commit_import(session, report, CommitMode(mode), bar)
        bar.close()
        session.commit()
    except FileProblem as problem:
        raise click.ClickException(str(problem)) from problem
    except ImportRefused as refused:
        session.rollback()
        click.echo(f"未导入：{refused}", err=True)
        sys.exit(1)
    finally:
        session.close()
    click.echo(f"已导入 {len(result.created_ids)} 道题；跳过有问题的行 {len(result.skipped_bad)} 行，"
               f"重复 {len(result.skipped_duplicates)} 行。")


def print_report(report: ImportReport) -> None:
    """The dry-run report as text: counts, then every problem by row and column, then duplicates."""
    for warning in report.warnings:
        click.echo(f"提示：{warning}")
    click.echo(f"共 {len(report.rows)} 行：可导入 {len(report.importable_rows)}，有问题 {len(report.bad_rows)}，"
               f"重复 {len(report.duplicate_rows)}")
    for number, column, reason, _, fix in report.problem_rows():
        click.echo(f"第{number}行\t{column}\t{reason}" + (f"\t建议：{fix}" if fix else ""))
    for row in report.duplicate_rows:
        question = row.duplicate_of_question
        target = f"已有题目 #{question}" if question else f"第{row.duplicate_of_row}行"
        click.echo(f"第{row.number}行\t重复\t与{target}相同，将跳过")


@bank_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(file: Path) -> None:
    """导出整个题库；格式由扩展名决定（.xlsx / .csv / .json）。"""
    session = db.new_session()
    bar = ProgressBar()
    try:
        data = export_bytes(session, file.suffix, progress=bar)
        bar.close()
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    finally:
        session.close()
    file.write_bytes(data)
    click.echo(f"已导出到 {file}（{len(data)} 字节）")


@bank_cli.command("sync-bundled")
def sync_bundled_command() -> None:
    """载入或升级内置题库（员工修改过或删除的题目不会被覆盖或恢复）。"""
    session = db.new_session()
    try:
        result = install_bundled(session)
    finally:
        session.close()
    click.echo(f"内置题库：新增 {len(result.added)}，更新 {len(result.updated)}，"
               f"保留员工修改 {len(result.kept_staff_edits)}，员工已删除 {len(result.deleted_by_staff)}")
