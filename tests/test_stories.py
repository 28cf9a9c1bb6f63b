"""Stories as a reader sees them: one event each, dated or not; clean headlines; a front page in news order;
the same counts of articles and outlets on every page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import pytest

from digest.config import Config
from digest.group import stream
from digest.group.dedupe import find_duplicates
from digest.group.events import url_date
from digest.group.grouping import Grouping, group
from digest.models import Article, RawArticle, Story
from digest.read.normalize import normalize
from digest.render.pages import front_stories
from digest.render.renderer import render
from digest.render.site import Lookups
from tests.test_render import make_digest

# Four undated reports on one company, from one archive folder: three events, the last told twice by two
# outlets. They share the subject's words (Yukos, Yugansk, oil, auction); the news, its day and its
# figures differ.
YUKOS = {
    "court": (
        "Yukos loses US bankruptcy battle",
        "A judge in Houston on Thursday threw out the US bankruptcy filing of Russian oil firm Yukos. "
        "The ruling said the court had no power over Yukos, whose assets and managers are in Russia. "
        "Yukos had filed for bankruptcy in Texas to stop the auction of Yugansk, its main oil unit. "
        "Lawyers for Yukos said they would study the ruling before deciding whether to appeal. "
        "The Kremlin has said the $27.5bn tax bill that led to the sale was lawful.",
    ),
    "auction": (
        "Yukos unit fetches $9bn at auction",
        "Yugansk, the main oil production unit of Russian oil firm Yukos, was sold at auction on Sunday "
        "for $9.35bn. The winning bid came from Baikal Finance Group, a little-known firm registered in Tver. "
        "The auction in Moscow lasted ten minutes and drew two bids. Yukos said the sale of Yugansk was "
        "illegal and that it would sue anyone taking part. Baikal Finance Group's owners were not known.",
    ),
    "lawsuit": (
        "Yukos sues four firms for $20bn",
        "Russian oil firm Yukos has sued four companies in a US court for $20bn in damages over the sale of "
        "Yugansk, its former oil unit. Gazprom, Rosneft and two others are named in the suit, filed in "
        "Houston on Wednesday. Yukos says the four firms helped the Kremlin take its assets. Rosneft, "
        "which now owns Yugansk, said the suit had no merit.",
    ),
    "auction-again": (
        "Baikal Finance wins Yugansk auction for $9.35bn",
        "Baikal Finance Group bought Yugansk, the main oil unit of Yukos, at an auction in Moscow on Sunday "
        "for $9.35bn. The little-known Baikal Finance Group, registered in Tver, made one of two bids. Yukos "
        "called the auction of Yugansk illegal and said it would sue the buyers. Who owns Baikal Finance "
        "Group was not known.",
    ),
}


def undated(name: str, title: str, text: str, folder: str = "archive") -> Article:
    return normalize(
        RawArticle(
            source=f"{folder}/{name}.txt",
            format="text",
            title=title,
            title_from="first-line",
            paragraphs=tuple(text.split(". ")),
        )
    )


def stories_of(grouping: Grouping, articles: Sequence[Article]) -> dict[str, str]:
    """Each article's name (its file's) -> its story's id."""
    story = {a: s.id for s in grouping.stories for a in (*s.articles, *s.duplicates)}
    return {a.source.rsplit("/", 1)[-1].removesuffix(".txt"): story[a.id] for a in articles}


def test_undated_reports_of_one_subject_stay_apart_when_their_events_differ() -> None:
    articles = [undated(name, *text) for name, text in YUKOS.items()]
    story = stories_of(group(articles, find_duplicates(articles)), articles)
    assert len({story["court"], story["auction"], story["lawsuit"]}) == 3
    assert story["auction"] == story["auction-again"]


