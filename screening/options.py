"""Command-line option parsing shared by the CLI's command groups."""
from __future__ import annotations

import datetime as dt

import click


def parse_as_of(ctx, param, value):
    """--as-of: an ISO date, today when not given."""
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD, got {value!r}") from None
