"""Dates that only a story knows: an undated article takes the date of the dated story it belongs to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from digest.models import Article, Story

FROM_STORY = "story"  # ``Article.date_from`` of a date taken from the article's story


def dated_by_story(articles: Iterable[Article], stories: Iterable[Story]) -> dict[str, Article]:
    """The undated articles of dated stories, each with its story's date, by id."""
    date_of = {a: s.date for s in stories if s.date for a in (*s.articles, *s.duplicates)}
    return {
        a.id: replace(a, date=date_of[a.id], date_from=FROM_STORY)
        for a in articles
        if a.date is None and a.id in date_of
    }


def with_dates(articles: tuple[Article, ...], dated: Mapping[str, Article]) -> tuple[Article, ...]:
    """``articles`` with the dated ones in their place."""
    return tuple(dated.get(a.id, a) for a in articles) if dated else articles
