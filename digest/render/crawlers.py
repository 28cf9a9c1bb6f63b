"""Files for crawlers: sitemap.xml and robots.txt."""

from __future__ import annotations

from collections.abc import Sequence


def sitemap(urls: Sequence[tuple[str, str | None]]) -> bytes:
    """sitemap.xml for (absolute url, last modification or None) pairs."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, modified in urls:
        lastmod = f"<lastmod>{escape(modified)}</lastmod>" if modified else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def escape(text: str) -> str:
    """Text as XML character data: what xml.sax.saxutils.escape does, without importing it (it brings
    urllib.request, http.client and email)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def robots(sitemap_url: str | None) -> bytes:
    """robots.txt: everything may be crawled; the sitemap named when the site has an absolute address."""
    text = "User-agent: *\nAllow: /\n"
    if sitemap_url:
        text += f"\nSitemap: {sitemap_url}\n"
    return text.encode()


__all__ = ["robots", "sitemap"]
