"""News sections: the top level of the IPTC Media Topics, and how much a story's words and its feeds'
categories speak for each.

The identifiers and English labels are IPTC's (CC BY 4.0, attribution in ``data/iptc.json``); the short
names and the keyword lists beside them were written for newsdigest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from digest.language.text import stem, words

CATEGORY_WEIGHT = 6.0  # a feed's category for one article counts as much as this many keyword occurrences


@dataclass(frozen=True)
class Section:
    """One top-level news section."""

    id: str  # IPTC Media Topic identifier, 'medtop:04000000'
    label: str  # IPTC's English label, 'economy, business and finance'
    name: str  # what the site shows, 'Business'
    terms: frozenset[str]  # stemmed keywords found in its news
    categories: tuple[frozenset[str], ...]  # the stemmed words of each name a feed gives it as a category


@lru_cache(maxsize=1)
def sections() -> tuple[Section, ...]:
    """The sections, in the order of the data file."""
    raw = json.loads(resources.files("digest").joinpath("data", "iptc.json").read_text(encoding="utf-8"))
    return tuple(
        Section(
            id=entry["id"],
            label=entry["label"],
            name=entry["name"],
            terms=frozenset(stem(word) for keyword in entry["keywords"] for word in words(keyword)),
            categories=tuple(
                frozenset(_stems([name]))
                for name in [*entry["categories"], *_parts(entry["label"]), *_parts(entry["name"])]
            ),
        )
        for entry in raw["sections"]
    )


def _parts(label: str) -> list[str]:
    """The names in a label of several: 'economy, business and finance' -> economy, business, finance."""
    return [part for chunk in label.split(",") for part in chunk.split(" and ") if part.strip()]


def _stems(texts: Iterable[str]) -> Iterable[str]:
    for text in texts:
        for word in words(text):
            yield stem(word)
            yield from (stem(part) for part in word.split("-") if len(part) > 1)


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[int, ...]]:
    """Each keyword stem -> the sections it speaks for."""
    found: dict[str, list[int]] = {}
    for number, section in enumerate(sections()):
        for term in section.terms:
            found.setdefault(term, []).append(number)
    return {term: tuple(numbers) for term, numbers in found.items()}


def text_evidence(terms: Mapping[str, int]) -> list[float]:
    """Keyword occurrences of each section in stemmed term counts; a term of several sections is shared."""
    index = _index()
    scores = [0.0] * len(sections())
    for term, count in terms.items():
        for numbers in _sections_of(term, index):
            for number in numbers:
                scores[number] += count / len(numbers)
    return scores


def _sections_of(term: str, index: Mapping[str, tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The sections a term speaks for: as a whole, else (a compound such as 'AI-powered') by its parts."""
    if term in index or "-" not in term:
        return [index[term]] if term in index else []
    return [index[stem(part)] for part in term.split("-") if stem(part) in index]


@lru_cache(maxsize=4096)
def category_sections(category: str) -> tuple[int, ...]:
    """The sections a feed's category names ('Sci/Tech', 'Money', 'Israel-Hamas war'): by the words
    feeds use for the section, else by the section whose keywords it holds most; none when it says
    nothing of a section ('Ports', 'Gaza')."""
    stems = {s for w in words(category.replace("/", " ").replace("&", " ")) for s in _stems([w])}
    named = tuple(
        n for n, section in enumerate(sections()) if any(name <= stems for name in section.categories if name)
    )
    if named:
        return named
    scores = [len(stems & section.terms) for section in sections()]
    best = max(scores, default=0)
    return tuple(n for n, score in enumerate(scores) if score == best) if best else ()


def category_evidence(categories: Iterable[Iterable[str]]) -> list[float]:
    """CATEGORY_WEIGHT for each article (its categories) that names a section, shared when it names several."""
    scores = [0.0] * len(sections())
    for article in categories:
        named = {n for category in article for n in category_sections(category)}
        for number in named:
            scores[number] += CATEGORY_WEIGHT / len(named)
    return scores
