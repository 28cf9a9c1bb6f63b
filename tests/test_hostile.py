"""Hostile input: nothing crashes, nothing is lost, nothing is injected, nothing is written outside the output.

Two halves: property-based tests throwing random bytes, text, front matter, pages and feeds at every
reader (and at whole builds), where the only way out is the documented warning path; and one folder of
hostile files of every kind next to good articles, built by the command line as a user would.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import html5lib
import lxml.etree
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest import cli
from digest.commands.build import build
from digest.config import Config
from digest.errors import BuildError, SourceError
from digest.models import Article, RawArticle
from digest.read.normalize import article_id, normalize
from digest.read.readers import SUFFIXES, reader_for
from digest.render.renderer import CONTENT_SECURITY_POLICY
from digest.render.search import GLOBAL
from digest.write import lock

# ---------------------------------------------------------------------------------------------------
# What "nothing injected" means, checked on records and on every file of a built site.

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
BODY_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em", "figcaption",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Elements no page of the site has and no input may add.
FORBIDDEN = {
    "iframe",
    "object",
    "embed",
    "style",
    "base",
    "frame",
    "frameset",
    "applet",
    "svg",
    "math",
    "img",
}
OUR_SCRIPTS = {"search-index.js", "static/search.js"}
LINK_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "poster", "data")
PLAIN_COPIES = (".txt", ".md", ".markdown")  # what originals/ may hold: formats no browser renders


def assert_safe_text(value: str, where: str) -> None:
    assert not ILLEGAL.search(value), f"{where}: control character or lone surrogate in {value[:80]!r}"


def assert_safe_article(article: Article) -> None:
    """Every field of a normalized article is printable text; links are http(s); the body is allow-listed."""
    texts = {
        "title": article.title,
        "author": article.author or "",
        "publisher": article.publisher or "",
        "summary": article.given_summary or "",
        "topic": article.topic_hint or "",
        "url": article.url or "",
        **{f"paragraph {n}": p for n, p in enumerate(article.paragraphs)},
        **{f"sentence {n}": s for n, s in enumerate(article.sentences)},
        **{f"tag {n}": t for n, t in enumerate(article.tags)},
        **{f"removed {n}": r for n, r in enumerate(article.removed)},
        "html": article.html or "",
    }
    for where, value in texts.items():
        assert_safe_text(value, where)
        value.encode("utf-8")
    assert SLUG.fullmatch(article.slug) and len(article.slug) <= 80, article.slug
    if article.url is not None:
        assert re.match(r"https?://[^\s/]", article.url, re.IGNORECASE), article.url
    if article.html is not None:
        assert_sanitized_body(article.html)


def assert_sanitized_body(html: str) -> None:
    tree = html5lib.parse(f"<body>{html}</body>", treebuilder="lxml", namespaceHTMLElements=False)
    for element in tree.find("body").iterdescendants():
        if not isinstance(element.tag, str):
            continue  # comments
        assert element.tag in BODY_TAGS, f"tag <{element.tag}> in a sanitized body"
        for name, value in element.attrib.items():
            assert name in ("href", "title", "colspan", "rel"), f"attribute {name} in a sanitized body"
            if name == "href":
                assert value.lower().startswith(("http://", "https://", "mailto:")), value


def read_or_warn(suffix: str, data: bytes, source: str = "in/put") -> list[Article]:
    """Read and normalize one file; SourceError (the warning path) is the only way out."""
    reader = reader_for(suffix)
    assert reader is not None
    try:
        raws = reader(data, source + suffix)
    except SourceError as error:
        assert error.reason and "\n" not in error.reason
        return []
    assert isinstance(raws, list) and all(isinstance(r, RawArticle) for r in raws)
    articles = []
    for raw in raws:
        for warning in raw.warnings:
            assert "\n" not in warning
            warning.encode("utf-8")
        try:
            articles.append(normalize(raw))
        except SourceError as error:
            assert error.reason
            continue
        assert_safe_article(articles[-1])
    return articles


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def assert_no_injection(site: Path) -> None:
    """Every file of a built site: pages carry only the site's own scripts and links, feeds and indexes parse."""
    files = site_files(site)
    assert files, "the site is empty"
    for name, data in files.items():
        if name.startswith("originals/"):
            assert name.endswith(PLAIN_COPIES), f"{name}: a copy a browser would render"
            continue  # the source files as they are, served as text
        if name.startswith("static/"):
            continue  # the theme's own files, not made from input
        text = data.decode("utf-8")  # every file made from input is valid UTF-8
        if name.endswith(".html"):
            assert_safe_page(name, text)
        elif name.endswith(".xml"):
            assert_safe_xml(name, data)
        elif name.endswith(".json"):
            json.loads(text)
        elif name.endswith(".js"):
            assert_safe_index(name, text)
        else:
            assert name == "robots.txt", f"unexpected file {name}"


