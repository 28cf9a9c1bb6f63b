"""The fast story machinery against the plain dict walks it replaced: the same values, bit for bit.

The references below are the earlier implementations of story summaries' vectors, centroid, support and
selection, and of key facts' name reading; the fast ones must agree with them exactly (floats compared
with ==) on generated stories full of repeated sentences and ties.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

import pytest

from digest.summarize import facts, storyvectors
from digest.summarize import summaries as summarize
from digest.summarize.agreement import agree
from digest.summarize.summaries import (
    _DANGLING_PENALTY,
    _MMR_LAMBDA,
    _REPEAT,
    _STORY_CANDIDATES_PER_ARTICLE,
    _SUPPORT_CANDIDATES,
    _SUPPORT_SENTENCES,
    _WEIGHT_STORY,
    _WEIGHT_SUPPORT,
    SIMILAR,
    _Article,
    _cosine,
    _Entry,
    _referent_chosen,
    _select_story,
    _story_article,
    _story_entries,
)

VOCABULARY = (
    "the council said rates rose to 5.25% on Thursday after talks in Leeds with Acme Corp and Jane Porter "
    "about 1,200 jobs at the steel plant while officials in Gaza warned of floods near the river as "
    "ministers met union leaders for four months of pay it they this"
)
WORDS = VOCABULARY.split()


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(4, 22))
    return " ".join([words[0].capitalize(), *words[1:]]) + rng.choice([".", ".", ".", "", "?"])


def story(seed: int) -> list[tuple[str, list[str]]]:
    """Articles (id, sentences) sharing many sentences, some ids repeated, as a story's copies do."""
    rng = random.Random(seed)
    common = [sentence(rng) for _ in range(12)]
    articles = []
    for number in range(rng.randint(2, 14)):
        article_id = f"a{rng.randint(0, number)}"
        texts = [
            rng.choice(common) if rng.random() < 0.4 else sentence(rng) for _ in range(rng.randint(1, 40))
        ]
        articles.append((article_id, texts))
    return articles


def pool(articles: Sequence[tuple[str, Sequence[str]]]) -> list[_Article]:
    """The story's articles; articles a0 to a4 are of one outlet, the rest each of its own."""
    made = [
        _story_article(order, a, texts, "", min(int(a[1:]), 4)) for order, (a, texts) in enumerate(articles)
    ]
    return [article for article in made if article.candidates]


# The references: the dict walks as they were.


def reference_entries(pool: Sequence[_Article]) -> list[_Entry]:
    vectors = reference_vectors(pool)
    centroid: Counter[str] = Counter()
    for article in pool:
        article_total: Counter[str] = Counter()
        for sentence in article.candidates:
            article_total.update(vectors[id(sentence)])
        scale = math.hypot(*article_total.values()) or 1.0
        centroid.update({term: value / scale for term, value in article_total.items()})
    centroid_norm = math.hypot(*centroid.values()) or 1.0
    others = len({article.outlet for article in pool}) - 1
    preliminary = []
    for article in pool:
        pairs = list(zip(article.candidates, article.scores, strict=True))
        for sentence, score in pairs[:_STORY_CANDIDATES_PER_ARTICLE]:
            vector = vectors[id(sentence)]
            centrality = sum(value * centroid[term] for term, value in vector.items()) / centroid_norm
            preliminary.append((score + _WEIGHT_STORY * centrality, article, sentence, vector))
    ranked = sorted(range(len(preliminary)), key=lambda i: -preliminary[i][0])[:_SUPPORT_CANDIDATES]
    leads = [i for i, (_, article, sentence, _) in enumerate(preliminary) if sentence is article.lead]
    postings: dict[str, list[tuple[int, int, float]]] = {}
    texts: dict[int, str] = {}
    for article in pool:
        for sentence in article.candidates[:_SUPPORT_SENTENCES]:
            texts[id(sentence)] = sentence.text
            for term, weight in vectors[id(sentence)].items():
                postings.setdefault(term, []).append((id(sentence), article.outlet, weight))
    entries = []
    for position in sorted({*ranked, *leads}):
        value, article, sentence, vector = preliminary[position]
        scores: dict[int, float] = {}
        owners: dict[int, int] = {}
        for term, weight in vector.items():
            for other_sentence, other_outlet, other in postings.get(term, ()):
                if other_outlet != article.outlet:
                    scores[other_sentence] = scores.get(other_sentence, 0.0) + weight * other
                    owners[other_sentence] = other_outlet
        sources = 1 + len(
            {owners[s] for s, score in scores.items() if score >= SIMILAR and agree(sentence.text, texts[s])}
        )
        support = (sources - 1) / others if others else 0.0
        entries.append(_Entry(article, sentence, vector, value + _WEIGHT_SUPPORT * support, sources))
    return entries


def reference_vectors(pool: Sequence[_Article]) -> dict[int, dict[str, float]]:
    sentences = [sentence for article in pool for sentence in article.candidates]
    frequency: Counter[str] = Counter()
    for sentence in sentences:
        frequency.update(sentence.terms.keys())
    count = len(sentences)
    vectors = {}
    for sentence in sentences:
        weights = {
            term: value * (math.log((1 + count) / (1 + frequency[term])) + 1.0)
            for term, value in sentence.terms.items()
        }
        norm = math.hypot(*weights.values()) or 1.0
        vectors[id(sentence)] = {term: weight / norm for term, weight in weights.items()}
    return vectors


