"""Topics an editor would file: section names for broad news, subject names for one subject's news, stories
filed where they belong, feeds' categories as evidence, configured keywords in all their forms."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from digest.config import TopicRule
from digest.group import naming, sections, topics
from digest.group.dedupe import find_duplicates
from digest.group.grouping import Grouping, group
from digest.language.text import stem, words
from digest.models import Article, RawArticle
from digest.read.normalize import normalize

SECTION_NAMES = {section.name for section in sections.sections()} | {topics.OTHER}

BROAD = [
    ("Central bank cuts interest rates to revive the economy", "2024-03-04"),
    ("Shares slide as investors fear a recession", "2024-03-04"),
    ("Games studio cuts 200 jobs after its console flop", "2024-03-05"),
    ("Chipmaker unveils a faster smartphone processor", "2024-03-05"),
    ("Prime minister calls a snap election after losing a parliament vote", "2024-03-06"),
    ("Opposition party leads the polls before the election campaign", "2024-03-06"),
    ("Striker scores twice as the league leaders win the cup final", "2024-03-07"),
    ("Tennis champion knocked out of the tournament in the first round", "2024-03-07"),
    ("Actor wins an Oscar for his role in the war film", "2024-03-08"),
    ("Singer announces a world tour and a new album", "2024-03-08"),
]

WAR = [
    "Israeli troops withdraw from Khan Younis in southern Gaza",
    "Aid trucks reach northern Gaza as Israeli strikes continue",
    "Talks in Cairo on a Gaza ceasefire and the release of hostages stall",
    "Hospitals in Gaza run out of fuel, the United Nations says",
    "Israeli army prepares for an assault on Rafah in southern Gaza",
    "Families of hostages held in Gaza march on Jerusalem",
]


def article(
    source: str, title: str, date: str | None = "2024-03-10", body: Sequence[str] = (), fmt: str = "feed"
) -> Article:
    raw = RawArticle(
        source=source,
        format=fmt,
        title=title,
        title_from="feed:title",
        date=date,
        date_from="feed:published" if date else None,
        url=f"https://news.example/{zlib.crc32(source.encode())}",  # no words: a slug's words join stories
        url_from="feed:link",
        paragraphs=tuple(body),
    )
    return normalize(raw)


def run(articles: Sequence[Article], **options: object) -> Grouping:
    return group(articles, find_duplicates(articles), **options)  # type: ignore[arg-type]


def topic_of(grouping: Grouping) -> dict[str, str]:
    """Each story's headline -> its topic's label."""
    label = {t.id: t.label for t in grouping.topics}
    return {s.title: label[s.topic] for s in grouping.stories}


def broad() -> list[Article]:
    return [article(f"broad-{n}.xml#1", title, date) for n, (title, date) in enumerate(BROAD)]


def war(body: bool = True) -> list[Article]:
    """One war's news, each story told by two outlets in a headline and a sentence-case lead."""
    return [
        article(
            f"war-{n}-{outlet}.xml#1",
            title,
            f"2024-03-{n + 1:02d}",
            [f"{title}, officials said on Monday. The Israeli military and Hamas traded accusations."]
            if body
            else (),
        )
        for n, title in enumerate(WAR)
        for outlet in range(2)
    ]


def test_a_broad_digest_has_news_sections_as_topics() -> None:
    filed = topic_of(run(broad()))
    assert set(filed.values()) <= SECTION_NAMES
    assert filed["Central bank cuts interest rates to revive the economy"] == "Business"
    assert filed["Prime minister calls a snap election after losing a parliament vote"] == "Politics"
    assert filed["Striker scores twice as the league leaders win the cup final"] == "Sport"
    assert filed["Actor wins an Oscar for his role in the war film"] == "Arts and entertainment"
    assert filed["Chipmaker unveils a faster smartphone processor"] == "Science and technology"


