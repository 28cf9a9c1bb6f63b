"""Extractive summaries: the most informative sentences of an article, and of a story across articles.

A sentence's score mixes its position (news is written as an inverted pyramid, so the lead matters),
its centrality (cosine of its content terms with the rest of the text, and with the title), and small
content signals (numbers, names, a sensible length, final punctuation). Sentences that are boilerplate,
questions to the reader, headings or shorter than five words are never chosen. A sentence opening with
a pronoun or connective ("He", "But") loses weight unless the sentence before it is chosen too.
Everything is deterministic: ties go to the earlier sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from digest.boilerplate import boilerplate_reason
from digest.models import StorySentence
from digest.text import content_terms, word_set

__all__ = ["MIN_WORDS", "SIMILAR", "story_length", "summarize_article", "summarize_story", "usable_sentence"]

# Two sentences "say the same thing" when the cosine of their content-term counts reaches this value:
# used to drop redundant sentences and to count the articles that support a story sentence.
SIMILAR = 0.5
MIN_WORDS = 5

# Weights found on the BBC News Summary dev set (ROUGE against the references); position stays a real
# factor so a lead sentence wins over an equally central one further down.
_WEIGHT_POSITION = 0.2
_WEIGHT_CENTRALITY = 0.5
_WEIGHT_TITLE = 0.2
_WEIGHT_SIGNALS = 0.1
_WEIGHT_SUPPORT = 0.2  # story summaries: share of the other articles that hold a similar sentence
# What a sentence opening with a pronoun or connective loses when its referent is not in the summary:
# about a quarter of a typical score, so it still wins when clearly better than the alternatives.
_DANGLING_PENALTY = 0.1
_DANGLING = word_set(
    """
    also and besides but furthermore he her his however instead it its meanwhile moreover nevertheless
    she so still such that their then there these they this those yet
    """
)
# Maximal marginal relevance: weight of a sentence's own score against its similarity to chosen ones.
_MMR_LAMBDA = 0.7
_STORY_CANDIDATES_PER_ARTICLE = 8

_DIGIT = re.compile(r"\d")
_TWO_NAMES = re.compile(r"\s[A-Z].*?\s[A-Z]")  # two capitalized words after the first
_OPENING = "\"'“‘("


class _Sentence(NamedTuple):
    """A candidate sentence with what scoring needs (a tuple: one is built per sentence, so cheap)."""

    text: str
    number: int  # position among all of its article's sentences
    rank: int  # position among its article's candidate sentences
    terms: Counter[str]  # content-term counts
    norm: float  # Euclidean length of ``terms``
    dangling: bool  # opens with a pronoun or connective
    signals: float  # content signals, about -5..1


def usable_sentence(sentence: str) -> bool:
    """True when a sentence may appear in a summary: prose, 5+ words, not a question nor a heading."""
    return _plausible(sentence) and boilerplate_reason(sentence) is None


def summarize_article(sentences: Sequence[str], count: int, *, title: str = "") -> tuple[str, ...]:
    """The ``count`` most informative usable sentences of an article, in article order."""
    if count < 0:
        raise ValueError(f"summary length must be 0 or more, got {count}")
    if count == 0:
        return ()
    # Boilerplate is checked only for sentences about to be chosen: it is the costliest test, and most
    # sentences never compete for the top places.
    candidates = _candidates(sentences, screen=False)
    if not candidates:
        return ()
    title_terms = Counter(content_terms(title))
    scores = _article_scores(candidates, title_terms, _norm(title_terms))
    chosen = _select(candidates, scores, count)
    return tuple(candidate.text for candidate in sorted(chosen, key=lambda c: c.number))


def story_length(articles: int) -> int:
    """Story summary length: ``min(6, 2 + ceil(log2(articles + 1)))``; 1 -> 3, 2-3 -> 4, 4-7 -> 5, 8+ -> 6."""
    return min(6, 2 + math.ceil(math.log2(max(articles, 1) + 1)))


def summarize_story(
    articles: Sequence[tuple[str, Sequence[str]]], *, max_sentences: int | None = None
) -> tuple[StorySentence, ...]:
    """A story summary from its articles (id, sentences), in story order; each sentence traced to its article.

    Sentences are scored by position in their article, centrality to the whole story, support (the
    share of other articles holding a similar sentence) and content signals, then chosen by maximal
    marginal relevance; no two chosen sentences have a cosine of ``SIMILAR`` or more. ``sources``
    counts the distinct articles holding a sentence with cosine >= ``SIMILAR`` to the chosen one, its
    own included. The result is ordered by article (input order), then position in the article. Its
    length is ``story_length`` of the number of distinct articles, capped by ``max_sentences``. A story
    of one article gets that article's summary.
    """
    ids = list(dict.fromkeys(article_id for article_id, _ in articles))
    length = story_length(len(ids))
    if max_sentences is not None:
        length = min(length, max(max_sentences, 0))
    if length == 0 or not articles:
        return ()
    if len(articles) == 1:
        article_id, sentences = articles[0]
        return tuple(StorySentence(text, article_id, 1) for text in summarize_article(sentences, length))
    pool = [
        _Article(order, article_id, _candidates(sentences, screen=True))
        for order, (article_id, sentences) in enumerate(articles)
    ]
    pool = [article for article in pool if article.sentences]
    picked = _select_story(pool, length)
    return tuple(
        StorySentence(entry.sentence.text, entry.article.id, _sources(entry.sentence, pool))
        for entry in sorted(picked, key=lambda entry: (entry.article.order, entry.sentence.number))
    )


def _plausible(sentence: str) -> bool:
    """The cheap half of ``usable_sentence``: 5+ words, not a question to the reader, not a heading."""
    tokens = sentence.split()
    if len(tokens) < MIN_WORDS or sentence.rstrip().endswith("?"):
        return False
    return _punctuated(sentence) or not _title_case(tokens)


def _punctuated(sentence: str) -> bool:
    """True when the sentence ends like prose: a terminator, maybe inside closing quotes or brackets."""
    return sentence.rstrip().rstrip("\"'”’)]").endswith((".", "!", "?", "…"))


def _title_case(tokens: Sequence[str]) -> bool:
    """True when most words are capitalized, as in a headline ('Israel Withdrawing From Southern Gaza')."""
    capitalized = sum(1 for token in tokens if token[:1].isupper())
    return capitalized * 5 >= len(tokens) * 3


def _candidates(sentences: Sequence[str], *, screen: bool) -> list[_Sentence]:
    """The plausible sentences of one article with their terms; ``screen`` also drops boilerplate."""
    candidates: list[_Sentence] = []
    for index, text in enumerate(sentences):
        if not (usable_sentence(text) if screen else _plausible(text)):
            continue
        terms = Counter(content_terms(text))
        if not terms:
            continue
        first = text.lstrip(_OPENING).split(None, 1)[0].lower().rstrip(",;:")
        candidates.append(
            _Sentence(text, index, len(candidates), terms, _norm(terms), first in _DANGLING, _signals(text))
        )
    return candidates


def _norm(terms: Counter[str]) -> float:
    """Euclidean length of a term-count vector."""
    return math.sqrt(sum(value * value for value in terms.values()))


def _cosine(left: _Sentence, right: _Sentence) -> float:
    """Cosine similarity of two sentences' content terms."""
    shared = left.terms.keys() & right.terms.keys()
    if not shared:
        return 0.0
    return sum(left.terms[term] * right.terms[term] for term in shared) / (left.norm * right.norm)


