"""Stories and topics: what an editor would agree with, deterministic, stable as the archive grows."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from digest.config import TopicRule
from digest.group import topics
from digest.group.dedupe import find_duplicates
from digest.group.grouping import Grouping, group
from digest.models import Article, RawArticle
from digest.read.normalize import normalize

EVENTS = {
    "quake": [
        "Earthquake of magnitude 7.1 strikes off Japan's Fukushima coast",
        "Strong 7.1 quake hits Fukushima, tsunami warning issued for Japan coast",
        "Japan lifts tsunami warning after Fukushima earthquake",
    ],
    "merger": [
        "Comcast agrees to buy Time Warner Cable in $45bn deal",
        "Time Warner Cable accepts Comcast takeover offer worth $45bn",
        "Regulators to scrutinise Comcast's Time Warner Cable purchase",
    ],
    "final": [
        "Serena Williams wins Miami Open final against Li Na",
        "Li Na beaten by Serena Williams in Miami Open final",
    ],
}


def article(source: str, title: str, date: str | None = "2024-03-10", body: Sequence[str] = ()) -> Article:
    raw = RawArticle(
        source=source,
        format="feed",
        title=title,
        title_from="feed:title",
        date=date,
        date_from="feed:published" if date else None,
        url=f"https://news.example/{source}",
        url_from="feed:link",
        paragraphs=tuple(body),
    )
    return normalize(raw)


def headlines(events: dict[str, list[str]] = EVENTS) -> list[Article]:
    return [
        article(f"{name}-{number}.xml#1", title)
        for name, titles in events.items()
        for number, title in enumerate(titles)
    ]


def run(articles: Sequence[Article], **options: object) -> Grouping:
    return group(articles, find_duplicates(articles), **options)  # type: ignore[arg-type]


def story_sets(grouping: Grouping, articles: Sequence[Article]) -> set[frozenset[str]]:
    source = {a.id: a.source.split("-")[0] for a in articles}
    return {frozenset(f"{source[a]}:{a}" for a in s.articles) for s in grouping.stories}


def events_of(grouping: Grouping, articles: Sequence[Article]) -> list[set[str]]:
    source = {a.id: a.source.split("-")[0] for a in articles}
    return [{source[a] for a in s.articles} for s in grouping.stories]


def test_headline_only_feed_items_cluster_by_event() -> None:
    articles = headlines()
    grouping = run(articles)
    assert sorted(sorted(e) for e in events_of(grouping, articles)) == [["final"], ["merger"], ["quake"]]
    sizes = sorted(len(s.articles) for s in grouping.stories)
    assert sizes == [2, 3, 3]


def test_story_title_is_a_member_headline_and_articles_are_oldest_first() -> None:
    articles = [
        article("a.xml#1", "Comcast agrees to buy Time Warner Cable in $45bn deal", "2024-03-11"),
        article("b.xml#1", "Time Warner Cable accepts Comcast takeover offer worth $45bn", "2024-03-10"),
    ]
    (story,) = run(articles).stories
    by_id = {a.id: a for a in articles}
    assert story.title in {a.title for a in articles}
    assert [by_id[a].date for a in story.articles] == ["2024-03-10", "2024-03-11"]
    assert (story.date, story.updated) == ("2024-03-10", "2024-03-11")


@pytest.mark.parametrize("newer", [0, 1])
def test_of_two_equally_central_headlines_the_latest_news_leads(newer: int) -> None:
    """In a story of two, both headlines are exactly as central: the newer one leads, whichever id is smaller."""
    titles = [
        "Comcast agrees to buy Time Warner Cable in $45bn deal",
        "Time Warner Cable accepts Comcast offer",
    ]
    dates = ["2024-03-10", "2024-03-10"]
    dates[newer] = "2024-03-11"
    articles = [
        article(f"{n}.xml#1", title, date) for n, (title, date) in enumerate(zip(titles, dates, strict=True))
    ]
    (story,) = run(articles).stories
    assert story.title == titles[newer]


def test_articles_months_apart_are_separate_stories() -> None:
    articles = [
        article("a.xml#1", "Comcast agrees to buy Time Warner Cable in $45bn deal", "2024-03-10"),
        article("b.xml#1", "Comcast agrees to buy Time Warner Cable in $45bn deal, again", "2024-09-10"),
    ]
    assert len(run(articles).stories) == 2


def test_grouping_is_deterministic_whatever_the_input_order() -> None:
    articles = headlines()
    shuffled = list(articles)
    random.Random(3).shuffle(shuffled)
    assert run(articles) == run(shuffled)


def test_story_ids_survive_unrelated_articles_being_added() -> None:
    articles = headlines()
    before = {s.id: set(s.articles) for s in run(articles).stories}
    unrelated = headlines(
        {
            "budget": [
                "Chancellor unveils spring budget with fuel duty freeze",
                "Spring budget freezes fuel duty",
            ],
            "storm": [
                "Storm Ciara floods villages across Yorkshire",
                "Yorkshire villages flooded by Storm Ciara",
            ],
        }
    )
    after = {s.id: set(s.articles) for s in run(articles + unrelated).stories}
    for story_id, members in before.items():
        assert after[story_id] == members


def test_story_headlines_survive_an_unrelated_article_being_added(tmp_path: Path) -> None:
    """A story's headline is its most central article's: an article added elsewhere shifts every term's
    weight a little, which must not rename stories whose headlines are equally central (any story of two)."""
    from benchmarks.corpus import articles, generate, render

    generate(tmp_path / "src", 120, seed=7)
    before = {s.id: s.title for s in run(_load(tmp_path / "src")).stories}
    (tmp_path / "src" / "new.md").write_text(render(next(articles(1, seed=99)), "new"), encoding="utf-8")
    after = {s.id: s.title for s in run(_load(tmp_path / "src")).stories}
    assert len(after) == len(before) + 1
    assert {i: after[i] for i in before} == before


def test_the_topic_graph_keeps_its_articles_when_one_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    """Topic discovery links a sample of a large digest's articles; one article more (anywhere in the order)
    must leave the others' places in the sample as they were, or the topics found churn with every build."""
    monkeypatch.setattr(topics, "GRAPH_SAMPLE", 50)
    documents = [(f"term{n} subject{n % 7} word{n % 11}", [1, 1, 1]) for n in range(400)]
    before = {documents[row][0] for row in topics._sample(documents)}
    assert 30 < len(before) < 80  # about GRAPH_SAMPLE of them
    for at in (0, 200, 400):
        added = [*documents[:at], ("term9999 subject9 word9", [1, 1, 1]), *documents[at:]]
        after = {added[row][0] for row in topics._sample(added)}
        assert len(before ^ (after - {"term9999 subject9 word9"})) <= 2  # at the edge of the share, at most


