"""Subject names for topics: the entity or event their stories share, never a stopword, an adjective, a verb,
a number or an everyday word, in whatever language the news is written."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from digest.language.background import _read_list, frequencies
from digest.language.text import STOPWORDS

# Languages whose wordfreq lists ship with the package: a word common in any of them is no subject's name.
LANGUAGES = ("de", "es", "fr", "it", "pt", "nl", "sv", "da", "nb", "pl", "ro", "fi", "cs", "tr", "ca", "hu")
FUNCTION_ZIPF = 6.0  # 'der', 'de', 'la', 'ich' are 7 and more in their language: a stopword in any language
FOREIGN_COMMON_ZIPF = 5.0  # 'Regierung', 'gobierno', 'guerra' (5.2 to 5.8): everyday words of their language
ENGLISH_WORD_ZIPF = 3.0  # a word at least this frequent in English is English, whatever other lists say
PROPER_ZIPF = 5.5  # a capitalized name may be this common ('Trump' 4.9, 'Apple' 4.8), not more ('Year' 5.9)
PLAIN_ZIPF = 4.0  # a lowercase word names a subject only when it is this rare ('ceasefire' 3.3, 'cut' 5.2)
MIN_COVERAGE = 0.3  # of a topic's stories that must mention its name
MAX_WORDS = 3
_TOKEN = re.compile(r"[^\W\d_]+(?:['’.\-][^\W\d_]+)*\.?|\d[\d,.]*|[^\w\s]")  # punctuation ends a name
_JOINERS = frozenset({"of", "de", "del", "der", "van", "von", "al", "bin", "la", "le", "du", "and", "&"})
_ADJECTIVE_ENDINGS = ("ian", "ese", "ish", "ean", "ic", "ical", "ous", "ive", "ful", "less", "able", "ible")
_VERB_ENDINGS = ("ed", "ing", "ly", "es")


@dataclass(frozen=True)
class Text:
    """What naming reads of one story: its headlines and the opening sentences of its articles."""

    headlines: tuple[str, ...]
    sentences: tuple[str, ...]


def subject(stories: Sequence[Text], others: Sequence[Text]) -> str | None:
    """The name most of ``stories`` share and the ``others`` seldom use; None when no good name is shared."""
    inside = _document_counts(stories)
    outside = _document_counts(others)
    best: tuple[float, str] | None = None
    for phrase, (count, mentions) in inside.items():
        coverage = count / len(stories)
        if coverage < MIN_COVERAGE or (len(stories) > 2 and count < 2):
            continue
        rate_out = outside.get(phrase, (0, 0))[0] / len(others) if others else 0.0
        distinct = coverage / (coverage + rate_out)
        score = coverage * distinct * (1 + 0.15 * (len(phrase.split()) - 1)) + 0.001 * math.log1p(mentions)
        if best is None or (score, phrase) > best:
            best = (score, phrase)
    return best[1] if best else None


def _document_counts(stories: Sequence[Text]) -> dict[str, tuple[int, int]]:
    """Each candidate name -> (stories that mention it, its mentions in all); a story that mentions 'Gaza
    Strip' mentions Gaza too, where Gaza is named on its own somewhere."""
    found = [Counter(_candidates(story)) for story in stories]
    alone = {phrase for names in found for phrase in names}
    documents: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    for names in found:
        broader: Counter[str] = Counter()
        for phrase, count in names.items():
            parts = phrase.split()
            for end in range(1, len(parts)):
                if (prefix := " ".join(parts[:end])) in alone:
                    broader[prefix] += count
        names = names + broader
        documents.update(names.keys())
        mentions.update(names)
    return {phrase: (count, mentions[phrase]) for phrase, count in documents.items()}


def _candidates(story: Text) -> Iterable[str]:
    """Names in a story: runs of capitalized words in its sentences and sentence-case headlines."""
    headlines = [h for h in story.headlines if not _title_case(h)]
    for text in [*headlines, *headlines, *story.sentences]:  # a name in a headline counts twice
        yield from _names(_TOKEN.findall(text))


def _title_case(headline: str) -> bool:
    """Headlines Capitalized Like This tell names from words by nothing."""
    long = [t for t in _TOKEN.findall(headline) if len(t) > 3 and t[0].isalpha()]
    return bool(long) and sum(t[0].isupper() for t in long) / len(long) > 0.6