def test_stories_that_share_a_word_are_not_filed_together_by_it() -> None:
    """A rate cut and a studio's job cuts share 'cut': neither is filed under it, nor under sport or politics."""
    filed = topic_of(run(broad()))
    assert "Cut" not in filed.values() and "Cuts" not in filed.values()
    studio = filed["Games studio cuts 200 jobs after its console flop"]
    assert studio in {"Business", "Science and technology", "Arts and entertainment"}


def test_a_digest_of_one_subject_is_named_after_it_not_an_adjective() -> None:
    labels = [t.label for t in run(war()).topics]
    assert labels == ["Gaza"]


def test_the_seed_topic_is_named_after_its_subject(tmp_path: Path) -> None:
    from digest.incremental.cache import Cache
    from digest.incremental.files import Settings, ingest
    from digest.read.discovery import discover

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    sources = list(discover(seeds, tmp_path / "site", lambda issue: None))
    articles = ingest(sources, Settings(10 * 2**20), Cache(None, ""), jobs=1).articles
    assert [t.label for t in run(articles).topics] == ["Gaza"]


@pytest.mark.parametrize(
    ("phrase", "named"),
    [
        ("Gaza", True),
        ("Khan Younis", True),
        ("Bank of England", True),
        ("Mt. Gox", True),
        ("Israeli", False),  # an adjective
        ("Palestinian Islamist", False),
        ("Der", False),  # German, Spanish and French stopwords
        ("Ich", False),
        ("De", False),
        ("Les", False),
        ("Regierung", False),  # an everyday German word
        ("2027", False),
        ("Confirms", False),  # verbs
        ("Waiting", False),
        ("Cut", False),
        ("Year", False),  # everyday words
        ("News", False),
    ],
)
def test_a_name_is_never_a_stopword_adjective_verb_number_or_everyday_word(phrase: str, named: bool) -> None:
    assert naming.is_name(phrase) is named


@pytest.mark.parametrize(
    "lead",
    [
        "Der Bundestag hat am Montag über den Haushalt beraten. Ich habe das nicht erwartet, sagte der Minister.",
        "De nuevo el Gobierno de España aprobó el presupuesto. El ministro dijo que la economía crecerá.",
        "De nombreux députés ont voté le budget. Le ministre a dit que la croissance sera forte.",
    ],
)
def test_news_in_another_language_is_not_named_after_its_stopwords(lead: str) -> None:
    articles = [
        article(f"page-{n}.xml#1", lead.split(".")[0] + f" ({n})", f"2024-03-0{n + 1}", [lead])
        for n in range(4)
    ]
    for topic in run(articles).topics:
        assert topic.label.lower() not in {"der", "ich", "de", "el", "la", "le", "les", "nuevo", "nombreux"}
        assert naming.is_name(topic.label) or topic.label in SECTION_NAMES


def test_feed_categories_file_stories_but_are_not_topics_of_their_own() -> None:
    """Headlines that say little of their section are filed by their feed's category; no topic is named
    after a category ('Markets', 'Gadgets')."""
    vague = [
        ("Apple shares jump after the quarterly results", "Markets"),
        ("Apple unveils a new device at its spring event", "Gadgets & Tech"),
        ("What the rumours say about the next big launch", "Technology"),
        ("Investors cheer the record quarter at the giant", "Business"),
    ]
    articles = [
        replace(article(f"feed-{n}.xml#1", title, f"2024-03-0{n + 1}"), tags=(category,))
        for n, (title, category) in enumerate(vague)
    ]
    filed = topic_of(run(articles))
    assert filed["What the rumours say about the next big launch"] == "Science and technology"
    assert filed["Investors cheer the record quarter at the giant"] == "Business"
    assert not {"Markets", "Gadgets & Tech"} & set(filed.values())