def test_duplicates_follow_their_original_into_its_story() -> None:
    body = [
        "The central bank raised its main interest rate by a quarter point on Thursday, the third rise this year, "
        "citing stubborn inflation in services and a tight labour market that has pushed wages higher."
    ] * 3
    original = article("wire.xml#1", "Central bank raises rates again", body=body)
    copy = article("paper.xml#1", "Central bank raises rates again", body=body)
    articles = [original, copy]
    duplicates = find_duplicates(articles)
    assert len(duplicates) == 1
    (story,) = group(articles, duplicates).stories
    assert len(story.articles) == 1 and len(story.duplicates) == 1
    assert set(story.articles) | set(story.duplicates) == {original.id, copy.id}


def test_every_article_in_one_story_and_every_story_in_one_topic() -> None:
    articles = headlines()
    grouping = run(articles)
    members = [a for s in grouping.stories for a in (*s.articles, *s.duplicates)]
    assert sorted(members) == sorted(a.id for a in articles)
    in_topics = [s for t in grouping.topics for s in t.stories]
    assert sorted(in_topics) == sorted(s.id for s in grouping.stories)
    assert {s.topic for s in grouping.stories} == {t.id for t in grouping.topics}


def test_topic_labels_are_words_not_stopwords() -> None:
    grouping = run(headlines())
    for topic in grouping.topics:
        assert 1 <= len(topic.label.split()) <= 3
        assert topic.label.lower() not in {"the", "of", "and", "a", "in", "to"}
        assert topic.keywords


