"""Bytes to text: BOMs, UTF-8, then cp1252/latin-1; binary files refused."""

from __future__ import annotations

import codecs

from digest.errors import SourceError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never appear in text files (tab, LF, FF, CR and ESC excluded).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def decode(data: bytes, source: str) -> str:
    """Decode a text file, normalizing line ends to '\\n'; raise SourceError if it is not text.

    A few stray control bytes (a page saved by a careless tool) do not make a file binary: their share
    does. They are dropped from the text.
    """
    text = _decode(data, source)
    if _looks_binary(text):
        raise SourceError(source, "binary file, not text")
    return text.translate(_DROPPED).replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, source: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceError(source, f"not valid {encoding.upper()} text ({exc.reason})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _looks_binary(text: str) -> bool:
    """Whether control characters text never holds make up more than a hundredth of the text, or of its
    beginning (a binary file behind a text header)."""
    return any(_share(sample) > BINARY_SHARE for sample in (text[:8192], text))


def _share(text: str) -> float:
    """The share of ``text`` that is control characters text never holds."""
    return (len(text) - len(text.translate(_DROPPED))) / len(text) if text else 0.0


BINARY_SHARE = 0.01
_DROPPED = dict.fromkeys(_BINARY_BYTES)  # str.translate: these characters deleted
