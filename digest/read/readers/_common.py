"""Helpers shared by the markup readers: decoding, plain-text paragraphs, URLs and dates."""

from __future__ import annotations

import codecs
import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from digest.errors import SourceError
from digest.read import dates
from digest.read.readers.decode import decode

# lxml ships no type information; its elements are typed as Any here.
Element = Any

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DECLARED_CHARSET = re.compile(
    rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
    rb"""|<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""",
    re.IGNORECASE,
)
# Encodings decode() already reads correctly (latin-1 pages are cp1252 in practice, as in browsers).
_COVERED = frozenset({"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252"})
# Legacy encodings that browsers read as the larger one they grew into (WHATWG Encoding Standard): a page
# labelled gb2312 routinely holds GBK characters, one labelled shift_jis or euc-kr Windows ones.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
    "tis-620": "cp874",
}
# Labels browsers know and Python does not.
_LABELS = {
    "x-gbk": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "windows-874": "cp874",
}
# A declared encoding is kept though a few bytes do not fit it (shown as U+FFFD, as browsers do), up to this
# share of the text; past it the declaration is wrong.
_MISFIT_SHARE = 0.01
# Characters that XML 1.0 forbids and lxml refuses in strings.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Character references; those naming such characters ('&#1;', '&#xd800;') crash parsers just the same.
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")

_BY = re.compile(r"^(?:(?:written|words|story|reporting)\s+)?by\s+", re.IGNORECASE)
# An e-mail address with the name after it in brackets (RSS's form) or before it, the address in <> or ().
_MAILED = re.compile(r"\S+@\S+\s*\((?P<after>[^()@]+)\)|(?P<name>[^<>()@]+?)\s*[<(]\s*\S+@[^>)]+[>)]")
# A byline piece longer than this is no name and no address: it is not matched against _MAILED, whose
# backtracking over the '@'s of a long run of them would take time growing with the square of its length.
MAX_BYLINE = 300
_JOB = re.compile(
    r"(?:[\w'’-]+\s+){0,3}(?:correspondent|editor|writer|reporter|journalist|columnist|contributor|staff|"
    r"producer|analyst|photographer|critic|author|desk)s?$",
    re.IGNORECASE,
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header",
        "hgroup", "hr", "html", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "ul",
    }
)  # fmt: skip
# Blocks whose text is not running article text: section titles and tabular data stay in the HTML only.
_SKIPPED_BLOCKS = _HEADINGS | {"table", "head", "title", "iframe", "object", "svg", "math", "select"}
# Table parts: blocks of their own where a table's text is read (a page laid out in one).
_TABLE_PARTS = frozenset({"caption", "tbody", "thead", "tfoot", "tr", "td", "th"})
# What a layout table's cells hold and a data table's do not: blocks, or text as long as a paragraph.
_LAYOUT_BLOCKS = _HEADINGS | {"p", "div", "table", "ul", "ol", "article", "section", "blockquote"}
_PARAGRAPH_CHARS = 100
# Inline elements whose text is never shown as text.
_SKIPPED_INLINE = frozenset({"script", "style", "template", "noscript"})


@dataclass(frozen=True)
class Found:
    """A value read from the source and the rule that found it."""

    value: str
    rule: str


_ESCAPED_PUNCTUATION = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: any ASCII punctuation may be escaped


def unescaped(text: str) -> str:
    """The text without the backslashes Markdown and data exports put before punctuation ('ChicagoNow
    \\(blog\\)', 'Yahoo\\!7 News', '24\\/7 Wall St.'): for names, where a backslash is never meant."""
    return _ESCAPED_PUNCTUATION.sub(r"\1", text) if "\\" in text else text


def collapse(text: str) -> str:
    """The text with every run of whitespace made one space, trimmed."""
    return " ".join(text.split())


def http_url(value: object) -> str | None:
    """The value as an absolute http(s) URL, or None when it is anything else."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    # Not printable: control characters, lone surrogates, bidi overrides; no real link holds one. Every
    # whitespace character but the space is unprintable.
    if not url or " " in url or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def link_name(url: str) -> str | None:
    """The name a link gives its page: its last path segment without a suffix ('index' skipped), and its
    query, which tells pages apart on many sites ('article?p=123'); None when it has neither."""
    parts = urlsplit(url)
    segments = [s.rsplit(".", 1)[0] if "." in s[1:] else s for s in parts.path.split("/")]
    named = [s for s in segments if s and s.lower() not in _INDEX_PAGES]
    return " ".join([*named[-1:], parts.query]).strip() or None


_INDEX_PAGES = frozenset(("index", "default"))


def read_date(value: object) -> dates.When:
    """Parse a date given as text or a number; raise DateError for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise dates.DateError(f"unreadable date {value!r}")
    timestamp = _iso_timestamp(value)
    return timestamp if timestamp is not None else dates.parse(value)


