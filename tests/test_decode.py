"""Deciding what is text: the share of control bytes, not their presence."""

from __future__ import annotations

import random

import pytest

from digest.errors import SourceError
from digest.read.readers import reader_for


def spanish_page(stray: bytes) -> bytes:
    """A long real-looking news page in Spanish with ``stray`` bytes scattered through it."""
    paragraph = (
        "<p>El Gobierno aprobó este martes el presupuesto de 2024, que incluye una subida de las pensiones "
        "y nuevas ayudas al transporte público, según informó la portavoz en rueda de prensa.</p>\n"
    )
    body = (paragraph * 300).encode("utf-8")
    spots = sorted(random.Random(3).sample(range(len(body)), len(stray)))
    pieces, last = [], 0
    for spot, byte in zip(spots, stray, strict=True):
        spot = body.rfind(b">", 0, spot) + 1 or spot  # between tags and text: never inside a character
        pieces += [body[last:spot], bytes([byte])]
        last = spot
    pieces.append(body[last:])
    head = b"<html lang='es'><head><meta charset='utf-8'><title>Presupuesto aprobado</title></head><body>"
    return (
        head
        + b"<article><h1>El Gobierno aprueba el presupuesto</h1>"
        + b"".join(pieces)
        + b"</article></body></html>"
    )


def test_a_page_with_a_few_stray_control_bytes_is_read() -> None:
    page = spanish_page(
        bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25])
    )
    read = reader_for(".html")
    assert read is not None
    [article] = read(page, "es/presupuesto.html")
    text = " ".join(article.paragraphs)
    assert "presupuesto de 2024" in text
    assert not any(ch in text for ch in "\x00\x01\x02\x0b\x19")


@pytest.mark.parametrize("suffix", [".html", ".txt", ".md", ".xml"])
def test_binary_data_is_still_refused(suffix: str) -> None:
    read = reader_for(suffix)
    assert read is not None
    noise = random.Random(1)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(noise.randrange(256) for _ in range(4096))
    with pytest.raises(SourceError, match="binary file"):
        read(png, "image" + suffix)
