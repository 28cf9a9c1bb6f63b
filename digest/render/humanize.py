"""Dates, counts and times as a reader sees them; the theme's Jinja filters."""

from __future__ import annotations

import datetime as dt
import math

WORDS_PER_MINUTE = 230
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def human_date(value: str | None) -> str:
    """'2024-04-07' (or a timestamp starting so) -> '7 April 2024'; None -> 'Undated'."""
    if value is None:
        return "Undated"
    year, month, day = split_date(value)
    return f"{day} {_MONTHS[month - 1]} {year}"


def date_range(start: str | None, end: str | None = None) -> str:
    """A compact human range: '7 April 2024', '7–9 April 2024', '30 March – 2 April 2024'."""
    if start is None or end is None or end[:10] == start[:10]:
        return human_date(start or end)
    (y1, m1, d1), (y2, m2, d2) = split_date(start), split_date(end)
    if y1 != y2:
        return f"{human_date(start)} – {human_date(end)}"
    if m1 != m2:
        return f"{d1} {_MONTHS[m1 - 1]} – {d2} {_MONTHS[m2 - 1]} {y2}"
    return f"{d1}–{d2} {_MONTHS[m2 - 1]} {y2}"


def month_name(number: int) -> str:
    """1 -> 'January'."""
    return _MONTHS[number - 1]


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 source', '3 sources'."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def reading_time(words: int) -> str:
    """'3 min read' at an adult's silent reading pace; never less than a minute."""
    return f"{max(1, math.ceil(words / WORDS_PER_MINUTE))} min read"


def clock(value: str | None) -> str:
    """The time of day of a timestamp as written by its source, with its zone when it has one ('14:05 UTC',
    '09:15 UTC-4', '14:05'), or '' for a bare date: a timeline mixes outlets in several zones."""
    if value is None or "T" not in value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return ""
    offset = moment.utcoffset()
    if offset is None:
        return moment.strftime("%H:%M")
    minutes = int(offset.total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    zone = "" if minutes == 0 else f"{'+' if minutes > 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{moment.strftime('%H:%M')} UTC{zone}"


def split_date(value: str) -> tuple[int, int, int]:
    """'2024-04-07...' -> (2024, 4, 7); ValueError for anything else."""
    parts = value[:10].split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


__all__ = ["clock", "date_range", "human_date", "month_name", "plural", "reading_time", "split_date"]
