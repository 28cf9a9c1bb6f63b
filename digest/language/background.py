"""How rare a word is in general English, from wordfreq's shipped frequency list (no download)."""

from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path

_COMMON_ZIPF = 7.5  # 'the' is 7.7: a word this frequent says nothing about an event
_SCALE = 3.0
_UNLISTED_ZIPF = 1.5  # names and rare words missing from the small list
_MIN, _MAX = 0.25, 2.0


@lru_cache(maxsize=1)
def frequencies() -> dict[str, float]:
    """wordfreq's small English list, read from its file: importing wordfreq (its tokenizers, language
    tables and text fixers, none of which this needs) takes a tenth of a second, a rebuild's twentieth."""
    try:
        return _read_list(_LIST)
    except (OSError, ValueError, ImportError):  # moved or changed in some wordfreq release: ask wordfreq
        import wordfreq

        return dict(wordfreq.get_frequency_dict("en", wordlist="small"))


_LIST = "small_en.msgpack.gz"


def _read_list(name: str) -> dict[str, float]:
    """A wordfreq list as word -> frequency, from its documented "cBpack" file format (``read_cBpack``)."""
    import gzip

    import msgpack

    spec = importlib.util.find_spec("wordfreq")  # where the package is, without running it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("wordfreq is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    data = msgpack.unpackb(gzip.decompress(path.read_bytes()), raw=False)
    header = data[0] if isinstance(data, list) and data else None
    if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
        raise ValueError(f"{path}: not a cBpack word list")
    # The list at index i (after the header) holds the words of frequency 10 ** (-i / 100).
    return {word: 10 ** (-index / 100) for index, words in enumerate(data[1:]) for word in words}


@lru_cache(maxsize=131072)
def rarity(word: str) -> float:
    """A weight from 0.25 (everyday word) to 2.0 (name or rare word), from the word's Zipf frequency."""
    if not word.isalpha():
        return 1.0  # numbers and codes: informative when shared, but the word list cannot tell how much
    frequency = frequencies().get(word.lower())
    zipf = math.log10(frequency * 1e9) if frequency else _UNLISTED_ZIPF
    return min(_MAX, max(_MIN, (_COMMON_ZIPF - zipf) / _SCALE))
