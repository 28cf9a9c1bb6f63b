"""Saved web pages -> one raw article: trafilatura for the main text, the page's own metadata first."""

from __future__ import annotations

import functools
import html as html_lib
import itertools
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from digest.errors import SourceError
from digest.language.boilerplate import is_furniture_title
from digest.language.text import CJK, word_count
from digest.models import RawArticle
from digest.read import dates
from digest.read.readers import _common
from digest.read.readers._common import Element, Found

FORMAT = "html"
JSON_LD = "html:json-ld"
TRAFILATURA = "html:trafilatura"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
        "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting", "report",
    }
)  # fmt: skip
_SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*:")
# Chinese sites join a headline and their name with a bare '_' or a full-width bar ('标题_新浪网').
_SITE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ", " » ", " ｜ ", "｜", "_")
_OTHER_DATE_METAS = (
    "og:published_time", "datepublished", "date", "pubdate", "publishdate", "dc.date", "dc.date.issued",
    "dcterms.created", "sailthru.date", "parsely-pub-date",
)  # fmt: skip
_OTHER_AUTHOR_METAS = ("article:author", "dc.creator", "parsely-author", "sailthru.author", "byl")
# Trafilatura's XML vocabulary -> HTML tags.
_TAGS = {
    "item": "li",
    "quote": "blockquote",
    "code": "pre",
    "lb": "br",
    "ref": "a",
    "row": "tr",
    "graphic": "img",
}
_HIGHLIGHTS = {"#b": "b", "#i": "i", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}
_KEPT_ATTRIBUTES = {"a": ("href",), "img": ("src", "alt")}
_HEADING_LEVELS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Trafilatura takes a main text shorter than 250 characters for a failed extraction and replaces it with
# whatever its fallbacks find (a menu, often). A CJK character says about what three Latin ones do (a word
# of 1.7 characters against one of 5 and a space), so a short Chinese report is a third as long.
_CJK_MIN_EXTRACTED = 80
_CJK_CHARACTER = re.compile(f"[{CJK}]")
_CJK_SAMPLE = 200_000  # characters of the page looked at
_CJK_PAGE_CHARACTERS = 200


@dataclass(frozen=True)
class PageMeta:
    """The metadata a page states explicitly in its markup."""

    metas: dict[str, list[str]] = field(default_factory=dict)  # lowercased name/property -> contents
    canonical: str | None = None
    base: str | None = None
    title: str | None = None  # text of <title>
    h1: str | None = None  # text of the first <h1>
    json_ld: dict[str, Any] = field(default_factory=dict)  # the first article object, or {}

    def meta(self, name: str) -> str | None:
        """The first non-empty content of a <meta> with this name or property."""
        values = self.metas.get(name)
        return values[0] if values else None


def read(data: bytes, source: str) -> list[RawArticle]:
    """Read one saved web page."""
    text = _common.decode_markup(data, source)
    if not text.strip():
        raise SourceError(source, "empty file")
    # XHTML may declare entities in its DOCTYPE; they are never expanded, but such a file is an attack.
    _common.refuse_entities(text, source)
    tree = _parse(text, source)
    page = page_meta(tree)
    _absolute_links(tree, page)
    document = _extract(tree, source, cjk=_is_cjk(text))
    return [_article(page, document, source, text)]


def _absolute_links(tree: Element, page: PageMeta) -> None:
    """Resolve the page's relative links against its own address (trafilatura would use its site's root:
    'other.html' on /2024/story would point to /other.html)."""
    address = _url(page, None, [])
    if address is None:
        return
    for link in tree.iter("a"):
        href = link.get("href")
        if href is not None and not _SCHEME.match(href):
            link.set("href", urljoin(address.value, href.strip()))


def _parse(text: str, source: str) -> Element:
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    markup = _common.xml_safe(_XML_DECLARATION.sub("", text, count=1))
    try:
        return lxml.html.document_fromstring(markup, parser=parser)
    except (lxml.etree.LxmlError, ValueError) as exc:
        raise SourceError(source, "no article text found in the page") from exc


def _is_cjk(markup: str) -> bool:
    """True when a page is written in Chinese or Japanese: it holds more CJK characters than a page quoting
    a few names would."""
    found = _CJK_CHARACTER.finditer(markup, 0, _CJK_SAMPLE)
    return next(itertools.islice(found, _CJK_PAGE_CHARACTERS - 1, None), None) is not None


@functools.cache
def _cjk_settings() -> Any:
    """Trafilatura's settings with its least main text counted for CJK (see ``_CJK_MIN_EXTRACTED``)."""
    from trafilatura.settings import use_config

    settings = use_config()
    settings.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(_CJK_MIN_EXTRACTED))
    return settings


