"""`flask --app app quarter recompute|export`: a quarter's scores from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.db import db
from quiz.live.meetings import QUARTER
from quiz.quarter import ranking
from quiz.quarter import service as quarters

quarter_cli = AppGroup("quarter", help="季度考评：计算、核对与导出")
ACTOR = "命令行"


def _quarter(value: str) -> str:
    value = value.strip().upper()
    if not QUARTER.match(value):
        raise click.BadParameter("季度格式应为“2026Q4”")
    return value


@quarter_cli.command("recompute")
@click.argument("quarter")
@click.option("--check", is_flag=True, help="只核对：不写入；存储结果与重新计算不一致时逐条列出并以非零状态退出")
def recompute_command(quarter: str, check: bool) -> None:
    """重新计算某季度各单位成绩并存储（--check 只核对不写入）。"""
    quarter = _quarter(quarter)
    session = db.new_session()
    try:
        lines = quarters.recompute(session, quarter, check=check, actor=ACTOR)
        if check:
            _report_check(lines)
            return
        session.commit()
        stored = quarters.results(session, quarter)
        _print_table(stored, quarters.unit_names(session, [r.unit_id for r in stored]))
        click.echo(f"已存储 {len(stored)} 个单位的成绩；与之前相比 {len(lines)} 处变化。")
    except quarters.QuarterError as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    finally:
        session.close()


def _report_check(lines: list[str]) -> None:
    if not lines:
        click.echo("核对一致：存储结果与重新计算相同。")
        return
    for line in lines:
        click.echo(line)
    click.echo(f"不一致：共 {len(lines)} 处（未写入）。", err=True)
    sys.exit(1)


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _print_table(rows, names: dict[int, str]) -> None:  # type: ignore[no-untyped-def]
    """Rank, unit, total, each component, flags and grades, one unit a line (tab-separated)."""
    labels = [ranking.COMPONENT_LABELS[key] for key in ranking.COMPONENTS]
    click.echo("\t".join(["名次", "单位", "总分", *labels, "标记", "建议等次", "审定等次"]))
    for row in rows:
        parts = []
        for key in ranking.COMPONENTS:
            component = (row.components or {}).get(key, {})
            status = component.get("status", ranking.NONE)
            note = "" if status == ranking.OK else f"（{ranking.STATUS_LABELS.get(status, status)}）"
            parts.append(f"{_cell(component.get('value'))}{note}")
        flag = "连续靠后" if row.repeat_bottom else "排名靠后" if row.bottom else ""
        click.echo("\t".join([str(row.rank or "—"), names.get(row.unit_id, str(row.unit_id)), _cell(row.total),
                              *parts, flag, row.proposed_grade or "—", row.grade or "—"]))


@quarter_cli.command("export")
@click.argument("quarter")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(quarter: str, file: Path) -> None:
    """导出某季度的考评报表（格式由文件扩展名决定）。"""
    quarter = _quarter(quarter)
    try:
        from quiz.quarter.reports import export_quarter  # written alongside; imported only when exporting
    except ModuleNotFoundError as error:
        if error.name != "quiz.quarter.reports":
            raise
        raise click.ClickException("报表模块尚未安装（quiz/quarter/reports/），暂不能导出") from error
    session = db.new_session()
    try:
        export_quarter(session, quarter, file)
        session.commit()
    finally:
        session.close()
    click.echo(f"已导出：{file}")
