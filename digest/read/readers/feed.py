"""RSS 0.9x/1.0/2.0 and Atom feeds -> one raw article per entry.

Entries with neither a title nor any text are skipped: they carry nothing to show. A feed whose
every entry is like that is refused. Entries keep their position in ``source`` ('feed.xml#3')
even when earlier ones were skipped, so the numbering is stable; what identifies an entry (its id, and
so its page) is its guid, else its link, else its title (``RawArticle.entry``), since positions shift
whenever the feed gains an entry.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import re
import warnings as warnings_lib
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urljoin
from xml.sax import SAXParseException

from digest.errors import SourceError
from digest.models import RawArticle
from digest.read import dates
from digest.read.readers import _common
from digest.read.readers._common import Found

FORMAT = "feed"
# Where "<name" is text, not an element: each opening and what ends it.
_UNPARSED = {"<![CDATA[": "]]>", "<!--": "-->"}
_ROOT = re.compile(r"<([A-Za-z_][\w:.\-]*)")
_DATE_FIELDS = (("published", "feed:published"), ("updated", "feed:updated"))


def read(data: bytes, source: str) -> list[RawArticle]:
    """Read one RSS or Atom feed; each entry with a title or text becomes a record."""
    text = _common.decode_markup(data, source)
    if not text.strip():
        raise SourceError(source, "empty file")
    _common.refuse_entities(text, source)
    parsed = _parse(text)
    if not parsed.get("entries"):
        if not parsed.get("version"):
            raise SourceError(source, f"not an RSS or Atom feed: {_why_not_a_feed(parsed, text)}")
        raise SourceError(source, "feed has no entries")
    feed_title = _plain(parsed.get("feed", {}), "title")
    home = _common.http_url(parsed.get("feed", {}).get("link"))
    every = (
        _article(entry, f"{source}#{n}", feed_title, home) for n, entry in enumerate(parsed["entries"], 1)
    )
    articles = _identified([article for article in every if article.title or article.paragraphs])
    if not articles:
        raise SourceError(source, "feed has no entries with a title or text")
    problem = parsed.get("bozo_exception")
    if isinstance(problem, SAXParseException):
        # feedparser reads a broken feed as far as it can: what it found is kept, and the break is said once.
        found = f"malformed feed XML: {problem.getMessage()} (line {_line(problem)}); entries read up to it"
        articles[0] = replace(articles[0], warnings=(found, *articles[0].warnings))
    return articles


def _parse(text: str) -> Any:
    import feedparser

    markup = _common.xml_bytes(text)
    # A stream, never bytes or str: feedparser fetches URLs and opens file paths given as either.
    return feedparser.parse(io.BytesIO(markup))


def _why_not_a_feed(parsed: Any, text: str) -> str:
    root = _ROOT.search(_without_unparsed(text))
    if root is None:
        return "no XML elements found"
    name = root[1].lower()
    if name == "html":
        return "looks like an HTML page"
    problem = parsed.get("bozo_exception")
    if isinstance(problem, SAXParseException):
        return f"{problem.getMessage()} (line {_line(problem)})"
    return f"root element is <{root[1]}>, expected <rss>, <feed> or <rdf:RDF>"


def _without_unparsed(text: str) -> str:
    """The text without its CDATA sections and comments."""
    # Not a lazy pattern ('<!--.*?-->'): it would scan from every unclosed opening to the end of the text.
    # An opening left unclosed is text; and then so is every later one of its kind.
    kept: list[str] = []
    position = 0
    next_at = {opening: text.find(opening) for opening in _UNPARSED}
    while live := [(at, opening) for opening, at in next_at.items() if at >= 0]:
        at, opening = min(live)
        closing = _UNPARSED[opening]
        end = text.find(closing, at + len(opening))
        if end < 0:
            del next_at[opening]
            continue
        kept.append(text[position:at])
        position = end + len(closing)
        for other, found in next_at.items():
            if 0 <= found < position:
                next_at[other] = text.find(other, position)
    kept.append(text[position:])
    return "".join(kept)


def _line(problem: SAXParseException) -> int:
    """The line of the file a parse error is on: feedparser puts an XML declaration line before the text."""
    return max((problem.getLineNumber() or 1) - 1, 1)


def _article(entry: Any, source: str, feed_title: str | None, home: str | None) -> RawArticle:
    warnings: list[str] = []
    title = _plain(entry, "title")
    html, paragraphs = _body(entry)
    date, when = _date(entry, warnings)
    author = _author(entry)
    publisher = _publisher(entry, feed_title, home)
    url = _url(entry, warnings, home)
    guid = _guid(entry)
    slug, slug_from = _page_name(url, guid)
    return RawArticle(
        source=source,
        format=FORMAT,
        paragraphs=paragraphs,
        html=html,
        title=title,
        title_from="feed:title" if title else None,
        date=when.date if when else None,
        date_from=date.rule if date else None,
        published=when.timestamp if when else None,
        author=author,
        author_from="feed:author" if author else None,
        publisher=publisher.value if publisher else None,
        publisher_from=publisher.rule if publisher else None,
        url=url,
        url_from="feed:link" if url else None,
        tags=_common.unique(tag.get("term") or tag.get("label") or "" for tag in entry.get("tags") or []),
        summary=_plain(entry, "summary"),
        warnings=tuple(warnings),
        slug=slug,
        slug_from=slug_from,
        entry=guid or url or title,
    )


def _guid(entry: Any) -> str | None:
    """The entry's guid (RSS) or id (Atom): what a feed means to identify it by."""
    guid = entry.get("id")
    return (_common.collapse(guid) or None) if isinstance(guid, str) else None


