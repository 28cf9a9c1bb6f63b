"""Whether two sentences that say much the same thing agree on the facts: figures, negation, direction.

Outlets paraphrase one another, so two sentences about one event share most of their words whether they
agree or not: "services will resume on Monday" and "services were suspended on Monday" are as alike as
two retellings of either. A story summary counts an outlet as reporting a sentence only when its own
sentence agrees, and it is conservative: when in doubt they disagree, since a count too low misleads a
reader less than a contradicted sentence marked "reported by 3".

Two sentences disagree when
- their figures clash: both give figures and share none, or both give a figure of the same kind (a
  percentage, a sum in millions, a count of one noun, a year, a weekday, a month) and no value of that
  kind agrees;
- one is negated ("not", "never", "no", "-n't", ...) and the other is not;
- they take opposite sides of a pair of verbs: resume/suspend, open/close, rise/fall, win/lose,
  approve/reject, and the like (``_OPPOSITES``), one only one side and the other only the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from digest.language.text import stem, word_set, words

__all__ = ["agree", "claims"]

# A figure: digits with thousands separators and decimals, then a scale or a percent sign if any.
_FIGURE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?\s?(%|per ?cent|percent|bn|billion|m|mn|million|k|thousand|"
    r"trillion|tn)?(?![\w])"
)
_SCALES = {
    "%": "%",
    "per cent": "%",
    "percent": "%",
    "bn": "bn",
    "billion": "bn",
    "m": "m",
    "mn": "m",
    "million": "m",
    "k": "k",
    "thousand": "k",
    "tn": "tn",
    "trillion": "tn",
}
# "one" is left out: it is as often a pronoun ("one of the") as a count.
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
}  # fmt: skip
_NEGATIONS = word_set("not no never none nobody nothing neither nor cannot without")
# Sides of a fact that cannot both hold. Regular verbs are matched by stem; irregular forms are listed.
_OPPOSITES: tuple[tuple[str, str], ...] = (
    ("resume restart reopen reinstate", "suspend halt pause cancel stop"),
    ("open", "close shut"),
    (
        "rise rose risen increase climb gain grow grew grown jump soar raise hike higher",
        "fall fell fallen decrease drop decline cut lower reduce slump shrink shrank shrunk plunge",
    ),
    ("win won victory beat beaten", "lose lost loss defeat defeated"),
    ("approve accept endorse", "reject refuse veto"),
    ("confirm", "deny denied"),
    ("allow permit", "ban forbid forbade prohibit"),
    ("convict convicted guilty", "acquit acquitted innocent"),
    ("alive survive survived", "dead die died kill killed"),
)


def _sides(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """Each form's stem mapped to (pair number, side): side 0 or 1."""
    table: dict[str, tuple[int, int]] = {}
    for number, pair in enumerate(pairs):
        for side, forms in enumerate(pair):
            for form in forms.split():
                table.setdefault(stem(form), (number, side))
    return table


_SIDE = _sides(_OPPOSITES)


class Claims(NamedTuple):
    """What two sentences are compared on: figures by kind, negation, the sides of opposite verbs."""

    figures: frozenset[tuple[str, str]]  # (kind, value); kind "" when the figure's kind is unknown
    negated: bool
    sides: frozenset[tuple[int, int]]  # (pair number, side) of ``_OPPOSITES``


@lru_cache(maxsize=16384)
def claims(sentence: str) -> Claims:
    """The figures, negation and opposite-verb sides of a sentence."""
    tokens = words(sentence)
    negated = (
        not _NEGATIONS.isdisjoint(tokens)
        and any(
            token in _NEGATIONS and not (token == "no" and following[:1].isdigit())
            for token, following in zip(tokens, [*tokens[1:], ""], strict=True)
        )
    ) or any(token.endswith("n't") for token in tokens)
    sides = frozenset(filter(None, map(_side, tokens)))
    return Claims(_figures(sentence, tokens), negated, sides)


# Every word of a sentence is looked up, and words recur: each is stemmed once while it is recent.
@lru_cache(maxsize=4096)
def _side(token: str) -> tuple[int, int] | None:
    """The (pair number, side) of ``_OPPOSITES`` a word takes, if any."""
    return _SIDE.get(stem(token))


def _figures(sentence: str, tokens: list[str]) -> frozenset[tuple[str, str]]:
    """Each figure of a sentence with its kind: a scale, '%', 'year', or the stem of the word after it."""
    found: set[tuple[str, str]] = set()
    for match in _FIGURE.finditer(sentence):
        whole, decimals, scale = match.group(1).replace(",", ""), match.group(2) or "", match.group(3)
        value = whole + decimals.rstrip("0").rstrip(".")
        if scale:
            kind = _SCALES.get(scale.lower(), scale.lower())
        elif len(whole) == 4 and whole[:2] in ("19", "20") and not decimals:
            kind = "year"
        else:
            kind = _next_word(sentence, match.end())
        found.add((kind, value))
    for token, following in zip(tokens, [*tokens[1:], ""], strict=True):
        if token in _NUMBER_WORDS:
            found.add((stem(following) if following.isalpha() else "", _NUMBER_WORDS[token]))
    found.update((kind.lastgroup or "", kind.group().lower()) for kind in _CALENDAR.finditer(sentence))
    return frozenset(found)


# Days and months are figures too: "on Monday" and "on Tuesday" cannot both be the day it happened. "May"
# is left out: it is as often a verb.
_CALENDAR = re.compile(
    r"\b(?:(?P<weekday>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)|"
    r"(?P<month>January|February|March|April|June|July|August|September|October|November|December))\b"
)


_AFTER = re.compile(r"(?:st|nd|rd|th)?\s*([A-Za-z]+)")


def _next_word(sentence: str, end: int) -> str:
    """The stem of the word right after a figure ('12 people' -> 'peopl'), or ''."""
    match = _AFTER.match(sentence, end)
    return stem(match.group(1).lower()) if match else ""


def agree(left: str, right: str) -> bool:
    """True unless the two sentences clash on a figure, on negation or on a pair of opposite verbs."""
    first, second = claims(left), claims(right)
    if first.negated != second.negated:
        return False
    return not (_figures_clash(first.figures, second.figures) or _sides_clash(first.sides, second.sides))


def _figures_clash(left: frozenset[tuple[str, str]], right: frozenset[tuple[str, str]]) -> bool:
    """True when both give numbers and share none, or a kind both give has no value in common."""
    numbers = [{value for kind, value in side if kind not in _DATES} for side in (left, right)]
    if all(numbers) and not numbers[0] & numbers[1]:
        return True
    kinds = {kind for kind, _ in left if kind} & {kind for kind, _ in right if kind}
    return any(not {v for k, v in left if k == kind} & {v for k, v in right if k == kind} for kind in kinds)


_DATES = frozenset({"weekday", "month"})


def _sides_clash(left: frozenset[tuple[int, int]], right: frozenset[tuple[int, int]]) -> bool:
    """True when, for some pair of opposites, one sentence holds only one side and the other only the other."""
    for pair in {number for number, _ in left} & {number for number, _ in right}:
        mine = {side for number, side in left if number == pair}
        theirs = {side for number, side in right if number == pair}
        if len(mine) == 1 and len(theirs) == 1 and mine != theirs:
            return True
    return False