def assert_safe_page(name: str, text: str) -> None:
    tree = html5lib.parse(text, treebuilder="lxml", namespaceHTMLElements=False)
    csp = tree.xpath("//meta[@http-equiv]")
    assert [m.get("content") for m in csp] == [CONTENT_SECURITY_POLICY], f"{name}: CSP missing or changed"
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in FORBIDDEN, f"{name}: <{element.tag}>"
        if element.tag == "script":
            src = element.get("src")
            if src is not None:
                assert src.lstrip("./") in OUR_SCRIPTS, f"{name}: script {src}"
            else:
                assert element.get("type") == "application/ld+json", f"{name}: inline script"
                json.loads(element.text or "")
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), f"{name}: {attribute} on <{element.tag}>"
            assert attribute.lower() != "style", f"{name}: style attribute"
            if attribute.lower() in LINK_ATTRIBUTES:
                assert_safe_link(name, value)


def assert_safe_link(name: str, value: str) -> None:
    scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value)
    if scheme is not None:
        assert scheme[1].lower() in ("http", "https", "mailto"), f"{name}: link {value[:80]!r}"
    assert not value.strip().startswith("//"), f"{name}: protocol-relative link {value[:80]!r}"


def assert_safe_xml(name: str, data: bytes) -> None:
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = lxml.etree.fromstring(data, parser)  # well-formed, or this raises
    assert root.getroottree().docinfo.doctype == "", f"{name}: DOCTYPE"
    for element in root.iter():
        if not isinstance(element.tag, str):
            assert not isinstance(element, lxml.etree._ProcessingInstruction), (
                f"{name}: processing instruction"
            )
            continue
        namespace = lxml.etree.QName(element).namespace
        assert namespace in ("http://www.w3.org/2005/Atom", "http://www.sitemaps.org/schemas/sitemap/0.9"), (
            f"{name}: element {element.tag}"
        )


def assert_safe_index(name: str, text: str) -> None:
    match = re.fullmatch(rf"window\.{GLOBAL}=(.*);\n", text, re.DOTALL)
    assert match is not None, f"{name}: not one assignment"
    json.loads(match[1])
    for char in ("<", "\u2028", "\u2029"):
        assert char not in text, f"{name}: raw {char!r} could end or break the script"


# ---------------------------------------------------------------------------------------------------
# Property-based: random input at every reader, then through normalize.

READER_SUFFIXES = sorted(
    {suffix for suffix, module in SUFFIXES.items() if suffix in (".txt", ".md", ".html", ".xml")}
)
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=60)
NASTY = st.sampled_from(
    [
        "</script><script>alert(1)</script>", "]]>", "\u2028", "\u2029", "\x00", "\x01", "\x1b[31m", "\ufeff",
        "\ud800", "\udfff", "\uffff", "javascript:alert(1)", "<img src=x onerror=alert(1)>", "&lol;", "&#0;",
        "&#x1;", "&#xd800;", "<!--", "-->", "<![CDATA[", "<!ENTITY x 'y'>", "\u202e", "../../etc/passwd", "\r",
    ]
)  # fmt: skip
NASTY_TEXT = st.lists(st.one_of(NASTY, ANY_TEXT), max_size=6).map("".join)


