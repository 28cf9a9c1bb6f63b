"""Grouping quality and speed: BBC topics (NMI, whole and small digests), UCI stories (B-cubed), grouping time.

Run: .venv/bin/python benchmarks/grouping.py [--runs N]
Prints figures; it is not a test. Needs ../shared/corpora beside the repository.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import flatten_bbc, uci_feeds
from digest.build import build
from digest.config import Config
from digest.dedupe import find_duplicates
from digest.group import group
from digest.models import Article


def nmi(truth: list[str], found: list[str]) -> float:
    """Normalized mutual information (arithmetic mean normalization, as scikit-learn's default)."""
    n = len(truth)
    joint = Counter(zip(truth, found, strict=True))
    a, b = Counter(truth), Counter(found)
    mutual = sum(c / n * math.log(c * n / (a[t] * b[f])) for (t, f), c in joint.items())
    entropy = [-sum(c / n * math.log(c / n) for c in counts.values()) for counts in (a, b)]
    denominator = (entropy[0] + entropy[1]) / 2
    return mutual / denominator if denominator else 1.0


def bcubed(truth: list[str], found: list[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering against true classes."""
    clusters: dict[str, list[int]] = defaultdict(list)
    classes: dict[str, list[int]] = defaultdict(list)
    for i, (t, f) in enumerate(zip(truth, found, strict=True)):
        clusters[f].append(i)
        classes[t].append(i)
    precision = recall = 0.0
    for t, f in zip(truth, found, strict=True):
        same = sum(1 for j in clusters[f] if truth[j] == t)
        precision += same / len(clusters[f])
        recall += same / len(classes[t])
    p, r = precision / len(truth), recall / len(truth)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def run_build(source: Path, output: Path) -> tuple[dict[str, object], float]:
    started = time.perf_counter()
    build(Config(source=source, output=output), environ={})
    seconds = time.perf_counter() - started
    return json.loads((output / "digest.json").read_text(encoding="utf-8")), seconds


def labelled(
    source: Path, output: Path, labels: dict[str, str], key: str
) -> tuple[list[str], list[str], float]:
    """Build ``source``; the true label and the found ``key`` ('topic' or 'story') of every article."""
    digest, seconds = run_build(source, output)
    articles = digest["articles"]
    assert isinstance(articles, list)
    return [labels[a["source"]] for a in articles], [a[key] for a in articles], seconds


def bbc_topics(work: Path) -> None:
    truth, found, seconds = labelled(work / "bbc", work / "bbc-site", flatten_bbc(work / "bbc"), "topic")
    print(
        f"BBC topics: NMI {nmi(truth, found):.3f} with {len(set(found))} topics "
        f"for 5 sections, {len(truth)} articles (whole build {seconds:.1f} s)"
    )
    sizes = Counter(found).most_common(8)
    print("  largest topics:", ", ".join(f"{t} {n}" for t, n in sizes))


def bbc_small_topics(work: Path, sizes: tuple[int, ...] = (40, 80, 200, 500), seeds: int = 3) -> None:
    """Topics of small digests: random BBC subsets of each size, the mean NMI and topic count of a few."""
    from digest.build import discover
    from digest.cache import Cache
    from digest.ingest import Settings, ingest

    labels = flatten_bbc(work / "bbc-small")
    sources = list(discover(work / "bbc-small", work / "x", print))
    articles = ingest(sources, Settings(3, 10 * 2**20), Cache(None, ""), jobs=2).articles
    parts = []
    for size in sizes:
        scores, counts = [], []
        for seed in range(seeds):
            chosen = random.Random(seed).sample(list(articles), size)
            grouping = group(chosen, find_duplicates(chosen))
            topic_of = {a: s.topic for s in grouping.stories for a in (*s.articles, *s.duplicates)}
            scores.append(nmi([labels[a.source] for a in chosen], [topic_of[a.id] for a in chosen]))
            counts.append(len(grouping.topics))
        parts.append(f"{size}: NMI {statistics.mean(scores):.2f} with {statistics.mean(counts):.1f} topics")
    print(f"BBC small digests (mean of {seeds} random subsets): " + "; ".join(parts))


def uci_stories(work: Path) -> None:
    truth, found, seconds = labelled(work / "uci", work / "uci-site", uci_feeds(work / "uci"), "story")
    p, r, f1 = bcubed(truth, found)
    print(
        f"UCI stories: B-cubed P {p:.3f} R {r:.3f} F1 {f1:.3f}; {len(set(found))} stories for "
        f"{len(set(truth))} events, {len(truth)} headlines (whole build {seconds:.1f} s)"
    )


def synthetic(count: int, work: Path) -> list[Article]:
    """``count`` distinct articles made from BBC sentences, dated over 30 days, for timing."""
    from digest.build import discover
    from digest.cache import Cache
    from digest.ingest import Settings, ingest

    flatten_bbc(work / "bbc-timing")
    sources = list(discover(work / "bbc-timing", work / "x", print))
    base = ingest(sources, Settings(3, 10 * 2**20), Cache(None, ""), jobs=2).articles
    rng = random.Random(7)
    made = []
    for number in range(count):
        seed = base[number % len(base)]
        other = base[rng.randrange(len(base))]
        sentences = seed.sentences[:6] + other.sentences[6:12]
        made.append(
            replace(
                seed,
                id=f"{number:012x}",
                slug=f"a{number}",
                source=f"synthetic/{number}.txt",
                date=f"2024-03-{1 + number % 28:02d}",
                sentences=sentences,
                paragraphs=tuple(sentences),
                content_hash=f"{number}",
            )
        )
    return made


def grouping_speed(work: Path, runs: int) -> None:
    articles = synthetic(10_000, work)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        duplicates = find_duplicates(articles)
        grouping = group(articles, duplicates)
        times.append(time.perf_counter() - started)
    tracemalloc.start()  # a separate run: tracing slows Python several times over
    group(articles, find_duplicates(articles))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"Grouping 10,000 articles (dedupe + stories + topics): median {statistics.median(times):.2f} s "
        f"over {runs} runs (min {min(times):.2f}), peak traced memory {peak / 2**20:.0f} MiB; "
        f"{len(grouping.stories)} stories, {len(grouping.topics)} topics"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        bbc_topics(work)
        bbc_small_topics(work)
        uci_stories(work)
        if not args.skip_speed:
            grouping_speed(work, args.runs)


if __name__ == "__main__":
    main()
