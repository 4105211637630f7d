"""The one time zone people read times in (TIMEZONE, default Asia/Shanghai). Times are stored in UTC; pages,
the logs shown to staff, reports and exports show them in this zone (the `local_time` template filter)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def checked_zone(name: str) -> str:
    """The name, if it is a time zone this machine knows (config check at start-up)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"TIMEZONE {name!r} is not a known time zone (e.g. Asia/Shanghai)") from error
    return name


def local_zone() -> ZoneInfo:
    """The configured zone (the default outside an app)."""
    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def local(moment: datetime) -> datetime:
    """A stored (UTC) moment in the configured zone."""
    return moment.astimezone(local_zone())


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """The template filter: a stored moment as people read it; "—" for none."""
    return local(moment).strftime(pattern) if moment is not None else "—"


def local_today() -> date:
    """Today's date where the people are (a report dated after 16:00 UTC is dated the next day in Beijing)."""
    return datetime.now(local_zone()).date()
