"""The render stage: the theme, pages, feeds, sitemap, search index and digest.json -> site files."""
