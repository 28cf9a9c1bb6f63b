"""Articles -> stories (one event, several outlets) -> topics (broad subjects), and day buckets."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import overload
from urllib.parse import urlsplit

from digest.config import TopicRule
from digest.group import cluster, events, naming, stream, vectors
from digest.group import topics as topics_module
from digest.group.dedupe import sample
from digest.group.related import Relate, Relating, related_stories
from digest.group.stream import LEAD_SENTENCES, Entry
from digest.group.stream import term as _term
from digest.language.background import rarity
from digest.language.boilerplate import boilerplate_reason, is_headline_list_label
from digest.language.text import content_terms, headline_from_lead, words
from digest.models import Article, Day, Features, Story, Topic
from digest.read.normalize import slugify

TOPIC_SIMILARITY = 0.08  # cosine between story centroids needed to share a topic
TITLE_WEIGHT = 3  # headline terms count this many times
TEMPLATE_REPEATS = 3  # articles of more than one story carrying one headline make it a template
# Headlines of market data: a report filed under the same words every day, whatever happened.
_MARKET_TEMPLATE = re.compile(
    r"(?i)(?:(?:daily|weekly|morning|midday|evening|closing|pre-?market)\s+)?"
    r"(?:trading|market|markets|stock|stocks|forex|commodities)\s+"
    r"(?:review|report|update|wrap|summary|snapshot|briefing|recap|outlook)\W*$"
)
# Leftovers of text decoded with the wrong encoding that ``normalize`` could not mend: UTF-8 lead bytes read
# as Latin-1 ('Ã©', 'â€™'), replacement characters, and HTML entity names whose '&' and ';' were stripped
# ('Acircpound349').
_GARBLED = re.compile(
    r"[ÂÃ][\x80-\xbf\u00a0-\u00bf]|â€|\ufffd|(?:Acirc|Atilde|acirc|atilde)(?:pound|euro|copy|reg|\d)"
)
TITLE_PRECISION = 3  # decimals of centrality that choose a story's headline (``_story``)
SHORT_TEXT_WORDS = 50  # below this, a feed item's link slug adds words to its headline
_URL_WORDS = frozenset(
    [
        "news",
        "article",
        "articles",
        "story",
        "stories",
        "html",
        "htm",
        "php",
        "aspx",
        "asp",
        "index",
        "www",
        "blog",
        "blogs",
        "post",
        "posts",
        "content",
        "section",
        "video",
        "videos",
        "photo",
        "photos",
        "gallery",
        "amp",
        "rss",
        "feed",
        "feeds",
        "page",
        "pages",
        "com",
        "net",
        "org",
        "default",
    ]
)
SUBJECT_SENTENCES = 20  # topic discovery reads this far into each article
NAMING_SENTENCES = 2  # of each article, read for the names its topic may take
_SURFACE_SAMPLE = 300  # articles read to learn how a topic's keywords are written
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
OTHER = "Other"
RULE_SHARE = 0.02  # share of a story's term occurrences that must be a topic's keywords to file it there


@dataclass(frozen=True)
class Member:
    """What grouping reads of one article, but its features (``article_features``)."""

    id: str
    date: str | None
    published: str | None
    title: str
    title_from: str
    url: str | None
    short: bool  # under SHORT_TEXT_WORDS words: a feed item's link slug adds words to its headline
    topic_hint: str | None
    sentences: tuple[str, ...]  # the first LEAD_SENTENCES
    categories: tuple[str, ...] = ()  # its feed's or page's categories and tags: evidence, not topics
    outlet: str = ""  # who published it (``outlet``)


def member(article: Article) -> Member:
    """The part of ``article`` that grouping reads."""
    return Member(
        id=article.id,
        date=article.date,
        published=article.published,
        title=article.title,
        title_from=article.title_from,
        url=article.url,
        short=article.words < SHORT_TEXT_WORDS,
        topic_hint=None if article.format == "html" else article.topic_hint,
        sentences=tuple(article.sentences[:LEAD_SENTENCES]),
        categories=_categories(article),
        outlet=outlet(article),
    )


def outlet(article: Article) -> str:
    """Who published an article: its publisher, else its link's host, else the folder its file is in (a
    folder of files saved from one site is one outlet, however many articles it holds)."""
    if article.publisher:
        return article.publisher.casefold()
    host = urlsplit(article.url).hostname if article.url else None
    if host:
        return host.removeprefix("www.")
    folder = article.source.rpartition("#")[0] or article.source.rpartition("/")[0]
    return f"folder:{folder}"


def _categories(article: Article) -> tuple[str, ...]:
    """An article's tags, and a saved page's section (``article:section``): a page's section is the
    publisher's filing, evidence for the digest's own, where front matter's ``topic`` is the user's choice."""
    section = (article.topic_hint,) if article.format == "html" and article.topic_hint else ()
    return (*section, *article.tags)


# Places the articles (``Entry``, oldest first) into stories: their positions, story by story, and each
# article's vector; ``stream.run`` from the start, or the incremental engine from where it left off.
Place = Callable[[Sequence[Entry]], tuple[list[list[int]], Sequence[vectors.Vector]]]


@dataclass(frozen=True)
class Reading:
    """What a story's measures (``measure``) read: its articles, oldest first, their vectors and features,
    and which of their headlines are templates (``_templates``)."""

    members: tuple[Member, ...]
    vectors: Sequence[vectors.Vector]
    features: tuple[Features, ...]
    templates: frozenset[str]


@dataclass(frozen=True)
class Measures:
    """What a story's articles alone make of it: its centroid, headline and coherence, its lead term counts
    (headline weighted), and how much it speaks for each section (``topics.evidence``)."""

    centroid: vectors.Vector
    title: str
    coherence: float
    terms: Mapping[str, int]
    evidence: tuple[float, ...]


# ``measure`` of each story; the incremental engine takes those of stories it met from the last build.
Measure = Callable[[Sequence[Reading]], Sequence[Measures]]


def measure_each(readings: Sequence[Reading]) -> list[Measures]:
    """``measure`` of every story."""
    return [measure(reading) for reading in readings]


@dataclass(frozen=True)
class Grouping:
    """Stories (newest first) and topics, with the links between them."""

    stories: tuple[Story, ...]
    topics: tuple[Topic, ...]
    days: tuple[Day, ...]


def group(
    articles: Sequence[Article],
    duplicate_of: Mapping[str, str],
    rules: Sequence[TopicRule] = (),
    unmatched: str = "other",
    features: Mapping[str, Features] | None = None,
    discovered: Callable[[], Sequence[int]] | None = None,
    place: Place = stream.run,
    members: Mapping[str, Member] | None = None,
    measured: Measure = measure_each,
    related: Relate = related_stories,
) -> Grouping:
    """Group kept articles into stories and stories into topics; duplicates follow their originals.

    ``features`` are articles' ``article_features()``, and ``members`` their ``member()``, when worked out
    beforehand; the others are worked out here.
    ``discovered`` gives ``topics.discover`` of ``subject_documents`` when it was worked out elsewhere
    (asked for only when topics are discovered); without it, it is worked out here. ``place`` places the
    articles into stories (``Place``), ``measured`` measures each story (``Measure``), and ``related`` finds
    each story's related stories (``Relate``).
    """
    kept, terms = _kept(articles, duplicate_of, features or {}, members or {})
    documents = [(f.names, f.counts) for f in terms]
    found = discovered or (lambda: topics_module.discover(documents))

    def subjects() -> dict[str, int]:
        return _subjects(kept, found())

    return _grouping(duplicate_of, kept, terms, rules, unmatched, subjects, place, measured, related)


def subject_documents(
    articles: Sequence[Article],
    duplicate_of: Mapping[str, str],
    rules: Sequence[TopicRule] = (),
    features: Mapping[str, Features] | None = None,
) -> list[topics_module.Document] | None:
    """What topic discovery reads (``topics.discover``), which needs nothing else of grouping; None when
    ``group`` discovers no topics (configured topics, or too few articles)."""
    if rules or len(articles) - len(duplicate_of) < topics_module.MIN_ARTICLES:
        return None
    known = features or {}
    originals = _originals(articles, duplicate_of)
    terms = (known[a.id] if a.id in known else article_features(a) for a in originals)
    return [(f.names, f.counts) for f in terms]


def _kept(
    articles: Sequence[Article],
    duplicate_of: Mapping[str, str],
    known: Mapping[str, Features],
    members: Mapping[str, Member],
) -> tuple[list[Member], list[Features]]:
    """The articles that are not copies, oldest first, and their features."""
    originals = _originals(articles, duplicate_of)
    terms = [known[a.id] if a.id in known else article_features(a) for a in originals]
    return [members[a.id] if a.id in members else member(a) for a in originals], terms


def _originals(articles: Sequence[Article], duplicate_of: Mapping[str, str]) -> list[Article]:
    """The articles that are not copies, oldest first (undated ones last)."""
    return sorted(
        (a for a in articles if a.id not in duplicate_of), key=lambda a: (a.date or "9999-99-99", a.id)
    )


def _grouping(
    duplicate_of: Mapping[str, str],
    kept: Sequence[Member],
    terms: Sequence[Features],
    rules: Sequence[TopicRule],
    unmatched: str,
    subjects: Callable[[], dict[str, int]],
    place: Place = stream.run,
    measured: Measure = measure_each,
    related: Relate = related_stories,
) -> Grouping:
    copies: dict[str, list[str]] = defaultdict(list)
    for dup, original in sorted(duplicate_of.items()):
        copies[original].append(dup)
    members, vecs = place([_entry(a, f, copies) for a, f in zip(kept, terms, strict=True)])
    by_id = {a.id: a for a in kept}
    templates = _templates(kept, members)
    readings = [
        _reading([kept[i] for i in idx], _Picked(vecs, tuple(idx)), [terms[i] for i in idx], templates)
        for idx in members
    ]
    drafts = [
        _draft(reading, measures, copies)
        for reading, measures in zip(readings, measured(readings), strict=True)
    ]
    topics, topic_of = _topics(drafts, by_id, rules, unmatched, subjects)
    alike = related([Relating(d.id, topic_of[d.id], d.centroid) for d in drafts])
    stories = tuple(sorted((d.story(topic_of[d.id], alike[d.id]) for d in drafts), key=_newest_first))
    return Grouping(stories, topics, _days(stories, by_id))


@dataclass
class _Draft:
    """A story under construction: its members and centroid."""

    id: str
    articles: Sequence[Member]
    duplicates: list[str]
    centroid: vectors.Vector
    title: str
    features: Sequence[Features]  # of each article, in the order of ``articles``
    coherence: float  # its articles' mean cosine with its centroid
    terms: Mapping[str, int]  # lead term counts of the whole story
    evidence: tuple[float, ...]  # how much it speaks for each section (``topics.evidence``)

    def story(self, topic: str, related: tuple[str, ...] = ()) -> Story:
        dated = sorted(a.date for a in self.articles if a.date)
        return Story(
            id=self.id,
            title=self.title,
            articles=tuple(a.id for a in self.articles),
            duplicates=tuple(self.duplicates),
            date=dated[0] if dated else None,
            updated=dated[-1] if dated else None,
            topic=topic,
            outlets=len({a.outlet for a in self.articles}),
            coherence=self.coherence,
            related=related,
        )


def article_features(article: Article) -> Features:
    """What grouping (and deduplication) read of one article, worked out once."""
    counts: Counter[str] = Counter()
    rarest: dict[str, float] = {}
    texts = [(article.title, TITLE_WEIGHT), (" ".join(article.sentences[:LEAD_SENTENCES]), 1)]
    if article.url and article.words < SHORT_TEXT_WORDS:
        texts.append((_url_words(article.url), 1))
    for text, weight in texts:
        for word in words(text):
            term = _term(word)
            if term is None:
                continue
            counts[term] += weight
            rarest[term] = max(rarest.get(term, 0.0), rarity(word))
    subject = _subject_terms(article)
    return Features(
        sample(article),
        " ".join([*counts, *subject]),
        array("I", [*counts.values(), *subject.values()]),
        len(counts),
        array("d", [rarest[term] for term in counts]),
    )


def _url_words(url: str) -> str:
    """Words of a link's path: many feed items are a headline and a link whose slug says more."""
    path = urlsplit(url).path
    return " ".join(w for w in re.split(r"[^A-Za-z]+", path) if len(w) > 2 and w.lower() not in _URL_WORDS)


