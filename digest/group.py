"""Articles -> stories (one event, several outlets) -> topics (broad subjects), and day buckets."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from digest import vectors
from digest.background import rarity
from digest.config import TopicRule
from digest.models import Article, Day, Story, Topic
from digest.normalize import slugify
from digest.text import STOPWORDS, content_terms, stem, words

STORY_SIMILARITY = 0.2  # cosine to a story's centroid needed to join it
TOPIC_SIMILARITY = 0.08  # cosine between story centroids needed to share a topic
STORY_WINDOW_DAYS = 3  # beyond this gap from a story's dates, similarity decays
TITLE_WEIGHT = 3  # headline terms count this many times
LEAD_SENTENCES = 12  # body sentences that describe the event; later ones drift to background
_PROBE_TERMS = 12  # heaviest terms of an item used to find candidate clusters
OTHER = "Other"


@dataclass(frozen=True)
class Grouping:
    """Stories (newest first) and topics, with the links between them."""

    stories: tuple[Story, ...]
    topics: tuple[Topic, ...]
    days: tuple[Day, ...]


def group(
    articles: Sequence[Article], duplicate_of: Mapping[str, str], rules: Sequence[TopicRule] = ()
) -> Grouping:
    """Group kept articles into stories and stories into topics; duplicates follow their originals."""
    kept = sorted((a for a in articles if a.id not in duplicate_of), key=_chronological)
    prior: dict[str, float] = {}
    vecs = vectors.tfidf([_terms(a, prior) for a in kept], prior=prior)
    members = _cluster([vecs[i] for i in range(len(kept))], [_day(a) for a in kept], STORY_SIMILARITY)
    by_id = {a.id: a for a in articles}
    copies: dict[str, list[str]] = defaultdict(list)
    for dup, original in sorted(duplicate_of.items()):
        copies[original].append(dup)
    drafts = [_story([kept[i] for i in idx], [vecs[i] for i in idx], copies) for idx in members]
    topics, topic_of = _topics(drafts, by_id, rules)
    stories = tuple(sorted((d.story(topic_of[d.id]) for d in drafts), key=_newest_first))
    return Grouping(stories, topics, _days(stories, by_id))


@dataclass
class _Draft:
    """A story under construction: its members and centroid."""

    id: str
    articles: list[Article]
    duplicates: list[str]
    centroid: vectors.Vector
    title: str
    terms: Counter[str] = field(default_factory=Counter)

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


def _terms(article: Article, prior: dict[str, float] | None = None) -> Counter[str]:
    """Stemmed content terms of the headline (weighted) and lead; records each stem's rarity in ``prior``."""
    counts: Counter[str] = Counter()
    for text, weight in ((article.title, TITLE_WEIGHT), (" ".join(article.sentences[:LEAD_SENTENCES]), 1)):
        for word in words(text):
            term = _term(word)
            if term is None:
                continue
            counts[term] += weight
            if prior is not None:
                prior[term] = max(prior.get(term, 0.0), rarity(word))
    return counts


def _term(word: str) -> str | None:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) < 2 or word in STOPWORDS:
        return None
    return stem(word)


def _chronological(article: Article) -> tuple[str, str]:
    return (article.date or "9999-99-99", article.id)


def _day(article: Article) -> int | None:
    return dt.date.fromisoformat(article.date).toordinal() if article.date else None


@dataclass
class _Cluster:
    """Running sum of member vectors, so the centroid updates in O(terms)."""

    members: list[int]
    total: dict[str, float]
    norm2: float
    first: int | None
    last: int | None

    def add(self, index: int, vector: Mapping[str, float], day: int | None) -> None:
        self.members.append(index)
        for term, weight in vector.items():
            old = self.total.get(term, 0.0)
            self.total[term] = old + weight
            self.norm2 += (old + weight) ** 2 - old * old
        if day is not None:
            self.first = day if self.first is None else min(self.first, day)
            self.last = day if self.last is None else max(self.last, day)

    def similarity(self, vector: Mapping[str, float], day: int | None) -> float:
        cosine = vectors.dot(vector, self.total) / math.sqrt(self.norm2) if self.norm2 > 0 else 0.0
        return cosine * self._time_factor(day)

    def _time_factor(self, day: int | None) -> float:
        if day is None or self.first is None or self.last is None:
            return 1.0
        gap = max(self.first - day, day - self.last, 0)
        return 1.0 if gap <= STORY_WINDOW_DAYS else math.exp(-(gap - STORY_WINDOW_DAYS) / STORY_WINDOW_DAYS)


