"""Mappings of terms to numbers (vectors, centroids, term counts) as the cache keeps and hashes them: their
terms in one string, and their numbers in an array. A dict pickles one object per term, and the pickler
remembers each while it writes."""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Mapping
from typing import Any

PackedTerms = tuple[str, "array[Any]"]


def pack(mapping: Mapping[str, float], typecode: str = "d") -> PackedTerms:
    """A mapping's terms (in its order) and its numbers."""
    return " ".join(mapping), array(typecode, mapping.values())


def unpack(packed: PackedTerms) -> dict[str, Any]:
    """The mapping ``pack`` packed."""
    terms, numbers = packed
    return dict(zip(terms.split(), numbers, strict=True))


def packed_hash(packed: PackedTerms) -> bytes:
    """A hash of a packed mapping's terms and numbers, in order."""
    terms, numbers = packed
    digest = hashlib.blake2b(terms.encode("utf-8", "surrogatepass"), digest_size=16)
    digest.update(numbers.tobytes())
    return digest.digest()