def _names(tokens: Sequence[str]) -> Iterable[str]:
    """Maximal runs of capitalized tokens (joined by 'of', 'de', ...) that read as a name."""
    run: list[str] = []
    for position, token in enumerate([*tokens, ""]):
        if token[:1].isupper() and not (position == 0 and _common(token)):
            run.append(token)
            continue
        if run and token.lower() in _JOINERS and tokens[position + 1 : position + 2] and run:
            following = tokens[position + 1]
            if following[:1].isupper():
                run.append(token)
                continue
        while run and run[-1].lower() in _JOINERS:
            run.pop()
        if run:
            phrase = " ".join(_bare(t) for t in run)
            if is_name(phrase):
                yield phrase
        run = []


def _bare(token: str) -> str:
    """A token without a possessive or a sentence's full stop; an abbreviation keeps its ('Mt.', 'U.S.')."""
    token = token.removesuffix("'s").removesuffix("’s")
    if token.endswith(".") and len(token) > 4 and "." not in token[:-1]:
        return token[:-1]
    return token


def _common(token: str) -> bool:
    """A sentence's first word that is an everyday word, capitalized only for where it stands."""
    return _zipf(token.lower()) >= ENGLISH_WORD_ZIPF or token.lower() in STOPWORDS


def is_name(phrase: str) -> bool:
    """Whether a phrase may name a topic: words that are not stopwords in any language, adjectives, numbers
    or, for a single word, an everyday word."""
    parts = phrase.split()
    if not 1 <= len(parts) <= MAX_WORDS or any(
        not p.replace("-", "").replace(".", "").isalpha() for p in parts
    ):
        return False
    lowered = [p.lower() for p in parts]
    if lowered[0] in _JOINERS or any(_stopword(w) for w in lowered if w not in _JOINERS):
        return False
    if any(_adjective(w) for w in lowered):
        return len(parts) > 1 and not _adjective(lowered[0])
    if len(parts) > 1:
        return True
    return _single_name(parts[0])


def _single_name(word: str) -> bool:
    lowered = word.lower()
    if lowered in _generic() or len(lowered) < 2 or (len(lowered) < 4 and not word.isupper()):
        return False
    if _foreign_common(lowered):
        return False
    if word[:1].isupper():
        common = _zipf(lowered) >= ENGLISH_WORD_ZIPF
        return _zipf(lowered) < PROPER_ZIPF and not (common and _inflected(lowered))
    return _zipf(lowered) < PLAIN_ZIPF and not _inflected(lowered)


def _inflected(word: str) -> bool:
    """A verb's or a plural's form ('confirms', 'waiting', 'cuts'): a form of a word, not a name."""
    if word.endswith(_VERB_ENDINGS):
        return True
    return (
        word.endswith("s") and not word.endswith(("ss", "us", "is")) and _zipf(word[:-1]) >= ENGLISH_WORD_ZIPF
    )


def _stopword(word: str) -> bool:
    return word in STOPWORDS or any(_zipf(word, language) >= FUNCTION_ZIPF for language in ("en", *LANGUAGES))


def _foreign_common(word: str) -> bool:
    """An everyday word of another language: 'Regierung', 'gobierno'."""
    if _zipf(word) >= ENGLISH_WORD_ZIPF:
        return False
    return any(_zipf(word, language) >= FOREIGN_COMMON_ZIPF for language in LANGUAGES)


def _adjective(word: str) -> bool:
    """A nationality ('Israeli', 'French') or a word with an adjective's ending ('Islamist' is a noun)."""
    if word in _demonyms():
        return True
    return len(word) > 5 and word.endswith(_ADJECTIVE_ENDINGS) and _zipf(word) >= ENGLISH_WORD_ZIPF


def english_zipf(word: str) -> float:
    """A word's Zipf frequency in English (0 for a word the list does not hold)."""
    return _zipf(word)


def _zipf(word: str, language: str = "en") -> float:
    frequency = _frequencies(language).get(word)
    return math.log10(frequency * 1e9) if frequency else 0.0


@cache
def _frequencies(language: str) -> dict[str, float]:
    """wordfreq's small list of a language; empty when this wordfreq ships none for it."""
    if language == "en":
        return frequencies()
    try:
        return _read_list(f"small_{language}.msgpack.gz")
    except (OSError, ValueError, ImportError):
        return {}


@cache
def word_lists() -> dict[str, list[str]]:
    """The shipped word lists of ``data/names.json`` (nationality adjectives, generic words), as written."""
    raw = json.loads(resources.files("digest").joinpath("data", "names.json").read_text(encoding="utf-8"))
    return {key: values for key, values in raw.items() if isinstance(values, list)}


@lru_cache(maxsize=1)
def _words() -> dict[str, frozenset[str]]:
    return {key: frozenset(w.lower() for w in values) for key, values in word_lists().items()}


def _demonyms() -> frozenset[str]:
    return _words()["adjectives"]


def _generic() -> frozenset[str]:
    return _words()["generic"]
