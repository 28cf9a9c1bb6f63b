"""Extractive summaries: an article's lead and its most informative sentences, and a story's across outlets.

An article summary opens with its lead: the first of its first three usable sentences that is news (not
a quotation, a follow-on that needs the sentence before, a teaser ending in an ellipsis, nor a scene set in
words found nowhere else in the article); without one, with the best-scoring sentence that can open. The
rest are chosen after it. A sentence's centrality is how much of its article's recurring content it
carries: the overlap of its salient terms (``digest.text.salient_terms``) with the rest of the article,
each term counted as often as it recurs there, divided by the length of the sentence's term vector. The
rest of the summary takes, from the sentences ranked among the most central two fifths of the article, the
ones that say the most: centrality times word count, so a long sentence full of the article's key words
wins over a short one, while one outside that central share is passed over however long it is. Position
and small content signals (final punctuation, no quotation, a sensible length) adjust the score.
Sentences that are boilerplate, questions to the reader, headings, lists (``digest.readable``), pieces of
a quotation the splitter cut, or shorter than five words are never chosen. A sentence opening with a
pronoun ("It", "They") loses weight unless the sentence before it is chosen too, and a sentence repeating
a chosen one loses by maximal marginal relevance. Story summaries weigh each article's sentences by
centrality and the square root of their word count, with the titles counted as part of the articles, open
with the lead most outlets agree with, and count as support only outlets whose sentence agrees on the facts
(``digest.agreement``). Everything is deterministic: ties go to the earlier sentence.

Chinese and Japanese, written without spaces, are weighed by overlapping character pairs (their salient
terms), and their words counted as one per two characters (``digest.text.word_count``): no stemming, no
function words left out, and of the cues of a follow-on sentence only a few openers ('但', '一方で'); a line
in them, or in any script without capitals, that does not end like a sentence is never chosen.
"""

from __future__ import annotations

import bisect
import math
import operator
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import accumulate, chain, repeat
from typing import NamedTuple

from digest.language.boilerplate import boilerplate_reason, is_boilerplate
from digest.language.readable import is_listing, needs_context, quote_cuts
from digest.language.text import CJK, salient_terms, word_count, word_set
from digest.models import StorySentence
from digest.summarize.agreement import agree
from digest.summarize.storyvectors import story_vectors

__all__ = ["MIN_WORDS", "SIMILAR", "story_length", "summarize_article", "summarize_story", "usable_sentence"]

# Two sentences of a story "say the same thing" when the cosine of their term vectors reaches this value:
# used to drop redundant sentences and to count the articles that support a story sentence. Terms are
# weighted by their rarity among the story's sentences (IDF), so the shared subject ("Gaza", "Israel")
# counts little and the claim itself (who did what, the figures) a lot; paraphrases by different outlets
# ("raised interest rates to 5.25% on Thursday" / "rates rose to 5.25% on Thursday") score 0.35-0.7,
# different claims on one subject below 0.25.
SIMILAR = 0.35
# Within one article, plain cosine of salient terms: sentences this close repeat each other.
_REPEAT = 0.5
MIN_WORDS = 5

