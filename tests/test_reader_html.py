"""The saved-page reader: explicit metadata over trafilatura's guesses, main text, refusals."""

from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import SourceError
from digest.models import RawArticle
from digest.read.readers import _common, reader_for
from digest.read.readers import html as html_reader

SOURCE = "pages/storm.html"

PARAGRAPHS = (
    "A powerful storm struck the northern coast on Tuesday, knocking out power to thousands of homes.",
    "Emergency crews worked through the night to clear fallen trees from the main roads into town.",
    "Schools will stay closed until the electricity network is fully restored, officials said.",
)
ARTICLE = (
    "<article><h1>Storm hits the coast</h1>"
    + "".join(f"<p>{text}</p>" for text in PARAGRAPHS)
    + "<h2>Damage</h2><ul><li>Seafront promenade flooded by the high tide overnight.</li></ul>"
    + "</article>"
)
CHROME = (
    '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>',
    "<footer><p>Copyright 2024 Daily Planet. All rights reserved. Terms. Privacy.</p></footer>",
)


def page(head: str = "", body: str = ARTICLE, charset: str = "utf-8") -> str:
    """A saved page with the given <head> extras around an article body."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}">{head}</head>'
        f"<body>{CHROME[0]}{body}{CHROME[1]}</body></html>"
    )


def read_one(markup: str | bytes) -> RawArticle:
    """Read a page that must give exactly one record."""
    data = markup.encode("utf-8") if isinstance(markup, str) else markup
    records = html_reader.read(data, SOURCE)
    assert len(records) == 1
    return records[0]


def refusal(data: bytes) -> str:
    """The reason the reader gives for refusing the bytes."""
    with pytest.raises(SourceError) as caught:
        html_reader.read(data, SOURCE)
    assert caught.value.source == SOURCE
    return caught.value.reason


def json_ld(data: object) -> str:
    """A JSON-LD script element."""
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


META_HEAD = """
<title>Storm hits the coast | Daily Planet</title>
<meta property="og:title" content="Storm  hits the coast">
<meta property="og:site_name" content="Daily Planet">
<meta property="og:url" content="https://planet.example/og-url">
<meta property="article:published_time" content="2024-03-05T08:30:00Z">
<meta property="article:section" content="Weather">
<meta property="article:tag" content="storms">
<meta name="keywords" content="weather, Storms, coast">
<meta name="author" content="Lois Lane">
<meta name="description" content="A storm   knocked out power.">
<link rel="canonical" href="https://planet.example/news/storm">
"""


def test_explicit_head_metadata_fills_the_record() -> None:
    article = read_one(page(META_HEAD))
    assert article.format == "html"
    assert (article.title, article.title_from) == ("Storm hits the coast", "html:og:title")
    assert (article.date, article.date_from) == ("2024-03-05", "html:article:published_time")
    assert article.published == "2024-03-05T08:30:00+00:00"
    assert (article.author, article.author_from) == ("Lois Lane", "html:meta:author")
    assert (article.publisher, article.publisher_from) == ("Daily Planet", "html:og:site_name")
    assert (article.url, article.url_from) == ("https://planet.example/news/storm", "html:canonical")
    assert article.summary == "A storm knocked out power."
    assert article.tags == ("storms", "weather", "coast")
    assert article.topic == "Weather"
    assert article.warnings == ()


def test_main_text_becomes_paragraphs_and_html_without_page_chrome() -> None:
    article = read_one(page(META_HEAD))
    assert article.paragraphs[:3] == PARAGRAPHS
    assert "Seafront promenade flooded by the high tide overnight." in article.paragraphs
    assert "Damage" not in article.paragraphs  # a section title, not running text
    assert not any("Copyright" in text or "Home" in text for text in article.paragraphs)
    assert article.html is not None
    assert f"<p>{PARAGRAPHS[0]}</p>" in article.html
    assert "Damage</h2>" in article.html
    assert "<h1>" not in article.html  # it repeats the title


def test_json_ld_graph_gives_metadata_when_the_head_has_none() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Not the article"},
            {
                "@type": ["ReportageNewsArticle"],
                "headline": "Storm hits the coast &amp; the hills",
                "datePublished": "2024-03-06",
                "author": [{"@type": "Person", "name": "Lois Lane"}, "Clark Kent"],
                "publisher": {"@type": "Organization", "name": "Planet Media"},
                "mainEntityOfPage": {"@id": "https://planet.example/ld"},
                "keywords": ["storm", "coast"],
                "articleSection": ["Weather", "UK"],
            },
        ],
    }
    article = read_one(page(json_ld(graph)))
    assert (article.title, article.title_from) == ("Storm hits the coast & the hills", "html:json-ld")
    assert (article.date, article.date_from) == ("2024-03-06", "html:json-ld")
    assert (article.author, article.author_from) == ("Lois Lane, Clark Kent", "html:json-ld")
    assert (article.publisher, article.publisher_from) == ("Planet Media", "html:json-ld")
    assert (article.url, article.url_from) == ("https://planet.example/ld", "html:json-ld")
    assert article.tags == ("storm", "coast")
    assert article.topic == "Weather"


@pytest.mark.parametrize("kind", ["NewsArticle", "Article", "BlogPosting"])
def test_json_ld_article_types(kind: str) -> None:
    article = read_one(
        page(json_ld([{"@type": kind, "headline": "Typed headline", "url": "http://a.example/x"}]))
    )
    assert (article.title, article.url) == ("Typed headline", "http://a.example/x")


def test_malformed_json_ld_is_ignored() -> None:
    broken = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    head = broken + "<title>Plain</title>"
    article = read_one(page(head))
    assert (article.title, article.title_from) == ("Plain", "html:<title>")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Storm hits the coast | Daily Planet", "Storm hits the coast"),
        ("Storm hits the coast - daily planet", "Storm hits the coast"),
        ("Daily Planet — Storm hits the coast", "Storm hits the coast"),
        ("Daily Planet", "Daily Planet"),
    ],
)
def test_title_element_loses_a_site_name_suffix_or_prefix(title: str, expected: str) -> None:
    article = read_one(page(f'<title>{title}</title><meta property="og:site_name" content="Daily Planet">'))
    assert (article.title, article.title_from) == (expected, "html:<title>")


def test_an_undeclared_suffix_is_kept_when_the_page_does_not_show_the_headline_alone() -> None:
    body = ARTICLE.replace("<h1>Storm hits the coast</h1>", "<h1>Live: coastal storm</h1>")
    article = read_one(page("<title>Storm hits the coast | Other Site</title>", body=body))
    assert (article.title, article.title_from) == ("Storm hits the coast | Other Site", "html:<title>")


@pytest.mark.parametrize(
    ("title", "h1"),
    [
        ("Storm hits the coast | Cityside News", "Storm hits the coast"),
        ("Cityside News - Storm hits the coast", "Storm hits the coast"),
        ("Storm hits the coast - Cityside News", "Storm hits the coast for a second day"),
    ],
)
def test_a_site_name_no_metadata_declares_goes_when_the_headline_shows_without_it(
    title: str, h1: str
) -> None:
    body = ARTICLE.replace("<h1>Storm hits the coast</h1>", f"<h1>{h1}</h1>")
    article = read_one(page(f"<title>{title}</title>", body=body))
    assert (article.title, article.title_from) == (h1, "html:<h1>")
    assert not article.paragraphs[0].startswith(h1)  # the headline is not repeated as the first line


def test_a_headline_with_a_dash_that_is_the_h1_keeps_its_own_rule() -> None:
    body = ARTICLE.replace("<h1>Storm hits the coast</h1>", "<h1>Storm hits the coast - live updates</h1>")
    article = read_one(page("<title>Storm hits the coast - live updates</title>", body=body))
    assert (article.title, article.title_from) == ("Storm hits the coast - live updates", "html:<title>")


def test_a_blogs_byline_in_the_title_element_gives_way_to_the_headline() -> None:
    article = read_one(page("<title>Posted by Parvez Jabri</title>"))
    assert (article.title, article.title_from) == ("Storm hits the coast", "html:<h1>")


def test_relative_links_in_the_text_resolve_against_the_pages_own_address() -> None:
    body = ARTICLE.replace(
        "on Tuesday,",
        'on Tuesday, <a href="other.html">as planned</a>, <a href="#comments">say readers</a>,'
        ' <a href="/2024/plan">the plan</a>,',
    )
    head = '<link rel="canonical" href="https://planet.example/2024/storm">'
    article = read_one(page(head, body=body))
    assert article.html is not None
    for href in ("https://planet.example/2024/other.html", "https://planet.example/2024/storm#comments"):
        assert f'href="{href}"' in article.html
    assert 'href="https://planet.example/2024/plan"' in article.html


def test_relative_canonical_is_resolved_against_og_url() -> None:
    head = (
        '<link rel="canonical" href="/news/storm"><meta property="og:url" content="https://planet.example/">'
    )
    article = read_one(page(head))
    assert (article.url, article.url_from) == ("https://planet.example/news/storm", "html:canonical")


def test_non_http_url_is_dropped_with_a_warning() -> None:
    article = read_one(page('<link rel="canonical" href="ftp://planet.example/storm">'))
    assert article.url is None
    assert article.warnings == ("non-http url 'ftp://planet.example/storm' in page metadata; url ignored",)


def test_impossible_date_keeps_the_record_with_a_warning() -> None:
    article = read_one(page('<meta property="article:published_time" content="2024-02-30">'))
    assert article.date is None and article.date_from is None
    assert article.warnings == ("impossible date 2024-02-30 in page metadata; date ignored",)
    assert article.paragraphs[:3] == PARAGRAPHS


def test_a_bad_date_is_not_a_problem_when_another_stated_date_is_real() -> None:
    head = '<meta property="article:published_time" content="soon">' + json_ld(
        {"@type": "NewsArticle", "datePublished": "2024-03-07T10:00:00+01:00"}
    )
    article = read_one(page(head))
    assert (article.date, article.published) == ("2024-03-07", "2024-03-07T10:00:00+01:00")
    assert article.warnings == ()


def test_json_ld_article_body_is_used_when_the_page_shows_no_text() -> None:
    body = "The first part of the story.\nThe second part of the story."
    head = json_ld({"@type": "NewsArticle", "headline": "Rendered by script", "articleBody": body})
    article = read_one(page(head, body='<div id="app"></div>'))
    assert article.paragraphs == ("The first part of the story.", "The second part of the story.")
    assert article.html is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty file"),
        (b" \n\t ", "empty file"),
        (
            b"<html><head><title>Nothing here</title></head><body> </body></html>",
            "no article text found in the page",
        ),
        (b"<html><!-- only a comment --></html>", "no article text found in the page"),
        (bytes(range(256)) * 4, "binary file, not text"),
    ],
)
def test_pages_without_text_are_refused(data: bytes, expected: str) -> None:
    assert refusal(data) == expected


def test_utf16_page_with_bom() -> None:
    article = read_one(page("<title>Café crème</title>", charset="utf-16").encode("utf-16"))
    assert article.title == "Café crème"


def test_utf8_bom_and_crlf() -> None:
    article = read_one(codecs.BOM_UTF8 + page("<title>Déjà vu</title>").replace(">", ">\r\n").encode())
    assert article.title == "Déjà vu"
    assert article.paragraphs[0] == PARAGRAPHS[0]


def test_cp1252_page() -> None:
    article = read_one(page("<title>It’s “quoted” – café</title>", charset="windows-1252").encode("cp1252"))
    assert article.title == "It’s “quoted” – café"


def test_declared_charset_is_honoured_when_the_bytes_are_not_utf8() -> None:
    greek = "Καταιγίδα στην ακτή"
    article = read_one(page(f"<title>{greek}</title>", charset="iso-8859-7").encode("iso-8859-7"))
    assert article.title == greek


CHINESE = (
    "<article><h1>杭州地铁十号线北段开通运营</h1>"
    "<p>杭州地铁十号线北段28日上午正式开通运营，线路全长约十四公里，共设车站十一座，连接城北的新兴居住区与"
    "市中心的主要商业区。杭州市交通运输局表示，新线开通后，沿线居民的通勤时间将大幅缩短。</p>"
    "<p>据介绍，十号线北段采用六节编组的列车，最高运行速度为每小时八十公里，高峰时段行车间隔为四分三十秒。"
    "运营公司还在各车站增设了无障碍电梯和母婴室，并全面支持手机扫码等多种支付方式。</p>"
    "</article>"
)


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        # Pages labelled gb2312 hold GBK characters ('镕' is not in GB2312), as browsers read them.
        ("gb2312", "gbk", "朱镕基"),
        ("GBK", "gbk", "朱镕基"),
        ("x-gbk", "gbk", "朱镕基"),
        # Pages labelled shift_jis hold Windows characters ('①' is not in Shift_JIS).
        ("shift_jis", "cp932", "東京①"),
        ("euc-kr", "cp949", "서울 뉴스"),
        ("big5", "big5hkscs", "臺北新聞"),
    ],
)
def test_legacy_cjk_encodings_are_read_as_browsers_read_them(label: str, codec: str, text: str) -> None:
    markup = page(f"<title>{text}</title>", body=CHINESE.replace("杭州市", text, 1), charset=label)
    article = read_one(markup.encode(codec, errors="replace"))
    assert article.title == text
    assert text in article.paragraphs[0]


def test_a_few_bytes_that_do_not_fit_the_declared_encoding_do_not_lose_the_page() -> None:
    data = page("<title>杭州地铁开通</title>", body=CHINESE, charset="gb2312").encode("gbk")
    broken = data.replace("线路".encode("gbk"), b"\xff\xff", 1)
    article = read_one(broken)
    assert article.title == "杭州地铁开通"
    assert "\ufffd" in article.paragraphs[0] and "连接城北" in article.paragraphs[0]


@pytest.mark.parametrize(
    "title",
    [
        "杭州地铁十号线北段开通运营_城市新闻网",
        "杭州地铁十号线北段开通运营｜城市新闻网",
        "杭州地铁十号线北段开通运营 | 城市新闻网",
    ],
)
def test_a_chinese_sites_name_after_the_headline_goes(title: str) -> None:
    assert read_one(page(f"<title>{title}</title>", body=CHINESE)).title == "杭州地铁十号线北段开通运营"


def test_a_declared_chinese_site_name_goes_after_an_underscore() -> None:
    head = '<meta property="og:site_name" content="城市新闻网"><title>地铁开通_城市新闻网</title>'
    assert (
        read_one(page(head, body=CHINESE.replace("<h1>", "<h2>").replace("</h1>", "</h2>"))).title
        == "地铁开通"
    )


def test_a_table_laying_out_the_page_is_read_and_a_data_table_is_not() -> None:
    layout = (
        "<table><tr><td class='nav'>Home</td></tr><tr><td>"
        + "<br><br>".join(PARAGRAPHS)
        + "</td></tr></table><table><tr><th>Town</th><th>Homes without power</th></tr>"
        + "<tr><td>Northport</td><td>4,200</td></tr></table>"
    )
    paragraphs = _common.paragraphs(_common.parse_fragment(layout))
    assert paragraphs == ("Home", *PARAGRAPHS)
    # Rows left outside any table (as trafilatura returns some) are blocks: no text runs into a heading's.
    stray = (
        "<tr><td><h1>Storm hits the coast</h1><table><tr><td><p>"
        + PARAGRAPHS[0]
        + "</p></td></tr></table></td></tr>"
    )
    assert _common.paragraphs(_common.parse_fragment(stray)) == (PARAGRAPHS[0],)


def test_two_line_breaks_in_a_row_part_paragraphs_and_one_does_not() -> None:
    markup = f"<div>{PARAGRAPHS[0]}<br> <br>{PARAGRAPHS[1]}<br>{PARAGRAPHS[2]}</div>"
    assert _common.paragraphs(_common.parse_fragment(markup)) == (
        PARAGRAPHS[0],
        f"{PARAGRAPHS[1]} {PARAGRAPHS[2]}",
    )


def test_xhtml_with_an_xml_declaration() -> None:
    markup = '<?xml version="1.0" encoding="iso-8859-1"?>\n' + page("<title>Caf\xe9</title>")
    assert read_one(markup.encode("latin-1")).title == "Café"


def test_registered_for_html_suffixes() -> None:
    assert reader_for(".html") is html_reader.read
    assert reader_for(".htm") is html_reader.read


def check_records(records: list[RawArticle]) -> None:
    """Invariants every record must keep, whatever the input."""
    for record in records:
        assert record.source == SOURCE
        assert record.format == "html"
        assert record.paragraphs, "a page is refused rather than returned without text"
        assert record.url is None or record.url.startswith(("http://", "https://"))
        assert record.title is None or record.title == " ".join(record.title.split())


def read_or_refuse(data: bytes) -> None:
    """Read the bytes: a refusal is fine, any other exception fails the test."""
    try:
        records = html_reader.read(data, SOURCE)
    except SourceError as exc:
        assert exc.reason
        return
    check_records(records)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=800))
def test_random_bytes_only_ever_raise_source_error(data: bytes) -> None:
    read_or_refuse(data)


TAGS = ["p", "div", "h1", "h2", "title", "meta", "script", "li", "ul", "a", "b", "table", "td", "article"]
ATTRIBUTES = st.sampled_from(
    [
        "",
        ' property="og:title" content="T"',
        ' property="article:published_time" content="2024-13-45"',
        ' rel="canonical" href="javascript:x"',
        ' type="application/ld+json"',
        ' name="author" content=""',
        ' href="http://x.example/"',
    ]
)
FRAGMENTS = st.one_of(
    st.text(max_size=40),
    st.builds(lambda tag, attrs: f"<{tag}{attrs}>", st.sampled_from(TAGS), ATTRIBUTES),
    st.builds(lambda tag: f"</{tag}>", st.sampled_from(TAGS)),
    st.sampled_from(
        ['{"@type": "NewsArticle", "headline": 3, "author": [null]}', "&amp;", "&#0;", "<!--", "]]>"]
    ),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30))
def test_random_markup_only_ever_raises_source_error(parts: list[str]) -> None:
    read_or_refuse("".join(parts).encode("utf-8"))
