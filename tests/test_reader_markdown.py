"""The Markdown reader: front matter, body rendering, titles, degraded and refused files."""

from __future__ import annotations

import codecs
import warnings
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # no stubs installed; see the report
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import SourceError
from digest.models import RawArticle
from digest.read.normalize import normalize
from digest.read.readers import markdown as md_reader
from digest.read.readers import reader_for

SOURCE = "news/story.md"


def read_one(text: str) -> RawArticle:
    """Read UTF-8 Markdown text that must give exactly one record."""
    records = md_reader.read(text.encode("utf-8"), SOURCE)
    assert len(records) == 1
    return records[0]


def refusal(data: bytes) -> str:
    """The reason the reader gives for refusing the bytes."""
    with pytest.raises(SourceError) as caught:
        md_reader.read(data, SOURCE)
    assert caught.value.source == SOURCE
    return caught.value.reason


FULL = """\
---
title: "  Flood   waters recede  "
date: 2024-03-05 14:30
author: [Ann Smith, {name: Bo Li}]
publisher: The Courier
url: https://courier.example/floods
tags: [Weather, floods, weather]
topic: Environment
summary: Rivers are back   within their banks.
unknown_key: ignored
---
# Flood waters recede

Residents returned home on **Tuesday** as the river fell.

## What happens next

- Insurers will assess the damage.
- Roads reopen on Friday.

> "It was a long week," said one farmer.
"""


def test_front_matter_fills_every_field_with_its_rule() -> None:
    article = read_one(FULL)
    assert article.format == "markdown"
    assert article.source == SOURCE
    assert (article.title, article.title_from) == ("Flood waters recede", "front-matter")
    assert (article.date, article.date_from) == ("2024-03-05", "front-matter")
    assert article.published == "2024-03-05T14:30:00"
    assert (article.author, article.author_from) == ("Ann Smith, Bo Li", "front-matter")
    assert (article.publisher, article.publisher_from) == ("The Courier", "front-matter")
    assert (article.url, article.url_from) == ("https://courier.example/floods", "front-matter")
    assert article.tags == ("Weather", "floods")
    assert article.topic == "Environment"
    assert article.summary == "Rivers are back within their banks."
    assert article.warnings == ()


def test_body_paragraphs_leave_out_headings_but_html_keeps_them() -> None:
    article = read_one(FULL)
    assert article.paragraphs == (
        "Residents returned home on Tuesday as the river fell.",
        "Insurers will assess the damage.",
        "Roads reopen on Friday.",
        '"It was a long week," said one farmer.',
    )
    assert article.html is not None
    assert "<h2>What happens next</h2>" in article.html
    assert "<strong>Tuesday</strong>" in article.html
    # The leading heading repeats the title: shown once, as the title.
    assert "<h1>" not in article.html


def test_leading_heading_that_differs_from_the_title_stays_in_html() -> None:
    article = read_one("---\ntitle: Official title\n---\n# Another heading\n\nText.\n")
    assert article.title == "Official title"
    assert article.html is not None and "<h1>Another heading</h1>" in article.html
    assert article.paragraphs == ("Text.",)


def test_keys_are_case_insensitive_and_alternatives_are_used() -> None:
    article = read_one(
        "---\nTitle: Upper case keys\nPubDate: 2023-12-01\nAUTHOR: Kim\n"
        "Source: {name: Wire Service}\nLink: http://wire.example/a\nDescription: Short.\n"
        "Tags: 'economy, trade ,  , economy'\n---\nBody text.\n"
    )
    assert article.title == "Upper case keys"
    assert article.date == "2023-12-01"
    assert article.published is None
    assert article.author == "Kim"
    assert article.publisher == "Wire Service"
    assert article.url == "http://wire.example/a"
    assert article.summary == "Short."
    assert article.tags == ("economy", "trade")


@pytest.mark.parametrize("key", ["date", "published", "pubDate"])
def test_each_date_key_is_read(key: str) -> None:
    assert read_one(f"---\n{key}: 5 March 2024\n---\nText.\n").date == "2024-03-05"


def test_publisher_string_source_and_canonical_url() -> None:
    article = read_one("---\nsource: Daily Post\ncanonical: https://post.example/x\n---\nText.\n")
    assert (article.publisher, article.url) == ("Daily Post", "https://post.example/x")


def test_impossible_date_keeps_the_record_with_a_warning() -> None:
    article = read_one("---\ntitle: Leap\ndate: 2024-02-30\n---\nText.\n")
    assert article.date is None and article.date_from is None
    assert article.warnings == ("impossible date 2024-02-30 in front matter; date ignored",)
    assert article.paragraphs == ("Text.",)


