"""Articles -> stories (one event, several outlets) -> topics (broad subjects), and day buckets."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from urllib.parse import urlsplit

from digest import cluster, vectors
from digest import topics as topics_module
from digest.background import rarity
from digest.config import TopicRule
from digest.dedupe import sample
from digest.models import Article, Day, Features, Story, Topic
from digest.normalize import slugify
from digest.text import STOPWORDS, content_terms, stem, words

# Cosine needed for an article to join a story, and for two fragments of a story to merge, by the
# article's length: headlines share few words, so fewer shared words prove one event; full texts share
# the vocabulary of their field whatever the event, so they need more. Tuned on labelled headlines
# (benchmarks/grouping.py); the full-text values keep a year of undated BBC articles from chaining.
STORY_JOIN = {"short": 0.12, "long": 0.25}
STORY_MERGE = {"short": 0.18, "long": 0.35}
MERGE_ROUNDS = 3
TOPIC_SIMILARITY = 0.08  # cosine between story centroids needed to share a topic
VECTOR_TERMS = 40
STORY_WINDOW_DAYS = 3  # beyond this gap from a story's dates, similarity decays
TITLE_WEIGHT = 3  # headline terms count this many times
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
LEAD_SENTENCES = 8
SUBJECT_SENTENCES = 20  # topic discovery reads this far into each article
_SURFACE_SAMPLE = 300  # articles read to learn how a topic's keywords are written
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
OTHER = "Other"
# A topic is not named after an everyday word (``background.rarity`` under this: 'year' 0.51, 'world' 0.54,
# 'day' 0.52; 'win' 0.70, 'film' 0.77, 'labour' 0.93 name topics), nor after these news words.
LABEL_RARITY = 0.6
_GENERIC_LABELS = frozenset({"top", "week", "says", "said", "news", "latest", "report", "reports", "update"})
RULE_SHARE = 0.02  # share of a story's term occurrences that must be a topic's keywords to file it there


@dataclass(frozen=True)
class Member:
    """What grouping reads of one article, and all it reads: its key is a hash of these fields."""

    id: str
    date: str | None
    published: str | None
    title: str
    title_from: str
    url: str | None
    short: bool  # under SHORT_TEXT_WORDS words: a feed item's link slug adds words to its headline
    topic_hint: str | None
    sentences: tuple[str, ...]  # the first SUBJECT_SENTENCES


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
        topic_hint=article.topic_hint,
        sentences=tuple(article.sentences[:SUBJECT_SENTENCES]),
    )


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
) -> Grouping:
    """Group kept articles into stories and stories into topics; duplicates follow their originals.

    ``features`` are articles' ``article_features()`` when worked out beforehand; the others are computed.
    ``discovered`` gives ``topics.discover`` of ``subject_documents`` when it was worked out elsewhere
    (asked for only when topics are discovered); without it, it is worked out here.
    """
    kept, terms = _kept(articles, duplicate_of, features or {})
    everyone = [member(a) for a in articles]
    documents = [(f.names, f.counts) for f in terms]
    found = discovered or (lambda: topics_module.discover(documents))
    return _grouping(everyone, duplicate_of, kept, terms, rules, unmatched, lambda: _subjects(kept, found()))


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
    _, terms = _kept(articles, duplicate_of, features or {})
    return [(f.names, f.counts) for f in terms]


def _kept(
    articles: Sequence[Article], duplicate_of: Mapping[str, str], known: Mapping[str, Features]
) -> tuple[list[Member], list[Features]]:
    """The articles that are not copies, oldest first, and their features."""
    originals = sorted(
        (a for a in articles if a.id not in duplicate_of), key=lambda a: (a.date or "9999-99-99", a.id)
    )
    terms = [known[a.id] if a.id in known else article_features(a) for a in originals]
    return [member(a) for a in originals], terms


def _grouping(
    articles: Sequence[Member],
    duplicate_of: Mapping[str, str],
    kept: Sequence[Member],
    terms: Sequence[Features],
    rules: Sequence[TopicRule],
    unmatched: str,
    subjects: Callable[[], dict[str, int]],
) -> Grouping:
    prior: dict[str, float] = {}
    for item in terms:
        for term, rare in item.rarity().items():
            if term not in prior or rare > prior[term]:
                prior[term] = rare
    vecs = vectors.tfidf([item.terms() for item in terms], prior=prior, max_terms=VECTOR_TERMS)
    spans = [_span(a) for a in kept]
    join = [STORY_JOIN[_length(a)] for a in kept]
    merge = [STORY_MERGE[_length(a)] for a in kept]
    members = cluster.leader(vecs, spans, join, STORY_WINDOW_DAYS, chronological=True)
    centroids: dict[tuple[int, ...], vectors.Vector] = {}
    for _ in range(MERGE_ROUNDS):
        merged = cluster.merge(members, vecs, spans, merge, STORY_WINDOW_DAYS, centroids)
        if len(merged) == len(members):
            break
        members = merged
    by_id = {a.id: a for a in articles}
    copies: dict[str, list[str]] = defaultdict(list)
    for dup, original in sorted(duplicate_of.items()):
        copies[original].append(dup)
    drafts = [
        _story(
            [kept[i] for i in idx],
            [vecs[i] for i in idx],
            cluster.centroid(idx, vecs, centroids),
            [terms[i] for i in idx],
            copies,
        )
        for idx in members
    ]
    topics, topic_of = _topics(drafts, by_id, rules, unmatched, subjects)
    stories = tuple(sorted((d.story(topic_of[d.id]) for d in drafts), key=_newest_first))
    return Grouping(stories, topics, _days(stories, by_id))


def inputs_key(
    articles: Sequence[Article],
    duplicate_of: Mapping[str, str],
    rules: Sequence[TopicRule],
    unmatched: str,
    known: Mapping[str, str] | None = None,
) -> str:
    """A hash of everything ``group`` reads: equal keys give equal groupings (for the same code).

    ``known`` holds articles' ``article_key`` when worked out beforehand.
    """
    known = known or {}
    digest = hashlib.sha256(f"{rules!r}\0{unmatched}\0{sorted(duplicate_of.items())!r}".encode())
    for article in sorted(articles, key=lambda a: a.id):
        digest.update(f"{article.id}:{known.get(article.id) or article_key(article)}\n".encode())
    return digest.hexdigest()


def article_key(article: Article) -> str:
    """A hash of what grouping reads of one article: its ``Member``, every field of it."""
    return hashlib.sha256(repr(member(article)).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class _Draft:
    """A story under construction: its members and centroid."""

    id: str
    articles: list[Member]
    duplicates: list[str]
    centroid: vectors.Vector
    title: str
    features: list[Features]  # of each article, in the order of ``articles``

    @property
    def terms(self) -> Counter[str]:
        """Lead term counts of the whole story."""
        return _total(f.terms() for f in self.features)

    def story(self, topic: str) -> Story:
        dated = sorted(a.date for a in self.articles if a.date)
        return Story(
            id=self.id,
            title=self.title,
            articles=tuple(a.id for a in self.articles),
            duplicates=tuple(self.duplicates),
            date=dated[0] if dated else None,
            updated=dated[-1] if dated else None,
            topic=topic,
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


@lru_cache(maxsize=262144)
def _term(word: str) -> str | None:
    """The indexing term of a lowercase word, or None for stopwords and single letters."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) < 2 or word in STOPWORDS:
        return None
    return stem(word)