@pytest.mark.parametrize("suffix", READER_SUFFIXES)
@settings(max_examples=80, deadline=None)
@given(data=st.binary(max_size=800))
def test_random_bytes_only_warn(suffix: str, data: bytes) -> None:
    read_or_warn(suffix, data)


ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "cp1252", "latin-1", "utf-32"])


@pytest.mark.parametrize("suffix", READER_SUFFIXES)
@settings(max_examples=80, deadline=None)
@given(text=NASTY_TEXT, encoding=ENCODINGS)
def test_random_unicode_only_warns(suffix: str, text: str, encoding: str) -> None:
    read_or_warn(
        suffix, text.encode(encoding, "surrogatepass" if encoding.startswith("utf-8") else "replace")
    )


FRONT_KEYS = st.sampled_from(
    ["title", "date", "author", "publisher", "source", "url", "link", "canonical", "tags", "topic", "summary"]
)
FRONT_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), NASTY_TEXT, st.dates()),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "x"]), inner, max_size=2)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    meta=st.dictionaries(FRONT_KEYS | ANY_TEXT, FRONT_VALUES, max_size=8),
    body=NASTY_TEXT,
    raw_block=st.one_of(st.none(), NASTY_TEXT),
)
def test_random_front_matter_only_warns(meta: dict[str, Any], body: str, raw_block: str | None) -> None:
    # safe_dump writes control characters and lone surrogates as "\x01" and "\ud800" escapes
    block = yaml.safe_dump(meta, allow_unicode=True) if raw_block is None else raw_block + "\n"
    read_or_warn(".md", f"---\n{block}---\n{body}".encode("utf-8", "surrogatepass"))


def json_ld_string(text: str) -> str:
    """Text as a JSON string with every non-ASCII character escaped, lone surrogates included."""
    return json.dumps(text, ensure_ascii=True)


@settings(max_examples=150, deadline=None)
@given(
    title=NASTY_TEXT,
    author=NASTY_TEXT,
    body=st.lists(NASTY_TEXT, min_size=1, max_size=4),
    canonical=st.one_of(
        NASTY_TEXT, st.sampled_from(["javascript:alert(1)", "data:text/html,x", " https://ok.example/a"])
    ),
    doctype=st.sampled_from(
        ["", "<!DOCTYPE html>", '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "b">]>']
    ),
)
def test_random_pages_only_warn(
    title: str, author: str, body: list[str], canonical: str, doctype: str
) -> None:
    ld = (
        f'{{"@type":"NewsArticle","headline":{json_ld_string(title)},"author":{{"name":{json_ld_string(author)}}},'
        f'"articleBody":{json_ld_string(" ".join(body) * 3)}}}'
    )
    page = (
        f"{doctype}<html><head><title>{escape(title)}</title>"
        f'<link rel="canonical" href="{escape(canonical, {chr(34): "&quot;"})}">'
        f'<script type="application/ld+json">{ld}</script></head><body><article>'
        + "".join(f"<p>{part}</p>" for part in body)
        + "</article></body></html>"
    )
    read_or_warn(".html", page.encode("utf-8", "surrogatepass"))


FEED_TEXT = st.one_of(
    NASTY_TEXT.map(lambda t: escape(t)), NASTY_TEXT, NASTY.map(lambda t: f"<![CDATA[{t}]]>")
)
ENTRY = st.builds(
    lambda title, link, body, extra: (
        f"<item><title>{title}</title><link>{link}</link><description>{body}</description>{extra}</item>"
    ),
    FEED_TEXT,
    st.one_of(
        FEED_TEXT, st.sampled_from(["https://x.example/a", "javascript:alert(1)", "data:,x", "\x01http://a"])
    ),
    FEED_TEXT,
    st.sampled_from(
        ["", "<category>&lt;script&gt;</category>", "<guid>]]&gt;</guid>", "<x:y xmlns:x='u'>z</x:y>"]
    ),
)
PROLOGS = st.sampled_from(
    [
        "",
        '<?xml version="1.0" encoding="utf-8"?>',
        '<?xml version="1.0" encoding="iso-8859-1"?>',
        '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<?pi <!-- ?><!DOCTYPE rss [<!ENTITY a "AAAA">]><?pi --> ?>',
        '<!DOCTYPE rss SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE rss [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
    ]
)