def _chronological(article: Member) -> tuple[str, str]:
    return (article.date or "9999-99-99", article.id)


def _entry(article: Member, features: Features, copies: Mapping[str, list[str]]) -> Entry:
    """What the story stream reads of a kept article."""
    return Entry(
        id=article.id,
        span=_span(article),
        undated=article.date is None,
        short=article.short,
        reports=1 + len(copies.get(article.id, ())),
        title=article.title,
        sentences=article.sentences[:LEAD_SENTENCES],
        features=features,
    )


def _span(article: Member) -> cluster.Span:
    """The day of an article: its date, else the date in its link."""
    date = article.date or events.url_date(article.url)
    if not date:
        return None
    day = dt.date.fromisoformat(date).toordinal()
    return (day, day)


class _Picked(Sequence[vectors.Vector]):
    """Some of the vectors (those at ``positions``), each read when asked for: a story's are held only while
    it is measured, since all of them at once would outweigh the rest of grouping."""

    def __init__(self, vecs: Sequence[vectors.Vector], positions: tuple[int, ...]) -> None:
        self._vectors = vecs
        self._positions = positions

    @overload
    def __getitem__(self, index: int) -> vectors.Vector: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[vectors.Vector]: ...
    def __getitem__(self, index: int | slice) -> vectors.Vector | Sequence[vectors.Vector]:
        if isinstance(index, slice):
            return [self._vectors[p] for p in self._positions[index]]
        return self._vectors[self._positions[index]]

    def __len__(self) -> int:
        return len(self._positions)


