"""The feed reader: RSS and Atom entries, headline-only feeds, refusals and safety."""

from __future__ import annotations

import codecs
import datetime as dt
import socket
import urllib.request
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import SourceError
from digest.models import RawArticle
from digest.read.normalize import normalize
from digest.read.readers import feed as feed_reader
from digest.read.readers import reader_for

SOURCE = "feeds/wire.xml"


def read(markup: str | bytes) -> list[RawArticle]:
    """Read a feed given as text (UTF-8) or bytes."""
    data = markup.encode("utf-8") if isinstance(markup, str) else markup
    return feed_reader.read(data, SOURCE)


def refusal(data: str | bytes) -> str:
    """The reason the reader gives for refusing the feed."""
    with pytest.raises(SourceError) as caught:
        read(data)
    assert caught.value.source == SOURCE
    return caught.value.reason


def rss(items: str, channel_title: str = "Wire &amp; Co", declaration: str = "") -> str:
    """An RSS 2.0 document around some <item> elements."""
    return (
        f"{declaration}<rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'"
        " xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
        f"<channel><title>{channel_title}</title><link>https://wire.example/</link>"
        f"<description>News</description>{items}</channel></rss>"
    )


FULL_ITEM = """
<item>
  <title>Central bank  holds rates</title>
  <link>https://wire.example/rates</link>
  <pubDate>Tue, 05 Mar 2024 14:30:00 +0100</pubDate>
  <dc:creator>Ann Smith</dc:creator>
  <category>Economy</category><category>Banks</category><category>economy</category>
  <description>&lt;p&gt;The bank kept rates   on hold.&lt;/p&gt;&lt;p&gt;Markets rose.&lt;/p&gt;</description>
  <content:encoded><![CDATA[<p>Full <b>story</b> first paragraph.</p><h2>Analysis</h2><p>Second.</p>]]></content:encoded>
</item>
"""


def test_rss_item_fills_every_field_with_its_rule() -> None:
    [article] = read(rss(FULL_ITEM))
    assert article.source == f"{SOURCE}#1"
    assert article.format == "feed"
    assert (article.title, article.title_from) == ("Central bank holds rates", "feed:title")
    assert (article.url, article.url_from) == ("https://wire.example/rates", "feed:link")
    assert (article.date, article.date_from) == ("2024-03-05", "feed:published")
    assert article.published == "2024-03-05T14:30:00+01:00"
    assert (article.author, article.author_from) == ("Ann Smith", "feed:author")
    assert (article.publisher, article.publisher_from) == ("Wire & Co", "feed:title")
    assert article.tags == ("Economy", "Banks")
    assert article.summary == "The bank kept rates on hold. Markets rose."
    assert article.warnings == ()


@pytest.mark.parametrize("domain", ["gazette.example", "gazette.online", "news.co.uk"])
def test_an_rss_author_with_an_email_address_is_the_name(domain: str) -> None:
    item = FULL_ITEM.replace(
        "<dc:creator>Ann Smith</dc:creator>", f"<author>desk@{domain} (Chris Wong)</author>"
    )
    [raw] = read(rss(item))
    assert normalize(raw).author == "Chris Wong"


def test_content_is_preferred_over_the_description_for_the_body() -> None:
    [article] = read(rss(FULL_ITEM))
    assert article.paragraphs == ("Full story first paragraph.", "Second.")
    assert article.html is not None and "<b>story</b>" in article.html and "Analysis" in article.html


def test_description_is_the_body_when_there_is_no_content() -> None:
    [article] = read(
        rss("<item><title>T</title><description>&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two.</description></item>")
    )
    assert article.paragraphs == ("One.", "Two.")
    assert article.html == "<p>One.</p><p>Two.</p>"


def test_entry_source_element_names_the_publisher() -> None:
    item = "<item><title>T</title><source url='https://other.example/rss'>Other Agency</source></item>"
    [article] = read(rss(item))
    assert (article.publisher, article.publisher_from) == ("Other Agency", "feed:source")


def test_an_escaped_feed_title_names_its_outlet_without_backslashes() -> None:
    feed = rss(
        "<item><title>Pharrell tops the chart</title></item>", channel_title="Idolator\\: All About The Music"
    )
    [article] = read(feed.replace("wire.example", "www.idolator.com"))
    assert (article.publisher, article.publisher_from) == ("Idolator", "feed:title")
    assert normalize(article).publisher == "Idolator"


