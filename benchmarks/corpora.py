"""Turn the shared corpora into source folders the way a user would have them (no labels visible)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def flatten_bbc(target: Path) -> dict[str, str]:
    """Copy the BBC articles into one folder under opaque names; return {file name: section}."""
    target.mkdir(parents=True, exist_ok=True)
    labels = {}
    for path in sorted((SHARED / "bbc").glob("*/*.txt")):
        section = path.parent.name
        name = hashlib.sha1(f"{section}/{path.name}".encode()).hexdigest()[:16] + ".txt"
        (target / name).write_bytes(path.read_bytes())
        labels[name] = section
    return labels


def uci_feeds(target: Path) -> dict[str, str]:
    """Write one RSS file per publisher from the UCI headlines; return {'feed.xml#n': event id}."""
    target.mkdir(parents=True, exist_ok=True)
    by_publisher: dict[str, list[dict[str, str]]] = {}
    with (SHARED / "uci-headlines-dev" / "headlines.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_publisher.setdefault(row["PUBLISHER"] or row["HOSTNAME"], []).append(row)
    labels = {}
    for publisher, rows in sorted(by_publisher.items()):
        name = hashlib.sha1(publisher.encode()).hexdigest()[:16] + ".xml"
        items = []
        for number, row in enumerate(rows, start=1):
            when = dt.datetime.fromtimestamp(int(row["TIMESTAMP"]) / 1000, tz=dt.UTC)
            items.append(
                f"<item><title>{escape(row['TITLE'])}</title><link>{escape(row['URL'])}</link>"
                f"<pubDate>{format_datetime(when)}</pubDate></item>"
            )
            labels[f"{name}#{number}"] = row["STORY"]
        (target / name).write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(publisher)}</title><link>https://{escape(rows[0]['HOSTNAME'])}/</link>"
            f"<description>{escape(publisher)}</description>{''.join(items)}</channel></rss>\n",
            encoding="utf-8",
        )
    return labels


# How feeds name the UCI categories: each feed that gives categories uses one of these names for each.
UCI_CATEGORY_NAMES = {
    "b": ("Business", "Business News", "Money"),
    "t": ("Technology", "Sci/Tech", "Science & Technology"),
    "e": ("Entertainment", "Arts & Entertainment", "Showbiz"),
    "m": ("Health", "Health News", "Health & Wellness"),
}


def uci_category_feeds(target: Path) -> dict[str, str]:
    """``uci_feeds`` where about half the publishers' feeds give each item's category as an RSS <category>
    (named as that feed names it, ``UCI_CATEGORY_NAMES``) and the others give none; return {'feed.xml#n':
    category letter}."""
    uci_feeds(target)
    with (SHARED / "uci-headlines-dev" / "headlines.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_publisher: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_publisher.setdefault(row["PUBLISHER"] or row["HOSTNAME"], []).append(row)
    categories = {}
    for publisher, items in sorted(by_publisher.items()):
        digest = hashlib.sha1(publisher.encode()).hexdigest()
        name = digest[:16] + ".xml"
        given = int(digest[16], 16) % 2 == 0
        path = target / name
        parts = path.read_text(encoding="utf-8").split("</item>")
        for number, row in enumerate(items, start=1):
            categories[f"{name}#{number}"] = row["CATEGORY"]
            if given:
                label = UCI_CATEGORY_NAMES[row["CATEGORY"]][int(digest[17], 16) % 3]
                parts[number - 1] += f"<category>{escape(label)}</category>"
        path.write_text("</item>".join(parts), encoding="utf-8")
    return categories