@pytest.mark.parametrize(
    ("written", "published"),
    [
        ("March 3, 2024 5:00pm EST", "2024-03-03T17:00:00-05:00"),
        ("2024-03-05 22:30 PDT", "2024-03-05T22:30:00-07:00"),
        ("5 March 2024 10:32 CEST", "2024-03-05T10:32:00+02:00"),
        ("March 3, 2024 5:00pm XYZ", "2024-03-03T17:00:00"),
    ],
)
def test_a_time_with_a_zone_name_keeps_its_offset_and_nothing_is_printed(
    written: str, published: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        article = read_one(f'---\ntitle: T\ndate: "{written}"\n---\nText.\n')
    assert (article.date, article.published, article.warnings) == (published[:10], published, ())
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("written", ["March 2024", "2024-03"])
def test_a_date_without_a_day_is_not_made_the_first_of_the_month(written: str) -> None:
    article = read_one(f'---\ntitle: T\ndate: "{written}"\n---\nText.\n')
    assert article.date is None
    assert article.warnings == (f"date without a day {written!r} in front matter; date ignored",)


def test_unreadable_date_warns_and_a_later_key_is_used() -> None:
    article = read_one("---\ndate: next tuesday-ish\npublished: 2024-01-02\n---\nText.\n")
    assert article.date == "2024-01-02"
    assert len(article.warnings) == 1
    assert "in front matter; date ignored" in article.warnings[0]


def test_non_http_url_is_dropped_with_a_warning() -> None:
    article = read_one("---\nurl: javascript:alert(1)\n---\nText.\n")
    assert article.url is None and article.url_from is None
    assert article.warnings == ("non-http url 'javascript:alert(1)' in front matter; url ignored",)


def test_structured_value_where_text_is_expected_is_ignored_with_a_warning() -> None:
    article = read_one("---\ntitle: {nested: value}\n---\n# Heading title\n\nText.\n")
    assert article.title == "Heading title"
    assert article.title_from == "markdown:h1"
    assert article.warnings == ("title in front matter is not text; ignored",)


def test_yaml_words_and_numbers_stay_text() -> None:
    article = read_one("---\ntitle: Yes\nauthor: 1984\ntopic: off\n---\nText.\n")
    assert (article.title, article.author, article.topic) == ("Yes", "1984", "off")


def test_without_front_matter_a_leading_h1_is_the_title() -> None:
    article = read_one("# Markets   rally\n\nShares rose *sharply*.\n")
    assert (article.title, article.title_from) == ("Markets rally", "markdown:h1")
    assert article.paragraphs == ("Shares rose sharply.",)
    assert article.html == "<p>Shares rose <em>sharply</em>.</p>"


def test_setext_heading_counts_as_h1() -> None:
    assert read_one("Markets rally\n=============\n\nText.\n").title == "Markets rally"


def test_without_front_matter_or_leading_h1_the_title_is_left_to_normalize() -> None:
    article = read_one("Shares rose today.\n\n# Late heading\n\nMore text.\n")
    assert article.title is None and article.title_from is None
    assert article.paragraphs == ("Shares rose today.", "More text.")


def test_raw_html_scripts_never_become_text() -> None:
    article = read_one("Before.\n\n<script>alert('x')</script>\n\nAfter <style>p{}</style>end.\n")
    assert article.paragraphs == ("Before.", "After end.")


def test_title_only_front_matter_is_a_headline_article() -> None:
    article = read_one("---\ntitle: Headline only\n---\n")
    assert article.title == "Headline only"
    assert article.paragraphs == ()
    assert article.html is None


def test_malformed_yaml_names_the_problem_and_the_file_line() -> None:
    reason = refusal(b"---\ntitle: fine\nauthor: a: b\n---\nText.\n")
    assert reason.startswith("malformed front matter: ")
    assert "mapping values are not allowed" in reason
    assert reason.endswith("(line 3)")


NOT_A_MAPPING = "malformed front matter: expected keys and values"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "---\n- just\n- a list\n---\nText.\n",
            "malformed front matter: expected keys and values, found a list",
        ),
        ("---\nplain words\n---\nText.\n", "malformed front matter: expected keys and values, found str"),
        ("---\ntitle: never closed\n\nText.\n", "malformed front matter: no closing '---' line"),
        ("---\ndate: 2024-01-01\n---\n", "no article text"),
        ("---\n---\n\n## Only a section heading\n", "no article text"),
        ("", "empty file"),
        ("  \n\n \t\n", "empty file"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(text: str, expected: str) -> None:
    assert refusal(text.encode("utf-8")).startswith(expected)


def test_binary_file_is_refused() -> None:
    assert refusal(bytes(range(256)) * 4) == "binary file, not text"


ENCODED = "---\ntitle: Café déjà vu\n---\nL’été arrive.\n"


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + ENCODED.encode("utf-8"),
        ENCODED.encode("utf-16"),  # with its BOM
        ENCODED.encode("cp1252"),
        ENCODED.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8-bom", "utf-16", "cp1252", "crlf"],
)
def test_encodings_and_line_endings(data: bytes) -> None:
    [article] = md_reader.read(data, SOURCE)
    assert article.title == "Café déjà vu"
    assert article.paragraphs == ("L’été arrive.",)


