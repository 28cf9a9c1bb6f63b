"""Article summary quality and speed: ROUGE against the BBC News Summary references, beside Lead-3 and TextRank-3.

Run: .venv/bin/python benchmarks/summaries.py [--sentences 3] [--runs 3] [--skip-speed]
Needs ../shared/corpora beside the repository and the `bench` extra (sumy, rouge-score): `pip install -e '.[bench]'`.
Prints figures; it is not a test.

The 896 articles are split by file number: odd numbers are the tuning half (look at these while changing the
summarizer), even numbers the check half (only ever read off). All three systems see the same sentences from
the same splitter, with the title given to ours only as the page gives it (TextRank and Lead-3 do not use one).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rouge_score import rouge_scorer
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from benchmarks.corpora import SHARED
from digest.readers.decode import decode
from digest.summarize import summarize_article
from digest.text import split_sentences, words

CORPUS = SHARED / "bbc-summary-dev"
METRICS = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True)
class Item:
    """One benchmark article: its title, paragraphs of sentences, and the reference sentences."""

    name: str
    title: str
    paragraphs: tuple[tuple[str, ...], ...]
    reference: tuple[str, ...]

    @property
    def sentences(self) -> list[str]:
        return [s for paragraph in self.paragraphs for s in paragraph]


def load() -> list[Item]:
    """Every article with a reference summary, in a stable order."""
    items = []
    for path in sorted((CORPUS / "articles").glob("*/*.txt")):
        section = path.parent.name
        text = decode(path.read_bytes(), path.name).replace("\r\n", "\n")
        title, _, body = text.strip().partition("\n")
        paragraphs = tuple(tuple(split_sentences(block)) for block in body.split("\n\n") if block.strip())
        summary = decode((CORPUS / "summaries" / section / path.name).read_bytes(), path.name)
        items.append(
            Item(f"{section}/{path.stem}", title.strip(), paragraphs, tuple(split_sentences(summary)))
        )
    return items


class _Words:
    """A sumy tokenizer made of our ``words``: sentences are already split, so only words are needed."""

    language = "english"

    @staticmethod
    def to_words(text: str) -> list[str]:
        return words(text)


def textrank(count: int) -> Callable[[Item], list[str]]:
    """sumy's TextRank with its English stemmer and stop words, over our sentences and words."""
    summarizer = TextRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _Words()

    def run(item: Item) -> list[str]:
        document = ObjectDocumentModel(
            [Paragraph([Sentence(s, tokenizer) for s in paragraph]) for paragraph in item.paragraphs]
        )
        return [str(sentence) for sentence in summarizer(document, count)]

    return run


def lead(count: int) -> Callable[[Item], list[str]]:
    """The first ``count`` sentences."""
    return lambda item: item.sentences[:count]


def ours(count: int) -> Callable[[Item], list[str]]:
    """newsdigest's article summary."""
    return lambda item: list(summarize_article(item.sentences, count, title=item.title))


def score(items: Sequence[Item], system: Callable[[Item], list[str]]) -> dict[str, float]:
    """Mean ROUGE F-measure of a system over some items (stemmed, rouge-score's tokenizer)."""
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    for item in items:
        result = scorer.score("\n".join(item.reference), "\n".join(system(item)))
        for metric in METRICS:
            totals[metric] += result[metric].fmeasure
    return {metric: total / len(items) for metric, total in totals.items()}


def splitter_agreement(items: Sequence[Item]) -> tuple[float, int]:
    """Share of re-split reference sentences found verbatim among the article's sentences, and the misses."""
    found = missed = 0
    for item in items:
        sentences = set(item.sentences)
        for sentence in item.reference:
            if sentence in sentences:
                found += 1
            else:
                missed += 1
    return found / max(found + missed, 1), missed


def quality(items: Sequence[Item], count: int) -> None:
    halves = {
        "tuning (odd)": [i for i in items if int(i.name[-3:]) % 2 == 1],
        "check (even)": [i for i in items if int(i.name[-3:]) % 2 == 0],
        "all": list(items),
    }
    agreement, missed = splitter_agreement(items)
    print(
        f"{len(items)} articles; reference sentences found verbatim among ours: {agreement:.2%} "
        f"({missed} missed)"
    )
    systems = {
        f"ours-{count}": ours(count),
        f"lead-{count}": lead(count),
        f"textrank-{count}": textrank(count),
    }
    for half, chosen in halves.items():
        print(f"\n{half}: {len(chosen)} articles, ROUGE F-measure at {count} sentences")
        print(f"  {'system':<12} {'R-1':>6} {'R-2':>6} {'R-L':>6}")
        results = {name: score(chosen, system) for name, system in systems.items()}
        for name, result in results.items():
            print(f"  {name:<12} " + " ".join(f"{result[m]:6.3f}" for m in METRICS))
        ratio = results[f"ours-{count}"]["rouge2"] / results[f"textrank-{count}"]["rouge2"]
        print(f"  R-2 ours / TextRank: {ratio:.3f} (target >= 1.10)")


def synthetic(items: Sequence[Item], count: int, length: int = 25) -> list[tuple[str, list[str]]]:
    """``count`` (title, sentences) articles of ``length`` sentences drawn from the corpus, for timing."""
    pool = [s for item in items for s in item.sentences]
    titles = [item.title for item in items]
    rng = random.Random(11)
    made = []
    for _ in range(count):
        start = rng.randrange(len(pool) - length)
        made.append((rng.choice(titles), pool[start : start + length]))
    return made


def speed(items: Sequence[Item], runs: int, count: int) -> None:
    articles = synthetic(items, 10_000)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for title, sentences in articles:
            summarize_article(sentences, count, title=title)
        times.append(time.perf_counter() - started)
    print(
        f"\nSummarizing 10,000 articles x 25 sentences, one process: median {statistics.median(times):.2f} s "
        f"over {runs} runs (min {min(times):.2f} s; the first run fills the stemming cache)"
    )
    text = ["\n\n".join(" ".join(item.sentences[i : i + 3]) for i in range(0, 24, 3)) for item in items]
    started = time.perf_counter()
    for _ in range(3):
        for body in text:
            split_sentences(body)
    per_article = (time.perf_counter() - started) / (3 * len(text))
    print(f"Splitting: {per_article * 10_000:.2f} s per 10,000 articles of this corpus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    items = load()
    quality(items, args.sentences)
    if not args.skip_speed:
        speed(items, args.runs, args.sentences)


if __name__ == "__main__":
    main()
