"""Plain-text articles as found in the wild: headline or none, dek, date header, bylines, datelines."""

from __future__ import annotations

import re

from digest.errors import SourceError
from digest.language.text import ends_with_title, word_count
from digest.models import RawArticle
from digest.read import dates
from digest.read.readers._common import is_job
from digest.read.readers.decode import decode

# Possessive: the spaces around the ':' are taken whole, never shared out between the two runs in every way.
_DATE_HEADER = re.compile(
    r"^\s*+(?:date|dated|published|posted|updated|pubdate)\s*+:?+\s*+"
    r"(?P<value>\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?(?:Z|[+-]\d\d:?\d\d)?)?"
    r"|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4})\b[ \t]*",
    re.I,
)
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|der|da|di|al|bin|la|le))*"
_AUTHOR_LINE = re.compile(r"^\s*(?:author|written by|words)\s*:\s*(?P<name>.{2,80}?)\s*$", re.I)
_BYLINE = re.compile(
    r"^\s*(?i:by)\s+(?P<name>" + _NAME + r"(?:\s+(?:and|&)\s+" + _NAME + r")*)"
    r"\s*(?:[,|/–—-]\s*(?P<org>[^.]{2,60}))?\s*$"
)
# "WASHINGTON (Reuters) - ", "LONDON, March 3 (AP) — ", "GAZA CITY — "
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’ -]{1,40}[A-Z.])(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*"
    r"(?:\((?P<agency>[A-Za-z][\w .&-]{1,40})\)\s*)?[-–—]+\s+"
)
_TERMINAL = re.compile(r"[.!?…。｡！？।॥؟۔][\"'”’)\]」』）]*$")
# A Chinese or Japanese date line: '2024年5月3日', maybe with a time.
_CJK_DATE_LINE = re.compile(
    r"(?P<value>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:\d{1,2}\s*[:：時时]\s*\d\d\s*分?)?"
)
_MAX_HEADLINE_WORDS = 20
# What may follow the date of a date line: a time, maybe with a zone ("Published: 5 March 2024 10:32 GMT").
_TIME_REST = re.compile(
    r"(?:at\s+)?\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,5})?|\d{1,2}\s*[ap]\.?m\.?", re.I
)
_HEADER_BLOCKS = 5  # date lines are looked for this far down: they sit by the headline


def read(data: bytes, source: str) -> list[RawArticle]:
    """Read one plain-text article."""
    text = decode(data, source).strip()
    if not text:
        raise SourceError(source, "empty file")
    warnings: list[str] = []
    date, text = _date_header(text, source, warnings)
    blocks = _blocks(text)
    lined, blocks, dated = _date_lines(blocks, warnings)
    date = date or lined
    title, blocks = _headline(blocks)
    dek, blocks = _dek(blocks) if title else (None, blocks)
    author, author_from, organisation, blocks, removed = _bylines(blocks)
    removed = dated + removed
    paragraphs, agency = _strip_dateline(blocks)
    publisher, publisher_from = (agency, "dateline") if agency else (organisation, "byline")
    if not paragraphs and not title:
        raise SourceError(source, "no article text")
    date_from = "header" if date else None
    if date is None:
        date = dates.find_in_text(paragraphs)
        date_from = dates.FROM_TEXT if date else None
    return [
        RawArticle(
            source=source,
            format="text",
            paragraphs=tuple(paragraphs),
            title=title,
            title_from="first-line" if title else None,
            date=date,
            date_from=date_from,
            author=author,
            author_from=author_from,
            publisher=publisher,
            publisher_from=publisher_from if publisher else None,
            summary=dek,
            removed=tuple(removed),
            warnings=tuple(warnings),
        )
    ]


def _date_header(text: str, source: str, warnings: list[str]) -> tuple[str | None, str]:
    match = _DATE_HEADER.match(text)
    if not match:
        return None, text
    rest = text[match.end() :].lstrip(" \t:|-–—")
    try:
        return dates.parse(match["value"]).date, rest
    except dates.DateError as exc:
        warnings.append(f"{exc} in date header; date ignored")
        return None, rest


def _date_line(line: str) -> str | None:
    """The date of a line that states only a date ("Published: 5 March 2024", maybe with a time), else None."""
    cjk = _CJK_DATE_LINE.fullmatch(line)
    if cjk is not None:
        return cjk["value"]
    match = _DATE_HEADER.match(line)
    if match is None:
        return None
    rest = line[match.end() :].strip(" \t,|-–—")
    return match["value"] if not rest or _TIME_REST.fullmatch(rest) else None


