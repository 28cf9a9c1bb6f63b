"""Boilerplate lines are recognised; real news prose is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.language.boilerplate import REASONS, boilerplate_reason, is_furniture_title
from digest.language.text import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "001_4f576c5357cec744.txt"
BBC = ROOT.parent / "shared" / "corpora" / "bbc"
needs_bbc = pytest.mark.skipif(not BBC.is_dir(), reason="BBC corpus not available")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("By Jane Doe", "byline"),
        ("By JANE DOE and JOHN ROE, Reuters", "byline"),
        ("By Jane Doe, staff writer", "byline"),
        ("Written by Jane Doe", "byline"),
        ("Author: Dave DeCamp", "byline"),
        ("Reporting by Jane Doe; Editing by John Roe", "byline"),
        ("(Additional reporting by Jane Doe in Cairo)", "byline"),
        ("Dave DeCamp is the news editor of, follow him on Twitter @decampdave.", "author-bio"),
        ("Jane Doe is a senior reporter at Reuters covering energy markets.", "author-bio"),
        ("Clark Boyd is technology correspondent for The World.", "author-bio"),
        ("Follow her on X @janedoe", "author-bio"),
        ("You can reach him at jdoe@example.com.", "author-bio"),
        ("Follow us on Twitter", "social"),
        ("Follow BBC News on Facebook and Instagram", "social"),
        ("Share this article", "social"),
        ("Share | Tweet | Email", "social"),
        ("Tweet me @janedoe with your views", "social"),
        ("Sign up for our newsletter", "promo"),
        ("Subscribe to our daily briefing for more news like this.", "promo"),
        ("Click here to read the full report", "promo"),
        ("Read more: Gaza ceasefire talks stall", "promo"),
        ("Related:", "promo"),
        ("Advertisement", "promo"),
        ("Photo: John Smith/AP", "photo-credit"),
        ("(AP Photo/Hatem Moussa)", "photo-credit"),
        ("Palestinians inspect the rubble in Khan Younis. (AP Photo/Hatem Moussa)", "photo-credit"),
        ("Getty Images", "photo-credit"),
        ("Image copyright Getty Images", "photo-credit"),
        ("Image caption The minister spoke on Monday", "photo-credit"),
        ("Military Situation in Gaza on April 7, 2024 (", "caption"),
        ("Troops pictured near the border crossing", "caption"),
        ("© 2024 Reuters. All rights reserved.", "copyright"),
        ("Copyright 2024 The Associated Press", "copyright"),
        ("WASHINGTON, April 7, 2024", "dateline"),
        ("Published: 7 April 2024", "dateline"),
        ("Updated 10:32 GMT", "dateline"),
        ("This article was originally published by The Conversation.", "republished"),
        ("A version of this story first appeared in the Financial Times.", "republished"),
        ("The post Tech firm announces 1,000 job cuts appeared first on Business Daily.", "republished"),
        ("We'd love to hear your thoughts on this story.", "promo"),
        ("Have your say in the comments below", "promo"),
        (
            "Rescue teams gather at the trailhead on Thursday morning. Photograph: Mark Evans/Mountain Courier",
            "photo-credit",
        ),
        ("责任编辑：张丽", "byline"),
        ("（记者：王晓明）", "byline"),
        ("来源：新华社", "byline"),
        ("2024年7月10日 18時00分", "dateline"),
        ("2024年5月3日", "dateline"),
        ("版权所有 © 2024 城市新闻网 保留所有权利", "copyright"),
        ("2024年06月03日 09:30 来源：城市新闻网", "dateline"),
        ("首页 | 新闻 | 财经 | 股票 | 基金", "promo"),
        ("Home | World | Business | Sport", "promo"),
    ],
)
def test_boilerplate_is_recognised(line: str, reason: str) -> None:
    assert boilerplate_reason(line) == reason
    assert reason in REASONS


@pytest.mark.parametrize(
    "line",
    [
        "By the end of the year, sales had doubled.",
        "By February, the firm had doubled its sales",
        "Copyright laws are changing fast, the minister said.",
        "Getty Images reported higher profits on Tuesday.",
        "Israeli soldiers have entered the war-torn city of Gaza.",
        "Israel is withdrawing troops but keeping the south cut off from the north",
        "Tony Blair is likely to name 5 May as election day, the BBC's political editor has learned.",
        "Dame Muriel Spark is among three British authors on the shortlist.",
        "Mr Smith is the editor of the Sun newspaper.",
        "The report is published by the Efficiency in Government Unit.",
        "Video-on-demand has the added advantage of not requiring a set-top box.",
        "Spears claimed other magazines were approached but chose to contact her instead.",
        "Photographers gathered outside the court on Monday.",
        "Follow-up talks are planned for next week in Cairo.",
        "The post office will close at noon, the council said.",
        "The post of chairman appeared first on the agenda, ahead of the budget.",
        "She showed reporters one photo: a boy holding a flag outside the school.",
        "We would love to hear more from the minister, the union said.",
        # Long paragraphs of Chinese, Japanese and Hindi prose are a few 'words' between spaces.
        "杭州地铁十号线北段28日上午正式开通运营，线路全长约十四公里，共设车站十一座，连接城北的新兴居住区与市中心。",
        "记者从杭州市交通运输局获悉，新线开通后沿线居民的通勤时间将大幅缩短。",
        "東京都は十日、今夏の記録的な猛暑により電力需要が急増する恐れがあるとして、節電への協力を呼びかけた。",
        "2024年7月10日、東京都は節電への協力を呼びかけた。",
        "The vote split 52 | 48 on the first count and 51 | 49 on the second, officials said.",
        "भारत मौसम विज्ञान विभाग ने शनिवार को घोषणा की कि मानसून ने केरल के तट पर दस्तक दे दी है।",
        "",
    ],
)
def test_prose_is_not_boilerplate(line: str) -> None:
    assert boilerplate_reason(line) is None


def test_known_author_lines() -> None:
    assert boilerplate_reason("Dave DeCamp", author="Dave DeCamp") == "byline"
    assert boilerplate_reason("By dave decamp", author="Dave DeCamp") == "byline"
    assert boilerplate_reason("Jane Doe covers energy for the paper.", author="Jane Doe") == "author-bio"
    assert boilerplate_reason("Dave DeCamp said the war goes on.", author="Dave DeCamp") is None


@pytest.mark.parametrize(
    "title",
    [
        "Posted by Parvez Jabri",
        "Posted by Shoaib-ur-Rehman Siddiqui",
        "Posted by admin",
        "Written by Maria de la Cruz",
        "By JANE DOE and JOHN ROE, Reuters",
        "By Michael Holden and Kate Kelland, Reuters",
        "By Jane Doe, staff writer",
        "Most read",
    ],
)
def test_a_byline_or_a_lists_label_is_furniture_as_a_title(title: str) -> None:
    assert is_furniture_title(title)


@pytest.mark.parametrize(
    "title",
    [
        "By The Numbers: Apple's record quarter",
        "By Land And Sea",
        "By Popular Demand",
        "By George, It's Spring",
        "Stand By Me",
        "By-election called in Leeds",
        "Both ways",
        "Business Highlights",
        "Written by the victors",
    ],
)
def test_headlines_that_start_like_a_byline_are_not_furniture(title: str) -> None:
    assert not is_furniture_title(title)


def test_seed_bad_lines_are_flagged_and_its_prose_is_not() -> None:
    paragraphs = [p.strip() for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    flagged = {p: boilerplate_reason(p) for p in paragraphs if boilerplate_reason(p)}
    assert flagged == {
        "Author: Dave DeCamp": "byline",
        "Dave DeCamp is the news editor of, follow him on Twitter @decampdave.": "author-bio",
        "Military Situation in Gaza on April 7, 2024 (": "caption",
    }


@needs_bbc
def test_bbc_prose_is_rarely_flagged_and_flags_are_true_boilerplate() -> None:
    paragraphs = []
    for path in sorted(BBC.glob("*/*.txt"))[::7][:300]:
        text = path.read_text(encoding="utf-8", errors="replace")
        paragraphs += [p.strip() for p in text.split("\n\n")[1:] if p.strip()]
    flagged = [(boilerplate_reason(p), p) for p in paragraphs if boilerplate_reason(p)]
    assert len(paragraphs) > 1000
    assert len(flagged) < 0.01 * len(paragraphs)
    # What BBC text does hold: columnist notes ("Bill Thompson is a regular commentator on ...") and
    # fixture-list dates ("Saturday, 26 February").
    for reason, paragraph in flagged:
        assert reason in {"author-bio", "dateline"}, paragraph
        assert paragraph.split()[0][0].isupper()
        assert len(paragraph.split()) <= 20


@needs_bbc
def test_bbc_sentences_are_not_flagged() -> None:
    flagged = []
    total = 0
    for path in sorted(BBC.glob("*/*.txt"))[::5]:
        for paragraph in path.read_text(encoding="utf-8", errors="replace").split("\n\n")[1:]:
            if boilerplate_reason(paragraph):
                continue
            for sentence in split_sentences(paragraph):
                total += 1
                if boilerplate_reason(sentence):
                    flagged.append(sentence)
    assert total > 5000
    assert len(flagged) <= total // 2000, flagged