def _extract(tree: Element, source: str, *, cjk: bool = False) -> Any:
    """Trafilatura's main-text Document for the page, or None when it finds no main text."""
    import trafilatura
    from trafilatura.settings import DEFAULT_CONFIG

    try:
        return trafilatura.bare_extraction(
            tree,
            config=_cjk_settings() if cjk else DEFAULT_CONFIG,
            with_metadata=True,
            include_comments=False,
            include_formatting=True,
            include_links=True,
            include_images=False,
            include_tables=True,
            output_format="python",
        )
    except Exception as exc:
        # Trafilatura is a heuristic third-party extractor: its failure on odd markup is a property
        # of this one file, and must not stop the build.
        raise SourceError(source, f"text extraction failed ({type(exc).__name__})") from exc


def page_meta(tree: Element) -> PageMeta:
    """The metadata stated in the page's <meta>, <link>, <title>, <h1> and JSON-LD."""
    metas: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = _common.collapse(meta.get("content") or "")
        if name and content:
            metas.setdefault(name, []).append(content)
    title = tree.find(".//title")
    h1 = tree.find(".//h1")
    return PageMeta(
        metas=metas,
        canonical=_link_href(tree, "canonical"),
        base=next((b.get("href") for b in tree.iter("base") if b.get("href")), None),
        title=(_common.collapse(title.text_content()) or None) if title is not None else None,
        h1=(_common.collapse(_common.inline_text(h1)) or None) if h1 is not None else None,
        json_ld=next(_json_ld_articles(tree), {}),
    )


def _link_href(tree: Element, rel: str) -> str | None:
    for link in tree.iter("link"):
        if rel in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            return str(link.get("href")).strip()
    return None


def _json_ld_articles(tree: Element) -> Iterator[dict[str, Any]]:
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(_strip_wrappers(script.text or ""), strict=False)
        except (ValueError, RecursionError):
            continue  # malformed JSON-LD is common and says nothing about the article
        yield from _article_objects(data, depth=0)


def _strip_wrappers(text: str) -> str:
    text = text.strip()
    for opening, closing in (("<![CDATA[", "]]>"), ("<!--", "-->")):
        if text.startswith(opening) and text.endswith(closing):
            text = text[len(opening) : -len(closing)]
    return text