def _page_name(url: str | None, guid: str | None) -> tuple[str | None, str | None]:
    """The name the entry's page is given, from its link or else a guid that is a link, and its rule."""
    for link, rule in ((url, "feed:link"), (_common.http_url(guid), "feed:guid")):
        if link and (name := _common.link_name(link)):
            return name, rule
    return None, None


def _identified(articles: list[RawArticle]) -> list[RawArticle]:
    """The entries with identities unique in the feed: a repeated guid gets '#2', '#3', ... in feed order."""
    seen: dict[str, int] = {}
    unique = []
    for article in articles:
        if article.entry is not None:
            count = seen[article.entry] = seen.get(article.entry, 0) + 1
            if count > 1:
                article = replace(article, entry=f"{article.entry}#{count}")
        unique.append(article)
    return unique


def _is_html(detail: Any) -> bool:
    return "html" in str((detail or {}).get("type") or "text/html")


def _plain(item: Any, key: str) -> str | None:
    """A text construct (title, summary) as one line of plain text, markup removed."""
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    text = _common.html_text(value) if _is_html(item.get(f"{key}_detail")) else _common.collapse(value)
    return text or None


def _body(entry: Any) -> tuple[str | None, tuple[str, ...]]:
    """The entry's content (or else its description) as HTML and as plain-text paragraphs."""
    contents = [item for item in entry.get("content") or [] if isinstance(item.get("value"), str)]
    best = next((item for item in contents if _is_html(item)), contents[0] if contents else None)
    if best is not None and best["value"].strip():
        value, is_html = best["value"], _is_html(best)
    elif isinstance(entry.get("summary"), str) and entry["summary"].strip():
        value, is_html = entry["summary"], _is_html(entry.get("summary_detail"))
    else:
        return None, ()
    root = _common.parse_fragment(value if is_html else _text_to_html(value))
    paragraphs = _common.paragraphs(root)
    return (_common.inner_html(root), paragraphs) if paragraphs else (None, ())


def _text_to_html(text: str) -> str:
    blocks = (_common.collapse(block) for block in re.split(r"\n\s*\n", text))
    return "".join(f"<p>{html_lib.escape(block)}</p>" for block in blocks if block)


def _date_candidates(entry: Any) -> Iterator[tuple[Found, Any]]:
    for key, rule in _DATE_FIELDS:
        # dict.get: feedparser's own get() maps a missing 'updated' to 'published' with a warning.
        value = dict.get(entry, key)
        if isinstance(value, str) and value.strip():
            yield Found(value, rule), dict.get(entry, f"{key}_parsed")