# An ISO 8601 date and time as machines write them in front matter, feeds and page metadata.
_ISO_TIMESTAMP = re.compile(
    r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?\s*"
)


def _iso_timestamp(text: str) -> dates.When | None:
    """The date and time of an ISO 8601 timestamp read without the general parser, as it would read it;
    None for any other text, and for a timestamp the general parser must judge (impossible, before 1800)."""
    if not _ISO_TIMESTAMP.fullmatch(text):
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.year < 1800:
        return None
    return dates.When(moment.date().isoformat(), moment.isoformat())


def first_date(candidates: Iterable[Found], where: str) -> tuple[Found | None, dates.When | None, list[str]]:
    """The first candidate that is a real date, and a warning for each bad one met before it."""
    warnings: list[str] = []
    for candidate in candidates:
        try:
            when = read_date(candidate.value)
        except dates.DateError as exc:
            warnings.append(f"{exc} in {where}; date ignored")
            continue
        return candidate, when, warnings
    return None, None, warnings


def decode_markup(data: bytes, source: str) -> str:
    """Decode HTML or XML: BOM, UTF-8, then a declared charset, then cp1252; refuse binary data."""
    text = decode(data, source)
    if data.startswith(_BOMS) or _is_utf8(data):
        return text
    declared = _declared_charset(data)
    if declared is None:
        return text
    try:
        decoded = data.decode(declared, errors="replace")
    except LookupError:
        return text
    if decoded.count("\ufffd") > _MISFIT_SHARE * len(decoded):
        return text
    return decoded.replace("\r\n", "\n").replace("\r", "\n")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declared_charset(data: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(data[:4096])
    if match is None:
        return None
    name = (match[1] or match[2]).decode("ascii").lower()
    try:
        codec = codecs.lookup(_LABELS.get(name, name))
    except LookupError:
        return None
    return None if codec.name in _COVERED else _SUPERSETS.get(codec.name, codec.name)


ENTITY_REFUSAL = "XML declares entities (possible entity-expansion attack); refused"
_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


class _Declared(Exception):
    """Raised from inside expat when the document declares an entity."""


def xml_bytes(text: str) -> bytes:
    """Decoded XML as the UTF-8 bytes a parser gets: declaration dropped (its encoding is already applied)."""
    return xml_safe(_XML_DECLARATION.sub("", text, count=1)).encode("utf-8")


def refuse_entities(text: str, source: str) -> None:
    """Raise SourceError when the XML declares entities, which parsers could expand without bound.

    The document is scanned by expat with every entity declaration trapped before anything expands, so
    '<!ENTITY' hidden where a pattern could not tell (in a processing instruction around a comment) is
    still found, and '<!ENTITY' as text in CDATA or a comment is not refused. XML too malformed for expat
    is refused whenever it holds '<!ENTITY' at all: lenient parsers make their own guesses about it.
    """
    if not _ENTITY.search(text):
        return
    from xml.parsers import expat

    parser = expat.ParserCreate("utf-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def declared(*args: object) -> None:
        raise _Declared

    parser.EntityDeclHandler = declared
    parser.UnparsedEntityDeclHandler = declared
    try:
        parser.Parse(xml_bytes(text), True)
    except (_Declared, expat.ExpatError) as exc:
        raise SourceError(source, ENTITY_REFUSAL) from exc


def xml_safe(text: str) -> str:
    """The text without the control characters that XML forbids and lxml refuses, nor references to them."""
    text = _NOT_XML.sub("", text)
    return _CHAR_REF.sub(_legal_reference, text) if "&#" in text else text


def _legal_reference(match: re.Match[str]) -> str:
    hexadecimal, decimal = match[1], match[2]
    digits = (hexadecimal or decimal).lstrip("0")
    if len(digits) > 7:
        return ""  # beyond U+10FFFF; and int() refuses decimal strings of thousands of digits
    code = int(hexadecimal, 16) if hexadecimal else int(decimal or "0")
    if code > 0x10FFFF or _NOT_XML.match(chr(code)):
        return ""
    return match[0]


def parse_fragment(html: str) -> Element:
    """Parse an HTML fragment into a <div> holding it."""
    import lxml.html

    return lxml.html.fragment_fromstring(xml_safe(html), create_parent="div")


def inner_html(root: Element) -> str:
    """The HTML inside an element, without the element's own tag."""
    import lxml.html

    parts = [_escape(root.text or "")]
    parts.extend(lxml.html.tostring(child, encoding="unicode", with_tail=True) for child in root)
    return "".join(parts).strip()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def tag_of(element: Element) -> str:
    """The element's lowercase tag name, or '' for comments and processing instructions."""
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def paragraphs(root: Element) -> tuple[str, ...]:
    """The running text of an HTML tree as plain-text paragraphs, one per block (and per run of text between
    two line breaks in a row); headings and data tables left out, tables that lay out a page read."""
    found: list[str] = []
    _collect_blocks(root, found)
    return tuple(found)


def _collect_blocks(block: Element, found: list[str]) -> None:
    pending = [block.text or ""]
    broken = False  # the last thing met was a line break with nothing but spaces after it
    for child in block:
        tag = tag_of(child)
        if tag in _BLOCKS or tag in _SKIPPED_BLOCKS or tag in _TABLE_PARTS:
            _flush(pending, found)
            if tag not in _SKIPPED_BLOCKS or (tag == "table" and _lays_out(child)):
                _collect_blocks(child, found)
            pending = [child.tail or ""]
        elif tag == "br" and broken:
            # Two line breaks in a row part paragraphs on pages that have no <p> ('text<br><br>text').
            _flush(pending, found)
            pending = [child.tail or ""]
        else:
            pending.append(inline_text(child))
            pending.append(child.tail or "")
        broken = tag == "br" and not (child.tail or "").strip()
    _flush(pending, found)


def _lays_out(table: Element) -> bool:
    """True when a table lays out a page (older news and government sites) rather than holding data: one of
    its own cells holds blocks or a run of text as long as a paragraph."""
    for row in _rows(table):
        for cell in row:
            if tag_of(cell) not in ("td", "th"):
                continue
            text = len((cell.text or "").strip()) + sum(len((child.tail or "").strip()) for child in cell)
            if text >= _PARAGRAPH_CHARS or any(tag_of(child) in _LAYOUT_BLOCKS for child in cell):
                return True
    return False


def _rows(table: Element) -> Iterator[Element]:
    """A table's own rows, in its sections or not (not those of tables inside it)."""
    for child in table:
        tag = tag_of(child)
        if tag == "tr":
            yield child
        elif tag in ("tbody", "thead", "tfoot"):
            yield from (row for row in child if tag_of(row) == "tr")


def _flush(pending: list[str], found: list[str]) -> None:
    text = collapse("".join(pending))
    if text:
        found.append(text)


def inline_text(element: Element) -> str:
    """All text inside an element (tail excluded), leaving out scripts, styles and comments."""
    tag = tag_of(element)
    if not tag or tag in _SKIPPED_INLINE:
        return ""
    if tag == "br":
        return " "
    parts = [element.text or ""]
    for child in element:
        parts.append(inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def html_text(html: str) -> str:
    """An HTML snippet as one line of plain text."""
    if "<" not in html and "&" not in html:
        return collapse(html)
    return " ".join(paragraphs(parse_fragment(html)))


def drop_leading_heading(root: Element, title: str | None, levels: frozenset[str] = _HEADINGS) -> str | None:
    """Remove the first element when it is a heading that repeats the title (or any, with no title).

    Returns the heading's text when it was removed.
    """
    first = next((child for child in root if tag_of(child)), None)
    if first is None or tag_of(first) not in levels or collapse(root.text or ""):
        return None
    text = collapse(inline_text(first))
    if not text or (title is not None and text.casefold() != title.casefold()):
        return None
    _remove_keeping_tail(root, first)
    return text


def drop_blocks(html: str, texts: Iterable[str]) -> str:
    """The HTML without the innermost blocks whose text is one of ``texts`` (lines found to be boilerplate)."""
    unwanted = set(texts)
    root = parse_fragment(html)
    doomed = [
        element
        for element in root.iter()
        if element is not root
        and tag_of(element) in _BLOCKS
        and not any(tag_of(child) in _BLOCKS for child in element)
        and collapse(inline_text(element)) in unwanted
    ]
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            _remove_keeping_tail(parent, element)
    return inner_html(root) if doomed else html


def _remove_keeping_tail(root: Element, element: Element) -> None:
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is None:
        root.text = (root.text or "") + tail
    else:
        previous.tail = (previous.tail or "") + tail
    root.remove(element)


def is_job(text: str) -> bool:
    """A part of a byline that names a job, not a person or an outlet ("Energy Correspondent", "staff")."""
    return _JOB.match(text.strip()) is not None


def byline_name(text: str) -> str:
    """One name of a byline: 'By Jane Doe', 'jane@example.com (Jane Doe)', 'Jane Doe <jane@...>' -> 'Jane Doe'."""
    text = _BY.sub("", text.strip())
    quoted = _MAILED.fullmatch(text) if len(text) <= MAX_BYLINE else None
    if quoted:
        text = quoted["name"] or quoted["after"] or ""
    return "" if "@" in text else text.strip(" ;:|-")


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """The non-empty values, whitespace-collapsed, first occurrence kept (case-insensitive)."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        text = collapse(value)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            kept.append(text)
    return tuple(kept)