@settings(max_examples=200, deadline=None)
@given(prolog=PROLOGS, entries=st.lists(ENTRY, max_size=4), channel=FEED_TEXT)
def test_random_feed_xml_only_warns(prolog: str, entries: list[str], channel: str) -> None:
    feed = f"{prolog}<rss version='2.0'><channel><title>{channel}</title>{''.join(entries)}</channel></rss>"
    articles = read_or_warn(".xml", feed.encode("utf-8", "surrogatepass"))
    if "ENTITY" in prolog:
        assert articles == [], "a feed declaring entities is refused"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=NASTY_TEXT,
    summary=NASTY_TEXT,
    body=NASTY_TEXT,
    feed_title=NASTY_TEXT,
    url=st.one_of(NASTY_TEXT, st.just("javascript:alert(1)")),
)
def test_random_input_never_reaches_a_site_file_unescaped(
    title: str, summary: str, body: str, feed_title: str, url: str
) -> None:
    """Whole builds of random articles: every page, feed and index stays well-formed and script-free."""
    markdown = yaml.safe_dump(
        {"title": title, "summary": summary, "url": url, "author": title}, allow_unicode=True
    )
    feed = (
        f"<rss version='2.0'><channel><title>{escape(feed_title)}</title><item><title>{escape(title)}</title>"
        f"<link>{escape(url)}</link><description>{escape(body)} words enough</description></item></channel></rss>"
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = root / "src"
        source.mkdir()
        (source / "a.md").write_bytes(
            f"---\n{markdown}---\n{body} and more words.\n".encode("utf-8", "surrogatepass")
        )
        (source / "b.xml").write_bytes(feed.encode("utf-8", "surrogatepass"))
        (source / "c.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday after the storm.\n")
        build(Config(source=source, output=root / "site", base_url="https://news.example"), environ={})
        assert_no_injection(root / "site")


def test_a_yaml_alias_bomb_is_refused_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(SourceError, match="YAML aliases"):
        read_one(".md", f"---\n{YAML_BOMB}url: *i\ntitle: Bomb\n---\nBody.\n")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "body", ["[" * 50_000, "[a](" * 20_000, "<a " * 30_000, "\\[" * 50_000, "**a** " * 30_000, "![" * 30_000]
)
def test_markdown_that_would_take_minutes_is_read_as_text_in_seconds(body: str) -> None:
    started = time.perf_counter()
    [raw] = read_one(".md", f"# Slow\n\nA first paragraph.\n\n{body}\n")
    assert time.perf_counter() - started < 10
    assert raw.title == "Slow" and raw.paragraphs[0] == "A first paragraph."
    assert raw.warnings == ("too much inline markup for Markdown to read in time; shown as plain text",)


def test_ordinary_markdown_with_many_links_is_still_markdown() -> None:
    paragraphs = "\n\n".join(
        f"Paragraph {n} cites [a report](https://example.org/{n}) and *stresses* a `term`."
        for n in range(2000)
    )
    [raw] = read_one(".md", f"# Links\n\n{paragraphs}\n")
    assert raw.warnings == ()
    assert raw.html is not None and raw.html.count('href="https://example.org/') == 2000


def read_one(suffix: str, text: str) -> list[RawArticle]:
    reader = reader_for(suffix)
    assert reader is not None
    return reader(text.encode("utf-8"), "in/put" + suffix)


# ---------------------------------------------------------------------------------------------------
# A folder of hostile files next to good articles, built by the command line.

SECRET = "SECRET-OUTSIDE-7f3a"
LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)).replace(
    "&lol0;", "&lol;"
)
BILLION_LAUGHS = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">{LAUGHS}]>'
YAML_BOMB = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]\n"
    for before, name in zip("abcdefgh", "bcdefghi", strict=True)
)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def named(value: str, body: str) -> str:
    """A Markdown article whose title and page name (front matter ``slug``) are the YAML ``value``."""
    return f"---\ntitle: {value}\nslug: {value}\n---\n{body}\n"