def _reading(
    members: list[Member], vecs: Sequence[vectors.Vector], features: list[Features], templates: Set[str]
) -> Reading:
    """What a story's measures read of its articles, and of the digest's ``templates``."""
    # Those of its own headlines alone, against which a headline made from a lead is judged too: so a
    # story's measures stay as they were when a day's news adds a template elsewhere.
    own = frozenset(key for a in members if (key := _template_key(a.title)) in templates)
    return Reading(tuple(members), vecs, tuple(features), own)


def measure(reading: Reading) -> Measures:
    """A story's centroid, headline, coherence, term counts and evidence, from its articles alone."""
    members, vecs = reading.members, list(reading.vectors)
    centroid = vectors.mean(vecs, max_terms=cluster.MERGE_TERMS)
    dots = [vectors.dot(vector, centroid) for vector in vecs]
    central = [round(dot, TITLE_PRECISION) for dot in dots]
    # Centrality to a thousandth: the weights shift a little with every article added anywhere, and two
    # headlines as central as each other (any story of two) were told apart by rounding noise, so
    # unrelated news renamed a tenth of the stories. Of equally central ones, the latest news leads.
    ranked = sorted(
        range(len(members)),
        key=lambda i: (
            members[i].title_from == "lead",
            -central[i],
            members[i].date is None,
            _invert(members[i].published or members[i].date or ""),
            members[i].id,
        ),
    )
    terms = _total(f.terms() for f in reading.features)
    return Measures(
        centroid=centroid,
        title=_headline([members[i] for i in ranked], reading.templates),
        coherence=round(sum(dots) / len(dots), TITLE_PRECISION),
        terms=terms,
        evidence=topics_module.evidence(terms, tuple(a.categories for a in members)),
    )


