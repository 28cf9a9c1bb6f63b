"""How rare a word is in general English, from wordfreq's shipped frequency list (no download)."""

from __future__ import annotations

import math
from functools import lru_cache

_COMMON_ZIPF = 7.5  # 'the' is 7.7: a word this frequent says nothing about an event
_SCALE = 3.0
_UNLISTED_ZIPF = 1.5  # names and rare words missing from the small list
_MIN, _MAX = 0.25, 2.0


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    import wordfreq

    return dict(wordfreq.get_frequency_dict("en", wordlist="small"))


@lru_cache(maxsize=131072)
def rarity(word: str) -> float:
    """A weight from 0.25 (everyday word) to 2.0 (name or rare word), from the word's Zipf frequency."""
    if not word.isalpha():
        return 1.0  # numbers and codes: informative when shared, but the word list cannot tell how much
    frequency = _frequencies().get(word.lower())
    zipf = math.log10(frequency * 1e9) if frequency else _UNLISTED_ZIPF
    return min(_MAX, max(_MIN, (_COMMON_ZIPF - zipf) / _SCALE))
