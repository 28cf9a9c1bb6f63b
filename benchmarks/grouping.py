"""Grouping quality and speed: BBC topics (NMI, whole and small digests), UCI stories (B-cubed), stories of
undated BBC articles with known events (B-cubed, ``bbc_events``), grouping time.

Run: .venv/bin/python benchmarks/grouping.py [--runs N] [--skip-speed] [--only topics|stories|events|speed]
Prints figures; it is not a test. Needs ../shared/corpora beside the repository.
"""

from __future__ import annotations

import argparse
import hashlib
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

from benchmarks.corpora import SHARED, flatten_bbc, uci_feeds
from digest.commands.build import build
from digest.config import Config
from digest.group.dedupe import find_duplicates
from digest.group.grouping import group
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
    from digest.incremental.cache import Cache
    from digest.incremental.files import Settings, ingest
    from digest.read.discovery import discover

    labels = flatten_bbc(work / "bbc-small")
    sources = list(discover(work / "bbc-small", work / "x", print))
    articles = ingest(sources, Settings(10 * 2**20), Cache(None, ""), jobs=2).articles
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


def _version(headline: str, paragraphs: list[str], rng: random.Random) -> str:
    """Another outlet's text of the same article: its own choice and order of the article's sentences."""
    from digest.language.text import headline_from_lead, sentence_spans

    sentences = [p[s:e] for p in paragraphs for s, e in sentence_spans(p)]
    lead, rest = sentences[:2], sentences[2:]
    if rng.random() < 0.5:  # an outlet leads with the news too, but not always with the same sentence
        lead.reverse()
    rest = [s for s in rest if rng.random() < 0.6]
    rng.shuffle(rest)
    kept = [*lead[: rng.randint(1, 2)], *rest]
    body = [kept[:2], *(kept[i : i + 3] for i in range(2, len(kept), 3))]
    title = headline if rng.random() < 0.5 else headline_from_lead(kept[0])
    return title + "\n\n" + "\n\n".join(" ".join(p) for p in body if p) + "\n"


def bbc_events(target: Path, events: int = 300, seed: int = 11) -> dict[str, str]:
    """The undated event corpus: every BBC article, ``events`` of them with 1 to 5 more outlets' versions.

    A version is made from its article alone, as another outlet's report of the same news: it leads with
    the news (one or both of the article's first two sentences, in either order), then about 60% of the
    other sentences, shuffled, under the article's headline or a headline made from its own first sentence.
    So each chosen article is an event of known size (2 to 6 articles) whose versions share the news, its
    facts and names but not a text: no version is an exact copy, and deduplication may collapse some.
    Versions share more words than two outlets' own texts would: recall here is an upper bound.
    Every other article counts as an event of its own, but for the corpus's 129 articles saved twice under one
    headline, which are labelled one event. It has other articles of one event that are not labelled so
    (follow-ups, the same news told again): the precision measured is a lower bound. Returns {file name:
    event id}.
    """
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    paths = sorted((SHARED / "bbc").glob("*/*.txt"))
    chosen = set(rng.sample(range(len(paths)), events))
    labels = {}
    for number, path in enumerate(paths):
        text = path.read_bytes().decode("utf-8", "replace")
        name = hashlib.sha1(f"{path.parent.name}/{path.name}".encode()).hexdigest()[:16]
        event = text.partition("\n")[0].strip()
        (target / f"{name}.txt").write_bytes(path.read_bytes())
        labels[f"{name}.txt"] = event
        if number not in chosen:
            continue
        headline, _, body = text.strip().partition("\n\n")
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        for copy in range(rng.randint(1, 5)):
            (target / f"{name}-{copy}.txt").write_text(_version(headline, paragraphs, rng), encoding="utf-8")
            labels[f"{name}-{copy}.txt"] = event
    return labels


def undated_events(work: Path) -> None:
    """Story B-cubed on ``bbc_events``, grouped as a build groups them (deduplication, then grouping)."""
    from digest.incremental.cache import Cache
    from digest.incremental.files import Settings, ingest
    from digest.read.discovery import discover

    labels = bbc_events(work / "events")
    sources = list(discover(work / "events", work / "x", print))
    articles = ingest(sources, Settings(10 * 2**20), Cache(None, ""), jobs=2).articles
    started = time.perf_counter()
    grouping = group(articles, find_duplicates(articles))
    seconds = time.perf_counter() - started
    story_of = {a: s.id for s in grouping.stories for a in (*s.articles, *s.duplicates)}
    truth = [labels[a.source] for a in articles]
    found = [story_of[a.id] for a in articles]
    p, r, f1 = bcubed(truth, found)
    sizes, events = Counter(found), Counter(truth)
    largest: dict[str, int] = defaultdict(int)
    for t, f in zip(truth, found, strict=True):
        largest[f] = max(largest[f], events[t])
    over = [f for f, n in sizes.items() if n > 2 * largest[f]]
    print(
        f"BBC undated events: B-cubed P {p:.3f} R {r:.3f} F1 {f1:.3f}; {len(sizes)} stories for {len(events)} "
        f"events, {len(truth)} articles; largest story {max(sizes.values())}, {len(over)} over twice their "
        f"event's size; {sum(1 for n in sizes.values() if n > 1)} stories of several (grouping {seconds:.1f} s)"
    )
    for story in over:
        told = sorted({t for t, f in zip(truth, found, strict=True) if f == story})
        print(f"  {sizes[story]} articles:", " | ".join(told))


def synthetic(count: int, work: Path) -> list[Article]:
    """``count`` distinct articles made from BBC sentences, dated over 30 days, for timing."""
    from digest.incremental.cache import Cache
    from digest.incremental.files import Settings, ingest
    from digest.read.discovery import discover

    flatten_bbc(work / "bbc-timing")
    sources = list(discover(work / "bbc-timing", work / "x", print))
    base = ingest(sources, Settings(10 * 2**20), Cache(None, ""), jobs=2).articles
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
    parser.add_argument(
        "--only", choices=["topics", "stories", "events", "speed"], help="one measurement alone"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if args.only in (None, "topics"):
            bbc_topics(work)
            bbc_small_topics(work)
        if args.only in (None, "stories"):
            uci_stories(work)
        if args.only in (None, "events"):
            undated_events(work)
        if not args.skip_speed and args.only in (None, "speed"):
            grouping_speed(work, args.runs)


if __name__ == "__main__":
    main()
