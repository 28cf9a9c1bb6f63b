"""Records: an article's sentences held as spans of its paragraphs behave as a tuple of strings; an article
whose body is read on first use behaves as the article it was made from."""

from __future__ import annotations

import pickle
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.language.text import split_sentences
from digest.models import Article, RawArticle, Sentences, deferred, deferred_values, head_of, with_slug
from digest.read.normalize import normalize

PARAGRAPHS = ("First one. Second one here.", "A new paragraph? Yes!", "Last.")


def _sentences(paragraphs: tuple[str, ...]) -> Sentences:
    spans = array("I")
    for number, paragraph in enumerate(paragraphs):
        start = 0
        for sentence in split_sentences(paragraph):
            start = paragraph.index(sentence, start)
            spans.extend((number, start, start + len(sentence)))
            start += len(sentence)
    return Sentences(paragraphs, spans)


def test_sentences_read_as_the_tuple_of_the_split_paragraphs() -> None:
    expected = ("First one.", "Second one here.", "A new paragraph?", "Yes!", "Last.")
    sentences = _sentences(PARAGRAPHS)
    assert tuple(sentences) == expected
    assert sentences == expected and expected == sentences
    assert len(sentences) == 5 and sentences[0] == "First one." and sentences[-1] == "Last."
    assert sentences[1:3] == expected[1:3] and sentences[::-2] == expected[::-2]
    assert repr(sentences) == repr(expected) and hash(sentences) == hash(expected)
    assert "Yes!" in sentences and " ".join(sentences[:2]) == "First one. Second one here."
    with pytest.raises(IndexError):
        sentences[5]
    with pytest.raises(IndexError):
        sentences[-6]


def test_sentences_pickle_with_their_paragraphs_once() -> None:
    sentences = _sentences(PARAGRAPHS)
    blob = pickle.dumps((PARAGRAPHS, sentences), pickle.HIGHEST_PROTOCOL)
    paragraphs, again = pickle.loads(blob)
    assert again == sentences and again.paragraphs is paragraphs
    assert blob.count(b"Second one here") == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab .!?\n")), min_size=1, max_size=40), max_size=5))
def test_normalized_articles_split_as_the_splitter_does(paragraphs: list[str]) -> None:
    body = [p for p in paragraphs if p.strip()]
    raw = RawArticle(source="a.txt", format="text", paragraphs=tuple(body), title="A title")
    article = normalize(raw)
    expected = tuple(s for p in article.paragraphs for s in split_sentences(p))
    assert article.sentences == expected
    assert list(article.sentences) == list(expected) and len(article.sentences) == len(expected)


def _article() -> Article:
    raw = RawArticle(
        source="a.md", format="markdown", paragraphs=PARAGRAPHS, html="<p>First one.</p>", title="A title"
    )
    return normalize(raw)


def _lazy(article: Article, loads: list[str]) -> Article:
    def body() -> tuple[object, ...]:
        loads.append(article.id)
        return deferred_values(article)

    return deferred(Article, head_of(article), body)


def test_a_lazy_article_reads_its_body_once_and_only_when_a_body_field_is_read() -> None:
    article, loads = _article(), []
    lazy = _lazy(article, loads)
    assert (lazy.id, lazy.title, lazy.slug, lazy.words) == (
        article.id,
        article.title,
        article.slug,
        article.words,
    )
    assert with_slug(lazy, "other").slug == "other" and loads == []
    assert lazy.sentences == article.sentences and lazy.text == article.text and lazy.html == article.html
    assert loads == [article.id]
    assert lazy == article and repr(lazy) == repr(article) and hash(lazy) == hash(article)
    assert loads == [article.id]
    with pytest.raises(AttributeError):
        lazy.no_such_field  # noqa: B018


@pytest.mark.parametrize("read_first", [False, True])
def test_a_lazy_article_pickles_whole(read_first: bool) -> None:
    article, loads = _article(), []
    lazy = _lazy(article, loads)
    if read_first:
        assert lazy.paragraphs == PARAGRAPHS
    again = pickle.loads(pickle.dumps(lazy, pickle.HIGHEST_PROTOCOL))
    assert again == article and all(name in vars(again) for name in Article.DEFERRED)
    assert loads == [article.id]


def test_a_renamed_lazy_article_shares_the_body_it_reads_later() -> None:
    article, loads = _article(), []
    renamed = with_slug(_lazy(article, loads), "a-title-2")
    assert loads == [] and renamed.slug == "a-title-2"
    assert renamed.paragraphs == article.paragraphs and loads == [article.id]