def test_without_the_event_check_the_same_undated_reports_fuse(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above is what keeps them apart: similarity of vocabulary alone fuses the subject."""
    monkeypatch.setattr(stream, "may_join", lambda *_: True)
    articles = [undated(name, *text) for name, text in YUKOS.items()]
    story = stories_of(group(articles, find_duplicates(articles)), articles)
    assert len({story["court"], story["auction"], story["lawsuit"]}) < 3


# Three undated reports of one saga: a ruling, the firms' response to it, and the appeal weeks later. All
# three share the saga's names, figures and words, so each pair is alike; only the first two tell one news.
TOBACCO = {
    "ruling": (
        "Court rejects $280bn tobacco case",
        "A US appeals court in Washington on Friday rejected the government's $280bn claim against the "
        "biggest tobacco firms. The judges ruled that the law used by the Justice Department did not allow "
        "such damages. Philip Morris, Reynolds American and Lorillard had been accused of hiding the dangers "
        "of smoking for fifty years. The case was brought in 1999 under President Clinton. Shares in Altria, "
        "the owner of Philip Morris, rose 4% after the ruling.",
    ),
    "response": (
        "Tobacco firms hail court ruling on $280bn case",
        "The biggest US tobacco firms have welcomed Friday's ruling by an appeals court in Washington that "
        "rejected the government's $280bn case against them. Philip Morris, Reynolds American and Lorillard "
        "said the claim had never had any basis in law. The Justice Department brought the case in 1999 "
        "under President Clinton. Shares in Altria, which owns Philip Morris, rose 4% on the news.",
    ),
    "appeal": (
        "US seeks new hearing in $280bn tobacco case",
        "The US Justice Department has asked the full appeals court in Washington to hear again the $280bn "
        "case against the biggest tobacco firms, thrown out by three of its judges in February. Philip "
        "Morris, Reynolds American and Lorillard are accused of hiding the dangers of smoking. The case was "
        "brought in 1999 under President Clinton. The department said on Monday that the ruling would "
        "leave the law toothless.",
    ),
}


def test_an_undated_saga_does_not_grow_a_story_past_its_news() -> None:
    """The ruling and the response to it are one story; the appeal, alike to both, is another."""
    articles = [undated(name, *text) for name, text in TOBACCO.items()]
    story = stories_of(group(articles, find_duplicates(articles)), articles)
    assert story["ruling"] == story["response"]
    assert story["appeal"] != story["ruling"]


def test_without_the_cap_the_undated_saga_fuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap on undated stories past two reports is what keeps the appeal out."""
    monkeypatch.setattr(stream, "UNDATED_PAIR", len(TOBACCO))
    articles = [undated(name, *text) for name, text in TOBACCO.items()]
    story = stories_of(group(articles, find_duplicates(articles)), articles)
    assert len(set(story.values())) == 1


# A bond sale one day; the next, reports of a TV finale, the first of which shares a few words with the bond
# sale (failed, show, dark). Article by article, that report joins the bond sale's story and the others
# follow it there; as a whole, the day's reports do not tell the bond sale's news.
FINALE = [
    ("2014-03-10", "Failed debut: bond sale shows the dark side of growing risk"),
    ("2014-03-11", "Detective finale failed to live up to the show's dark standard"),
    ("2014-03-11", "True Detective finale crashes HBO Go"),
    ("2014-03-11", "Let's talk about the True Detective finale"),
    ("2014-03-11", "True Detective finale and season review"),
    ("2014-03-11", "True Detective finale draws record HBO audience"),
]


def headline(number: int, day: str, title: str) -> Article:
    return normalize(
        RawArticle(source=f"feed.xml#{number}", format="feed", title=title, title_from="feed", date=day)
    )


def finale_stories() -> list[str]:
    """The story of each of FINALE's headlines."""
    articles = [headline(number, day, title) for number, (day, title) in enumerate(FINALE)]
    story = {a: s.id for s in group(articles, find_duplicates(articles)).stories for a in s.articles}
    return [story[a.id] for a in articles]


def test_a_days_reports_are_parted_from_an_unrelated_story_they_took_over() -> None:
    bond, *finale = finale_stories()
    assert len(set(finale)) == 1 and bond not in finale


def test_without_parting_the_unrelated_story_keeps_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "_parted", lambda *_: set())
    assert len(set(finale_stories())) == 1