def test_configured_topics_and_other() -> None:
    rules = [
        TopicRule("Disasters", ("earthquake", "quake", "tsunami")),
        TopicRule("Business", ("deal", "takeover", "buy")),
    ]
    articles = headlines()
    grouping = run(articles, rules=rules)
    labels = {t.label: t for t in grouping.topics}
    assert set(labels) == {"Disasters", "Business", "Other"}
    story_topic = {s.id: s.topic for s in grouping.stories}
    titles = {s.id: s.title for s in grouping.stories}
    other = labels["Other"]
    assert all("Miami" in titles[s] for s in other.stories)
    assert all(story_topic[s] == labels["Disasters"].id for s in labels["Disasters"].stories)


@pytest.mark.parametrize(
    ("keyword", "written"), [("Zurich", "Zürich"), ("Zürich", "Zurich"), ("Sao Paulo", "São Paulo")]
)
def test_topic_keywords_match_whatever_the_accents(keyword: str, written: str) -> None:
    articles = [
        article("a-1", f"{written} side wins the cup final"),
        article("b-1", "Storm floods the coast road", date="2024-03-01"),
    ]
    grouping = run(articles, rules=[TopicRule("Sport", (keyword,))])
    topic = {t.label: t for t in grouping.topics}
    assert [s.title for s in grouping.stories if s.id in topic["Sport"].stories] == [
        f"{written} side wins the cup final"
    ]


def test_a_topic_named_in_front_matter_files_its_story_there() -> None:
    hinted = [
        replace(article("a-1", "Comet lights up the night sky over the valley"), topic_hint="space"),
        replace(article("a-2", "Comet lights up night sky over valley towns"), topic_hint="Astronomy"),
        replace(article("a-3", "Valley towns see comet light up the night sky"), topic_hint="Astronomy"),
        replace(
            article("b-1", "Probe lands near the moon's south pole", date="2024-03-01"), topic_hint="Space"
        ),
        article("c-1", "Earthquake shakes the coast", date="2024-02-20"),
    ]
    grouping = run(hinted, rules=[TopicRule("Space", ("rocket",)), TopicRule("Disasters", ("earthquake",))])
    label = {t.id: t.label for t in grouping.topics}
    topic_of = {s.title: label[s.topic] for s in grouping.stories}
    assert (
        topic_of["Probe lands near the moon's south pole"] == "Space"
    )  # the configured topic, whatever the case
    assert topic_of["Earthquake shakes the coast"] == "Disasters"
    [comet] = [title for title in topic_of if "omet" in title]
    assert topic_of[comet] == "Astronomy"  # two of its three articles say so


def test_unmatched_stories_can_go_to_discovered_topics() -> None:
    rules = [TopicRule("Disasters", ("earthquake", "quake", "tsunami"))]
    grouping = run(headlines(), rules=rules, unmatched="discover")
    labels = {t.label for t in grouping.topics}
    assert "Disasters" in labels and "Other" not in labels and len(labels) >= 2


def _load(root: Path, jobs: int = 1) -> list[Article]:
    from digest.incremental.cache import Cache
    from digest.incremental.files import Settings, ingest
    from digest.read.discovery import discover

    sources = list(discover(root, root / "site", lambda issue: None))
    return list(ingest(sources, Settings(10 * 2**20), Cache(None, ""), jobs=jobs).articles)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Article]:
    """A thousand generated articles: events of eight topics, each topic's events of several kinds."""
    from benchmarks.corpus import generate

    root = tmp_path_factory.mktemp("generated")
    generate(root / "src", 1000, seed=11)
    return _load(root / "src", jobs=2)