def _cluster(vecs: Sequence[vectors.Vector], days: Sequence[int | None], threshold: float) -> list[list[int]]:
    """Single-pass centroid clustering in the given order, candidates found through shared heavy terms."""
    clusters: list[_Cluster] = []
    postings: dict[str, list[int]] = defaultdict(list)
    for index, vector in enumerate(vecs):
        probe = vectors.top_terms(vector, _PROBE_TERMS)
        candidates = sorted({c for term in probe for c in postings.get(term, ())})
        best, best_score = -1, threshold
        for candidate in candidates:
            score = clusters[candidate].similarity(vector, days[index])
            if score >= best_score:
                best, best_score = candidate, score
        if best < 0:
            best = len(clusters)
            clusters.append(_Cluster([], {}, 0.0, None, None))
        clusters[best].add(index, vector, days[index])
        for term in probe:
            if not postings[term] or postings[term][-1] != best:
                postings[term].append(best)
    return [c.members for c in clusters]


def _story(members: list[Article], vecs: list[vectors.Vector], copies: Mapping[str, list[str]]) -> _Draft:
    centroid = vectors.mean(vecs)
    ranked = sorted(
        range(len(members)),
        key=lambda i: (members[i].title_from == "lead", -vectors.dot(vecs[i], centroid), members[i].id),
    )
    founder = members[0].id  # the oldest article: adding unrelated articles never changes it
    terms: Counter[str] = Counter()
    for article in members:
        terms.update(_terms(article))
    return _Draft(
        id=hashlib.sha1(f"story:{founder}".encode()).hexdigest()[:12],
        articles=members,
        duplicates=sorted(d for a in members for d in copies.get(a.id, ())),
        centroid=centroid,
        title=members[ranked[0]].title,
        terms=terms,
    )


def _topics(
    drafts: Sequence[_Draft], by_id: Mapping[str, Article], rules: Sequence[TopicRule]
) -> tuple[tuple[Topic, ...], dict[str, str]]:
    if rules:
        groups = _match_rules(drafts, rules)
    else:
        order = sorted(range(len(drafts)), key=lambda i: (-len(drafts[i].articles), drafts[i].id))
        found = _cluster([drafts[i].centroid for i in order], [None] * len(order), TOPIC_SIMILARITY)
        groups = [("", [drafts[order[i]] for i in members]) for members in found]
    labelled = _label(groups, by_id)
    topics = []
    topic_of = {}
    taken: set[str] = set()
    for label, keywords, members in labelled:
        topic_id = _unique(slugify(label), taken)
        ordered = sorted(members, key=lambda d: _newest_first(d.story("")))
        topics.append(Topic(topic_id, label, tuple(keywords), tuple(d.id for d in ordered)))
        topic_of.update({d.id: topic_id for d in members})
    return tuple(sorted(topics, key=lambda t: t.id)), topic_of


def _match_rules(drafts: Sequence[_Draft], rules: Sequence[TopicRule]) -> list[tuple[str, list[_Draft]]]:
    rule_terms = [(rule.name, {t for k in rule.keywords for t in content_terms(k)}) for rule in rules]
    groups: dict[str, list[_Draft]] = {rule.name: [] for rule in rules}
    groups[OTHER] = []
    for draft in drafts:
        total = sum(draft.terms.values()) or 1
        scores = [(sum(draft.terms[t] for t in terms) / total, name) for name, terms in rule_terms]
        score, name = max(scores, key=lambda s: (s[0], -[r.name for r in rules].index(s[1])))
        groups[name if score >= 0.02 else OTHER].append(draft)
    return [(name, members) for name, members in groups.items() if members]


def _label(
    groups: Sequence[tuple[str, list[_Draft]]], by_id: Mapping[str, Article]
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
        label = name or (keywords[0] if keywords else "General")
        result.append((label, keywords, members))
    return result


def _total(counters: Iterable[Counter[str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in counters:
        total.update(counts)
    return total


def _surface_forms(
    members: Sequence[_Draft], by_id: Mapping[str, Article], wanted: set[str]
) -> dict[str, str]:
    """How each wanted term is most often written, so labels read 'Gaza', not 'gaza'."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for draft in members:
        for article in draft.articles:
            for word in f"{article.title} {' '.join(article.sentences[:LEAD_SENTENCES])}".split():
                word = word.strip(".,;:!?\"'“”‘’()[]")
                terms = content_terms(word) if word else []
                if len(terms) == 1 and terms[0] in wanted:
                    seen[terms[0]][word] += 1
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


def _days(stories: Sequence[Story], by_id: Mapping[str, Article]) -> tuple[Day, ...]:
    buckets: dict[str, list[str]] = defaultdict(list)
    for story in stories:
        for date in sorted({d for d in (by_id[a].date for a in story.articles) if d}):
            buckets[date].append(story.id)
    return tuple(Day(date, tuple(ids)) for date, ids in sorted(buckets.items(), reverse=True))