def _position(rank: int) -> float:
    """Lead bias: 1 for the first candidate sentence, decaying with the square root of the rank."""
    return 1.0 / math.sqrt(1.0 + rank)


def _signals(text: str) -> float:
    """Bonus for numbers and names; penalties for odd length, no final punctuation, a broken quotation."""
    score = 0.0
    if _DIGIT.search(text):
        score += 0.5
    if _TWO_NAMES.search(text):
        score += 0.5
    if not _punctuated(text):
        # A line without final punctuation is more likely a subtitle or a caption than lead prose.
        score -= 2.0
    if text.count("“") != text.count("”") or text.count('"') % 2:
        # Part of a quotation split across sentences: it reads badly on its own.
        score -= 1.0
    words = text.count(" ") + 1
    if words < 8:
        score -= 2.0
    elif words > 45:
        score -= 1.0
    return score


def _article_scores(candidates: Sequence[_Sentence], title: Counter[str], title_norm: float) -> list[float]:
    """Score each candidate by position, leave-one-out centrality, title similarity and signals."""
    total: Counter[str] = Counter()
    for candidate in candidates:
        total.update(candidate.terms)
    total_sq = sum(value * value for value in total.values())
    scores: list[float] = []
    for candidate in candidates:
        terms = candidate.terms
        own_sq = candidate.norm * candidate.norm
        own_dot = sum(value * total[term] for term, value in terms.items())
        rest_sq = total_sq - 2.0 * own_dot + own_sq
        # Cosine with the article minus this sentence, so a sentence does not count its own words.
        centrality = (own_dot - own_sq) / math.sqrt(own_sq * rest_sq) if rest_sq > 1e-9 else 0.0
        title_similarity = 0.0
        if title_norm:
            shared = terms.keys() & title.keys()
            title_similarity = sum(terms[term] * title[term] for term in shared) / (
                candidate.norm * title_norm
            )
        scores.append(
            _WEIGHT_POSITION * _position(candidate.rank)
            + _WEIGHT_CENTRALITY * centrality
            + _WEIGHT_TITLE * title_similarity
            + _WEIGHT_SIGNALS * candidate.signals
        )
    return scores