def _draft(reading: Reading, measures: Measures, copies: Mapping[str, list[str]]) -> _Draft:
    """A story of the articles ``reading`` read, and their copies (``copies``)."""
    members = reading.members
    founder = members[0].id  # the oldest article: adding unrelated articles never changes it
    return _Draft(
        id=hashlib.sha1(f"story:{founder}".encode()).hexdigest()[:12],
        articles=members,
        duplicates=sorted(d for a in members for d in copies.get(a.id, ())),
        centroid=measures.centroid,
        title=measures.title,
        features=reading.features,
        coherence=measures.coherence,
        terms=measures.terms,
        evidence=measures.evidence,
    )


def _headline(ranked: Sequence[Member], templates: Set[str]) -> str:
    """The first clean headline of the articles, most central first, a whole one before one a feed cut short
    ('... Turns to ...'); failing one, a headline made from the first sentence of one; failing that too, the
    most central article's headline as it is."""
    cut = None
    for article in ranked:
        if _clean_headline(article.title, templates):
            if not article.title.rstrip().endswith(("...", "\u2026")):
                return article.title
            cut = cut or article.title
    if cut:
        return cut
    for article in ranked:
        made = headline_from_lead(article.sentences[0]) if article.sentences else ""
        if made and _clean_headline(made, templates):
            return made
    return ranked[0].title