def test_discovered_subjects_are_the_topics_of_the_news(generated: list[Article]) -> None:
    """Each kind of event makes a community of its own in the neighbour graph; they must be joined into their
    topics, not left out as niches (nor one topic's articles spread over the others')."""
    from benchmarks.grouping import nmi
    from digest.group.grouping import article_features

    features = [article_features(a) for a in generated]
    subjects = topics.discover([(f.names, f.counts) for f in features])
    truth = [a.tags[0] for a in generated]
    assert len(set(subjects)) == len(set(truth)) == 8
    assert nmi(truth, subjects) >= 0.95


def test_the_topic_graph_has_the_same_nodes_in_the_same_order_whatever_the_input_order() -> None:
    """Community detection depends on the order of the graph's nodes: the same documents in another order
    must give the same graph, or the same articles give other topics when they come in another order."""
    documents = [(f"term{n} subject{n % 7} word{n % 11}", [1, 1, 1]) for n in range(400)]
    shuffled = list(documents)
    random.Random(5).shuffle(shuffled)
    assert [shuffled[row][0] for row in topics._sample(shuffled)] == [
        documents[row][0] for row in topics._sample(documents)
    ]


def test_subjects_found_beside_the_stories_change_nothing(generated: list[Article]) -> None:
    """With two jobs, the build discovers topics in a child process while grouping clusters stories."""
    from digest.config import Config
    from digest.incremental.engine import _group

    duplicates = find_duplicates(generated)
    alone = group(generated, duplicates)
    assert _group(generated, duplicates, Config(), {}, {}, jobs=2) == alone
    assert _group(generated, duplicates, Config(), {}, {}, jobs=1) == alone


def test_uci_headlines_group_into_their_events(corpora: Path, tmp_path: Path) -> None:
    from benchmarks.corpora import uci_feeds
    from benchmarks.grouping import bcubed

    labels = uci_feeds(tmp_path / "uci")
    articles = _load(tmp_path / "uci")
    grouping = run(articles)
    story_of = {a: s.id for s in grouping.stories for a in (*s.articles, *s.duplicates)}
    _, _, f1 = bcubed([labels[a.source] for a in articles], [story_of[a.id] for a in articles])
    assert f1 >= 0.85


def test_bbc_topics_match_the_sections(corpora: Path, tmp_path: Path) -> None:
    from benchmarks.corpora import flatten_bbc
    from benchmarks.grouping import nmi

    labels = flatten_bbc(tmp_path / "bbc")
    articles = _load(tmp_path / "bbc")
    grouping = run(articles)
    topic_of = {a: s.topic for s in grouping.stories for a in (*s.articles, *s.duplicates)}
    assert nmi([labels[a.source] for a in articles], [topic_of[a.id] for a in articles]) >= 0.85
    assert 4 <= len(grouping.topics) <= 12
    # Named as an editor would file them: the topic's name is the article's section's (benchmarks/topics.py).
    from benchmarks.topics import BBC_FITS

    label = {t.id: t.label for t in grouping.topics}
    fits = sum(label[topic_of[a.id]] in BBC_FITS[labels[a.source]] for a in articles)
    assert fits >= 0.9 * len(articles)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_small_digest_of_bbc_news_has_its_sections_as_topics(
    corpora: Path, tmp_path: Path, seed: int
) -> None:
    """Eighty articles of five sections: a neighbour graph that dense is one community at a low resolution,
    and a digest of one topic files sport under business."""
    from benchmarks.corpora import flatten_bbc
    from benchmarks.grouping import nmi

    labels = flatten_bbc(tmp_path / "bbc")
    chosen = random.Random(seed).sample(sorted(labels), 80)
    (tmp_path / "small").mkdir()
    for name in chosen:
        (tmp_path / "small" / name).write_bytes((tmp_path / "bbc" / name).read_bytes())
    articles = _load(tmp_path / "small")
    grouping = run(articles)
    topic_of = {a: s.topic for s in grouping.stories for a in (*s.articles, *s.duplicates)}
    assert 4 <= len(grouping.topics) <= 8
    assert nmi([labels[a.source] for a in articles], [topic_of[a.id] for a in articles]) >= 0.7
