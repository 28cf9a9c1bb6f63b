"""Topic names and filing on real news: BBC sections, UCI feeds' categories, the seed site.

Run: .venv/bin/python benchmarks/topics.py [--show N]
Prints figures, and with --show the topics an editor would read (names, sizes, sample headlines); it is not a
test. Needs ../shared/corpora beside the repository.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import flatten_bbc, uci_category_feeds, uci_feeds
from benchmarks.grouping import nmi, run_build

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

# The topic names that fit each BBC section: the IPTC section an editor would file it under (and its short
# forms). An article "fits" when its topic's name is one of its section's.
BBC_FITS = {
    "business": {"Business", "Economy, business and finance", "Economy", "Finance"},
    "entertainment": {"Arts and entertainment", "Arts, culture, entertainment and media", "Entertainment"},
    "politics": {"Politics"},
    "sport": {"Sport"},
    "tech": {"Science and technology", "Technology"},
}
UCI_NAMES = {"b": "business", "t": "science and technology", "e": "entertainment", "m": "health"}


def topics_of(digest: dict[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """Each article's topic label, and each article's story headline."""
    topics = digest["topics"]
    stories = digest["stories"]
    articles = digest["articles"]
    assert isinstance(topics, list) and isinstance(stories, list) and isinstance(articles, list)
    label = {t["id"]: t["label"] for t in topics}
    title = {s["id"]: s["title"] for s in stories}
    return (
        {a["source"]: label[a["topic"]] for a in articles},
        {a["source"]: title[a["story"]] for a in articles},
    )


def show(name: str, truth: dict[str, str], topic: dict[str, str], story: dict[str, str], count: int) -> None:
    """Each topic's size, its articles' true labels and ``count`` sample story headlines."""
    members: dict[str, list[str]] = defaultdict(list)
    for source, label in topic.items():
        members[label].append(source)
    print(f"  {name} topics:")
    for label, sources in sorted(members.items(), key=lambda item: -len(item[1])):
        labels = Counter(truth[s] for s in sources).most_common()
        print(f"    {label!r}: {len(sources)} articles, " + ", ".join(f"{k} {n}" for k, n in labels))
        headlines = sorted({story[s] for s in sources})
        for headline in random.Random(1).sample(headlines, min(count, len(headlines))):
            print(f"      - {headline[:100]}")


def bbc(work: Path, count: int) -> None:
    sections = flatten_bbc(work / "bbc")
    digest, seconds = run_build(work / "bbc", work / "bbc-site")
    topic, story = topics_of(digest)
    sources = sorted(topic)
    fits = sum(topic[s] in BBC_FITS[sections[s]] for s in sources) / len(sources)
    score = nmi([sections[s] for s in sources], [topic[s] for s in sources])
    print(
        f"BBC: {fits:.1%} of {len(sources)} articles under a topic named for their section; topic NMI "
        f"{score:.3f}; {len(set(topic.values()))} topics: {', '.join(sorted(set(topic.values())))} "
        f"(build {seconds:.1f} s)"
    )
    if count:
        show("BBC", sections, topic, story, count)


def uci(work: Path, count: int, categories: bool) -> None:
    folder = work / ("uci-categories" if categories else "uci-plain")
    if categories:
        truth = uci_category_feeds(folder)
    else:
        uci_feeds(folder)
        truth = uci_category_feeds(work / "uci-labels")
    digest, seconds = run_build(folder, work / f"{folder.name}-site")
    topic, story = topics_of(digest)
    sources = sorted(topic)
    score = nmi([truth[s] for s in sources], [topic[s] for s in sources])
    names = Counter(topic.values())
    stories = len({story[s] for s in sources})
    kind = "half the feeds giving <category>" if categories else "no feed giving <category>"
    print(
        f"UCI headlines ({kind}): topic NMI vs category {score:.3f}; {len(names)} topics for {stories} "
        f"stories: {', '.join(f'{k} {n}' for k, n in names.most_common())} (build {seconds:.1f} s)"
    )
    if count:
        show("UCI", {s: UCI_NAMES[truth[s]] for s in truth}, topic, story, count)


def seeds(work: Path) -> None:
    digest, _ = run_build(SEEDS, work / "seeds-site")
    topics = digest["topics"]
    assert isinstance(topics, list)
    print("Seeds: topics " + ", ".join(f"{t['label']!r} ({len(t['stories'])} stories)" for t in topics))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", type=int, default=0, help="sample headlines shown per topic")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        seeds(work)
        bbc(work, args.show)
        uci(work, args.show, categories=True)
        uci(work, args.show, categories=False)


if __name__ == "__main__":
    main()
