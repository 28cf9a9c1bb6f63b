"""The plain-text reader on the seeds and on the patterns found in the wild."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import SourceError
from digest.models import RawArticle
from digest.read.readers.text import read
from tests.conftest import SEEDS


def one(text: str | bytes, source: str = "a.txt") -> RawArticle:
    data = text.encode("utf-8") if isinstance(text, str) else text
    records = read(data, source)
    assert len(records) == 1
    return records[0]


def seed(prefix: str) -> RawArticle:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return one(path.read_bytes(), path.name)


def test_seed_001_headline_author_and_date_from_text() -> None:
    article = seed("001")
    assert article.title == "Gallant: Israel Withdrawing From Southern Gaza to Prepare for Rafah Invasion"
    assert article.title_from == "first-line"
    assert (article.author, article.author_from) == ("Dave DeCamp", "author-line")
    assert (article.date, article.date_from) == ("2024-04-07", "text")
    assert article.summary == "Israel is withdrawing troops but keeping the south cut off from the north"
    assert not any(p.startswith("Author:") for p in article.paragraphs)


def test_seed_002_date_header_inline_with_lead() -> None:
    article = seed("002")
    assert (article.date, article.date_from) == ("2023-11-07", "header")
    assert article.title is None  # no headline line: normalize derives one from the lead
    assert article.paragraphs[0].startswith("Israeli soldiers have entered")


def test_seed_000_one_paragraph_per_line_without_headline() -> None:
    article = seed("000")
    assert article.title is None
    assert article.date is None
    assert len(article.paragraphs) == 14


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = (
        "Storm hits coast\n\nA storm hit the coast on Monday, cutting power to\n"
        "thousands of homes and closing roads across\nthe region.\n\nOfficials said repairs would take days."
    )
    article = one(text)
    assert article.title == "Storm hits coast"
    assert article.paragraphs == (
        "A storm hit the coast on Monday, cutting power to thousands of homes and closing roads across the region.",
        "Officials said repairs would take days.",
    )


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("By Jane Doe and John Roe", "Jane Doe and John Roe"),
        ("By JANE DOE, Reuters", "JANE DOE"),
        ("Author: María José García", "María José García"),
    ],
)
def test_bylines(byline: str, author: str) -> None:
    article = one(
        f"Markets rally on rate hopes\n\n{byline}\n\nShares rose sharply on Tuesday as investors bet on cuts."
    )
    assert article.author == author
    assert byline not in article.paragraphs


def test_bylines_and_date_lines_right_under_the_headline_are_not_part_of_it() -> None:
    article = one(
        "Teachers vote to accept pay deal\nUnion members back offer by large majority\n"
        "Published: 5 March 2024 10:32 GMT\nAuthor: Claire Dunn\n\n"
        "Teachers have voted to accept a pay offer, ending a long dispute, the union said on Tuesday."
    )
    assert article.title == "Teachers vote to accept pay deal"
    assert article.summary == "Union members back offer by large majority"
    assert (article.date, article.author) == ("2024-03-05", "Claire Dunn")
    assert article.paragraphs == (
        "Teachers have voted to accept a pay offer, ending a long dispute, the union said on Tuesday.",
    )
    assert set(article.removed) == {"Published: 5 March 2024 10:32 GMT", "Author: Claire Dunn"}
    wire = one(
        "Oil prices jump after outage\nBy Alex Lawler and Noah Browning\n\nOil prices rose on Tuesday."
    )
    assert (wire.title, wire.author) == ("Oil prices jump after outage", "Alex Lawler and Noah Browning")


def test_a_date_line_in_the_text_stays_text() -> None:
    lines = [f"Paragraph {n} of the report says something new about the budget." for n in range(6)]
    article = one("Budget report\n\n" + "\n\n".join([*lines, "Published: 5 March 2024"]))
    assert article.date_from == "text"  # found in the text, as any date there, not as a header
    assert article.paragraphs[-1] == "Published: 5 March 2024"


@pytest.mark.parametrize("role", ["Health Correspondent", "Staff Writer", "Political Editor"])
def test_a_writers_job_in_a_byline_is_not_a_publisher(role: str) -> None:
    article = one(f"Ambulance times improve\n\nBy Grace Obi, {role}\n\nAmbulances were faster in February.")
    assert (article.author, article.publisher) == ("Grace Obi", None)


def test_a_wrapped_line_ending_with_a_title_does_not_end_the_paragraph() -> None:
    article = one(
        "Waiting lists fall\n\nHospital chief executive Dr. Sarah Collins said staff had worked hard. Dr.\n"
        "Collins added that more beds would open in the spring at the main site."
    )
    assert article.paragraphs == (
        "Hospital chief executive Dr. Sarah Collins said staff had worked hard. Dr. Collins added that more "
        "beds would open in the spring at the main site.",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Novelist Arthur Hailey, who has died at the age of 84, was known for his page-turners.\n\n"
        "Born in Luton, Bedfordshire, on 5 April 1920, Hailey was the only child of working class parents.",
        "Visitor numbers at the museum are back to where they were before 11 September 2001, its owners say.",
        "The regulator extended the deadline for the new rules until 15 July 2006, the firm said on Monday.",
        "The score after the first half stood at one goal each.\n\nTuesday, 1 March\n\n2000 fans stayed away.",
    ],
)
def test_a_day_the_story_mentions_is_not_its_date(text: str) -> None:
    assert one("Headline\n\n" + text).date is None


@pytest.mark.parametrize(
    ("text", "date"),
    [
        (
            "LONDON, 5 March 2024 - Shares rose on Tuesday as investors bet that interest rates would fall.",
            "2024-03-05",
        ),
        (
            "Shares rose on Tuesday as investors bet on cuts.\n\nTuesday 5 March 2024\n\nTraders were cheerful.",
            "2024-03-05",
        ),
    ],
)
def test_a_date_line_or_a_dateline_in_the_text_is_its_date(text: str, date: str) -> None:
    article = one("Headline\n\n" + text)
    assert (article.date, article.date_from) == (date, "text")


def test_dateline_gives_publisher_and_is_stripped() -> None:
    article = one(
        "Senate passes budget\n\nWASHINGTON (Reuters) - The U.S. Senate passed a budget bill late on Thursday."
    )
    assert (article.publisher, article.publisher_from) == ("Reuters", "dateline")
    assert article.paragraphs[0].startswith("The U.S. Senate passed")


@pytest.mark.parametrize(
    ("header", "date"),
    [
        ("Date: 2024-03-01", "2024-03-01"),
        ("Published: March 5, 2024", "2024-03-05"),
        ("date 2023-11-07T10:30:00Z", "2023-11-07"),
    ],
)
def test_date_headers(header: str, date: str) -> None:
    article = one(
        f"{header}\nFlooding closes schools\n\nHeavy rain closed dozens of schools on Friday morning."
    )
    assert (article.date, article.date_from) == (date, "header")


def test_impossible_date_header_degrades_with_warning() -> None:
    article = one("Date: 2024-02-30\n\nHeavy rain closed dozens of schools on Friday across the county.")
    assert article.date is None
    assert any("impossible date" in w for w in article.warnings)


def test_encodings_and_line_ends() -> None:
    text = "Café reopens\r\n\r\nThe café on the corner reopened on Monday after a fire in 2023.\r\n"
    for data in (text.encode("utf-8-sig"), text.encode("utf-16"), text.encode("cp1252")):
        article = one(data)
        assert article.title == "Café reopens"
        assert article.paragraphs == ("The café on the corner reopened on Monday after a fire in 2023.",)


@pytest.mark.parametrize("data", [b"", b"   \n\n  ", b"\x00\x01\x02binary\x00"])
def test_empty_or_binary_is_refused(data: bytes) -> None:
    with pytest.raises(SourceError):
        read(data, "bad.txt")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_escape_the_warning_path(data: bytes) -> None:
    try:
        records = read(data, "fuzz.txt")
    except SourceError as error:
        assert error.source == "fuzz.txt" and error.reason
        return
    assert all(r.source == "fuzz.txt" for r in records)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_keeps_its_words(text: str) -> None:
    try:
        record = one(text)
    except SourceError:
        return
    found = " ".join(filter(None, [record.title, record.summary, *record.paragraphs, *record.removed]))
    assert set(found.split()) <= set(text.split()) | set(" ".join(text.split()).split())


@pytest.mark.parametrize(
    "line",
    [
        "Correction: 5 March 2024",
        "Editor's note: this article was amended on 5 March 2024",
        "5 March 2024: Talks collapse",
        "March 5, 2024 - Talks collapse",
    ],
)
def test_a_correction_or_a_timeline_entry_does_not_date_the_article(line: str) -> None:
    text = (
        f"Ferry strike ends\n\n{line}\n\nFerry crews on the northern route returned to work on Monday "
        "after a week-long strike over pay ended in a deal with the operator.\n"
    )
    [article] = read(text.encode(), "a.txt")
    assert article.date is None


def test_a_date_from_a_line_dropped_as_boilerplate_dates_nothing() -> None:
    from digest.read.normalize import normalize

    text = (
        "Ferry strike ends\n\nFerry crews on the northern route returned to work on Monday after a "
        "week-long strike over pay ended in a deal with the operator, union officials said.\n\n"
        "Related stories\n\nStorm closes ports 4 March 2024\n\n"
        "The operator said sailings would run to the normal timetable from Tuesday.\n"
    )
    [raw] = read(text.encode(), "a.txt")
    article = normalize(raw)
    assert "Storm closes ports 4 March 2024" in article.removed
    assert (article.date, article.date_from, article.published) == (None, None, None)


def test_a_chinese_article_with_a_date_line_under_its_headline() -> None:
    article = one(
        "广东多地遭遇强降雨 部分地区启动防汛应急响应\n\n2024年5月3日\n\n"
        "受强对流天气影响，广东省中北部多地3日出现暴雨到大暴雨，局部地区累计降雨量超过二百毫米。"
        "广东省防汛防旱防风总指挥部当天下午决定扩大应急响应范围。\n\n"
        "据气象部门监测，此次降雨过程具有持续时间长、强度大、范围广的特点。\n"
    )
    assert article.title == "广东多地遭遇强降雨 部分地区启动防汛应急响应"
    assert (article.date, article.date_from) == ("2024-05-03", "header")
    assert article.summary is None
    assert article.paragraphs[0].startswith("受强对流天气影响")


def test_a_chinese_article_without_a_headline_gets_one_from_its_lead() -> None:
    from digest.read.normalize import normalize

    article = one(
        "受强对流天气影响，广东省中北部多地3日出现暴雨到大暴雨，局部地区累计降雨量超过二百毫米。"
        "广东省防汛防旱防风总指挥部当天下午决定扩大应急响应范围。\n\n"
        "据气象部门监测，此次降雨过程具有持续时间长、强度大、范围广的特点。\n"
    )
    assert article.title is None
    assert normalize(article).title == "受强对流天气影响，广东省中北部多地3日出现暴雨到大暴雨"