# A name sorting after twin1 by id, so a slug pass that reserves as it goes would meet twin1 first.
TRICK = next(
    name for n in range(100) if article_id(name := f"slugs/trick{n}.md") > article_id("slugs/twin1.md")
)
GOOD: dict[str, str | bytes] = {
    "plain.txt": "Harbour reopens after storm\n\nThe harbour reopened on Monday after the storm, officials said.\n",
    "xss.md": (
        "---\n"
        'title: "</script><script>alert(1)</script> Council ]]> vote \\u2028 passes \\x01"\n'
        "summary: '<img src=x onerror=alert(1)>'\n"
        'author: "<b onclick=alert(1)>Eve</b>"\n'
        "url: javascript:alert(1)\n"
        "tags: ['<script>', ']]>']\n"
        "---\n"
        "The council voted on Tuesday. <script>alert(1)</script><style>body{display:none}</style>\n\n"
        '<iframe src="https://evil.example"></iframe><object data="x.swf"></object> <svg onload=alert(1)></svg>\n\n'
        '<p onclick="alert(1)" style="color:red">Inline <a href="javascript:alert(1)">click</a>, '
        '<a href="data:text/html,<script>alert(1)</script>">data</a>, <a href="https://ok.example/">ok</a>.</p>\n\n'
        "[md link](javascript:alert(1)) and [vb](vbscript:msgbox) and </script> and ]]> and \u2028 in text.\n"
    ),
    "xss.html": (
        "<!DOCTYPE html><html><head><title>Ministers agree budget deal</title>"
        '<link rel="canonical" href="javascript:alert(1)">'
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Ministers agree budget deal",'
        '"author":{"name":"Ann \\u0001 </script><script>alert(1)</script> \\ud800"},'
        '"description":"Deal \\u2028 reached ]]>"}</script>'
        f"<script>alert(1)</script></head><body onload=alert(1)><article><h1>Ministers agree budget deal</h1>"
        f"<p>Ministers agreed the budget deal late on Wednesday night after long talks. {XSS}</p>"
        '<p>The finance minister said the deal <a href="javascript:alert(1)">protects</a> spending '
        '<a href="https://ok.example/">on schools</a> and <span style="x" onmouseover=alert(1)>hospitals</span>.</p>'
        "<p>Opposition parties said they would study the details before the vote next week.</p>"
        "</article></body></html>"
    ),
    "wire.xml": (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire &lt;script&gt;</title>'
        "<item><title>Rail strike ends &lt;script&gt;alert(1)&lt;/script&gt;</title>"
        "<link>javascript:alert(1)</link>"
        "<description><![CDATA[<p>The rail strike ended on Thursday ]]]]><![CDATA[> after talks."
        "<script>alert(1)</script><iframe src=x></iframe></p>]]></description></item>"
        "<item><title>Flood warning lifted</title><link>https://wire.example/flood</link>"
        "<description>&lt;p onclick=alert(1)&gt;The flood warning was lifted on Friday.&lt;/p&gt;</description>"
        "</item></channel></rss>"
    ),
    "control.txt": (
        "Market \x01rally\x0b continues\n\n"
        + "Shares rose again on Monday as investors cheered the results of the quarter. " * 6
        + "\x02\x7f\n"
    ),
    "names/odd\nname.txt": "Odd name one\n\nAn article whose file name holds a newline.\n",
    "names/<b>bold</b>&amp.md": "# Odd name two\n\nAn article whose file name holds markup.\n",
    "names/ünïcødé ☃.txt": "Odd name three\n\nAn article whose file name is not ASCII.\n",
    "names/" + "long" * 60 + " name.txt": "Long name\n\nAn article whose file name is 250 characters long.\n",
    "names/a b.txt": "Copy clash one\n\nThe first of two files whose copies would share a name.\n",
    "names/a_b.txt": "Copy clash two\n\nThe second of two files whose copies would share a name.\n",
    "brackets.md": "# Bracket storm\n\n" + "[" * 50_000 + "\n",
    # Page names asked for in front matter: paths, nothing but punctuation, too long, not Latin, clashing.
    "slugs/dots.md": named("../../../etc/passwd", "A title made of a path."),
    "slugs/only-dots.md": named("'....'", "A title made of dots."),
    "slugs/slashes.md": named("'/ / \\\\ /'", "A title made of slashes."),
    "slugs/long.md": named("Very long headline " * 40, "A very long title."),
    "slugs/cjk.md": named("北京新闻发布会", "一篇中文文章。"),
    "slugs/twin1.md": named("Same headline", "The first twin has its own words."),
    "slugs/twin2.md": named("Same headline", "The second twin says something else."),
    # The suffix twin1 would get on the clash, asked for by another: it must not be handed out twice.
    TRICK: named(f"Same headline {article_id('slugs/twin1.md')[:6]}", "A trick title."),
}
GOOD_TITLES = [
    "Harbour reopens after storm",
    "Ministers agree budget deal",
    "Rail strike ends <script>alert(1)</script>",
    "Flood warning lifted",
    "Odd name one",
    "Odd name two",
    "Odd name three",
    "Copy clash one",
    "Copy clash two",
    "Long name",
    "Bracket storm",
    "../../../etc/passwd",
    "....",
    "北京新闻发布会",
    "Same headline",
    "Same headline",
]

