"""Related stories: the incremental engine's (``incremental.related.relate``) are the stage's own
(``related_stories``) whatever changed since the last build, and it compares only the stories that did."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.group import related as stage
from digest.group.related import Relating, related_stories
from digest.group.vectors import normalized
from digest.incremental.related import relate

TERMS = ["vote", "poll", "bank", "rate", "match", "goal", "film", "star", "oil", "price"]

# Few terms and two weights: many stories alike and many ties, which the order of the stories breaks.
centroids = st.dictionaries(st.sampled_from(TERMS), st.sampled_from([0.5, 1.0]), min_size=1, max_size=4).map(
    normalized
)
stories = st.lists(st.tuples(st.sampled_from(["politics", "business"]), centroids), min_size=0, max_size=24)


def made(specs: Sequence[tuple[str, dict[str, float]]], first: int = 0) -> list[Relating]:
    return [Relating(f"s{first + n}", topic, centroid) for n, (topic, centroid) in enumerate(specs)]


@st.composite
def edits(draw: st.DrawFn) -> tuple[list[Relating], list[Relating]]:
    """A build's stories, then the next build's: some changed, moved, gone, new, and now and then reordered."""
    before = made(draw(stories))
    after = []
    for story in before:
        action = draw(st.sampled_from(["keep", "keep", "keep", "centroid", "topic", "drop"]))
        if action == "centroid":
            after.append(Relating(story.id, story.topic, draw(centroids)))
        elif action == "topic":
            after.append(
                Relating(story.id, "politics" if story.topic == "business" else "business", story.centroid)
            )
        elif action == "keep":
            after.append(story)
    for story in made(draw(stories.map(lambda s: s[:6])), first=100):
        after.insert(draw(st.integers(0, len(after))), story)
    if after and draw(st.booleans()) and draw(st.booleans()):
        i, j = draw(st.integers(0, len(after) - 1)), draw(st.integers(0, len(after) - 1))
        after[i], after[j] = after[j], after[i]
    return before, after


@settings(max_examples=300, deadline=None)
@given(edits())
def test_related_stories_found_again_are_those_found_cold(
    builds: tuple[list[Relating], list[Relating]],
) -> None:
    before, after = builds
    _, last = relate(before, None)
    found, kept = relate(after, last)
    assert found == related_stories(after)
    assert kept == relate(after, None)[1]  # what the next build starts from is a cold build's too


def test_a_day_of_new_stories_compares_those_and_the_stories_they_displace(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A story whose related stories did not change is not compared with its whole topic again."""
    topics = ["politics", "business"]
    archive = [
        Relating(
            f"s{n}",
            topics[n % 2],
            normalized({TERMS[n % 10]: 1.0, TERMS[(n * 7 + 3) % 10]: 0.5, f"t{n}": 1.0}),
        )
        for n in range(400)
    ]
    _, last = relate(archive, None)
    day = [Relating(f"new{n}", topics[n % 2], normalized({TERMS[n]: 1.0, f"u{n}": 1.0})) for n in range(10)]
    expected = related_stories([*archive, *day])
    compared: list[int] = []
    whole = stage.Cosines.most_alike

    def counted(self, rows=None, columns=None):  # type: ignore[no-untyped-def]
        if columns is None:
            compared.extend(range(self.count) if rows is None else rows)
        return whole(self, rows, columns)

    monkeypatch.setattr(stage.Cosines, "most_alike", counted)
    found, _ = relate([*archive, *day], last)
    assert found == expected
    assert 10 <= len(compared) < 100  # the new stories, and the few whose related stories they displaced


def test_stories_alike_to_a_tie_keep_the_order_they_come_in() -> None:
    """Of equally alike stories the first given is related first: when the stories come in another order, the
    ties are broken again."""
    alike = normalized({"vote": 1.0})
    first = [Relating("a", "politics", alike), *(Relating(f"x{n}", "politics", alike) for n in range(5))]
    _, last = relate(first, None)
    reordered = [first[0], first[5], *first[1:5]]
    found, _ = relate(reordered, last)
    assert found["a"] == ("x4", "x0", "x1", "x2") == related_stories(reordered)["a"]
