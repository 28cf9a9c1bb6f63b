"""The bare floor of a Markdown site build: python-frontmatter, Python-Markdown, one Jinja2 template, N processes.

Run: .venv/bin/python benchmarks/floor.py SRC OUT [--jobs 2]
Reads every .md under SRC, renders its body and writes one HTML page per article to OUT (same relative
path, .html). Nothing else: no grouping, no index pages, no feeds. Prints the seconds it took.
"""

from __future__ import annotations

import argparse
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import frontmatter
import jinja2
import markdown

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<article>
<h1>{{ title }}</h1>
<p class="byline">{{ author }}{% if publisher %}, {{ publisher }}{% endif %} · {{ date }}</p>
{{ body | safe }}
{% if url %}<p><a href="{{ url }}">Original</a></p>{% endif %}
</article>
</body>
</html>
"""

_template: jinja2.Template | None = None


def _start_worker() -> None:
    """Compile the template once per process."""
    global _template
    _template = jinja2.Environment(autoescape=True).from_string(PAGE)


def render_one(job: tuple[Path, Path]) -> None:
    """Read one article, render its Markdown into the page, write the page."""
    source, target = job
    assert _template is not None, "worker not started"
    post = frontmatter.loads(source.read_text(encoding="utf-8"))
    body = markdown.markdown(post.content)
    target.write_text(_template.render(post.metadata, body=body), encoding="utf-8")


def jobs_for(source: Path, output: Path) -> list[tuple[Path, Path]]:
    """Every .md under ``source`` with its page path under ``output``; creates the folders."""
    jobs = []
    for path in sorted(source.rglob("*.md")):
        target = (output / path.relative_to(source)).with_suffix(".html")
        jobs.append((path, target))
    for folder in {target.parent for _, target in jobs}:
        folder.mkdir(parents=True, exist_ok=True)
    return jobs


def build(source: Path, output: Path, processes: int) -> int:
    """Render every article with ``processes`` workers; return the number of pages written."""
    jobs = jobs_for(source, output)
    chunk = max(1, min(256, len(jobs) // (processes * 8)))
    with Pool(processes, initializer=_start_worker) as pool:
        for _ in pool.imap_unordered(render_one, jobs, chunksize=chunk):
            pass
    return len(jobs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pages = build(args.source, args.output, args.jobs)
    print(f"{time.perf_counter() - started:.2f} s for {pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