def reference_select(entries: Sequence[_Entry], length: int) -> list[_Entry]:
    leads = [p for p, entry in enumerate(entries) if entry.sentence is entry.article.lead]
    openers = leads or [p for p, entry in enumerate(entries) if not entry.sentence.context]
    opening = max(
        openers, key=lambda p: (entries[p].sources if leads else 0, entries[p].score, -p), default=-1
    )
    chosen: list[_Entry] = []
    remaining = list(range(len(entries)))
    while remaining and len(chosen) < length:
        best, best_value = -1, -math.inf
        for position in remaining if chosen or opening < 0 else [opening]:
            entry = entries[position]
            overlap = max(
                (
                    sum(value * other.vector.get(term, 0.0) for term, value in entry.vector.items())
                    if len(entry.vector) <= len(other.vector)
                    else sum(value * entry.vector.get(term, 0.0) for term, value in other.vector.items())
                    for other in chosen
                ),
                default=0.0,
            )
            if overlap >= SIMILAR or any(_cosine(entry.sentence, o.sentence) >= _REPEAT for o in chosen):
                continue
            value = _MMR_LAMBDA * entry.score - (1.0 - _MMR_LAMBDA) * overlap
            if entry.sentence.dangling and not _referent_chosen(chosen, entry):
                value -= _DANGLING_PENALTY
            if value > best_value:
                best, best_value = position, value
        if best < 0:
            break
        remaining.remove(best)
        chosen.append(entries[best])
    return chosen


def described(entries: Sequence[_Entry]) -> list[tuple[str, int, list[tuple[str, float]], float, int]]:
    return [(e.article.id, e.sentence.number, list(e.vector.items()), e.score, e.sources) for e in entries]


@pytest.mark.parametrize("plain_pairs", [0, 10**9], ids=["arrays", "dicts"])
@pytest.mark.parametrize("seed", range(60))
def test_story_entries_and_selection_match_the_dict_walks_exactly(
    seed: int, plain_pairs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways of working out a story's vectors (numpy arrays for large stories, dicts for small ones)
    give the reference's values."""
    monkeypatch.setattr(storyvectors, "PLAIN_PAIRS", plain_pairs)
    monkeypatch.setattr(storyvectors, "PLAIN_PAIRS_UNLOADED", plain_pairs)
    articles = pool(story(seed))
    fast, slow = _story_entries(articles), reference_entries(articles)
    assert described(fast) == described(slow)
    for length in (3, 6):
        assert described(_select_story(fast, length)) == described(reference_select(slow, length))


def test_a_story_without_candidates_has_no_entries() -> None:
    assert _story_entries([]) == []


def test_story_summaries_are_unchanged_by_remembering_sentences() -> None:
    articles = story(7)
    first = summarize.summarize_story(articles)
    summarize._said.cache_clear()
    assert summarize.summarize_story(articles) == first


# Key facts: a sentence's names are read once whatever the story; the story then picks, for a run at the
# start of a sentence, the reading that its capitalised words elsewhere call for.


def reference_names(tokens: list[str], capitalised_inside: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    for start, end in facts._runs(tokens):
        words = [facts._bare(token) for token in tokens[start:end]]
        initial = start == 0 or tokens[start - 1] in facts._OPENING
        opener = initial and words[0] not in capitalised_inside
        if opener and (len(words) == 1 or facts._common(words[0])):
            words, start, opener = words[1:], start + 1, False
        for key, text, kind in facts._name(tokens, start, words):
            yield key, text, "opener:" + kind if opener else kind


FACT_SENTENCES = [
    "Steelmaker Acme Corp is to shut its Leeds plant with the loss of 1,200 jobs.",
    "Chief executive Jane Porter said demand for steel had fallen 12% in a year.",
    "Porter told reporters the plant had lost $10.9bn in 2023.",
    '"Leeds will suffer," said Tom Reed of the Unite union.',
    "Israeli Defense Minister Yoav Gallant visited the ruins of Khan Younis on Monday with his aides.",
    "Senior officials in Gaza City said four months of aid were needed.",
    "According to the United Nations, 1.5 million Palestinians have fled.",
]


@pytest.mark.parametrize("text", FACT_SENTENCES)
def test_a_sentence_read_once_gives_the_names_of_every_story(text: str) -> None:
    tokens = facts._tokens(text)
    read = facts._reading(text)
    assert read.prose
    words = {facts._bare(token) for token in tokens} | {"Porter", "Leeds"}
    for inside in (frozenset(), frozenset(words), frozenset(list(words)[:3])):
        names = [
            m for word, outside, within in read.mentions for m in (within if word in inside else outside)
        ]
        assert names == [*reference_names(tokens, inside), *facts._figures(tokens)]


def test_key_facts_do_not_depend_on_what_was_read_before() -> None:
    articles: Mapping[str, Sequence[str]] = {"a": FACT_SENTENCES[:4], "b": FACT_SENTENCES[2:]}
    first = facts.key_facts(list(articles.items()))
    facts._reading.cache_clear()
    assert facts.key_facts(list(reversed(articles.items()))) != () != first
    assert facts.key_facts(list(articles.items())) == first