def test_registered_for_markdown_suffixes() -> None:
    assert reader_for(".md") is md_reader.read
    assert reader_for(".MARKDOWN") is md_reader.read


def check_records(records: list[RawArticle]) -> None:
    """Invariants every record must keep, whatever the input."""
    for record in records:
        assert record.source == SOURCE
        assert record.format == "markdown"
        assert record.url is None or record.url.startswith(("http://", "https://"))
        assert all(paragraph and paragraph == " ".join(paragraph.split()) for paragraph in record.paragraphs)
        assert record.title is None or record.title == " ".join(record.title.split())


def read_or_refuse(data: bytes) -> None:
    """Read the bytes: a refusal is fine, any other exception fails the test."""
    try:
        records = md_reader.read(data, SOURCE)
    except SourceError as exc:
        assert exc.reason
        return
    check_records(records)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_only_ever_raise_source_error(data: bytes) -> None:
    read_or_refuse(data)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("-#*>`[]()!:_ \n\tabcé<p/>&;0123456789|=~"), max_size=400))
def test_random_markdown_text_only_ever_raises_source_error(text: str) -> None:
    read_or_refuse(text.encode("utf-8"))


KEYS = [
    "title",
    "date",
    "published",
    "pubDate",
    "author",
    "publisher",
    "source",
    "url",
    "link",
    "tags",
    "topic",
]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30), st.dates()
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "x"]), inner, max_size=2)
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), VALUES, max_size=6),
    st.text(max_size=80),
)
def test_random_front_matter_only_ever_raises_source_error(meta: dict[str, Any], body: str) -> None:
    block = yaml.safe_dump(meta, allow_unicode=True)
    read_or_refuse(f"---\n{block}---\n{body}".encode())


# Pieces of every syntax Python-Markdown's "extra" knows, and plain text around them.
_MARKDOWN_PIECES = [
    "*", "**", "_", "__", "[a](http://x.y/z_q)", "[^1]", "\n\n[^1]: a note\n\n", "<b>", "</b>", "&amp;", "&",
    "&#169;", "`code`", "``", "\\*", "\\", "  \n", "\t", "\n\n*[HTML]: Hyper Text\n\n", "HTML",
    "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n", "\n\nTerm\n: def\n\n", "\n\n```\ncode * _ [\n```\n\n",
    '\n\n<div markdown="1">\n\n', "\n\n</div>\n\n", "{: .cls }", "\n\n# head\n\n", "\n\n> quote ", "\n\n- item ",
    "\n\n1. item ", "!", "[", "]", "(", ")", "<http://a.b>", "<a@b.c>", "word", "news", " ", "\n", "\n\n",
    "\n\n---\n\n", "\nTitle\n===\n", "\n    code\n", "#", ">", "|", ":", "\n\n## h ##\n", "___",
    "![img](http://i/x.png)", "[ref]", "\n\n[ref]: http://r.s\n\n", "~~~", "<!-- c -->", "2 < 3", "\u00a0", "’",
]  # fmt: skip


@given(st.lists(st.sampled_from(_MARKDOWN_PIECES), min_size=1, max_size=60).map("".join))
@settings(max_examples=400, deadline=None)
def test_reused_renderer_gives_the_pages_python_markdown_gives(body: str) -> None:
    """Skipping patterns a body cannot match, and reusing one Markdown object, never changes a page."""
    import markdown as python_markdown

    from digest.read.readers.markdown import _Renderer

    assert _Renderer.shared().convert(body) == python_markdown.markdown(
        body, extensions=["extra"], output_format="html"
    )


def test_lines_dropped_as_boilerplate_leave_the_body_html_too() -> None:
    article = normalize(
        read_one(
            "---\ntitle: Fares rise\n---\n*By Oliver Grant*\n\nBus fares will rise by 5 percent in July.\n\n"
            "- Single tickets cost more.\n- Sign up for our newsletter\n\n"
            "Sign up for our newsletter to get transit news every week.\n"
        )
    )
    assert article.removed == (
        "By Oliver Grant",
        "Sign up for our newsletter",
        "Sign up for our newsletter to get transit news every week.",
    )
    assert article.html == (
        "<p>Bus fares will rise by 5 percent in July.</p>\n<ul>\n<li>Single tickets cost more.</li>\n\n</ul>"
    )