def test_a_story_hash_changes_with_every_field_of_the_story() -> None:
    """Pages and digest.json lines are reused while a story's hash is unchanged: whatever field changes,
    a new field included, the hash does; a summary hash given is the one it would work out."""
    from dataclasses import fields, replace

    from digest.models import Fact, Story, StorySentence
    from digest.render.export import story_hash, summary_hash

    story = Story("s1", "Storm", ("a1", "a2"), ("a3",), "2024-04-01", "2024-04-02")
    story = replace(
        story, summary=(StorySentence("It rained.", "a1"),), facts=(Fact("place", "Avonmouth", 2),)
    )
    changed = {
        "id": "s2",
        "title": "Flood",
        "articles": ("a1",),
        "duplicates": (),
        "date": None,
        "updated": "2024-04-03",
        "summary": (StorySentence("It poured.", "a1"),),
        "topic": "weather",
        "facts": (),
        "outlets": 2,
        "coherence": 0.5,
        "related": ("s9",),
    }
    assert set(changed) == {field.name for field in fields(Story)}
    hashes = {story_hash(replace(story, **{name: value})) for name, value in changed.items()}
    assert len(hashes | {story_hash(story)}) == len(changed) + 1
    assert story_hash(story, summary_hash(story.summary, story.facts)) == story_hash(story)


def test_a_deferred_story_reads_its_summary_when_first_asked_and_keeps_its_defaults() -> None:
    """A rebuild makes stories whose summary and facts are read when first asked for; a story made as usual
    still gets the defaults: a default left on the class would have hidden the deferred fields."""
    from digest.models import Fact, Story, StorySentence

    loads: list[int] = []
    summary = (StorySentence("It rained.", "a1"),)

    def load() -> tuple[object, ...]:
        loads.append(1)
        return summary, (Fact("place", "Avonmouth", 2),)

    story = deferred(Story, head_of(Story("s1", "Storm", ("a1",), (), None, None, topic="weather")), load)
    assert story.topic == "weather" and not loads
    assert story.summary == summary and story.facts[0].text == "Avonmouth" and loads == [1]
    assert story == Story("s1", "Storm", ("a1",), (), None, None, summary, "weather", story.facts)
    plain = Story("s2", "Flood", (), (), None, None)
    assert (plain.summary, plain.facts, plain.topic) == ((), (), "")
    assert pickle.loads(pickle.dumps(story)) == story


@pytest.mark.parametrize(
    ("author", "publisher", "shown"),
    [
        ("By Sarah Miller", None, "Sarah Miller"),
        ("editor@gazette.example (Chris Wong)", None, "Chris Wong"),
        ("Chris Wong <chris@gazette.example>", None, "Chris Wong"),
        ("desk@gazette.example", None, None),
        ("Tom Baker, Energy Correspondent", None, "Tom Baker"),
        ("Nina Berger, Alpine Daily", "Alpine Daily", "Nina Berger"),
        ("Reuters Staff", None, "Reuters Staff"),
        ("Jane Doe and John Roe", None, "Jane Doe and John Roe"),
        ("Martin Luther King, Jr.", None, "Martin Luther King, Jr."),
    ],
)
def test_an_author_is_the_names_alone(author: str, publisher: str | None, shown: str | None) -> None:
    raw = RawArticle(
        source="a.html",
        format="html",
        paragraphs=PARAGRAPHS,
        title="A title",
        author=author,
        author_from="json-ld",
        publisher=publisher,
    )
    article = normalize(raw)
    assert article.author == shown
    assert article.author_from == ("json-ld" if shown else None)


def test_headlines_listed_under_a_most_read_label_are_not_the_articles_text() -> None:
    paragraphs = (
        "Two paintings stolen in 1994 were handed back to the owners' family on Wednesday.",
        "Most read",
        "Man arrested after chase through city centre ends in crash on ring road",
        "Council tax to rise by 5% as budget is approved",
        "The works were found in the attic of a house in the suburbs last year, police said.",
        "Related stories:",
        "Police appeal for witnesses.",
    )
    raw = RawArticle(source="a.html", format="html", paragraphs=paragraphs, title="Paintings returned")
    article = normalize(raw)
    assert article.paragraphs == (paragraphs[0], paragraphs[4], paragraphs[6])
    assert article.removed == (*paragraphs[1:4], paragraphs[5])