def test_a_saved_pages_section_is_evidence_not_a_topic() -> None:
    """``article:section`` of a saved page files its story; it does not make a topic of that name."""
    pages = [
        replace(article(f"page-{n}.html", title, f"2024-03-0{n + 1}", fmt="html"), topic_hint=section)
        for n, (title, section) in enumerate(
            [
                ("Storm knocks out power along the coast", "Weather"),
                ("Rain and gales forecast for the weekend", "Weather"),
                ("Striker signs for the league leaders", "Football"),
                ("Champion wins the final in straight sets", "Tennis"),
            ]
        )
    ]
    labels = {t.label for t in run(pages).topics}
    assert not {"Football", "Tennis"} & labels
    assert labels <= SECTION_NAMES


@pytest.mark.parametrize(
    ("keyword", "headline"),
    [
        ("AI", "AI start-up raises $50m from investors"),
        ("AI", "AI-powered phones go on sale"),
        ("chip", "Chipmaker shares soar after results"),
        ("chip", "Microchip shortage hits carmakers"),
        ("bank", "Bankers brace for a bonus cut"),
    ],
)
def test_configured_keywords_match_their_forms_and_compounds(keyword: str, headline: str) -> None:
    body = [
        "The company said on Monday that it expected demand to keep growing over the coming year, and "
        "analysts in London and New York broadly agreed with the forecast it gave to shareholders."
    ]
    articles = [
        article("a-1.xml#1", headline, body=body),
        article("b-1.xml#1", "Storm floods the coast road"),
    ]
    grouping = run(articles, rules=[TopicRule("Named", (keyword,))])
    assert topic_of(grouping)[headline] == "Named"


def test_configured_keywords_do_not_match_words_that_merely_start_alike() -> None:
    grouping = run(
        [article("a-1.xml#1", "Retailer goes bankrupt after a weak Christmas")],
        rules=[TopicRule("Banks", ("bank",))],
    )
    assert topic_of(grouping) == {"Retailer goes bankrupt after a weak Christmas": "Other"}


def test_a_broad_digest_keeps_topics_few_enough_to_browse() -> None:
    articles = [
        article(f"many-{n}-{m}.xml#1", f"{title} ({m})", date)
        for n, (title, date) in enumerate(BROAD)
        for m in range(6)
    ]
    assert len(run(articles).topics) <= topics.MAX_TOPICS + 1


def filed_story(number: int, headline: str, outlets: int) -> topics.StoryText:
    """A story that ``outlets`` feeds told under one headline, giving no categories."""
    terms = Counter(stem(word) for word in words(headline))
    evidence = topics.evidence(terms, ((),) * outlets)
    return topics.StoryText(f"s{number}", outlets, evidence, naming.Text((headline,) * outlets, ()))


@pytest.mark.parametrize(("outlets", "kept"), [(40, True), (1, False)])
def test_a_section_of_few_stories_that_many_outlets_told_is_a_topic(outlets: int, kept: bool) -> None:
    """In a big digest, Health news of a single story that forty outlets reported is a topic to browse
    (a fifth of the articles); a single item of it is folded into the other sections."""
    stories = [
        filed_story(n, f"Shares slide as investors fear a recession in market {n}", 1) for n in range(30)
    ] + [filed_story(30 + n, f"Striker scores as the league leaders win cup match {n}", 1) for n in range(30)]
    health = filed_story(99, "Doctors warn that a study links obesity to heart disease in patients", outlets)
    filed = dict(topics.file([[story] for story in [*stories, health]]))
    assert ("Health" in filed) is kept
    assert {"Business", "Sport"} <= set(filed)


def test_uci_headlines_are_filed_by_their_categories(corpora: Path, tmp_path: Path) -> None:
    """Headlines of four sections from many feeds, half of which give each item's category."""
    from benchmarks.corpora import uci_category_feeds
    from benchmarks.grouping import nmi

    categories = uci_category_feeds(tmp_path / "uci")
    from digest.incremental.cache import Cache
    from digest.incremental.files import Settings, ingest
    from digest.read.discovery import discover

    sources = list(discover(tmp_path / "uci", tmp_path / "site", lambda issue: None))
    articles = ingest(sources, Settings(10 * 2**20), Cache(None, ""), jobs=2).articles
    grouping = run(articles)
    label = {t.id: t.label for t in grouping.topics}
    filed = {a: label[s.topic] for s in grouping.stories for a in (*s.articles, *s.duplicates)}
    assert set(filed.values()) <= SECTION_NAMES
    assert nmi([categories[a.source] for a in articles], [filed[a.id] for a in articles]) >= 0.65


