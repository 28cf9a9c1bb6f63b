"""A story's traced summary and key facts, from its articles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from digest.group.grouping import outlet
from digest.models import Article, Fact, Story, StorySentence
from digest.summarize.facts import key_facts
from digest.summarize.summaries import story_length, summarize_article, summarize_story

# A story's summary is chosen from at most this many of its articles, spread over its whole course: a
# story of hundreds of copies adds cost, not sentences, and its source counts are counted among them.
SUMMARY_ARTICLES = 40
FACT_SENTENCES = 12
FACT_ARTICLES = 25


def summaries_of(
    story: Story, by_id: Mapping[str, Article], summaries: Mapping[str, tuple[str, ...]], count: int
) -> tuple[tuple[StorySentence, ...], tuple[Fact, ...]]:
    """A story's summary and key facts (``story_summary``), given its articles' ``summaries`` of ``count``
    sentences: a story of one article takes its article's summary when that is a story summary's length."""
    return story_summary(story, by_id, summaries if count == story_length(1) else {})


def article_summary(article: Article, count: int) -> tuple[str, ...]:
    """An article's summary of ``count`` sentences (``summarize_article``)."""
    return summarize_article(article.sentences, count, title=article.title)


def story_summary(
    story: Story, by_id: Mapping[str, Article], known: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[StorySentence, ...], tuple[Fact, ...]]:
    """A story's summary and key facts; ``known``: articles' summaries of a one-article story's length,
    which is what its summary would be (``summarize_story``)."""
    members = [(a, by_id[a].sentences) for a in spread(story.articles, SUMMARY_ARTICLES)]
    titles = {a: by_id[a].title for a in story.articles}
    outlets = {a: outlet(by_id[a]) for a in story.articles}
    # Key facts read the leads of the first articles: what outlets agree on is stated early, and a big
    # story's hundredth article adds cost, not facts.
    leads = [(a, sentences[:FACT_SENTENCES]) for a, sentences in members[:FACT_ARTICLES]]
    if len(members) == 1 and members[0][0] in known:
        summary = tuple(StorySentence(text, members[0][0], 1) for text in known[members[0][0]])
    else:
        # The summary opens with the lead of the article whose headline the story shows, unless more
        # outlets support another: a card's headline and its first sentence then tell the same news.
        headline = next((a for a in story.articles if titles[a] == story.title), None)
        summary = summarize_story(members, titles=titles, outlets=outlets, headline=headline)
    return summary, key_facts(leads, titles=titles)


def spread(items: Sequence[str], count: int) -> list[str]:
    """At most ``count`` items spread evenly over the sequence (oldest to newest), ends included."""
    if len(items) <= count:
        return list(items)
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]
