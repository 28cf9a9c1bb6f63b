"""What marks one event in a text whatever outlet wrote it: its time cues, figures and names.

Two reports of the same subject share its vocabulary ('Yukos', 'court', 'sale'); two reports of the same
event also share the day it happened ('on Tuesday'), its month ('November's trade gap'), its figures
('$53', '8-1') and the people, places and organisations it names. Without a date, that is what tells
the court ruling of one week from the sale of the next.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from digest.language.text import STOPWORDS

# A figure (digits, with its decimal point, thousands separators and unit), a date in a link, or a
# capitalised word; one pass over the text for all three.
_TOKEN = re.compile(r"(?<![\w.])\d[\d,.]*(?:bn|m|%)?|[A-Z][^\W\d_]+(?:['’-][^\W\d_]+)*")
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=/|$|[^\d])")
_YEAR = re.compile(r"(?:19|20)\d\d")
_DAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
_MONTHS = frozenset(
    {
        *("january", "february", "march", "april", "may", "june"),
        *("july", "august", "september", "october", "november", "december"),
    }
)
MIN_CUES = 4  # with fewer on either side, agreement is not measured: too little to tell


def cues(title: str, sentences: Iterable[str]) -> frozenset[str]:
    """The event marks of a text: weekdays, months and years named, figures, and names.

    Names are capitalised words that do not open a sentence (nor the headline, whose words are often all
    capitalised), less stopwords: 'Hewitt', 'Adelaide', 'Yukos'.
    """
    found: set[str] = set()
    for sentence in sentences:
        for match in _TOKEN.finditer(sentence):
            found.update(_marks(match.group(), opens=match.start() == 0))
    for match in _TOKEN.finditer(title):
        if match.group()[0].isdigit():
            found.update(_marks(match.group(), opens=True))
    return frozenset(found)


def _marks(token: str, *, opens: bool) -> tuple[str, ...]:
    """What one token of a text says of its event: nothing, a figure, a time or a name."""
    if token[0].isdigit():
        figure = token.rstrip(".,").replace(",", "")
        if _YEAR.fullmatch(figure):
            return (f"year:{figure}",)
        return (f"#{figure}",) if len(figure) > 1 else ()
    word = token.lower().removesuffix("'s").removesuffix("’s")
    if word in _DAYS:
        return (f"day:{word}",)
    if word in _MONTHS:
        return (f"month:{word}",)
    if opens or len(word) < 3 or word in STOPWORDS:
        return ()
    return (word,)


def agreement(a: frozenset[str], b: frozenset[str]) -> float | None:
    """How many of the fewer marks the other text shares (0 to 1); None when either has too few to tell."""
    if len(a) < MIN_CUES or len(b) < MIN_CUES:
        return None
    return len(a & b) / min(len(a), len(b))


def url_date(url: str | None) -> str | None:
    """The date in a link's path ('/2014/03/10/...'), as 'YYYY-MM-DD'; None when it holds no valid one."""
    if not url:
        return None
    match = _URL_DATE.search(url.partition("?")[0])
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None