def _clean_headline(title: str, templates: Set[str]) -> bool:
    """Whether a headline tells a reader what happened: not page furniture ('Share this on:'), not text
    garbled by a wrong encoding ('Acircpound349'), not a headline many unrelated articles carry."""
    return (
        _template_key(title) not in templates
        and not _GARBLED.search(title)
        and not _MARKET_TEMPLATE.match(title)
        and not is_headline_list_label(title)
        and boilerplate_reason(title) is None
    )


@lru_cache(maxsize=65536)
def _template_key(title: str) -> str:
    """A headline without its figures and case: a template's issues differ in their figures alone."""
    return " ".join(w for w in words(title) if not any(ch.isdigit() for ch in w))


def _templates(kept: Sequence[Member], members: Sequence[Sequence[int]]) -> frozenset[str]:
    """Headlines (``_template_key``) carried by several articles of different stories: a recurring column
    or market report ('Daily Trading Review'), which names no event."""
    stories: dict[str, set[int]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for number, indices in enumerate(members):
        for i in indices:
            key = _template_key(kept[i].title)
            counts[key] += 1
            stories[key].add(number)
    return frozenset(k for k, n in counts.items() if n >= TEMPLATE_REPEATS and len(stories[k]) > 1)


def _topics(
    drafts: Sequence[_Draft],
    by_id: Mapping[str, Member],
    rules: Sequence[TopicRule],
    unmatched: str,
    subjects: Callable[[], dict[str, int]],
) -> tuple[tuple[Topic, ...], dict[str, str]]:
    hinted, drafts = _by_hint(drafts)
    if not rules:
        groups = _found(drafts, subjects)
    else:
        groups = _match_rules(drafts, rules)
        if unmatched == "discover" and groups and groups[-1][0] == OTHER:
            others = groups[-1][1]
            groups = groups[:-1] + _found(others, partial(_draft_subjects, others))
    labelled = _label(_with_hinted(groups, hinted), by_id)
    topics = []
    topic_of = {}
    taken: set[str] = set()
    for label, keywords, members in labelled:
        if not members:
            continue  # a topic of no story: an empty digest's 'Other'
        topic_id = _unique(slugify(label), taken)
        ordered = sorted(members, key=lambda d: _newest_first(d.story("")))
        topics.append(Topic(topic_id, label, tuple(keywords), tuple(d.id for d in ordered)))
        topic_of.update({d.id: topic_id for d in members})
    return tuple(sorted(topics, key=lambda t: t.id)), topic_of


def _by_hint(drafts: Sequence[_Draft]) -> tuple[dict[str, list[_Draft]], list[_Draft]]:
    """The stories in which an article names its topic (front matter ``topic``), by the name most of them
    give (ties: the first in alphabetical order); and the other stories."""
    hinted: dict[str, list[_Draft]] = defaultdict(list)
    rest = []
    for draft in drafts:
        named = Counter(a.topic_hint for a in draft.articles if a.topic_hint)
        if not named:
            rest.append(draft)
            continue
        hinted[min(named.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))[0]].append(draft)
    return hinted, rest


def _with_hinted(
    groups: list[tuple[str, list[_Draft]]], hinted: Mapping[str, list[_Draft]]
) -> list[tuple[str, list[_Draft]]]:
    """The topics with the stories named into them: into a configured topic of that name whatever the case,
    else into a topic of their own."""
    if not hinted:
        return groups
    named = {name.casefold(): position for position, (name, _) in enumerate(groups) if name}
    merged = [(name, list(members)) for name, members in groups]
    for name in sorted(hinted, key=lambda n: (n.casefold(), n)):
        position = named.get(name.casefold())
        if position is None:
            named[name.casefold()] = len(merged)
            merged.append((name, list(hinted[name])))
        else:
            merged[position][1].extend(hinted[name])
    return merged