def _article_objects(data: object, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            yield from _article_objects(item, depth + 1)
    elif isinstance(data, dict):
        types = data.get("@type")
        names = types if isinstance(types, list) else [types]
        if any(isinstance(name, str) and name.lower() in _ARTICLE_TYPES for name in names):
            yield data
        yield from _article_objects(data.get("@graph"), depth + 1)


def _ld_text(value: object) -> str | None:
    """A JSON-LD value as text: a string, a {name: ...} object, or the first of a list."""
    if isinstance(value, list):
        return next((text for item in value if (text := _ld_text(item))), None)
    if isinstance(value, dict):
        return _ld_text(value.get("name"))
    if isinstance(value, str):
        return _common.collapse(html_lib.unescape(value)) or None
    return None


def _ld_people(value: object) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = [text for item in items if (text := _ld_text(item))]
    return ", ".join(_common.unique(names)) or None


def _ld_url(ld: dict[str, Any]) -> str | None:
    page = ld.get("mainEntityOfPage")
    if isinstance(page, dict):
        page = page.get("@id") or page.get("url")
    for value in (ld.get("url"), page):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _article(page: PageMeta, document: Any, source: str, markup: str) -> RawArticle:
    warnings: list[str] = []
    sites = _site_names(page, document)
    title = _first(_title_candidates(page, document, sites))
    body = _body(document)
    if body is not None and title is not None:
        _common.drop_leading_heading(body, title.value)
    paragraphs = _common.paragraphs(body) if body is not None else ()
    html = (_common.inner_html(body) or None) if paragraphs else None
    stated = _article_body(page.json_ld)
    if _length(stated) > 2 * _length(paragraphs):
        # The text is only in the JSON-LD (paywalls, script-rendered pages): trafilatura found chrome.
        paragraphs, html = stated, None
    if not paragraphs:
        raise SourceError(source, "no article text found in the page")
    date, when = _date(page, document, warnings)
    author = _first(_author_candidates(page, document, markup))
    publisher = _first(_publisher_candidates(page, document))
    url = _url(page, document, warnings)
    return RawArticle(
        source=source,
        format=FORMAT,
        paragraphs=paragraphs,
        html=html,
        title=title.value if title else None,
        title_from=title.rule if title else None,
        date=when.date if when else None,
        date_from=date.rule if date else None,
        published=when.timestamp if when else None,
        author=author.value if author else None,
        author_from=author.rule if author else None,
        publisher=publisher.value if publisher else None,
        publisher_from=publisher.rule if publisher else None,
        url=url.value if url else None,
        url_from=url.rule if url else None,
        tags=_tags(page),
        topic=page.meta("article:section") or _ld_text(page.json_ld.get("articleSection")),
        summary=_summary(page, document),
        warnings=tuple(warnings),
    )


def _first(candidates: Iterator[Found]) -> Found | None:
    return next((found for found in candidates if found.value), None)


def _found(value: str | None, rule: str) -> Iterator[Found]:
    if value:
        yield Found(_common.collapse(value), rule)


def _site_names(page: PageMeta, document: Any) -> tuple[str, ...]:
    names = (
        page.meta("og:site_name"),
        _ld_text(page.json_ld.get("publisher")),
        page.meta("application-name"),
        getattr(document, "sitename", None),
    )
    return _common.unique(name for name in names if name)


def _title_candidates(page: PageMeta, document: Any, sites: tuple[str, ...]) -> Iterator[Found]:
    raw = (
        (page.meta("og:title"), "html:og:title"),
        (_ld_text(page.json_ld.get("headline")), JSON_LD),
        (page.meta("twitter:title"), "html:twitter:title"),
        (page.title, "html:<title>"),
        (page.h1, "html:<h1>"),
        (getattr(document, "title", None), TRAFILATURA),
    )
    h1 = _common.collapse(page.h1 or "")
    for value, rule in raw:
        if value:
            title = strip_site_name(_common.collapse(value), sites)
            found = Found(h1, "html:<h1>") if _h1_with_more(title, h1) else Found(title, rule)
            if not is_furniture_title(found.value):  # a page's byline marked up as its heading
                yield found


def _h1_with_more(title: str, h1: str) -> bool:
    """The title is the page's headline (or its start) and, past a separator, something else: a site's name
    none of its metadata declares ('Headline | Cityside News', 'Cityside News - Headline')."""
    folded = h1.casefold()
    if not folded or title.casefold() == folded:
        return False
    for separator in _SITE_SEPARATORS:
        if separator not in title:
            continue
        first, head, tail = (
            title.split(separator, 1)[0],
            title.rsplit(separator, 1)[0],
            title.split(separator, 1)[1],
        )
        if any(word_count(part) >= 2 and folded.startswith(part.casefold()) for part in (first, head, tail)):
            return True
    return False


def strip_site_name(title: str, sites: tuple[str, ...]) -> str:
    """The title without a ' | Site Name' suffix (or 'Site Name | ' prefix) naming the site."""
    folded = title.casefold()
    for site in sites:
        for separator in _SITE_SEPARATORS:
            suffix = (separator + site).casefold()
            if folded.endswith(suffix) and len(title) > len(suffix):
                return title[: -len(suffix)].strip()
            prefix = (site + separator).casefold()
            if folded.startswith(prefix) and len(title) > len(prefix):
                return title[len(prefix) :].strip()
    return title


def _date_candidates(page: PageMeta) -> Iterator[Found]:
    yield from _found(page.meta("article:published_time"), "html:article:published_time")
    ld_date = page.json_ld.get("datePublished")
    if isinstance(ld_date, str):
        yield from _found(ld_date, JSON_LD)
    for name in _OTHER_DATE_METAS:
        yield from _found(page.meta(name), f"html:meta:{name}")


def _date(page: PageMeta, document: Any, warnings: list[str]) -> tuple[Found | None, dates.When | None]:
    """The stated publication date; trafilatura's guess only when the page states none at all."""
    found, when, problems = _common.first_date(_date_candidates(page), "page metadata")
    if found is not None:
        return found, when
    if problems:
        # No guess replaces a stated but impossible date: htmldate turns '2024-02-30' into '2024-02-01'.
        warnings.extend(problems)
        return None, None
    guessed = getattr(document, "date", None)
    found, when, _ = _common.first_date(_found(guessed, TRAFILATURA), "page text")
    return found, when


def _author_candidates(page: PageMeta, document: Any, markup: str) -> Iterator[Found]:
    yield from _found(", ".join(_common.unique(page.metas.get("author", []))), "html:meta:author")
    yield from _found(_ld_people(page.json_ld.get("author")), JSON_LD)
    for name in _OTHER_AUTHOR_METAS:
        value = page.meta(name)
        if value and _common.http_url(value) is None:
            yield from _found(re.sub(r"^by\s+", "", value, flags=re.IGNORECASE), f"html:meta:{name}")
    guessed = getattr(document, "author", None)
    if guessed:
        # Trafilatura rewrites the names it guesses, and cuts the vowel signs off Devanagari ones
        # ('संवाददाता' -> 'संवाददात'): a name the page does not show is not taken.
        shown = markup.casefold()
        names = [name for name in _common.unique(guessed.split(";")) if _shows(shown, name.casefold())]
        yield from _found(", ".join(names), TRAFILATURA)


def _shows(text: str, name: str) -> bool:
    """True when ``name`` stands in ``text`` as whole words: not the start of a longer word ('संवाददात')."""
    at = text.find(name)
    while at >= 0:
        after = text[at + len(name) : at + len(name) + 1]
        if not after or not (after.isalnum() or unicodedata.category(after).startswith("M")):
            return True
        at = text.find(name, at + 1)
    return False


def _publisher_candidates(page: PageMeta, document: Any) -> Iterator[Found]:
    yield from _found(page.meta("og:site_name"), "html:og:site_name")
    yield from _found(_ld_text(page.json_ld.get("publisher")), JSON_LD)
    yield from _found(getattr(document, "sitename", None), TRAFILATURA)


def _url(page: PageMeta, document: Any, warnings: list[str]) -> Found | None:
    """The first http(s) URL the page gives for itself, relative ones resolved against its base."""
    stated = [
        Found(value, rule)
        for value, rule in (
            (page.canonical, "html:canonical"),
            (page.meta("og:url"), "html:og:url"),
            (_ld_url(page.json_ld), JSON_LD),
        )
        if value
    ]
    base = next(
        (url for c in [Found(page.base or "", ""), *stated] if (url := _common.http_url(c.value))), None
    )
    for candidate in stated:
        url = _common.http_url(urljoin(base, candidate.value) if base else candidate.value)
        if url is not None:
            return Found(url, candidate.rule)
    if stated:
        warnings.append(f"non-http url {stated[0].value[:80]!r} in page metadata; url ignored")
    url = _common.http_url(getattr(document, "url", None))
    return Found(url, TRAFILATURA) if url else None


def _tags(page: PageMeta) -> tuple[str, ...]:
    values = list(page.metas.get("article:tag", []))
    for name in ("keywords", "news_keywords"):
        for content in page.metas.get(name, []):
            values.extend(content.split(","))
    keywords = page.json_ld.get("keywords")
    if isinstance(keywords, str):
        values.extend(keywords.split(","))
    elif isinstance(keywords, list):
        values.extend(item for item in keywords if isinstance(item, str))
    return _common.unique(values)


def _summary(page: PageMeta, document: Any) -> str | None:
    values = (
        page.meta("description"),
        page.meta("og:description"),
        _ld_text(page.json_ld.get("description")),
        page.meta("twitter:description"),
        getattr(document, "description", None),
    )
    return next((_common.collapse(value) for value in values if value and value.strip()), None)


def _body(document: Any) -> Element | None:
    """Trafilatura's main-text tree turned into plain HTML, in a <div>."""
    body = getattr(document, "body", None)
    if body is None:
        return None
    for element in body.iter():
        _to_html(element)
    body.tag = "div"
    body.attrib.clear()
    return body


def _to_html(element: Element) -> None:
    tag = _common.tag_of(element)
    rend = element.get("rend") or ""
    if tag == "head":
        element.tag = rend if rend in _HEADING_LEVELS else "h3"
    elif tag == "list":
        element.tag = "ol" if rend == "ol" else "ul"
    elif tag == "hi":
        element.tag = _HIGHLIGHTS.get(rend, "i")
    elif tag == "cell":
        element.tag = "th" if element.get("role") == "head" else "td"
    elif tag == "ref":
        element.set("href", element.get("target") or "")
    if tag in _TAGS:
        element.tag = _TAGS[tag]
    kept = _KEPT_ATTRIBUTES.get(_common.tag_of(element), ())
    for name in list(element.attrib):
        if name not in kept:
            del element.attrib[name]


def _length(paragraphs: tuple[str, ...]) -> int:
    return sum(len(text) for text in paragraphs)


def _article_body(ld: dict[str, Any]) -> tuple[str, ...]:
    """Paragraphs of JSON-LD articleBody, for pages whose text trafilatura cannot find."""
    body = ld.get("articleBody")
    if not isinstance(body, str):
        return ()
    return tuple(text for part in body.split("\n") if (text := _common.collapse(html_lib.unescape(part))))
