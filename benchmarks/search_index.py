"""Search index size and query speed at 10,000 articles.

Run: .venv/bin/python benchmarks/search_index.py [--articles N] [--words N]
Builds a synthetic digest (article text drawn from English word frequencies, Zipf-like, so the vocabulary
grows as it does in real news), writes search-index.js, and reports its size raw and gzipped. With node
on the PATH it also loads the index with static/search.js and times queries, as a browser would run them.
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wordfreq import top_n_list

from digest.models import Article, Digest
from digest.render.renderer import theme_dir
from digest.render.search import build_index, index_script

VOCABULARY = 60_000
QUERIES = ("government", "minister election", "zzzunknown", "econ", "the market", "football club manager")

_NODE = r"""
const fs = require("fs");
const Engine = require(process.argv[2]);
const started = process.hrtime.bigint();
const source = fs.readFileSync(process.argv[3], "utf8");
const window = {};
new Function("window", source)(window);
const loaded = process.hrtime.bigint();
const engine = new Engine(window.DIGEST_SEARCH);
const ready = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;
const out = {parse_ms: ms(started, loaded), engine_ms: ms(loaded, ready), queries: {}};
for (const query of JSON.parse(process.argv[4])) {
  const first = process.hrtime.bigint();
  const found = engine.search(query);
  const once = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) engine.search(query);
  const again = process.hrtime.bigint();
  out.queries[query] = {results: found.total, first_ms: ms(first, once), repeat_ms: ms(once, again) / 20};
}
console.log(JSON.stringify(out));
"""


def synthetic_digest(count: int, words: int, seed: int = 7) -> Digest:
    """``count`` articles of about ``words`` words each, from a Zipf-weighted English vocabulary."""
    rng = random.Random(seed)
    vocabulary = top_n_list("en", VOCABULARY)
    weights = [1 / (rank + 10) for rank in range(len(vocabulary))]
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    articles = []
    for number in range(count):
        length = max(50, int(rng.gauss(words, words / 3)))
        drawn = rng.choices(vocabulary, cum_weights=cumulative, k=length + 12)
        title = " ".join(drawn[:12]).capitalize()
        paragraphs = tuple(" ".join(drawn[12 + i : 12 + i + 60]) + "." for i in range(0, length, 60))
        day = 1 + number % 28
        articles.append(
            _article(f"{number:012x}", title, paragraphs, f"2024-{1 + number % 12:02d}-{day:02d}")
        )
    summaries = {a.id: a.paragraphs[:1] for a in articles}
    return Digest("Benchmark", tuple(articles), {}, summaries, (), (), ())


def _article(id: str, title: str, paragraphs: tuple[str, ...], date: str) -> Article:
    return Article(
        id=id,
        slug=f"article-{id}",
        source=f"{id}.txt",
        format="text",
        title=title,
        title_from="first-line",
        date=date,
        date_from="text",
        published=None,
        author=None,
        author_from=None,
        publisher=f"Publisher {int(id, 16) % 40}",
        publisher_from="dateline",
        url=None,
        url_from=None,
        paragraphs=paragraphs,
        sentences=paragraphs,
        html=None,
        tags=(),
        topic_hint=None,
        given_summary=None,
        removed=(),
        content_hash=id,
        words=sum(len(p.split()) for p in paragraphs),
    )


def node_timings(script: Path) -> dict[str, object] | None:
    """Load the index and time the queries in node, or None without node."""
    node = shutil.which("node")
    if node is None:
        return None
    engine = theme_dir() / "static" / "search.js"
    runner = script.with_name("bench.js")
    runner.write_text(_NODE, encoding="utf-8")
    done = subprocess.run(
        [node, str(runner), str(engine), str(script), json.dumps(QUERIES)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=400, help="mean words per article")
    args = parser.parse_args()
    digest = synthetic_digest(args.articles, args.words)
    started = time.perf_counter()
    index = build_index(digest)
    script = index_script(index)
    seconds = time.perf_counter() - started
    postings = sum(len(p) for p in index.postings)
    print(
        f"articles {len(index.docs)}, terms {len(index.terms)}, postings {postings}, common {len(index.common)}"
    )
    print(f"index built in {seconds:.2f} s")
    print(f"search-index.js {len(script) / 1e6:.2f} MB, gzipped {len(gzip.compress(script, 6)) / 1e6:.2f} MB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "search-index.js"
        path.write_bytes(script)
        timings = node_timings(path)
    if timings is None:
        print("node not found: query timings skipped")
        return
    print(f"node: parse {timings['parse_ms']:.0f} ms, engine ready {timings['engine_ms']:.0f} ms")
    queries = timings["queries"]
    assert isinstance(queries, dict)
    for query, figures in queries.items():
        print(
            f"  {query!r}: {figures['results']} results, first {figures['first_ms']:.1f} ms, "
            f"repeated {figures['repeat_ms']:.1f} ms"
        )


if __name__ == "__main__":
    main()
