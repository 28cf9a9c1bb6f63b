"""Dates as found in articles -> ISO 'YYYY-MM-DD' (and a full timestamp when there is a time)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.language.text import word_count

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_TEXT_DATES = (
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)\b"),
    re.compile(_MONTH + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(
        r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I
    ),
    # Chinese and Japanese: '2024年5月3日'.
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)\s*年\s*(?P<mon>[01]?\d)\s*月\s*(?P<day>[0-3]?\d)\s*日"),
)
_CJK_DATE = re.compile(r"((?:1[89]|2\d)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


class DateError(ValueError):
    """A date that cannot be read or cannot exist."""


@dataclass(frozen=True)
class When:
    """A parsed date, with the full timestamp when the source gave a time."""

    date: str
    timestamp: str | None = None


def parse(value: str | dt.date | dt.datetime) -> When:
    """Parse a date or date-time written by a machine or a person; raise DateError if impossible."""
    if isinstance(value, dt.datetime):
        return When(value.date().isoformat(), value.isoformat())
    if isinstance(value, dt.date):
        return When(value.isoformat())
    text = value.strip()
    if not text:
        raise DateError("empty date")
    match = re.fullmatch(r"((?:1[89]|2\d)\d\d)-(\d\d)-(\d\d)", text)
    if match is None:
        match = _CJK_DATE.fullmatch(text)
    if match:
        return When(_checked(int(match[1]), int(match[2]), int(match[3])).isoformat())
    return _parse_free(text)


# Zone abbreviations news sites write after a time that dateutil does not know; ambiguous ones (IST, CST
# as China's) are left out: a time whose zone is not known keeps no offset.
_ZONES = {
    name: hours * 3600
    for hours, names in (
        (-10, "HST"),
        (-9, "AKST"),
        (-8, "PST AKDT"),
        (-7, "MST PDT"),
        (-6, "CST MDT"),
        (-5, "EST CDT"),
        (-4, "EDT AST"),
        (-3, "ADT"),
        (0, "WET"),
        (1, "BST CET WEST"),
        (2, "CEST EET SAST"),
        (3, "EEST MSK"),
        (8, "AWST HKT SGT"),
        (9, "JST KST"),
        (10, "AEST"),
        (11, "AEDT"),
        (12, "NZST"),
        (13, "NZDT"),
    )
    for name in names.split()
}


def _parse_free(text: str) -> When:
    import warnings

    from dateutil import parser

    try:
        with warnings.catch_warnings():
            # An unknown zone name only costs the time its offset; dateutil would warn on stderr.
            warnings.simplefilter("ignore", parser.UnknownTimezoneWarning)
            parsed = parser.parse(text, default=dt.datetime(1, 1, 1), tzinfos=_ZONES)
            # Parsed again with another default day: a date that names no day ('March 2024') changes.
            dayless = parser.parse(text, default=dt.datetime(1, 1, 2), tzinfos=_ZONES).day != parsed.day
    except (ValueError, OverflowError) as exc:
        raise DateError(f"unreadable date {text!r}") from exc
    if parsed.year < 1800:
        raise DateError(f"date without a year {text!r}")
    if dayless:
        raise DateError(f"date without a day {text!r}")  # the first of the month would be made up
    has_time = bool(re.search(r"\d:\d\d", text))
    return When(parsed.date().isoformat(), parsed.isoformat() if has_time else None)


def _checked(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateError(f"impossible date {year:04d}-{month:02d}-{day:02d}") from exc


# Where a date in running text is the article's own: in a short line of its own (a date line, a caption, a
# dateline) or where a dateline opens the text ("LONDON, 5 March 2024 -"). Anywhere else it is mostly some
# other day the story mentions (a birth, an attack years ago, a deadline): in the BBC corpus all 49 dates
# the first-date-anywhere rule took were such days.
DATE_LINE_WORDS = 12
DATELINE_WORDS = 5  # at most this many words before a dateline's date ("WASHINGTON, D.C., Tuesday,")


FROM_TEXT = "text"  # the rule of a date ``find_in_text`` found
# Lines whose date is not the article's: a correction or an editor's note (the day it was corrected), and a
# timeline's entry ("5 March 2024: talks collapse"), of which the article is the latest.
_NOT_ITS_DATE = re.compile(
    r"(?i:\W{0,3}+(?:corrections?|clarifications?|editor['’]?s note|corrected|amended)\b)"
    r"|\W{0,3}+(?:\d{1,2}\s++[A-Z][a-z]{2,8}\.?+|[A-Z][a-z]{2,8}\.?+\s++\d{1,2},?+)\s++\d{4}\s*+[:–—-]\s*+\w"
)


def find_in_text(paragraphs: Sequence[str]) -> str | None:
    """The article's date as written in its text, as 'YYYY-MM-DD', or None: the first full calendar date of
    the first paragraph that is a short line, or that opens with it."""
    for number, paragraph in enumerate(paragraphs):
        short = word_count(paragraph) <= DATE_LINE_WORDS
        if (not short and number > 0) or _NOT_ITS_DATE.match(paragraph):
            continue
        found = _first_date(paragraph)
        if found is not None and (short or word_count(paragraph[: found[0]]) <= DATELINE_WORDS):
            return found[1].isoformat()
    return None


def _first_date(text: str) -> tuple[int, dt.date] | None:
    """The position and value of the first full calendar date written in the text."""
    found: list[tuple[int, dt.date]] = []
    for pattern in _TEXT_DATES:
        for match in pattern.finditer(text):
            date = _from_match(match)
            if date is not None:
                found.append((match.start(), date))
                break
    return min(found) if found else None


def _from_match(match: re.Match[str]) -> dt.date | None:
    groups = match.groupdict()
    month = int(groups["mon"]) if groups.get("mon") else _MONTHS[groups["month"].lower().rstrip(".")]
    try:
        return dt.date(int(groups["year"]), month, int(groups["day"]))
    except ValueError:
        return None
