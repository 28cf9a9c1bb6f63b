"""Raw reader records -> Articles: clean text, boilerplate out, sentences, title, stable id and slug."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Sequence

from digest.errors import SourceError
from digest.language.boilerplate import (
    CAPTION,
    boilerplate_reason,
    is_furniture_title,
    is_headline_list_label,
    looks_like_headline,
)
from digest.language.text import headline_from_lead, sentence_spans, word_count
from digest.models import Article, RawArticle, Sentences
from digest.read import dates
from digest.read.readers._common import byline_name, drop_blocks, is_job, unescaped
from digest.render import paths

_WORD_RUN = re.compile(r"\w+")
# Characters no page or feed may carry: XML 1.0 forbids them (a feed holding one is broken) and lone
# surrogates cannot even be encoded as UTF-8. JSON-LD and YAML escapes ('\u0001', '\ud800') make them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# Letters past the Latin alphabets (from IPA on): Greek, Cyrillic, Arabic, Devanagari, CJK...
_OTHER_SCRIPT_LETTER = re.compile(r"[^\W\d_\x00-\u024f]")
# What text decoded with the wrong encoding, or escaped twice, is made of: a lead byte of UTF-8 read as
# Latin-1 or Windows-1252 ('Â£', 'Ã©', 'â€™'), a replacement character, an HTML entity left in the text.
_MOJIBAKE_HINT = re.compile(r"[ÂÃâÐÑØÙ\ufffd]|&#?\w{2,8};")
_SLUG_WORDS = 8
_OUTLET_SEPARATORS = (" - ", " | ", " – ", " — ")
_OUTLET_WORDS = 6  # at most, in an outlet's name after a headline ('WDRB 41 Louisville News')
# Body markup kept after sanitizing; no images, media or embeds: the site makes no outside requests.
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em", "figcaption",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip


def normalize(raw: RawArticle) -> Article:
    """Clean one raw record into an Article; raise SourceError when nothing readable is left."""
    paragraphs, removed, own = _clean_paragraphs(raw)
    sentences = _sentences(paragraphs)
    title, title_from = _title(raw, sentences)
    if not title:
        raise SourceError(raw.source, _untitled(raw.title))
    text = " ".join(paragraphs)
    url = _http(raw.url)
    return Article(
        id=article_id(_identity(raw)),
        slug=slugify(_page_name(raw, title)),
        source=raw.source,
        format=raw.format,
        title=title,
        title_from=title_from,
        date=(date := _kept_date(raw, own)),
        date_from=raw.date_from if date else None,
        published=raw.published if date == raw.date else None,
        author=(author := _author(raw.author, _name(raw.publisher))),
        author_from=raw.author_from if author else None,
        publisher=_name(raw.publisher),
        publisher_from=raw.publisher_from if raw.publisher else None,
        url=url,
        url_from=raw.url_from if url else None,
        paragraphs=paragraphs,
        sentences=sentences,
        html=_body_html(raw.html, removed) if raw.html and paragraphs else None,
        tags=tuple(dict.fromkeys(t for t in (_clean(tag) for tag in raw.tags) if t)),
        topic_hint=_clean(raw.topic),
        given_summary=_clean(raw.summary),
        removed=tuple(line for line in (_clean(text) for text in raw.removed) if line) + removed,
        content_hash=_content_hash(title, text),
        words=word_count(text),
        sample=raw.sample,
        slug_from=raw.slug_from or _PAGE_NAME_FROM.get(raw.format, "file-name"),
    )


def _identity(raw: RawArticle) -> str:
    """What identifies an article: its file, and a feed entry's guid (not its position, which shifts)."""
    return f"{paths.source_file(raw.source)}#{raw.entry}" if raw.entry else raw.source


def _page_name(raw: RawArticle, title: str) -> str:
    """What the page is named after: what the source asks for, else its file's name, not its headline, which
    a correction changes; a feed entry with no link shares its file with others, so its headline it is."""
    if raw.slug:
        return raw.slug
    if raw.format == FEED:
        return title
    return paths.source_file(raw.source).rsplit("/", 1)[-1].rsplit(".", 1)[0]


FEED = "feed"
_PAGE_NAME_FROM = {FEED: "feed:title"}


def _kept_date(raw: RawArticle, own: Sequence[str]) -> str | None:
    """The date, where it was read in the text, only from the article's own lines (what the reader keeps, and
    the captions of its pictures and maps): a related link or a list dropped as boilerplate dates nothing."""
    return dates.find_in_text(own) if raw.date_from == dates.FROM_TEXT else raw.date