# A day's feed items: three columns of short items in a section (which name no event of their own), and a
# column's item that tells one, beside two outlets' headlines of that news.
COLUMNS = ["Entertainment briefs", "Business in Brief", "Monday Evening Business Brief"]
SPRINT = [
    "Business briefs: Sprint chief wants to take over T-Mobile",
    "Sprint chief wants to take over T-Mobile",
    "Sprint CEO eyes a T-Mobile takeover",
]


def column_stories() -> dict[str, str]:
    """Each headline of COLUMNS and SPRINT -> its story's id."""
    articles = [headline(n, "2014-03-10", title) for n, title in enumerate([*COLUMNS, *SPRINT])]
    story = {a: s.id for s in group(articles, find_duplicates(articles)).stories for a in s.articles}
    return {a.title: story[a.id] for a in articles}


def test_a_briefs_column_is_a_story_of_its_own_not_joined_by_the_word_brief() -> None:
    found = column_stories()
    assert len({found[title] for title in COLUMNS}) == len(COLUMNS)
    assert not {found[title] for title in COLUMNS} & {found[title] for title in SPRINT}
    assert len({found[title] for title in SPRINT}) == 1


def test_a_headline_that_briefs_someone_is_news_not_a_column() -> None:
    assert stream.is_column("Sports roundup")
    assert not stream.is_column("Court to brief")  # 'brief' a verb: the court will brief someone
    assert not stream.is_column("Senate rounds up votes")


def test_without_telling_columns_apart_they_share_a_story(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "is_column", lambda _: False)
    found = column_stories()
    assert len({found[title] for title in COLUMNS}) < len(COLUMNS)


def test_a_date_in_the_link_dates_an_undated_article() -> None:
    assert url_date("https://news.example/2014/03/10/markets-fall.html") == "2014-03-10"
    assert url_date("https://news.example/world/2014-3-9/story") == "2014-03-09"
    assert url_date("https://news.example/2014/02/30/no-such-day") is None
    assert url_date("https://news.example/story/12345") is None


def test_mojibake_in_a_title_is_repaired() -> None:
    for title in ("New iPad costs Â£349 in UK", "New iPad costs &pound;349 in UK"):
        raw = RawArticle(source="a.txt", format="text", title=title, paragraphs=("The iPad goes on sale.",))
        assert normalize(raw).title == "New iPad costs £349 in UK"
    raw = RawArticle(source="b.txt", format="text", title="Café owners cheer R&D tax cut", paragraphs=("x",))
    assert normalize(raw).title == "Café owners cheer R&D tax cut"


def story_titled(*titles: str, lead: str = "Ferry services resumed across the strait on Monday.") -> str:
    """The headline grouping gives one story of dated feed items with these titles and the same text."""
    articles = [
        normalize(
            RawArticle(
                source=f"feed{n}.xml#1",
                format="feed",
                title=title,
                title_from="feed:title",
                date="2024-03-11",
                date_from="feed:published",
                publisher=f"Outlet {n}",
                paragraphs=(
                    f"{lead} Ferries sailed from Dover to Calais again after the storm, port {n} said.",
                ),
            )
        )
        for n, title in enumerate(titles)
    ]
    [story] = group(articles, find_duplicates(articles)).stories
    return story.title


@pytest.mark.parametrize(
    "bad",
    [
        "Share this on:",
        "Daily Trading Review",
        "Acircpound349 ferry fares",
        "Ferries resume \ufffd\ufffd crossings",
    ],
)
def test_a_story_never_takes_page_furniture_garbled_text_or_a_market_template_as_headline(bad: str) -> None:
    assert story_titled(bad, "Ferries resume Dover Calais crossings after storm") == (
        "Ferries resume Dover Calais crossings after storm"
    )