def _date_lines(blocks: list[str], warnings: list[str]) -> tuple[str | None, list[str], list[str]]:
    """The date of date lines by the headline, the blocks without them, and the lines taken out."""
    date: str | None = None
    kept: list[str] = []
    removed: list[str] = []
    for number, block in enumerate(blocks):
        value = _date_line(block) if number < _HEADER_BLOCKS else None
        if value is None:
            kept.append(block)
            continue
        removed.append(block)
        if date is None:
            try:
                date = dates.parse(value).date
            except dates.DateError as exc:
                warnings.append(f"{exc} in date line; date ignored")
    return date, kept, removed


def _is_header_line(line: str) -> bool:
    """A byline, author line or date line: under a headline, each is a block of its own."""
    return bool(_BYLINE.match(line) or _AUTHOR_LINE.match(line) or _date_line(line))


def _blocks(text: str) -> list[str]:
    """Paragraphs: blank-line separated blocks, hard-wrapped lines joined, one-paragraph-per-line kept apart.

    The first block's lines stay apart when one of them is a byline or a date line: a headline, its
    standfirst and its bylines are often written on consecutive lines.
    """
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in chunk.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        if _lines_are_paragraphs(lines) or (not blocks and any(map(_is_header_line, lines[1:]))):
            blocks.extend(lines)
        else:
            blocks.append(" ".join(lines))
    return blocks


def _lines_are_paragraphs(lines: list[str]) -> bool:
    if len(lines) == 1:
        return True
    ended = sum(1 for line in lines[:-1] if _TERMINAL.search(line) and not ends_with_title(line))
    longest = max(len(line) for line in lines)
    # Hard-wrapped prose breaks mid-sentence at a steady width; one paragraph per line ends each line.
    return ended >= (len(lines) - 1) * 0.8 or (longest > 200 and ended >= (len(lines) - 1) / 2)


def _headline(blocks: list[str]) -> tuple[str | None, list[str]]:
    if len(blocks) < 2:
        return None, blocks
    first = blocks[0]
    words = word_count(first)
    looks_like_sentence = first.endswith((".", "。", "।")) and not first.endswith("..") and words > 8
    if words <= _MAX_HEADLINE_WORDS and len(first) <= 160 and not looks_like_sentence:
        return first.rstrip(" .:"), blocks[1:]
    return None, blocks


def _dek(blocks: list[str]) -> tuple[str | None, list[str]]:
    """A standfirst right under the headline: one short line with no closing punctuation."""
    first = blocks[0] if len(blocks) >= 2 else ""
    short = 0 < word_count(first) <= 30 and not _TERMINAL.search(first)
    if short and not _BYLINE.match(first) and not _AUTHOR_LINE.match(first):
        return first, blocks[1:]
    return None, blocks


def _bylines(blocks: list[str]) -> tuple[str | None, str | None, str | None, list[str], list[str]]:
    """Author lines and bylines, wherever they are: (author, rule, organisation, kept blocks, removed)."""
    author: str | None = None
    author_from: str | None = None
    organisation: str | None = None
    kept: list[str] = []
    removed: list[str] = []
    for block in blocks:
        line = _AUTHOR_LINE.match(block)
        by = None if line else _BYLINE.match(block)
        if line is None and by is None:
            kept.append(block)
            continue
        removed.append(block)
        if author is None:
            author = (line or by)["name"].strip(" .,")  # type: ignore[index]
            author_from = "author-line" if line else "byline"
            org = by["org"].strip() if by and by["org"] else ""
            # A byline's second part may name the writer's job, not an outlet ("Health Correspondent").
            organisation = org if org and len(org.split()) <= 4 and not is_job(org) else None
    return author or None, author_from, organisation, kept, removed


def _strip_dateline(blocks: list[str]) -> tuple[list[str], str | None]:
    if not blocks:
        return blocks, None
    match = _DATELINE.match(blocks[0])
    if not match or len(blocks[0]) - match.end() < 20:
        return blocks, None
    agency = match["agency"].strip() if match["agency"] else None
    return [blocks[0][match.end() :], *blocks[1:]], agency