def subject_documents(subject: str, count: int, start: int = 0) -> list[topics.Document]:
    """Documents of one subject: its own vocabulary, each with a few words of its own."""
    return [
        (f"{subject}a {subject}b {subject}c {subject}d {subject}{n} {subject}{n + 1}", [2, 2, 1, 1, 1, 1])
        for n in range(start, start + count)
    ]


def interleaved(*runs: list[topics.Document]) -> list[topics.Document]:
    return [document for group in zip(*runs, strict=True) for document in group]


def counting(calls: list[int]) -> topics.Fitted:
    def fitted(documents: Sequence[topics.Document]) -> topics.Model:
        calls.append(len(documents))
        return topics.model(documents)

    return fitted


def test_subjects_are_found_on_the_first_documents_and_kept_while_the_news_fits_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A day's news on the same subjects places new articles among the subjects found, and places no
    earlier article anywhere else."""
    monkeypatch.setattr(topics, "EPOCH", 80)
    first = interleaved(subject_documents("sport", 40), subject_documents("bank", 40))
    later = interleaved(subject_documents("sport", 60, 40), subject_documents("bank", 60, 40))
    calls: list[int] = []
    before = topics.discover(first, counting(calls))
    grown = topics.discover(first + later, counting(calls))
    assert calls == [80, 80]  # the same first 80 documents, each time
    assert grown[: len(first)] == before and len(set(before)) == 2
    sport = {grown[i] for i, (terms, _) in enumerate(first + later) if terms.startswith("sport")}
    bank = {grown[i] for i, (terms, _) in enumerate(first + later) if terms.startswith("bank")}
    assert len(sport) == 1 and len(bank) == 1 and sport != bank


def test_subjects_are_found_again_on_an_epoch_that_no_longer_fits_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the news moves to subjects the first articles never touched, the subjects are found again on
    the epoch of the new news, and its subjects are told apart."""
    monkeypatch.setattr(topics, "EPOCH", 80)
    first = interleaved(subject_documents("sport", 40), subject_documents("bank", 40))
    moved = interleaved(subject_documents("flood", 40), subject_documents("vote", 40))
    calls: list[int] = []
    subjects = topics.discover(first + moved, counting(calls))
    assert calls == [80, 80]  # the first epoch, then the one that did not fit
    flood = {subjects[i] for i, (terms, _) in enumerate(first + moved) if terms.startswith("flood")}
    vote = {subjects[i] for i, (terms, _) in enumerate(first + moved) if terms.startswith("vote")}
    assert len(flood) == 1 and len(vote) == 1 and flood != vote


def test_every_document_goes_to_the_nearest_of_the_subjects_last_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found again on a later epoch, the subjects take every document, those before that epoch and after the
    last one too, each to the nearest: as placing them all at once would."""
    monkeypatch.setattr(topics, "EPOCH", 80)
    first = interleaved(subject_documents("sport", 40), subject_documents("bank", 40))
    again = interleaved(subject_documents("sport", 40, 40), subject_documents("bank", 40, 40))
    moved = interleaved(subject_documents("flood", 40), subject_documents("vote", 40))
    later = interleaved(subject_documents("vote", 15, 40), subject_documents("sport", 15, 80))
    documents = first + again + moved + later
    calls: list[int] = []
    found = topics.discover(documents, counting(calls))
    assert calls == [80, 80]  # the first epoch, then the moved one
    model = topics.model(moved)
    nearest, _ = topics._placed(model, *topics._counts(documents))
    nearest[160:240] = model.labels
    assert found == topics._renumber(nearest.tolist())