BAD_FILES: dict[str, str | bytes] = {
    "feeds/laughs.xml": BILLION_LAUGHS
    + "<rss version='2.0'><channel><item><title>&lol9;</title></item></channel></rss>",
    "feeds/xxe.rss": (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<rss version='2.0'><channel><item><title>&xxe;</title><description>x</description></item></channel></rss>"
    ),
    "feeds/hidden.atom": (
        '<?pi <!-- ?><!DOCTYPE feed [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<?pi --> ?><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&b;</title></entry></feed>'
    ),
    "pages/laughs.html": BILLION_LAUGHS.replace("lolz", "html") + "<html><body><p>&lol9;</p></body></html>",
    "big.txt": "Big file\n\n" + "word " * (1024 * 1024 // 5 + 10),
    "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "nul.md": b"# Title\n\nText\x00with\x00nul\x00bytes\x00" * 20,
    "empty.md": "",
    "broken.md": "---\ntitle: [unclosed\n---\nBody\n",
    "notfeed.xml": "<html><body>not a feed</body></html>",
    "bomb.md": "---\n" + YAML_BOMB + "date: *i\n---\nBody.\n",
}
BAD_REASONS = {
    "feeds/laughs.xml": "declares entities",
    "feeds/xxe.rss": "declares entities",
    "feeds/hidden.atom": "declares entities",
    "pages/laughs.html": "declares entities",
    "big.txt": "over the 1 MB limit",
    "image.txt": "binary file",
    "nul.md": "binary file",
    "empty.md": "empty file",
    "broken.md": "malformed front matter",
    "notfeed.xml": "not an RSS or Atom feed",
    "bomb.md": "YAML aliases",
    "outside.txt": "symbolic link to a file outside the source folder",
    "outside-dir": "symbolic link to a folder outside the source folder",
    "ancestor": "symbolic link to a folder outside the source folder",
    "self.txt": "symbolic link loop",
    "chain-a.md": "symbolic link loop",
    "chain-b.md": "symbolic link loop",
    "pipe.txt": "not a regular file",
    "bad\\xffname.txt": "file name is not valid UTF-8",
    "ctl\\x01name.txt": "file name holds a control character",
    "deep/" + "/".join(["d"] * 64): "nested more than 64 levels",
}
# Warnings that good files earn on the way (degraded, not skipped).
DEGRADED = {
    "xss.md": "non-http url",
    "xss.html": "non-http url",
    "wire.xml#1": "non-http url",
    "brackets.md": "shown as plain text",
}


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def hostile_folder(tmp: Path) -> tuple[Path, Path]:
    """The source folder (good and bad files) and a folder outside it that links point into."""
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"Secret\n\n{SECRET} must never be read.\n")
    (outside / "folder").mkdir()
    (outside / "folder" / "inner.txt").write_text(f"Inner\n\n{SECRET} inside a linked folder.\n")
    source = tmp / "src"
    write_tree(source, {**GOOD, **BAD_FILES})
    os.symlink(outside / "secret.txt", source / "outside.txt")
    os.symlink(outside / "folder", source / "outside-dir")
    os.symlink("..", source / "ancestor")
    os.symlink(".", source / "loop")  # a loop inside the source: not walked, nothing to say
    os.symlink("self.txt", source / "self.txt")
    os.symlink("chain-b.md", source / "chain-a.md")
    os.symlink("chain-a.md", source / "chain-b.md")
    os.symlink("plain.txt", source / "alias.txt")  # inside: read like any file
    os.mkfifo(source / "pipe.txt")
    (source / os.fsdecode(b"bad\xffname.txt")).write_text("Bad name\n\nA file name that is not UTF-8.\n")
    (source / "ctl\x01name.txt").write_text("Control name\n\nA file name that holds a control character.\n")
    deep = source.joinpath("deep", *["d"] * 65)
    deep.mkdir(parents=True)
    (deep / "far.txt").write_text("Far away\n\nAn article nested too deep to be read.\n")
    (tmp / "digest.toml").write_text(
        '[site]\nbase_url = "https://news.example/digest"\n[build]\nsource = "src"\noutput = "site"\nmax_file_mb = 1\n'
    )
    return source, outside