@pytest.mark.parametrize(
    "cut", ["Ferries resume Dover Calais crossings after ...", "Ferries resume Dover\u2026"]
)
def test_a_story_takes_a_whole_headline_before_one_a_feed_cut_short(cut: str) -> None:
    whole = "Ferries resume Dover Calais crossings after storm"
    assert story_titled(cut, whole) == whole
    assert story_titled(whole, cut) == whole


def test_a_story_with_no_clean_headline_takes_one_from_its_lead() -> None:
    assert story_titled("Share this on:", "Daily Trading Review") == (
        "Ferry services resumed across the strait on Monday"
    )


def test_a_headline_many_unrelated_stories_carry_is_a_template() -> None:
    articles = [
        normalize(
            RawArticle(
                source=f"column{n}.xml#1",
                format="feed",
                title="Morning Briefing",
                date="2024-03-11",
                date_from="feed:published",
                paragraphs=tuple(text for _ in range(4)),
            )
        )
        for n, text in enumerate(
            [
                "Parliament passed the fisheries bill after a long night of votes in Westminster.",
                "A volcano erupted in Iceland, closing the airport at Reykjavik to all flights.",
                "The central bank of Brazil raised interest rates to fight rising inflation.",
            ]
        )
    ]
    titles = {s.title for s in group(articles, find_duplicates(articles)).stories}
    assert len(titles) == 3 and "Morning Briefing" not in titles


def test_outlets_are_counted_by_publisher_else_host_else_folder() -> None:
    articles = [undated(name, *text) for name, text in YUKOS.items()]
    grouping = group(articles, find_duplicates(articles))
    assert all(s.outlets == 1 for s in grouping.stories)  # one archive folder, however many articles
    moved = [
        undated("auction", *YUKOS["auction"], folder="a"),
        undated("again", *YUKOS["auction-again"], folder="b"),
    ]
    [story] = group(moved, {}).stories
    assert (len(story.articles), story.outlets) == (2, 2)


def dated(id: str, day: str, articles: int, outlets: int, coherence: float = 0.9) -> Story:
    ids = tuple(f"{id}-{n}" for n in range(articles))
    return Story(id, id, ids, (), day, day, topic="world", outlets=outlets, coherence=coherence)


def test_front_page_leads_with_most_outlets_not_most_articles() -> None:
    digest = make_digest()
    blob = dated("blob", "2024-04-08", articles=12, outlets=1)
    wide = dated("wide", "2024-04-07", articles=4, outlets=4)
    site = Lookups(replace(digest, stories=(blob, wide), days=digest.days), Config())
    assert [s.id for s in front_stories(site)] == ["wide", "blob"]


def test_front_page_prefers_fresh_news_and_one_event_to_a_fused_blob() -> None:
    digest = make_digest()
    old = dated("old", "2024-04-01", articles=2, outlets=2)
    today = dated("today", "2024-04-08", articles=1, outlets=1)
    fused = dated("fused", "2024-04-08", articles=3, outlets=3, coherence=0.15)
    coherent = dated("coherent", "2024-04-08", articles=2, outlets=2)
    site = Lookups(replace(digest, stories=(fused, coherent, today, old), days=digest.days), Config())
    assert [s.id for s in front_stories(site)] == ["coherent", "today", "fused", "old"]


def test_every_page_counts_articles_and_outlets_the_same_way() -> None:
    site = render(make_digest(), Config())
    counts = re.compile(r"\d+ articles? by \d+ outlets?")
    home = site["index.html"].decode()
    story = site["stories/s1.html"].decode()
    topic = site["topics/world.html"].decode()
    assert "2 articles by 2 outlets" in home
    assert "Reported in 2 articles by 2 outlets" in story
    assert "2 articles by 2 outlets" in topic
    for page in (home, story, topic, site["archive.html"].decode()):
        assert not re.search(r"\d+ sources?\b", page)
    assert counts.search(site["stories/s3.html"].decode()).group() == "1 article by 1 outlet"  # type: ignore[union-attr]