def article_id(source: str) -> str:
    """Stable id of an article: it depends only on where the article came from."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]


def slugify(text: str) -> str:
    """A short, safe page name: lowercase ASCII letters, digits and hyphens; "article" for a title mostly in
    another script than Latin (Chinese, Cyrillic, Devanagari), which has no ASCII spelling here."""
    folded = unicodedata.normalize("NFKD", text)
    if not folded.isascii():
        others = len(_OTHER_SCRIPT_LETTER.findall(folded))
        if others and others >= len(_ASCII_LETTER.findall(folded)):
            return "article"
        # A letter of another script parts words: '5月份上涨0.3%' is not '50-3'.
        folded = _OTHER_SCRIPT_LETTER.sub(" ", folded)
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    words = [w for w in _SLUG_UNSAFE.split(ascii_text) if w][:_SLUG_WORDS]
    return "-".join(words)[:80].strip("-") or "article"


def sanitize(html: str) -> str:
    """Allow-list sanitizing of body HTML: no script, style, embeds, handlers or non-http links."""
    import nh3

    return str(
        nh3.clean(
            printable(html),
            tags=_TAGS,
            attributes={"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan"}, "th": {"colspan"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener noreferrer",
            strip_comments=True,
            attribute_filter=_absolute_links_only,
        )
    )


def _body_html(html: str, removed: tuple[str, ...]) -> str:
    """Sanitized body HTML, without the lines dropped from the text as boilerplate: the page shows neither."""
    clean = sanitize(html)
    return drop_blocks(clean, removed) if removed else clean


def printable(text: str) -> str:
    """The text without control characters, lone surrogates and non-characters."""
    return _ILLEGAL.sub("", text)


def _http(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL with nothing hidden in it; readers check, this makes sure."""
    if url is None or not url.isprintable():
        return None
    url = unescaped(url)  # a backslash is never part of a link, and browsers read it as '/'
    scheme, _, rest = url.partition("://")
    return url if scheme.lower() in ("http", "https") and rest and not rest.startswith("/") else None


def _absolute_links_only(tag: str, attribute: str, value: str) -> str | None:
    """Drop relative links: they pointed into the original site and would break in ours."""
    if attribute == "href" and not value.lower().startswith(("http://", "https://", "mailto:")):
        return None
    return value


def _clean_paragraphs(raw: RawArticle) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The paragraphs kept, those removed, and the article's own lines (those kept and its captions)."""
    kept: list[str] = []
    removed: list[str] = []
    own: list[str] = []
    title_key = _key(raw.title or "")
    listing = False  # under a 'Most read' label: the headlines listed after it are other articles'
    for paragraph in raw.paragraphs:
        text = _collapse(printable(paragraph))
        if not text:
            continue
        if not kept and _key(text) == title_key:
            continue  # pages and feeds often repeat the headline as the first line
        listing = listing and looks_like_headline(text)
        reason = None if listing else boilerplate_reason(text, author=raw.author)
        if listing or reason is not None or is_headline_list_label(text):
            removed.append(text)
            listing = listing or is_headline_list_label(text)
            if reason == CAPTION and not listing:
                own.append(text)
            continue
        kept.append(text)
        own.append(text)
    return tuple(kept), tuple(removed), tuple(own)


def _sentences(paragraphs: tuple[str, ...]) -> Sentences:
    spans = array("I")
    for number, paragraph in enumerate(paragraphs):
        for start, end in sentence_spans(paragraph):
            spans.extend((number, start, end))
    return Sentences(paragraphs, spans)


def _title(raw: RawArticle, sentences: Sequence[str]) -> tuple[str, str]:
    """The source's title, without its outlet's name after it, unless it names no news ('Posted by Jane
    Doe'): then one made from the lead."""
    title = _clean(raw.title)
    if title and not is_furniture_title(title):
        return _mended(_without_outlet(title, _name(raw.publisher))), raw.title_from or "source"
    if sentences:
        return headline_from_lead(sentences[0]), "lead"
    return "", ""


def _without_outlet(title: str, outlet: str | None) -> str:
    """The title without a last part naming its outlet, as feeds and aggregators add it ('Bill passes -
    WDRB 41 Louisville News' from WDRB): shared by all of an outlet's headlines, it would make them alike."""
    if not outlet:
        return title
    name = outlet.casefold()
    for separator in _OUTLET_SEPARATORS:
        headline, found, tail = title.rpartition(separator)
        named = tail.casefold().startswith(name) and not tail[len(name) : len(name) + 1].isalnum()
        short = len(tail.split()) <= _OUTLET_WORDS and word_count(headline) >= _OUTLET_WORDS // 2
        if found and named and short:
            return headline.rstrip()
    return title


def _untitled(title: str | None) -> str:
    """Why an article without text has no title: none was given, or it names no news."""
    given = _clean(title)
    if given is None:
        return "no title and no article text"
    return f"no article text, and its title {given!r} is a byline or a list's label, not a headline"


def _mended(title: str) -> str:
    """The title with mojibake and leftover HTML entities repaired ('Â£349', '&pound;349' -> '£349')."""
    if not _MOJIBAKE_HINT.search(title):
        return title  # ftfy takes a tenth of a second to import, and most titles need nothing of it
    import ftfy

    return _collapse(printable(ftfy.fix_text(title))) or title


def _author(value: str | None, publisher: str | None) -> str | None:
    """Who wrote it, as the names alone: no 'By', e-mail address, job title, nor the publisher among them."""
    cleaned = _name(value)
    if cleaned is None:
        return None
    outlet = _key(publisher or "")
    names = [name for name in map(byline_name, cleaned.split(",")) if name and _key(name) != outlet]
    # A job after a name is dropped; a byline of nothing but a job ('Reuters Staff') is kept as written.
    people = [name for name in names if not is_job(name)] or names
    return ", ".join(dict.fromkeys(people)) or None


def _name(value: str | None) -> str | None:
    """A publisher's or author's name, cleaned and without backslashes before punctuation (``unescaped``)."""
    cleaned = _clean(value)
    return unescaped(cleaned) if cleaned else None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    return _collapse(printable(value)) or None


def _collapse(text: str) -> str:
    """Every run of whitespace one space, trimmed (``str.split`` and ``\\s`` agree on what whitespace is)."""
    return " ".join(text.split())


def _key(text: str) -> str:
    return " ".join(_WORD_RUN.findall(text.lower()))


def _content_hash(title: str, text: str) -> str:
    return hashlib.sha1(_key(text or title).encode("utf-8")).hexdigest()