def test_a_headline_loses_the_outlet_name_after_it_and_a_link_its_backslashes() -> None:
    items = "".join(
        f"<item><title>{title}</title><link>https://wire.example/story/{n}\\?ref=rss</link></item>"
        for n, title in enumerate(
            [
                "Ind. bill would require nutritional standards - WDRB 41 Louisville News",
                "Savings fund could pay for Ind. roads - WDRB 41  ...",
                "Parents ask WDRB - and the city - for answers",
            ]
        )
    )
    articles = [normalize(a) for a in read(rss(items, channel_title="WDRB"))]
    assert [a.title for a in articles] == [
        "Ind. bill would require nutritional standards",
        "Savings fund could pay for Ind. roads",
        "Parents ask WDRB - and the city - for answers",
    ]
    assert articles[0].url == "https://wire.example/story/0?ref=rss"


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Planet News</title>
  <entry>
    <title>Atom entry</title>
    <link rel="edit" href="https://planet.example/edit/1"/>
    <link rel="alternate" href="https://planet.example/1"/>
    <id>tag:planet.example,2024:1</id>
    <updated>2024-03-02T23:30:00-05:00</updated>
    <author><name>Jane Roe</name></author><author><name>John Doe</name></author>
    <summary>A short summary.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body <em>one</em>.</p><p>Two.</p></div></content>
    <category term="science"/>
  </entry>
  <entry>
    <title type="html">Markup &lt;i&gt;in&lt;/i&gt; title</title>
    <published>2024-03-01T08:00:00+02:00</published>
    <updated>2024-03-03T00:00:00Z</updated>
    <content type="text">Line one.

Line two &amp; more.</content>
  </entry>
</feed>
"""


def test_atom_entries() -> None:
    first, second = read(ATOM)
    assert (first.source, second.source) == (f"{SOURCE}#1", f"{SOURCE}#2")
    assert first.title == "Atom entry"
    assert first.url == "https://planet.example/1"
    assert (first.date, first.date_from, first.published) == (
        "2024-03-02",
        "feed:updated",
        "2024-03-02T23:30:00-05:00",
    )
    assert first.author == "Jane Roe, John Doe"
    assert first.summary == "A short summary."
    assert first.paragraphs == ("Body one.", "Two.")
    assert first.tags == ("science",)
    assert (first.publisher, first.publisher_from) == ("Planet News", "feed:title")
    assert second.title == "Markup in title"
    assert (second.date, second.date_from) == ("2024-03-01", "feed:published")
    assert second.paragraphs == ("Line one.", "Line two & more.")
    assert second.url is None and second.warnings == ()


def test_rss_1_0_with_dublin_core_date() -> None:
    rdf = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
        xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="http://rdf.example/"><title>RDF Site</title><link>http://rdf.example/</link>
        <description>d</description></channel>
      <item rdf:about="http://rdf.example/1"><title>RDF item</title><link>http://rdf.example/1</link>
        <dc:date>2024-03-04T10:00:00Z</dc:date><description>Some text.</description></item>
    </rdf:RDF>"""
    [article] = read(rdf)
    assert (article.title, article.url, article.date) == ("RDF item", "http://rdf.example/1", "2024-03-04")
    assert article.publisher == "RDF Site"


def test_rss_0_91_with_a_doctype_but_no_entities() -> None:
    doc = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel><title>Old</title>'
        "<item><title>Old item</title><link>http://old.example/1</link></item></channel></rss>"
    )
    [article] = read(doc)
    assert (article.title, article.url) == ("Old item", "http://old.example/1")


UCI_ROWS = (
    (
        "ECB unlikely to end sterilisation of SMP purchases - traders",
        "http://www.iii.co.uk/news/152615",
        1394470501265,
    ),
    (
        "ECB unlikely to end sterilization of SMP purchases: traders",
        "http://in.reuters.com/article/x",
        1394470501410,
    ),
    (
        "European car sales up for sixth month running",
        "http://www.bbc.co.uk/news/business-26522127",
        1394528400000,
    ),
)


def uci_feed(rows: tuple[tuple[str, str, int], ...]) -> str:
    """An RSS feed of headlines only, as built from the UCI News Aggregator rows (ms timestamps)."""
    items = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link><pubDate>"
        f"{dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        "</pubDate></item>"
        for title, link, ms in rows
    )
    return rss(items, channel_title="Interactive Investor")


def test_headline_only_entries_are_valid_articles() -> None:
    articles = read(uci_feed(UCI_ROWS))
    assert [a.source for a in articles] == [f"{SOURCE}#1", f"{SOURCE}#2", f"{SOURCE}#3"]
    assert [a.title for a in articles] == [row[0] for row in UCI_ROWS]
    assert [a.url for a in articles] == [row[1] for row in UCI_ROWS]
    assert [a.date for a in articles] == ["2014-03-10", "2014-03-10", "2014-03-11"]
    assert articles[0].published == "2014-03-10T16:55:01+00:00"
    for article in articles:
        assert article.paragraphs == () and article.html is None and article.summary is None
        assert article.publisher == "Interactive Investor"
        assert article.warnings == ()