def _select(candidates: Sequence[_Sentence], scores: Sequence[float], count: int) -> list[_Sentence]:
    """Greedy choice: best score first; dangling openers, near-repeats and boilerplate lose out."""
    # Penalties only lower a score, so candidates are visited best-first and the scan stops as soon as
    # no unvisited candidate can beat the best value found.
    order = sorted(range(len(candidates)), key=lambda position: (-scores[position], position))
    chosen: list[_Sentence] = []
    chosen_index: set[int] = set()
    while order and len(chosen) < count:
        best, best_value = -1, -math.inf
        for position in order:
            if scores[position] <= best_value:
                break
            value = scores[position] - _penalty(candidates[position], chosen, chosen_index)
            if value > best_value or (value == best_value and position < best):
                best, best_value = position, value
        order.remove(best)
        picked = candidates[best]
        if boilerplate_reason(picked.text) is None:
            chosen.append(picked)
            chosen_index.add(picked.number)
    return chosen


def _penalty(candidate: _Sentence, chosen: Sequence[_Sentence], chosen_index: set[int]) -> float:
    """What a candidate loses for a dangling opener without its referent, and for repeating a chosen one."""
    penalty = 0.0
    if candidate.dangling and candidate.number - 1 not in chosen_index:
        penalty += _DANGLING_PENALTY
    overlap = max((_cosine(candidate, other) for other in chosen), default=0.0)
    if overlap >= SIMILAR:
        penalty += (1.0 - _MMR_LAMBDA) * overlap
    return penalty


class _Article(NamedTuple):
    """One article of a story with its candidate sentences."""

    order: int  # position in the story's article order
    id: str
    sentences: list[_Sentence]


class _Entry(NamedTuple):
    """A story candidate: a sentence and the article it comes from."""

    article: _Article
    sentence: _Sentence


def _select_story(pool: Sequence[_Article], length: int) -> list[_Entry]:
    """Choose story sentences by maximal marginal relevance over the articles' leading sentences."""
    centroid = _story_centroid(pool)
    centroid_norm = math.sqrt(sum(value * value for value in centroid.values()))
    others = len({article.id for article in pool}) - 1
    entries: list[_Entry] = []
    scores: list[float] = []
    for article in pool:
        for sentence in article.sentences[:_STORY_CANDIDATES_PER_ARTICLE]:
            support = (_sources(sentence, pool) - 1) / others if others else 0.0
            shared = sentence.terms.keys() & centroid.keys()
            centrality = sum(sentence.terms[term] * centroid[term] for term in shared) / (
                sentence.norm * centroid_norm
            )
            entries.append(_Entry(article, sentence))
            scores.append(
                _WEIGHT_POSITION * _position(sentence.rank)
                + _WEIGHT_CENTRALITY * centrality
                + _WEIGHT_SUPPORT * support
                + _WEIGHT_SIGNALS * sentence.signals
            )
    chosen: list[_Entry] = []
    remaining = list(range(len(entries)))
    while remaining and len(chosen) < length:
        best, best_value = -1, -math.inf
        for position in remaining:
            entry = entries[position]
            overlap = max((_cosine(entry.sentence, other.sentence) for other in chosen), default=0.0)
            if overlap >= SIMILAR:
                continue
            value = _MMR_LAMBDA * scores[position] - (1.0 - _MMR_LAMBDA) * overlap
            if entry.sentence.dangling and not _referent_chosen(chosen, entry):
                value -= _DANGLING_PENALTY
            if value > best_value:
                best, best_value = position, value
        if best < 0:
            break
        remaining.remove(best)
        chosen.append(entries[best])
    return chosen


def _story_centroid(pool: Sequence[_Article]) -> dict[str, float]:
    """Sum of the articles' term vectors, each scaled to length 1 so a long article does not dominate."""
    centroid: dict[str, float] = {}
    for article in pool:
        terms: Counter[str] = Counter()
        for sentence in article.sentences:
            terms.update(sentence.terms)
        norm = _norm(terms)
        for term, value in terms.items():
            centroid[term] = centroid.get(term, 0.0) + value / norm
    return centroid


def _referent_chosen(chosen: Sequence[_Entry], entry: _Entry) -> bool:
    """True when the sentence just before this one in its article is already in the summary."""
    return any(
        other.article.id == entry.article.id and other.sentence.number == entry.sentence.number - 1
        for other in chosen
    )


def _sources(sentence: _Sentence, pool: Sequence[_Article]) -> int:
    """How many distinct articles hold a sentence similar to this one (its own article included)."""
    supporting: set[str] = set()
    for article in pool:
        if article.id in supporting:
            continue
        if any(other is sentence or _cosine(sentence, other) >= SIMILAR for other in article.sentences):
            supporting.add(article.id)
    return len(supporting)