def _subject_terms(article: Article) -> Counter[str]:
    """What an article is about reads further down than what event it reports: the sentences after the lead."""
    return Counter(
        t for w in words(" ".join(article.sentences[LEAD_SENTENCES:SUBJECT_SENTENCES])) if (t := _term(w))
    )


def _found(
    drafts: Sequence[_Draft], subjects: Callable[[], dict[str, int]]
) -> list[tuple[str, list[_Draft]]]:
    """Topics discovered from the stories themselves, by the method that suits their number; ``subjects``
    gives each of their articles' subject (``_subjects``)."""
    if sum(len(d.articles) for d in drafts) >= topics_module.MIN_ARTICLES:
        return _filed(_discovered(drafts, subjects()))
    return _filed(_similar(drafts))


def _filed(groups: Sequence[tuple[str, list[_Draft]]]) -> list[tuple[str, list[_Draft]]]:
    """The stories of found subjects filed under named topics (``topics.file``)."""
    by_id = {d.id: d for _, members in groups for d in members}
    texts = [[_story_text(d) for d in members] for _, members in groups]
    return [(name, [by_id[i] for i in ids]) for name, ids in topics_module.file(texts)]


def _story_text(draft: _Draft) -> topics_module.StoryText:
    """What filing reads of a story: its evidence, its articles' headlines and opening sentences."""
    return topics_module.StoryText(
        id=draft.id,
        articles=len(draft.articles),
        evidence=draft.evidence,
        text=naming.Text(
            tuple(a.title for a in draft.articles),
            tuple(s for a in draft.articles for s in a.sentences[:NAMING_SENTENCES]),
        ),
    )


def _subjects(articles: Sequence[Member], subjects: Sequence[int]) -> dict[str, int]:
    """Each article's subject number, from ``topics.discover`` of the articles in this order."""
    return dict(zip((a.id for a in articles), subjects, strict=True))


def _draft_subjects(drafts: Sequence[_Draft]) -> dict[str, int]:
    """``_subjects`` of the stories' articles, discovered in chronological order."""
    pairs = sorted(
        ((a, f) for d in drafts for a, f in zip(d.articles, d.features, strict=True)),
        key=lambda pair: _chronological(pair[0]),
    )
    return _subjects([a for a, _ in pairs], topics_module.discover([(f.names, f.counts) for _, f in pairs]))


def _discovered(drafts: Sequence[_Draft], subject_of: Mapping[str, int]) -> list[tuple[str, list[_Draft]]]:
    """Subjects found over all articles; each story goes where most of its articles went."""
    votes: dict[int, Counter[int]] = defaultdict(Counter)
    for number, draft in enumerate(drafts):
        for article in draft.articles:
            votes[number][subject_of[article.id]] += 1
    groups: dict[int, list[_Draft]] = defaultdict(list)
    for number, draft in enumerate(drafts):
        label = min(votes[number].items(), key=lambda item: (-item[1], item[0]))[0]
        groups[label].append(draft)
    return [("", groups[label]) for label in sorted(groups)]


def _similar(drafts: Sequence[_Draft]) -> list[tuple[str, list[_Draft]]]:
    """For small digests: stories whose centroids are alike share a topic, biggest stories first."""
    order = sorted(range(len(drafts)), key=lambda i: (-len(drafts[i].articles), drafts[i].id))
    found = cluster.leader(
        [drafts[i].centroid for i in order], [None] * len(order), [TOPIC_SIMILARITY] * len(order), 0
    )
    return [("", [drafts[order[i]] for i in members]) for members in found]