def _date(entry: Any, warnings: list[str]) -> tuple[Found | None, dates.When | None]:
    """The entry's publication (else update) date; feedparser's own reading when ours fails."""
    problems: list[str] = []
    for found, struct in _date_candidates(entry):
        try:
            return found, _entry_date(found.value, struct)
        except dates.DateError as exc:
            if struct:
                # feedparser knows more layouts; its struct is in UTC.
                return found, dates.parse(_utc(struct))
            problems.append(f"{exc} in feed entry; date ignored")
    warnings.extend(dict.fromkeys(problems))
    return None, None


def _entry_date(value: str, struct: Any) -> dates.When:
    """Parse an entry date; zone names dateutil does not know (EST, PDT) get feedparser's offset."""
    from dateutil.parser import UnknownTimezoneWarning

    with warnings_lib.catch_warnings(record=True) as caught:
        warnings_lib.simplefilter("always", UnknownTimezoneWarning)
        when = _common.read_date(value)
    unknown_zone = any(issubclass(w.category, UnknownTimezoneWarning) for w in caught)
    if not (unknown_zone and struct and when.timestamp):
        return when
    local = dt.datetime.fromisoformat(when.timestamp)
    offset = local.replace(tzinfo=None) - _utc(struct).replace(tzinfo=None)
    if local.tzinfo is not None or abs(offset) > dt.timedelta(hours=14):
        return when
    return dates.When(when.date, local.replace(tzinfo=dt.timezone(offset)).isoformat())


def _utc(struct: Any) -> dt.datetime:
    """feedparser's parsed date (a UTC time.struct_time) as an aware datetime."""
    year, month, day, hour, minute, second = tuple(struct)[:6]
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def _author(entry: Any) -> str | None:
    written = entry.get("author")
    if isinstance(written, str) and "@" in written:
        # feedparser cuts the name out of "editor@example.online (Chris Wong)" at a four-letter domain ending.
        return ", ".join(_common.unique(map(_common.byline_name, written.split(",")))) or None
    names = [person.get("name") or "" for person in entry.get("authors") or [] if isinstance(person, dict)]
    if not any(name.strip() for name in names):
        names = [entry.get("author") or ""]
    return ", ".join(_common.unique(names)) or None


def _publisher(entry: Any, feed_title: str | None, home: str | None) -> Found | None:
    origin = entry.get("source")
    if isinstance(origin, dict) and (name := _plain(origin, "title")):
        return Found(name, "feed:source")
    # Unescaped before it is cut: 'Idolator\: All About The Music' is Idolator's feed, not 'Idolator\'.
    return Found(_outlet(_common.unescaped(feed_title), home), "feed:title") if feed_title else None


# What joins an outlet's name and a section in a feed's title (its spaces already collapsed to one):
# 'The Daily Globe - Top Stories', 'NYT > World', 'Slashdot: News for nerds'.
_TITLE_PARTS = re.compile(r" [-|>»·–—] |: ")
_NOT_A_NAME = frozenset({"www", "com", "org", "net", "feed", "feeds", "rss", "news"})


def _outlet(feed_title: str, home: str | None) -> str:
    """The outlet a feed's title names, without its section: the part its site's host names, else the first."""
    from urllib.parse import urlsplit

    parts = [part for part in _TITLE_PARTS.split(feed_title) if part.strip()]
    if len(parts) < 2:
        return feed_title
    labels = (urlsplit(home).hostname or "").split(".") if home else []
    names = [label for label in labels if len(label) >= 3 and label not in _NOT_A_NAME]
    squashed = ["".join(ch for ch in part.lower() if ch.isalnum()) for part in parts]
    named = next(
        (part for part, letters in zip(parts, squashed, strict=True) if any(n in letters for n in names)),
        None,
    )
    return (named or parts[0]).strip()


def _url(entry: Any, warnings: list[str], home: str | None) -> str | None:
    """The entry's link; a relative one (RSS has no xml:base) resolved against the feed's own link."""
    link = entry.get("link")
    if not isinstance(link, str) or not link.strip():
        return None
    url = _common.http_url(urljoin(home, link.strip()) if home else link)
    if url is None:
        warnings.append(f"non-http url {link.strip()[:80]!r} in feed entry; url ignored")
    return url
