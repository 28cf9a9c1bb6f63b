"""The search index worked out from the last build's equals the index made from scratch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.incremental.search import indexed
from digest.models import Digest
from digest.render import search as render_search
from digest.render.search import index_script
from tests.test_render import make_digest

WORDS = st.lists(
    st.sampled_from(["storm", "port", "council", "vote", "budget", "river", "fire", "court"]), max_size=6
)


def _known(ids: list[str], words: list[list[str]]) -> dict[str, str]:
    return {i: " ".join(sorted(set(w))) for i, w in zip(ids, words, strict=False)}


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, min_size=5, max_size=5), st.lists(WORDS, min_size=5, max_size=5))
def test_an_index_updated_from_the_last_one_equals_one_made_from_scratch(
    before: list[list[str]], after: list[list[str]]
) -> None:
    digest = make_digest()
    ids = [a.id for a in digest.articles]
    _, last = indexed(digest, _known(ids, before))
    updated, postings = indexed(digest, _known(ids, after), last)
    scratch, fresh = indexed(digest, _known(ids, after))
    assert updated == scratch
    assert postings.found == fresh.found and postings.encoded == fresh.encoded
    assert index_script(updated, postings.encoded) == index_script(scratch)
    assert last.found == indexed(digest, _known(ids, before))[1].found  # the last build's is left as it was


class _Asked(dict[str, str]):
    """Words by article id that notes which ids were looked up."""

    def __init__(self, words: dict[str, str]) -> None:
        super().__init__(words)
        self.asked: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, min_size=5, max_size=5), st.lists(WORDS, min_size=5, max_size=5))
def test_an_index_updated_by_prints_reads_only_the_changed_articles_words(
    before: list[list[str]], after: list[list[str]]
) -> None:
    """With each article's article hash (equal article_hashes, equal words), the words of an article whose article hash is
    unchanged come from the last index: only the changed ones are looked up, and the index is the same."""
    digest = make_digest()
    ids = [a.id for a in digest.articles]
    old, new = _known(ids, before), _known(ids, after)
    _, last = indexed(digest, old, article_hashes={i: f"hash of {w}" for i, w in old.items()})
    asked = _Asked(new)
    updated, postings = indexed(digest, asked, last, {i: f"hash of {w}" for i, w in new.items()})
    scratch, fresh = indexed(digest, new)
    assert updated == scratch
    assert postings.found == fresh.found and postings.encoded == fresh.encoded
    kept = set(last.order)
    assert asked.asked == {i for i in kept if old[i] != new[i]}


def test_a_result_entry_is_taken_from_the_last_index_only_while_its_print_and_slug_are_unchanged() -> None:
    """What an article shows in results (slug, title, ...) is kept from the last build by its article hash and
    slug: a retitled article (new article hash) or a renamed page (new slug) shows what a fresh index shows."""
    from dataclasses import replace

    digest = make_digest()
    article_hashes = {a.id: f"hash of {a.id}" for a in digest.articles}
    _, last = indexed(digest, article_hashes=article_hashes)
    retitled = make_digest("Rafah talks end in Cairo")
    renamed = replace(
        digest, articles=tuple(replace(a, slug=a.slug + "-2") if a.id == "a2" else a for a in digest.articles)
    )
    for changed, hashes_of in (
        (retitled, {**article_hashes, "a1": "hash of the new a1"}),
        (renamed, article_hashes),
    ):
        updated, postings = indexed(changed, previous=last, article_hashes=hashes_of)
        scratch, _ = indexed(changed)
        assert updated.documents == scratch.documents
        assert index_script(updated, postings.encoded) == index_script(scratch)
    stale, _ = indexed(
        retitled, previous=last, article_hashes=article_hashes
    )  # a article hash that lies is believed: it is the key
    assert stale.documents != indexed(retitled)[0].documents


@settings(max_examples=100, deadline=None)
@given(st.lists(WORDS, min_size=5, max_size=5), st.lists(WORDS, min_size=1, max_size=3))
def test_an_index_with_a_days_new_articles_added_equals_one_made_from_scratch(
    before: list[list[str]], new: list[list[str]]
) -> None:
    """Articles dated after all others take the next numbers: the last index gains their words, and is the
    index a build from scratch makes."""
    import pytest

    from digest.incremental import search
    from tests.test_render import make_article

    digest = make_digest()
    ids = [a.id for a in digest.articles]
    _, last = indexed(digest, _known(ids, before))
    added = tuple(make_article(f"n{n}", f"Late news {n}", date=f"2030-01-0{n + 1}") for n in range(len(new)))
    grown = replace(digest, articles=digest.articles + added)
    words = _known([*ids, *(a.id for a in added)], [*before, *new])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "postings_of", lambda texts: pytest.fail("worked out from scratch"))
        updated, postings = indexed(grown, words, last)
    scratch, fresh = indexed(grown, words)
    assert updated == scratch and postings.found == fresh.found and postings.encoded == fresh.encoded
    assert index_script(updated, postings.encoded) == index_script(scratch)


def _archive(entries: list[tuple[int, int, list[str]]]) -> tuple[Digest, dict[str, str]]:
    """A digest of articles (number, day, words) with no copies, and their words by id."""
    from tests.test_render import make_article

    articles = {
        n: make_article(f"n{n}", f"Report {n}", date=f"2030-01-{day + 1:02d}") for n, day, _ in entries
    }
    digest = replace(make_digest(), articles=tuple(articles.values()), duplicate_of={})
    return digest, {f"n{n}": " ".join(sorted(set(words))) for n, _, words in entries}


ENTRIES = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 4), WORDS), max_size=12, unique_by=lambda e: e[0]
)


@settings(max_examples=200, deadline=None)
@given(ENTRIES, ENTRIES)
def test_an_index_updated_from_any_last_archive_equals_one_made_from_scratch(
    before: list[tuple[int, int, list[str]]], after: list[tuple[int, int, list[str]]]
) -> None:
    """Articles added, removed, redated or rewritten anywhere: the index worked out from the last one is
    the index made from scratch, to the byte."""
    last_digest, last_words = _archive(before)
    digest, words = _archive(after)
    _, last = indexed(last_digest, last_words)
    updated, postings = indexed(digest, words, last)
    scratch, fresh = indexed(digest, words)
    assert updated == scratch
    assert postings.found == fresh.found and postings.encoded == fresh.encoded
    assert index_script(updated, postings.encoded) == index_script(scratch)


def test_a_days_news_fetched_again_encodes_only_what_the_day_adds() -> None:
    """A second fetch the same day puts its articles among the day's first ones: the postings of the
    archive before that day are kept as they were encoded, not encoded again."""
    import pytest

    from digest.incremental import search

    old = [(n, 0, ["storm", "port", f"old{n}"]) for n in range(40)]
    morning = [(100 + n, 1, ["storm", "vote", f"morning{n}"]) for n in range(5)]
    evening = [
        (50 + n, 1, ["storm", "court", f"evening{n}"]) for n in range(5)
    ]  # numbered before the morning's
    _, last = indexed(*_archive(old + morning))
    digest, words = _archive(old + morning + evening)
    encoded: list[int] = []

    def counted(numbers: Sequence[int], after: int = -1) -> str:
        numbers = list(numbers)
        encoded.extend(numbers)
        return render_search.encode(numbers, after)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "encode", counted)
        patch.setattr(search, "postings_of", lambda texts: pytest.fail("worked out from scratch"))
        updated, postings = indexed(digest, words, last)
    scratch, _ = indexed(digest, words)
    assert index_script(updated, postings.encoded) == index_script(scratch)
    assert encoded and min(encoded) >= len(old)  # only numbers of the day's articles were encoded


def test_the_browser_lists_equally_good_matches_newest_first_undated_last(tmp_path: Path) -> None:
    """The index numbers articles oldest first; the browser still shows the newest of equal matches first."""
    import shutil

    import pytest

    from digest.render.search import build_index
    from tests.conftest import node_search
    from tests.test_render import make_article

    if shutil.which("node") is None:
        pytest.skip("node is not installed: the browser-side engine is not run")
    dates = {"old": "2024-01-02", "new": "2024-03-04", "mid": "2024-02-03", "undated": None}
    articles = tuple(
        make_article(name, f"Report {name}", date=date, paragraphs=("Harbour cranes stood idle.",))
        for name, date in dates.items()
    )
    digest = replace(make_digest(), articles=articles, duplicate_of={}, summaries={})
    (tmp_path / "static").mkdir()
    shutil.copy(Path(__file__).parents[1] / "templates" / "static" / "search.js", tmp_path / "static")
    (tmp_path / "search-index.js").write_bytes(index_script(build_index(digest)))
    found = node_search(tmp_path, ["harbour"], 0, tmp_path)
    assert found["harbour"] == ["new-slug", "mid-slug", "old-slug", "undated-slug"]