def test_entries_without_title_or_text_are_skipped_but_numbering_is_kept() -> None:
    items = "<item><link>https://wire.example/empty</link></item><item><title>Second</title></item>"
    [article] = read(rss(items))
    assert (article.source, article.title) == (f"{SOURCE}#2", "Second")


def test_bad_date_keeps_the_entry_with_a_warning() -> None:
    [article] = read(rss("<item><title>T</title><pubDate>Fri, 30 Feb 2024 10:00:00 GMT</pubDate></item>"))
    assert article.date is None and article.date_from is None and article.published is None
    assert len(article.warnings) == 1
    assert article.warnings[0].endswith("in feed entry; date ignored")


def test_zone_names_dateutil_does_not_know_keep_their_offset() -> None:
    [article] = read(rss("<item><title>T</title><pubDate>Mon, 10 Mar 2014 22:15:00 EDT</pubDate></item>"))
    assert (article.date, article.published) == ("2014-03-10", "2014-03-10T22:15:00-04:00")


@pytest.mark.parametrize("link", ["ftp://wire.example/a", "javascript:alert(1)"])
def test_non_http_link_is_dropped_with_a_warning(link: str) -> None:
    [article] = read(rss(f"<item><title>T</title><link>{link}</link></item>"))
    assert article.url is None and article.url_from is None
    assert article.warnings == (f"non-http url {link!r} in feed entry; url ignored",)


def test_a_relative_link_is_resolved_against_the_feeds_own_link() -> None:
    [article] = read(rss("<item><title>T</title><link>/news/bridge-reopens</link></item>"))
    assert (article.url, article.warnings) == ("https://wire.example/news/bridge-reopens", ())
    homeless = rss("<item><title>T</title><link>/news/bridge-reopens</link></item>").replace(
        "<link>https://wire.example/</link>", ""
    )
    [article] = read(homeless)
    assert article.url is None
    assert article.warnings == ("non-http url '/news/bridge-reopens' in feed entry; url ignored",)


def test_a_broken_feed_keeps_what_was_read_and_says_where_it_broke() -> None:
    [article] = read(
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Broken</title>"
        "<item><title>One</title><description>Text &amp; more text & more</description></item>"
    )
    assert article.title == "One"
    assert len(article.warnings) == 1
    assert article.warnings[0].startswith("malformed feed XML: ")
    assert "(line 1); entries read up to it" in article.warnings[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("", "empty file"),
        (
            "<html><head><title>x</title></head><body><p>Hi</p></body></html>",
            "not an RSS or Atom feed: looks like an HTML page",
        ),
        ("just some words", "not an RSS or Atom feed: no XML elements found"),
        (
            "<urlset><url><loc>https://x.example/</loc></url></urlset>",
            "not an RSS or Atom feed: root element is <urlset>",
        ),
        ("<rss version='2.0'><channel><title>Quiet</title></channel></rss>", "feed has no entries"),
        (rss("<item><description>  </description></item>"), "feed has no entries with a title or text"),
    ],
)
def test_unreadable_feeds_are_refused_with_a_reason(data: str, expected: str) -> None:
    assert refusal(data).startswith(expected)


def test_binary_file_is_refused() -> None:
    assert refusal(bytes(range(256)) * 4) == "binary file, not text"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title></item></channel></rss>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&secret;</title></item></channel></rss>"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["expansion", "external"])
def test_entity_declarations_are_refused(doc: str) -> None:
    assert refusal(doc) == "XML declares entities (possible entity-expansion attack); refused"


def test_entity_text_inside_cdata_or_comments_is_not_a_declaration() -> None:
    item = (
        "<!-- <!ENTITY x 'y'> --><item><title>XML attacks explained</title>"
        '<description><![CDATA[<p>A DTD may say <!ENTITY lol "lol"> to declare one.</p>]]></description></item>'
    )
    [article] = read(rss(item))
    assert article.title == "XML attacks explained"
    assert article.paragraphs[0].startswith("A DTD may say")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any network access fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the feed reader tried to use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.mark.usefixtures("no_network")
def test_a_file_holding_a_url_is_not_fetched() -> None:
    assert refusal("https://example.com/feed.xml").startswith("not an RSS or Atom feed")


@pytest.mark.usefixtures("no_network")
def test_a_file_holding_a_path_is_not_opened(tmp_path: Path) -> None:
    target = tmp_path / "real-feed.xml"
    target.write_text(rss("<item><title>Secret local file</title></item>"), encoding="utf-8")
    assert refusal(str(target)).startswith("not an RSS or Atom feed")