def _chronological(article: Member) -> tuple[str, str]:
    return (article.date or "9999-99-99", article.id)


def _length(article: Member) -> str:
    return "short" if article.short else "long"


def _span(article: Member) -> cluster.Span:
    if not article.date:
        return None
    day = dt.date.fromisoformat(article.date).toordinal()
    return (day, day)


def _story(
    members: list[Member],
    vecs: list[vectors.Vector],
    centroid: vectors.Vector,
    features: list[Features],
    copies: Mapping[str, list[str]],
) -> _Draft:
    # Centrality to a thousandth: the weights shift a little with every article added anywhere, and two
    # headlines as central as each other (any story of two) were told apart by rounding noise, so
    # unrelated news renamed a tenth of the stories. Of equally central ones, the latest news leads.
    ranked = sorted(
        range(len(members)),
        key=lambda i: (
            members[i].title_from == "lead",
            -round(vectors.dot(vecs[i], centroid), TITLE_PRECISION),
            members[i].date is None,
            _invert(members[i].published or members[i].date or ""),
            members[i].id,
        ),
    )
    founder = members[0].id  # the oldest article: adding unrelated articles never changes it
    return _Draft(
        id=hashlib.sha1(f"story:{founder}".encode()).hexdigest()[:12],
        articles=members,
        duplicates=sorted(d for a in members for d in copies.get(a.id, ())),
        centroid=centroid,
        title=members[ranked[0]].title,
        features=features,
    )


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
        return _discovered(drafts, subjects())
    return _similar(drafts)


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
    """Each story to the configured topic whose keywords make up most of its text; Other (last) if none do."""
    rule_terms = [{_folded(t) for k in rule.keywords for t in content_terms(k)} for rule in rules]
    groups: dict[str, list[_Draft]] = {rule.name: [] for rule in rules}
    groups[OTHER] = []
    for draft in drafts:
        story_terms: Counter[str] = Counter()
        for term, count in draft.terms.items():
            story_terms[_folded(term)] += count
        total = sum(story_terms.values()) or 1
        shares = [sum(story_terms[t] for t in terms) / total for terms in rule_terms]
        best = max(range(len(rules)), key=lambda i: (shares[i], -i))  # ties: the rule listed first
        groups[rules[best].name if shares[best] >= RULE_SHARE else OTHER].append(draft)
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
    """Keywords by class-based TF-IDF; the label is the most distinctive keyword as written in the text."""
    totals = [_total(d.terms for d in members) for _, members in groups]
    overall = _total(totals)
    average = sum(overall.values()) / max(len(groups), 1)
    result = []
    for (name, members), counts in zip(groups, totals, strict=True):
        size = sum(counts.values()) or 1
        weights = {t: c / size * math.log(1 + average / overall[t]) for t, c in counts.items() if c > 1}
        ranked = vectors.top_terms(weights, 8)
        surfaces = _surface_forms(members, by_id, set(ranked))
        keywords = [surfaces.get(t, t) for t in ranked]
        label = name or _label_of(keywords)
        result.append((label, keywords, members))
    return result


def _label_of(keywords: Sequence[str]) -> str:
    """A discovered topic's name: its most distinctive keyword that says what it is about, not an everyday
    word ('Year', 'World', 'Top') that happens to recur in it; the first keyword when all are everyday."""
    for keyword in keywords:
        word = keyword.lower()
        if rarity(word) >= LABEL_RARITY and word not in _GENERIC_LABELS:
            return keyword
    return keywords[0] if keywords else "General"


def _total(counters: Iterable[Counter[str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in counters:
        total.update(counts)
    return total


def _surface_forms(
    members: Sequence[_Draft], by_id: Mapping[str, Member], wanted: set[str]
) -> dict[str, str]:
    """How each wanted term is most often written, so labels read 'Gaza', not 'gaza'."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    articles = [a for d in members for a in d.articles][:_SURFACE_SAMPLE]
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