def _match_rules(drafts: Sequence[_Draft], rules: Sequence[TopicRule]) -> list[tuple[str, list[_Draft]]]:
    """Each story to the configured topic whose keywords (in any form, ``topics.matches``) make up most of
    its text, or that its headline or its feeds' categories name; Other (last) if none does."""
    rule_terms = [frozenset(_folded(t) for t in topics_module.keyword_terms(rule.keywords)) for rule in rules]
    names = [_folded(rule.name.casefold()) for rule in rules]
    memo: dict[str, tuple[int, ...]] = {}

    def rules_of(term: str) -> tuple[int, ...]:
        if term not in memo:
            memo[term] = tuple(i for i, terms in enumerate(rule_terms) if topics_module.matches(term, terms))
        return memo[term]

    groups: dict[str, list[_Draft]] = {rule.name: [] for rule in rules}
    groups[OTHER] = []
    for draft in drafts:
        shares = [0.0] * len(rules)
        total = sum(draft.terms.values()) or 1
        for term, count in draft.terms.items():
            for i in rules_of(_folded(term)):
                shares[i] += count / total
        named = {i for a in draft.articles for t in content_terms(a.title) for i in rules_of(_folded(t))}
        for category in (c for a in draft.articles for c in a.categories):
            named.update(i for i, name in enumerate(names) if _folded(category.casefold()) == name)
            named.update(i for t in content_terms(category) for i in rules_of(_folded(t)))
        eligible = [i for i in range(len(rules)) if shares[i] >= RULE_SHARE or i in named]
        best = max(eligible, key=lambda i: (shares[i], -i), default=None)  # ties: the rule listed first
        groups[rules[best].name if best is not None else OTHER].append(draft)
    return [(name, members) for name, members in groups.items() if members]


@lru_cache(maxsize=65536)
def _folded(term: str) -> str:
    """A term without accents: a keyword 'Zurich' matches 'Zürich' in the text, and 'Zürich' 'Zurich'."""
    if term.isascii():
        return term
    return "".join(ch for ch in unicodedata.normalize("NFKD", term) if not unicodedata.combining(ch))


def _label(
    groups: Sequence[tuple[str, list[_Draft]]], by_id: Mapping[str, Member]
) -> list[tuple[str, list[str], list[_Draft]]]:
    """Keywords by class-based TF-IDF, as written in the text; the label is the topic's name."""
    totals = [_total(d.terms for d in members) for _, members in groups]
    overall = _total(totals)
    average = sum(overall.values()) / max(len(groups), 1)
    result = []
    for (name, members), counts in zip(groups, totals, strict=True):
        size = sum(counts.values()) or 1
        weights = {t: c / size * math.log(1 + average / overall[t]) for t, c in counts.items() if c > 1}
        ranked = vectors.top_terms(weights, 8)
        surfaces = _surface_forms(members, by_id, set(ranked))
        keywords = [surfaces[t] for t in ranked if t in surfaces]  # a stem ('thron') is never shown
        result.append((name or OTHER, keywords, members))
    return result


def _total(counters: Iterable[Mapping[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in counters:
        total.update(counts)
    return total


def _surface_forms(
    members: Sequence[_Draft], by_id: Mapping[str, Member], wanted: set[str]
) -> dict[str, str]:
    """How each wanted term is most often written, so labels read 'Gaza', not 'gaza'."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    # Round the stories, not down the biggest: a term of the topic's smaller stories is found written too.
    rounds = itertools.zip_longest(*(d.articles for d in members))
    articles = [a for a in itertools.chain.from_iterable(rounds) if a is not None][:_SURFACE_SAMPLE]
    for article in articles:
        for word in _WORD.findall(f"{article.title} {' '.join(article.sentences[:2])}"):
            term = _term(word.lower())
            if term in wanted:
                seen[term][word] += 1
    forms = {}
    for term, counts in seen.items():
        best = max(counts.items(), key=lambda item: (item[1], item[0][:1].isupper(), item[0]))[0]
        forms[term] = best if best[:1].isupper() else best.capitalize()
    return forms


def _unique(slug: str, taken: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _newest_first(story: Story) -> tuple[int, str, int, str]:
    """Dated stories newest first, then the undated; bigger stories first on the same day."""
    updated = story.updated or ""
    return (0 if updated else 1, _invert(updated), -len(story.articles), story.id)


def _invert(date: str) -> str:
    return "".join(chr(ord("9") + ord("0") - ord(ch)) if ch.isdigit() else ch for ch in date)


def _days(stories: Sequence[Story], by_id: Mapping[str, Member]) -> tuple[Day, ...]:
    buckets: dict[str, list[str]] = defaultdict(list)
    for story in stories:
        for date in sorted({d for d in (by_id[a].date for a in story.articles) if d}):
            buckets[date].append(story.id)
    return tuple(Day(date, tuple(ids)) for date, ids in sorted(buckets.items(), reverse=True))