ENCODED_ITEM = "<item><title>Café – “déjà vu”</title><description>L’été.</description></item>"


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + rss(ENCODED_ITEM).encode("utf-8"),
        rss(ENCODED_ITEM, declaration='<?xml version="1.0" encoding="utf-16"?>').encode("utf-16"),
        rss(ENCODED_ITEM).encode("cp1252"),
        rss(ENCODED_ITEM, declaration='<?xml version="1.0" encoding="windows-1252"?>').encode("cp1252"),
        rss(ENCODED_ITEM).replace("><", ">\r\n<").encode("utf-8"),
    ],
    ids=["utf-8-bom", "utf-16", "cp1252-undeclared", "cp1252-declared", "crlf"],
)
def test_encodings_and_line_endings(data: bytes) -> None:
    [article] = read(data)
    assert article.title == "Café – “déjà vu”"
    assert article.paragraphs == ("L’été.",)


def test_declared_single_byte_encoding_is_honoured() -> None:
    doc = rss(
        "<item><title>Καταιγίδα</title></item>", declaration='<?xml version="1.0" encoding="iso-8859-7"?>'
    )
    [article] = read(doc.encode("iso-8859-7"))
    assert article.title == "Καταιγίδα"


def test_registered_for_feed_suffixes() -> None:
    for suffix in (".xml", ".rss", ".atom"):
        assert reader_for(suffix) is feed_reader.read


def check_records(records: list[RawArticle]) -> None:
    """Invariants every record must keep, whatever the input."""
    assert records, "a feed is refused rather than returned empty"
    for record in records:
        assert record.source.startswith(f"{SOURCE}#")
        assert record.format == "feed"
        assert record.title or record.paragraphs
        assert record.url is None or record.url.startswith(("http://", "https://"))
        assert record.title is None or record.title == " ".join(record.title.split())


def read_or_refuse(data: bytes) -> None:
    """Read the bytes: a refusal is fine, any other exception fails the test."""
    try:
        records = feed_reader.read(data, SOURCE)
    except SourceError as exc:
        assert exc.reason
        return
    check_records(records)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_only_ever_raise_source_error(data: bytes) -> None:
    read_or_refuse(data)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("<>/?!-[]&;#\"'= abcxé\n:"), max_size=300))
def test_random_markup_text_only_ever_raises_source_error(text: str) -> None:
    read_or_refuse(text.encode("utf-8"))


FIELD_TEXT = st.text(max_size=40)
ITEM = st.builds(
    lambda title, link, date, body, raw: (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<pubDate>{escape(date)}</pubDate><description>{escape(body)}</description>{raw}</item>"
    ),
    FIELD_TEXT,
    st.one_of(
        FIELD_TEXT, st.sampled_from(["https://x.example/a", "file:///etc/passwd", "//x.example/b", ""])
    ),
    st.one_of(FIELD_TEXT, st.sampled_from(["Mon, 10 Mar 2014 17:35:01 +0000", "2024-02-30", "EST", "99999"])),
    st.one_of(FIELD_TEXT, st.sampled_from(["<p>para</p>", "<script>x()</script>", "&amp;nbsp;"])),
    st.sampled_from(
        ["", "<category>a</category>", "<content:encoded>raw</content:encoded>", "<guid>g</guid>"]
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(ITEM, max_size=5), st.sampled_from(["", '<?xml version="1.0" encoding="utf-8"?>']))
def test_random_rss_only_ever_raises_source_error(items: list[str], declaration: str) -> None:
    read_or_refuse(rss("".join(items), declaration=declaration).encode("utf-8"))


@pytest.mark.parametrize(
    ("channel_title", "link", "publisher"),
    [
        ("The Daily Globe - Top Stories", "https://dailyglobe.example/", "The Daily Globe"),
        ("Top Stories | The Daily Globe", "https://www.dailyglobe.example/", "The Daily Globe"),
        ("NYT &gt; World News", "https://rss.nytimes.example/", "NYT"),
        ("Slashdot: News for nerds", "https://slashdot.example/", "Slashdot"),
        ("Wire &amp; Co", "https://wire.example/", "Wire & Co"),
        ("Al-Monitor", "https://al-monitor.example/", "Al-Monitor"),
    ],
)
def test_the_publisher_is_the_outlet_not_the_section_the_feed_is_of(
    channel_title: str, link: str, publisher: str
) -> None:
    markup = rss("<item><title>T</title></item>", channel_title=channel_title).replace(
        "https://wire.example/", link
    )
    [article] = read(markup)
    assert (article.publisher, article.publisher_from) == (publisher, "feed:title")
