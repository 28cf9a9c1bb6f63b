"""Small hostile files read in time that grows in step with their size: no rule that reads an article's
text retries from each of its positions a scan that runs on to the end.

Each input is shaped to hit one rule's worst case. A megabyte of it builds in seconds; and, timed with
``growth``, eight times the input takes about eight times as long where a rule whose work grows with the
square of the input would take sixty-four.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from digest.language.boilerplate import boilerplate_reason
from digest.language.text import headline_from_lead, split_sentences, word_count, words
from digest.models import RawArticle
from digest.read import dates
from digest.read.normalize import normalize
from digest.read.readers import reader_for
from digest.read.readers._common import byline_name
from digest.summarize.facts import key_facts
from tests.conftest import growth

MEGABYTE = 1_000_000  # under build.max_file_mb's default with room to spare
SECONDS = 30  # a build of one such file (a few seconds); each took minutes to hours before
EIGHTFOLD = 20  # eight times the input: linear work takes about 8 times as long, quadratic 64

Builder = Callable[..., tuple[Any, dict[str, Any]]]
BODY = "The council met on Monday to discuss the harbour."


def _times(count: int) -> int:
    """How many ``count``-sized pieces make about a megabyte."""
    return MEGABYTE // count


HOSTILE_FILES = {
    "author in front matter": (
        "byline.md",
        f'---\ntitle: Harbour\nauthor: "{"a@" * _times(2)}"\n---\n{BODY}\n',
    ),
    "author in a feed": (
        "byline.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title><item><title>Harbour</title>'
        f"<author>{'a@' * _times(2)}</author><description>{BODY}</description></item></channel></rss>",
    ),
    "author in page metadata": (
        "byline.html",
        f'<html><head><title>Harbour</title><meta name="author" content="{"a@" * _times(2)}"></head>'
        f"<body><article><h1>Harbour</h1><p>{BODY} {BODY} {BODY}</p></article></body></html>",
    ),
    "photo credits": ("credits.txt", "Harbour\n\n" + "(photo/" * _times(7) + ")x\n"),
    "open brackets": ("brackets.txt", "Harbour\n\n" + "(" * MEGABYTE + ")\n"),
    "definition list": ("definitions.md", "# Harbour\n\nterm\n" + ": def\n" * _times(6)),
    "footnote markers": ("footnotes.md", "# Harbour\n\n" + "a[^1]\n\n" * _times(7) + "[^1]: A note.\n"),
}


@pytest.mark.parametrize("kind", list(HOSTILE_FILES))
def test_a_megabyte_of_hostile_text_builds_in_seconds(
    kind: str, make_source: Callable[[dict[str, str | bytes]], Path], run_build: Builder
) -> None:
    name, content = HOSTILE_FILES[kind]
    started = time.perf_counter()
    _, digest = run_build(make_source({name: content}))
    assert time.perf_counter() - started < SECONDS
    assert [article["title"] for article in digest["articles"]] == ["Harbour"]


def test_a_definition_list_or_footnotes_past_the_budget_are_read_as_text() -> None:
    for kind in ("definition list", "footnote markers"):
        name, content = HOSTILE_FILES[kind]
        [raw] = _read(name, content)
        assert raw.title == "Harbour"
        assert raw.warnings == ("too much inline markup for Markdown to read in time; shown as plain text",)


def test_ordinary_definition_lists_and_footnotes_are_still_markdown() -> None:
    [raw] = _read(
        "a.md", "# Harbour\n\nQuay\n: Where boats tie up.\n\nIt reopened.[^1]\n\n[^1]: On Monday.\n"
    )
    assert raw.warnings == ()
    assert (
        raw.html is not None and "<dd>Where boats tie up.</dd>" in raw.html and 'class="footnote"' in raw.html
    )


def test_byline_parsing_time_grows_in_step_with_the_byline() -> None:
    bylines = {count: "a@" * count for count in (1_000, 8_000)}
    authors = {
        count: RawArticle("a.md", "markdown", (BODY,), title="T", author=bylines[count]) for count in bylines
    }

    def parse(count: int) -> None:
        for _ in range(20):
            assert byline_name(bylines[count]) == ""
        assert normalize(authors[count]).author is None

    assert growth(parse, 1_000, 8_000) < EIGHTFOLD


def test_photo_credit_rule_time_grows_in_step_with_the_line() -> None:
    lines = {count: "(photo/" * count + ")x" for count in (250, 2_000)}
    assert growth(lambda count: _reasons(lines[count]), 250, 2_000) < EIGHTFOLD


def test_stray_bracket_test_time_grows_in_step_with_the_line() -> None:
    lines = {
        count: ["(" * count + ")", "[" * count + "]", "(a " * (count // 3) + ")"] for count in (1_000, 8_000)
    }
    assert growth(lambda count: [_reasons(line) for line in lines[count]], 1_000, 8_000) < EIGHTFOLD


def test_boilerplate_line_rules_time_grows_in_step_with_the_text() -> None:
    lines = {
        count: [
            "By " + "A-b " * count + "!",
            "Published: " + "May " * count,
            "LONDON (" + "a" * count + " - 5 March 2024",
            "Follow us on " + "x" * count,
            "The post " + "appeared first on " * count,
            "Jane Doe is " + "a " * count + "reporter",
        ]
        for count in (500, 4_000)
    }
    # The author is met again in every paragraph of the article.
    articles = {
        count: RawArticle(
            "a.txt", "text", ("A line of text.",) * count, title="T", author="Jane Doe " * count
        )
        for count in (500, 4_000)
    }

    def screen(count: int) -> None:
        for line in lines[count]:
            _reasons(line)
        normalize(articles[count])

    assert growth(screen, 500, 4_000) < EIGHTFOLD


def test_sentence_splitting_time_grows_in_step_with_the_text() -> None:
    texts = {
        count: [
            "." * count + "x",  # one run of terminators, glued to a lowercase word
            'a."Ab' * (count // 5),  # straight quotes glued to both sentences
            "Dr.\n" * (count // 4),  # terminators that end no sentence, on lines of their own
            "「" + "中。" * (count // 2),  # CJK full stops inside a quotation never closed
            "「中。」" * (count // 4),  # and inside quotations closed at once
            "中!" * (count // 2),  # '!' glued to CJK characters
        ]
        for count in (2_000, 16_000)
    }
    leads = {count: "a" + " " * count + "(b" for count in (2_000, 16_000)}

    def split(count: int) -> None:
        for text in texts[count]:
            split_sentences(text)
        headline_from_lead(leads[count])
        words(texts[count][3] + texts[count][5])
        word_count(texts[count][3] + texts[count][5])

    assert growth(split, 2_000, 16_000) < EIGHTFOLD


def test_dates_in_text_time_grows_in_step_with_the_text() -> None:
    files = {count: f"Date{' ' * count}x\n\n{BODY}\n" for count in (200, 1_600)}
    paragraphs = {count: ["May " * count + "x", "12 " * count + "May x"] for count in (200, 1_600)}

    def find(count: int) -> None:
        _read("a.txt", files[count])
        dates.find_in_text(paragraphs[count])

    assert growth(find, 200, 1_600) < EIGHTFOLD


def test_facts_extraction_time_grows_in_step_with_the_story() -> None:
    rng = random.Random(25)

    def name() -> str:
        return rng.choice("BCDFGHJKLMNPRSTVWZ") + "".join(rng.choice("aeiklmnoprstuxyz") for _ in range(7))

    # Names spelt unlike each other, each compared with the others; in many sentences, and in one lead.
    stories = {
        count: [
            ("a", [" and ".join(name() for _ in range(10)) + " met." for _ in range(count // 10)]),
            ("b", [" and ".join(name() for _ in range(count)) + " met."]),
        ]
        for count in (250, 2_000)
    }
    assert growth(lambda count: key_facts(stories[count]), 250, 2_000, repeats=3) < EIGHTFOLD


def test_markdown_reading_time_grows_in_step_with_the_document() -> None:
    documents = {count: "# Harbour\n\nterm\n" + ": def\n" * count for count in (2_000, 16_000)}
    assert growth(lambda count: _read("a.md", documents[count]), 2_000, 16_000, repeats=3) < EIGHTFOLD


def _reasons(line: str) -> None:
    """Screen a line as a paragraph and as a sentence, several times, so that short runs are timed well."""
    for _ in range(10):
        boilerplate_reason(line, author="Jane Doe")


def _read(name: str, content: str) -> list[RawArticle]:
    reader = reader_for(Path(name).suffix)
    assert reader is not None
    return reader(content.encode("utf-8"), name)
