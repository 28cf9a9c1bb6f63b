"""``digest new DIR``: a new digest folder with a commented config, a sample article and a .gitignore."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from digest.config import CONFIG_NAME, FETCH_STATE, USER_AGENT
from digest.errors import ScaffoldError

CONFIG = f"""\
# digest.toml: every key is optional; relative folders are relative to this file.
# The README's "Configuration" table lists every key.

[site]
title = "{{title}}"
# base_url = "https://example.org/news"   # absolute URL of the published site (feeds, canonical links)
templates = "templates"                   # your templates override the default theme, file by file

[build]
source = "articles"                       # articles to read: .txt, .md, .html, .xml/.rss/.atom
output = "site"                           # the built site; replaced whole, only when a build succeeds
# max_file_mb = 10                        # larger files are skipped with a warning
# cache = ".digest-cache"                 # incremental build cache; `digest build --no-cache` ignores it

[summary]
sentences = 3                             # sentences in each article summary (1-20)

# Feeds for `digest fetch`: each new entry is written to articles/<feed>/ as Markdown.
# [[feeds]]
# url = "https://example.org/news/rss.xml"
# name = "Example News"                   # optional: names the folder; default: the feed's host
# full_text = true                        # optional: download each article page for its full text

[fetch]
# user_agent = "{USER_AGENT}"
# timeout = 20.0                          # seconds to wait for a server
# retries = 3                             # tries on timeouts, connection errors and 5xx
# backoff = 1.0                           # seconds before the first retry, doubled after each
rate_limit = 1.0                          # seconds between two requests to the same host
# deadline = 600.0                        # seconds the whole fetch may take
# allow_hosts = []                        # hosts on private addresses whose pages may be fetched
# state = "{FETCH_STATE}"    # ETags and what fetch wrote, so edited files are never overwritten

[serve]
port = 8000                               # `digest serve` listens on 127.0.0.1:port

[publish]
branch = "gh-pages"                       # `digest publish` commits the site to this branch
# folder = "../public"                    # or copies it to this folder instead

# Topics: without any, topics are discovered automatically.
# [[topics]]
# name = "Climate"
# keywords = ["climate", "emissions", "heatwave"]

[group]
# unmatched = "other"                     # with [[topics]]: "other" (one Other topic) or "discover"
"""

ARTICLE = """\
---
title: Welcome to your news digest
date: {date}
author: newsdigest
publisher: newsdigest
tags: [getting started]
sample: true
---

This sample article is on your site only until your first article arrives (its `sample: true` line
does that); then it leaves the site by itself, and you may delete it.

This folder holds the articles your digest is built from. Put plain text, Markdown with front
matter, saved web pages or RSS and Atom feed files here, in any sub-folders you like.

Run digest build to turn them into a site in the site folder, and open site/index.html in a
browser. Run digest serve to preview the site while you edit: it rebuilds and reloads the page
whenever an article, a template or digest.toml changes.

List feeds in digest.toml and run digest fetch to download their new entries into this folder as
Markdown files. Edit those files freely: fetch never overwrites a file you have changed.
"""

TEMPLATES_NOTE = """\
Templates placed here override the default theme's files of the same name; files under static/ here
override the theme's static files. An empty folder means the default theme, unchanged.

`digest theme` prints the default theme's folder. To change the story page, copy it here and edit it:

    cp "$(digest theme)/story.html" templates/
"""

GITIGNORE = f"""\
# The built site and fetch's memory are made by digest; they are not sources.
site/
.site.tmp-*/
.site.old-*/
.site.spare/
.site.lock
{FETCH_STATE.split("/")[0]}/
"""


def new(directory: Path, today: dt.date) -> tuple[str, ...]:
    """Create a new digest in ``directory`` (absent or empty); return the files written, relative."""
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError(f"{directory}: exists and is not a folder")
    if directory.is_dir() and any(directory.iterdir()):
        raise ScaffoldError(f"{directory}: not empty; choose a new or empty folder")
    title = directory.absolute().name.replace("-", " ").replace("_", " ").strip().title() or "News Digest"
    files = {
        CONFIG_NAME: CONFIG.replace(
            "{title}", "".join(ch for ch in title if ch.isprintable() and ch not in '"\\')
        ),
        "articles/welcome.md": ARTICLE.format(date=today.isoformat()),
        "templates/README.txt": TEMPLATES_NOTE,
        ".gitignore": GITIGNORE,
    }
    try:
        for name, text in files.items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScaffoldError(f"{exc.filename or directory}: cannot write ({exc.strerror})") from exc
    return tuple(files)