def snapshot_outside(tmp: Path) -> dict[str, tuple[int, bytes | str]]:
    """Everything under ``tmp`` but the site itself, its lock and spare: mode and content (or link target)."""
    seen: dict[str, tuple[int, bytes | str]] = {}
    for folder, dirs, names in os.walk(tmp):
        here = Path(folder)
        dirs[:] = [d for d in dirs if here / d != tmp / "site"]
        for name in names + dirs:
            path = here / name
            relative = path.relative_to(tmp).as_posix()
            if relative == ".site.lock" or relative.split("/")[0] in (".digest-cache", ".site.spare"):
                continue  # the build's lock, its incremental cache (build.cache) and the spare site
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                seen[relative] = (info.st_mode, os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                seen[relative] = (info.st_mode, path.read_bytes())
            else:
                seen[relative] = (info.st_mode, b"")
    return seen


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(args: list[str], cwd: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    return hostile_folder(tmp_path)


def test_hostile_folder_builds_keeps_good_articles_and_names_every_bad_file(
    tmp_path: Path, hostile: tuple[Path, Path]
) -> None:
    before = snapshot_outside(tmp_path)
    code, out, err = run_cli(["build"], tmp_path)
    assert code == 0, err
    assert out.startswith("built ")

    site = tmp_path / "site"
    digest = json.loads((site / "digest.json").read_text(encoding="utf-8"))
    titles = sorted(a["title"] for a in digest["articles"])
    for title in GOOD_TITLES:
        assert title in titles, f"good article {title!r} lost; kept: {titles}"
    assert "Council ]]> vote passes" in " ".join(titles)
    assert "Market rally continues" in titles

    warnings = [line for line in err.splitlines() if line]
    assert all(line.startswith("warning: ") for line in warnings), err
    for name, reason in {**BAD_REASONS, **DEGRADED}.items():
        shown = f"warning: {tmp_path / 'src' / name}: "
        assert any(line.startswith(shown) and reason in line for line in warnings), (
            f"{name}: no '{reason}' in\n{err}"
        )
    assert len(warnings) == len(BAD_REASONS) + len(DEGRADED), "a good file was warned about"
    # Bad files are skipped whole: nothing of theirs is in the site.
    for source in BAD_REASONS:
        assert not any(a["source"].startswith(source) for a in digest["articles"]), source

    assert snapshot_outside(tmp_path) == before, "something outside the output folder changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".digest-cache",
        ".site.lock",
        ".site.spare",
        "digest.toml",
        "outside",
        "site",
        "src",
    ]
    files = site_files(site)
    for name, data in files.items():
        assert SECRET.encode() not in data, f"{name} holds a file read through a link leading outside"
    assert_no_injection(site)

    pages = [name for name in files if name.startswith("articles/")]
    assert len(pages) == len(digest["articles"]) == len(set(pages))
    assert all(SLUG.fullmatch(name[len("articles/") : -len(".html")]) for name in pages)
    copies = [name for name in files if name.startswith("originals/")]
    assert len(copies) == len({a["source"].split("#")[0] for a in digest["articles"] if not a["url"]})


def test_hostile_folder_with_strict_fails_and_keeps_the_previous_site(
    tmp_path: Path, hostile: tuple[Path, Path]
) -> None:
    assert run_cli(["build"], tmp_path)[0] == 0
    previous = site_files(tmp_path / "site")
    (tmp_path / "src" / "new.txt").write_text("A new article\n\nSomething new happened on Sunday.\n")
    code, _, err = run_cli(["build", "--strict"], tmp_path)
    assert code == 1
    assert err.splitlines()[-1].startswith("error: ") and "--strict" in err.splitlines()[-1]
    assert site_files(tmp_path / "site") == previous


def test_file_size_limit_comes_from_the_config(tmp_path: Path) -> None:
    source = tmp_path / "src"
    big = "Big file\n\n" + "word " * (300 * 1024)  # 1.5 MB
    write_tree(source, {"big.txt": big, "small.txt": "Small file\n\nA short one here.\n"})
    issues: list[str] = []

    def run(megabytes: int) -> int:
        config = Config(source=source, output=tmp_path / "site", max_file_mb=megabytes)
        return build(config, on_issue=lambda i: issues.append(f"{i.source}: {i.reason}"), environ={}).articles

    assert run(2) == 2 and issues == []
    assert run(1) == 1
    assert issues == ["big.txt: file is 1.5 MB, over the 1 MB limit (build.max_file_mb); skipped"]


# ---------------------------------------------------------------------------------------------------
# Two builds into one output: the second waits for the lock, or fails clearly.


def test_a_second_build_fails_clearly_while_the_output_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path / "src", {"a.txt": "Harbour reopens\n\nThe harbour reopened on Monday.\n"})
    assert run_cli(["build", "src", "-o", "site"], tmp_path)[0] == 0
    previous = site_files(tmp_path / "site")
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    with lock.output_lock(tmp_path / "site"):
        code, out, err = run_cli(["build", "src", "-o", "site"], tmp_path)
        assert code == 0 and "up to date" in out  # nothing to do: it only reads, and need not wait
        write_tree(tmp_path / "src", {"a.txt": "Harbour reopens\n\nThe harbour reopened on Tuesday.\n"})
        code, out, err = run_cli(["build", "src", "-o", "site"], tmp_path)
    assert (code, out) == (1, "")
    assert err == "error: another build is writing site; try again when it finishes\n"
    assert site_files(tmp_path / "site") == previous


def test_a_second_build_waits_for_the_first_to_finish(tmp_path: Path) -> None:
    write_tree(tmp_path / "src", {"a.txt": "Harbour reopens\n\nThe harbour reopened on Monday.\n"})
    output = tmp_path / "site"
    with lock.output_lock(output):
        result: list[int] = []
        waiting = threading.Thread(
            target=lambda: result.append(
                build(Config(source=tmp_path / "src", output=output), environ={}).articles
            )
        )
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and not output.exists(), "the second build did not wait"
    waiting.join(30)
    assert result == [1]
    assert (output / "index.html").is_file()


def test_lock_wait_gives_up_with_a_build_error(tmp_path: Path) -> None:
    held = lock.output_lock(tmp_path / "site", wait=0.1)
    with lock.output_lock(tmp_path / "site"), pytest.raises(BuildError, match="another build is writing"):
        held.__enter__()
    with lock.output_lock(tmp_path / "site", wait=0):
        pass  # released: free again


def test_a_planted_lock_link_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.symlink(victim, tmp_path / ".site.lock")
    with pytest.raises(BuildError, match="cannot create the build lock"), lock.output_lock(tmp_path / "site"):
        pass
    assert victim.read_text() == "keep me"