# A sentence's score is scaled to 1 for the best one; these add to it.
_WEIGHT_POSITION = 0.02  # a tie-breaker for the lead: on the BBC set any more lowers ROUGE on both halves
_WEIGHT_SIGNALS = 0.05
# Article summaries: a sentence competes on what it says (centrality times its word count) while it ranks
# among the article's most central sentences, this share of them. The share is soft, a logistic in the rank
# percentile with this width, so neighbours of the boundary are not cut off at a cliff. On the BBC set
# shares from 0.35 to 0.46 and widths from 0.07 to 0.15 do about equally well on both halves.
_CENTRAL_SHARE = 0.42
_CENTRAL_WIDTH = 0.1
# Their position bias, for the sentences after the lead (which always opens): a sentence's length spreads
# these scores wider than a story's, so it takes more to favour the early ones (0 to 0.1 do about equally
# well on the BBC set).
_SUMMARY_POSITION = 0.1
# Story summaries: centrality to the whole story and the share of the other articles saying the same.
_WEIGHT_STORY = 0.5
_WEIGHT_SUPPORT = 0.5
# What a sentence opening with a pronoun loses when its referent is not in the summary (the best sentence
# scores about 1): it takes a much better sentence to be chosen without its referent. Connectives
# ("But", "However") are not penalised: the sentence still names what it is about.
_DANGLING_PENALTY = 0.8
# Someone called by title and surname alone ('Mr Miller', 'Ms Robinson') before a chosen sentence names them:
# a stranger to the reader, which only a much better sentence may bring in.
_STRANGER_PENALTY = 0.8
_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Lady|Lord)\.? ([A-Z][\w'\u2019-]+)")
_DANGLING = word_set(
    """
    he her his it its she such that their these they this those
    उन्होंने उसने वह वे यह ये इसने उनका उनकी उनके он она они его её ее их это этот эта эти
    """
)
# Maximal marginal relevance: weight of a sentence's own score against its similarity to chosen ones.
_MMR_LAMBDA = 0.7
_STORY_CANDIDATES_PER_ARTICLE = 8

_OPENING = "\"'“‘("
_CLOSING = "\"'”’)]」』）"
# Sentence ends of other scripts too: CJK full stops and full-width marks, the danda, the Arabic question mark.
_SENTENCE_ENDS = (".", "!", "?", "…", "。", "｡", "！", "？", "।", "॥", "؟", "۔")
_QUESTION_MARKS = ("?", "？", "؟")
_CJK_CHARACTER = re.compile(f"[{CJK}]")
# An article's lead is among its first three usable sentences: a headline, dateline or byline may come
# before it, and a quotation or a question that opens a feature is passed over for the news after it.
_LEAD_CANDIDATES = 3


class _Sentence(NamedTuple):
    """A candidate sentence with what scoring needs (a tuple: one is built per sentence, so cheap)."""

    text: str
    number: int  # position among all of its article's sentences
    rank: int  # position among its article's candidate sentences
    terms: Counter[str]  # salient-term counts
    norm: float  # Euclidean length of ``terms``
    words: int
    dangling: bool  # opens with a pronoun that needs the sentence before
    context: bool  # opens with any word that needs the sentence before (``needs_context``)
    signals: float  # content signals, about -5..0


def usable_sentence(sentence: str) -> bool:
    """True when a sentence may appear in a summary: prose, 5+ words, not a question, heading, list nor
    quotation of someone unnamed ('"...," he said')."""
    return _plausible(sentence, word_count(sentence)) and not is_boilerplate(sentence)


def summarize_article(sentences: Sequence[str], count: int, *, title: str = "") -> tuple[str, ...]:
    """An article's lead (see the module docstring) and its ``count - 1`` most informative usable
    sentences after it, in article order.

    ``title`` only helps recognise the lead (a headline repeated in the body is none; a lead shares a word
    with the title or the rest): it is not weighed in the scores, since a headline is written to catch the
    eye (puns, quotes), and any weight given to it lowered ROUGE on both halves of the BBC set.
    """
    if count < 0:
        raise ValueError(f"summary length must be 0 or more, got {count}")
    if count == 0:
        return ()
    sentences = tuple(sentences)  # read three times over: an article's ``Sentences`` slices each time
    said = [_said(text) for text in sentences]
    total = Counter(chain.from_iterable(each.salient for each in said))
    # Boilerplate is checked only for sentences about to be chosen: it is the costliest test, and most
    # sentences never compete for the top places.
    candidates = _candidates(sentences, said, screened=False)
    if not candidates:
        return ()
    scores = _summary_scores(candidates, total, count)
    # A copy updated rather than a sum: ``+`` rebuilds the counts term by term in Python.
    titled = total.copy()
    titled.update(salient_terms(title))
    opening = _lead(candidates, titled, title) or _best_opening(candidates, scores)
    chosen = _select(candidates, scores, count, opening)
    return tuple(candidate.text for candidate in sorted(chosen, key=lambda c: c.number))


def _lead(candidates: Sequence[_Sentence], total: Mapping[str, float], title: str) -> _Sentence | None:
    """The article's lead: the first of its first ``_LEAD_CANDIDATES`` usable sentences that is news and
    shares a term with the rest of the article or its title, both in ``total`` (a scene set in words found
    nowhere else is no lead)."""
    return next(
        (c for c in candidates[:_LEAD_CANDIDATES] if _news_lead(c, title) and _centrality(c, total) > 0),
        None,
    )


def _news_lead(candidate: _Sentence, title: str) -> bool:
    """True when a sentence can open a summary as its news: not a teaser, a quotation, a fragment or a
    follow-on."""
    text = candidate.text
    return not (
        candidate.context
        or text[:1].islower()
        or _quotation_first(text)
        or text.rstrip().endswith(("...", "…"))
        or text.rstrip(".").casefold() == title.strip().rstrip(".").casefold()
        or boilerplate_reason(text) is not None
    )


def _quotation_first(text: str) -> bool:
    """True when a sentence opens with a quotation that makes up half of it or more: a teaser, not a lead
    ('"Irreversible damage" will be caused by ...' is a lead)."""
    if text[:1] not in '"“':
        return False
    closing = text.find("”" if text[0] == "“" else '"', 1)
    quoted = text[1:closing] if closing > 0 else text
    return 2 * word_count(quoted) >= word_count(text)


def _best_opening(candidates: Sequence[_Sentence], scores: Sequence[float]) -> _Sentence | None:
    """Without a lead, the best-scoring sentence that can open a summary, or None."""
    order = sorted(range(len(candidates)), key=lambda position: (-scores[position], position))
    return next((candidates[p] for p in order if _news_lead(candidates[p], "")), None)


def story_length(articles: int) -> int:
    """Story summary length: ``min(6, 2 + ceil(log2(articles + 1)))``; 1 -> 3, 2-3 -> 4, 4-7 -> 5, 8+ -> 6."""
    return min(6, 2 + math.ceil(math.log2(max(articles, 1) + 1)))


def _plausible(sentence: str, size: int) -> bool:
    """The cheap half of ``usable_sentence`` for a sentence of ``size`` words (``word_count``): 5+ words, not
    a question to the reader, heading, list nor quotation of someone it does not name."""
    if size < MIN_WORDS or sentence.rstrip().endswith(_QUESTION_MARKS):
        return False
    return (
        (_punctuated(sentence) or not (_title_case(sentence.split()) or _uncased(sentence)))
        and not is_listing(sentence)
        and not _unattributed(sentence)
    )


def _punctuated(sentence: str) -> bool:
    """True when the sentence ends like prose: a terminator, maybe inside closing quotes or brackets."""
    return sentence.rstrip().rstrip(_CLOSING).endswith(_SENTENCE_ENDS)


def _uncased(sentence: str) -> bool:
    """True for a line in a script without capitals (Chinese, Devanagari, Arabic), or in CJK with a few Latin
    letters: only its missing sentence end shows it to be a heading or a menu."""
    return sentence.upper() == sentence.lower() or _CJK_CHARACTER.search(sentence) is not None


def _title_case(tokens: Sequence[str]) -> bool:
    """True when most words are capitalized, as in a headline ('Israel Withdrawing From Southern Gaza')."""
    capitalized = sum(1 for token in tokens if token[:1].isupper())
    return capitalized * 5 >= len(tokens) * 3


def _candidates(sentences: Sequence[str], said: Sequence[_Said], *, screened: bool) -> list[_Sentence]:
    """The plausible sentences of one article with their terms (``said``: each one's ``_said``), but for
    pieces of a cut quotation; ``screened``: and but for boilerplate."""
    candidates: list[_Sentence] = []
    cuts = quote_cuts(sentences)
    for index, (text, each, cut) in enumerate(zip(sentences, said, cuts, strict=True)):
        if each.measures is not None and not cut and not (screened and is_boilerplate(text)):
            candidates.append(_Sentence(text, index, len(candidates), *each.measures))
    return candidates


# The fields of a _Sentence its text alone sets.
_Measures = tuple[Counter[str], float, int, bool, bool, float]


def _measures(text: str, counts: Counter[str], size: int) -> _Measures:
    """A candidate's terms, their norm, its word count (``size``), dangling and context openers, content
    signals."""
    first = text.lstrip(_OPENING).split(None, 1)[0].lower().rstrip(",;:")
    return counts, _norm(counts), size, first in _DANGLING, needs_context(text), _signals(text, size)


def _unattributed(text: str) -> bool:
    """True when a sentence is a quotation whose speaker is not named in it: none, or 'he said'."""
    if text[:1] not in '"“':
        return False
    closing = max(text.rfind('"'), text.rfind("”"))
    after = text[closing + 1 :].split(None, 1) if closing > 0 else []
    return not after or after[0].lower().strip(",.") in _DANGLING


class _Said(NamedTuple):
    """What a summary reads of one sentence's text alone."""

    salient: tuple[str, ...]  # its salient terms, as ``salient_terms``
    measures: _Measures | None  # None unless it is a plausible sentence (``_plausible``) with terms


# An article's summary reads its sentences more than once, and news sentences recur across the articles of a
# story (copies, "The story is developing."): each text is read once while it is recent. A story's worth is
# enough; more would weigh on the memory of every process that summarizes.
@lru_cache(maxsize=2048)
def _said(text: str) -> _Said:
    """What a summary reads of a sentence's text (see ``_Said``), remembered for recent texts."""
    salient = tuple(salient_terms(text))
    counts = Counter(salient)
    size = word_count(text)
    if not counts or not _plausible(text, size):
        return _Said(salient, None)
    return _Said(salient, _measures(text, counts, size))


def _norm(terms: Mapping[str, float]) -> float:
    """Euclidean length of a term vector."""
    return math.hypot(*terms.values())


def _cosine(left: _Sentence, right: _Sentence) -> float:
    """Cosine similarity of two sentences' salient terms."""
    shared = left.terms.keys() & right.terms.keys()
    if not shared:
        return 0.0
    return sum(left.terms[term] * right.terms[term] for term in shared) / (left.norm * right.norm)


def _position(rank: int) -> float:
    """Lead bias: 1 for the first candidate sentence, decaying with the square root of the rank."""
    return 1.0 / math.sqrt(1.0 + rank)


def _signals(text: str, size: int) -> float:
    """Penalties for odd length, no final punctuation, a quotation (worse when broken)."""
    score = 0.0
    if not _punctuated(text):
        # A line without final punctuation is more likely a subtitle or a caption than lead prose.
        score -= 2.0
    if text.count("“") != text.count("”") or text.count('"') % 2:
        # Part of a quotation split across sentences: it reads badly on its own.
        score -= 2.0
    elif '"' in text or "“" in text:
        # A whole quotation: colour more often than the news itself.
        score -= 1.0
    if size < 8:
        score -= 2.0
    elif size > 50:
        score -= 1.0
    return score


def _centrality(candidate: _Sentence, total: Mapping[str, float]) -> float:
    """How much of the rest of the article's content the sentence carries (see the module docstring)."""
    terms = candidate.terms
    # Dot product with the article's counts, minus the sentence's own share of them.
    shared = float(sum(map(operator.mul, terms.values(), map(total.__getitem__, terms)))) - candidate.norm**2
    return shared / candidate.norm


def _coverage(candidate: _Sentence, total: Mapping[str, float]) -> float:
    """Centrality scaled by the square root of the word count: a story's sentences compete on this."""
    return _centrality(candidate, total) * math.sqrt(candidate.words)


def _summary_scores(candidates: Sequence[_Sentence], total: Mapping[str, float], count: int) -> list[float]:
    """Score an article's candidates: what each says if central enough, scaled to 1, plus adjustments."""
    centrality = [_centrality(candidate, total) for candidate in candidates]
    # A summary of half the candidates or more has no central share to keep to: ranks that coarse would
    # shut out the lead of a short article for a less central but longer sentence.
    share = _central_share(centrality) if len(candidates) > 2 * count else [1.0] * len(candidates)
    said = [
        value * candidate.words * inside
        for value, candidate, inside in zip(centrality, candidates, share, strict=True)
    ]
    top = max(said) or 1.0
    return [
        value / top + _SUMMARY_POSITION * _position(candidate.rank) + _WEIGHT_SIGNALS * candidate.signals
        for value, candidate in zip(said, candidates, strict=True)
    ]


def _central_share(centrality: Sequence[float]) -> list[float]:
    """How surely each sentence ranks among the article's ``_CENTRAL_SHARE`` most central (1 sure, 0 not)."""
    count = len(centrality)
    ranked = sorted(centrality, reverse=True)
    share = []
    for value in centrality:
        # Mid-rank: sentences equally central share one percentile, whatever their order.
        above = bisect.bisect_left(ranked, -value, key=operator.neg)
        tied = bisect.bisect_right(ranked, -value, key=operator.neg) - above
        percentile = (above + tied / 2.0) / count
        share.append(1.0 / (1.0 + math.exp((percentile - _CENTRAL_SHARE) / _CENTRAL_WIDTH)))
    return share


def _article_scores(candidates: Sequence[_Sentence], total: Mapping[str, float]) -> list[float]:
    """A story's scores of an article's candidates: coverage scaled to 1 for the best, plus adjustments."""
    coverage = [_coverage(candidate, total) for candidate in candidates]
    top = max(coverage) or 1.0
    return [
        value / top + _WEIGHT_POSITION * _position(candidate.rank) + _WEIGHT_SIGNALS * candidate.signals
        for value, candidate in zip(coverage, candidates, strict=True)
    ]


def _select(
    candidates: Sequence[_Sentence], scores: Sequence[float], count: int, opening: _Sentence | None
) -> list[_Sentence]:
    """Greedy choice after the opening: best score first; dangling openers, near-repeats and boilerplate lose
    out. Without an opening, no sentence that needs context is taken."""
    # Penalties only lower a score, so candidates are visited best-first and the scan stops as soon as
    # no unvisited candidate can beat the best value found.
    chosen: list[_Sentence] = []
    chosen_index: set[int] = set()
    if opening is not None:
        chosen.append(opening)
        chosen_index.add(opening.number)
    first = opening.number if opening is not None else -1
    order = sorted(
        (
            p
            for p in range(len(candidates))
            if candidates[p].number > first and (opening is not None or not candidates[p].context)
        ),
        key=lambda position: (-scores[position], position),
    )
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
    """What a candidate loses for a dangling opener without its referent, for someone it calls by title and
    surname whom no chosen sentence before it names, and for repeating a chosen one."""
    penalty = 0.0
    if candidate.dangling and candidate.number - 1 not in chosen_index:
        penalty += _DANGLING_PENALTY
    if _unintroduced(candidate.text, [c.text for c in chosen if c.number < candidate.number]):
        penalty += _STRANGER_PENALTY
    overlap = max((_cosine(candidate, other) for other in chosen), default=0.0)
    if overlap >= _REPEAT:
        penalty += (1.0 - _MMR_LAMBDA) * overlap
    return penalty


def summarize_story(
    articles: Sequence[tuple[str, Sequence[str]]],
    *,
    max_sentences: int | None = None,
    titles: Mapping[str, str] | None = None,
    outlets: Mapping[str, str] | None = None,
    headline: str | None = None,
) -> tuple[StorySentence, ...]:
    """A story summary from its articles (id, sentences): the most representative lead, then what the
    outlets add, each sentence traced to its article.

    Each article's sentences are scored as for its own summary; to that are added centrality to the
    whole story and support, the share of the other outlets holding a sentence that says the same
    (cosine of story-weighted terms >= ``SIMILAR``) and agrees with it on the facts (``agree``: figures,
    negation, opposite verbs). The summary opens with the articles' lead that most outlets support (then
    that of ``headline``, the article whose title the story shows, so that the two tell the same news; then
    the most central); the rest are chosen by maximal marginal relevance, and no two chosen sentences say
    the same. ``sources`` counts the distinct outlets whose sentence says the same and agrees, its own
    included: ``outlets`` maps article ids to their outlet (publisher), and an article not in it is an
    outlet of its own. After the opening, sentences are ordered by article (input order), then position.
    The length is ``story_length`` of the number of distinct articles, capped by ``max_sentences``. A story
    of one article gets that article's summary. ``titles`` maps article ids to their titles, which count
    as part of their articles' content.
    """
    titles = titles or {}
    ids = list(dict.fromkeys(article_id for article_id, _ in articles))
    length = story_length(len(ids))
    if max_sentences is not None:
        length = min(length, max(max_sentences, 0))
    if length == 0 or not articles:
        return ()
    if len(articles) == 1:
        article_id, sentences = articles[0]
        summary = summarize_article(sentences, length, title=titles.get(article_id, ""))
        return tuple(StorySentence(text, article_id, 1) for text in summary)
    numbers: dict[str, int] = {}
    pool = [
        _story_article(
            order,
            article_id,
            sentences,
            titles.get(article_id, ""),
            numbers.setdefault((outlets or {}).get(article_id) or f"article:{article_id}", len(numbers)),
        )
        for order, (article_id, sentences) in enumerate(articles)
    ]
    entries = _story_entries([article for article in pool if article.candidates])
    picked = _select_story(entries, length, headline)
    rest = sorted(picked[1:], key=lambda entry: (entry.article.order, entry.sentence.number))
    return tuple(
        StorySentence(entry.sentence.text, entry.article.id, entry.sources) for entry in picked[:1] + rest
    )


class _Article(NamedTuple):
    """One article of a story with its candidate sentences, their scores within the article, and its lead."""

    order: int  # position in the story's article order
    id: str
    candidates: list[_Sentence]
    scores: list[float]
    outlet: int  # the number of its outlet in the story
    lead: _Sentence | None


class _Entry(NamedTuple):
    """A story candidate: a sentence, its article, its story-weighted vector, score and support."""

    article: _Article
    sentence: _Sentence
    vector: dict[str, float]  # unit length
    score: float
    sources: int  # outlets saying the same and agreeing, its own included


def _story_article(
    order: int, article_id: str, sentences: Sequence[str], title: str, outlet: int = 0
) -> _Article:
    """An article's usable sentences scored as in its own summary, and its lead."""
    sentences = tuple(sentences)  # read three times over
    said = [_said(text) for text in sentences]
    total = Counter(chain.from_iterable(each.salient for each in said))
    total.update(salient_terms(title))
    candidates = _candidates(sentences, said, screened=True)
    scores = _article_scores(candidates, total) if candidates else []
    return _Article(order, article_id, candidates, scores, outlet, _lead(candidates, total, title))


def _story_entries(pool: Sequence[_Article]) -> list[_Entry]:
    """The leading candidates of every article, scored for the story, with the outlets supporting each."""
    if not pool:
        return []
    # Candidates are numbered through the story, article after article.
    firsts = list(accumulate((len(article.candidates) for article in pool), initial=0))
    space = story_vectors(
        [sentence.terms for article in pool for sentence in article.candidates],
        [order for order, article in enumerate(pool) for _ in article.candidates],
    )
    others = len({article.outlet for article in pool}) - 1
    preliminary = []
    for article, first in zip(pool, firsts, strict=False):
        for sentence, score in list(zip(article.candidates, article.scores, strict=True))[
            :_STORY_CANDIDATES_PER_ARTICLE
        ]:
            number = first + sentence.rank
            preliminary.append((score + _WEIGHT_STORY * space.centrality(number), article, sentence, number))
    # Support is counted for the best-placed candidates and the leads only: it costs a walk over the whole
    # story each, and a sentence far down the ranking is not lifted into a summary of at most six by it.
    best = sorted(range(len(preliminary)), key=lambda i: -preliminary[i][0])[:_SUPPORT_CANDIDATES]
    leads = [i for i, (_, article, sentence, _) in enumerate(preliminary) if sentence is article.lead]
    ranked = sorted({*best, *leads})
    indexed = [
        first + rank
        for article, first in zip(pool, firsts, strict=False)
        for rank in range(min(len(article.candidates), _SUPPORT_SENTENCES))
    ]
    owners = [article.outlet for article in pool for _ in article.candidates]
    texts = [sentence.text for article in pool for sentence in article.candidates]
    alike = space.similar([preliminary[p][3] for p in ranked], indexed, owners, SIMILAR)
    entries = []
    for position, similar in zip(ranked, alike, strict=True):
        value, article, sentence, number = preliminary[position]
        sources = 1 + len({owners[other] for other in similar if agree(sentence.text, texts[other])})
        support = (sources - 1) / others if others else 0.0
        entries.append(
            _Entry(article, sentence, space.vector(number), value + _WEIGHT_SUPPORT * support, sources)
        )
    return entries


# Sentences of each article searched for support: what several outlets agree on is stated early.
_SUPPORT_SENTENCES = 15
_SUPPORT_CANDIDATES = 32  # story candidates whose support is counted, best preliminary scores first


def _similarity(left: Mapping[str, float], right: Mapping[str, float]) -> float:
    """Dot product of two sparse unit vectors: their cosine."""
    if len(left) > len(right):
        left, right = right, left
    total: float = sum(map(operator.mul, left.values(), map(right.get, left, repeat(0.0))))
    return total


def _select_story(entries: Sequence[_Entry], length: int, headline: str | None = None) -> list[_Entry]:
    """The opening (``_story_opening``), then the rest by maximal marginal relevance; a sentence saying the
    same as a chosen one is never taken."""
    chosen: list[_Entry] = []
    # Each candidate's greatest similarity to a chosen sentence, updated as each one is chosen.
    overlaps = [0.0] * len(entries)
    remaining = list(range(len(entries)))
    best = _story_opening(entries, headline)
    while best is not None and len(chosen) < length:
        picked = entries[best]
        chosen.append(picked)
        remaining.remove(best)
        for position in remaining:
            overlaps[position] = max(overlaps[position], _similarity(entries[position].vector, picked.vector))
        # One saying the same as a chosen sentence is never chosen: it leaves the running.
        remaining = [
            position
            for position in remaining
            if overlaps[position] < SIMILAR and _cosine(entries[position].sentence, picked.sentence) < _REPEAT
        ]
        best = _next_story_sentence(entries, remaining, overlaps, chosen)
    return chosen


def _next_story_sentence(
    entries: Sequence[_Entry], remaining: Sequence[int], overlaps: Sequence[float], chosen: Sequence[_Entry]
) -> int | None:
    """The remaining entry with the best marginal relevance, a dangling opener without its referent
    losing ``_DANGLING_PENALTY``; None when none remains."""
    best, best_value = None, -math.inf
    shown = [other.sentence.text for other in chosen]
    for position in remaining:
        entry = entries[position]
        value = _MMR_LAMBDA * entry.score - (1.0 - _MMR_LAMBDA) * overlaps[position]
        if entry.sentence.dangling and not _referent_chosen(chosen, entry):
            value -= _DANGLING_PENALTY
        if _unintroduced(entry.sentence.text, shown):
            value -= _STRANGER_PENALTY
        if value > best_value:
            best, best_value = position, value
    return best


def _story_opening(entries: Sequence[_Entry], headline: str | None = None) -> int | None:
    """The position of the story's most representative lead: most outlets agreeing, then the lead of the
    ``headline`` article, then the best score. Without leads, the best-scoring sentence that needs no
    context; None when there is none."""
    leads = [p for p, entry in enumerate(entries) if entry.sentence is entry.article.lead]
    if leads:
        return max(
            leads, key=lambda p: (entries[p].sources, entries[p].article.id == headline, entries[p].score, -p)
        )
    openers = [p for p, entry in enumerate(entries) if not entry.sentence.context]
    return max(openers, key=lambda p: (entries[p].score, -p)) if openers else None


def _unintroduced(text: str, before: Sequence[str]) -> bool:
    """True when a sentence calls someone by title and surname alone ('Mr Miller added') whom none of the
    sentences ``before`` names: a reader meets a stranger."""
    surnames = _titled(text)
    return bool(surnames) and any(not any(name in other for other in before) for name in surnames)


# A choice of sentences asks this of every candidate left, again after each sentence it takes.
@lru_cache(maxsize=1024)
def _titled(text: str) -> tuple[str, ...]:
    """The surnames a sentence gives after a title ('Mr Miller' -> 'Miller')."""
    return tuple(_TITLED.findall(text))


def _referent_chosen(chosen: Sequence[_Entry], entry: _Entry) -> bool:
    """True when the sentence just before this one in its article is already in the summary."""
    return any(
        other.article.id == entry.article.id and other.sentence.number == entry.sentence.number - 1
        for other in chosen
    )
