"""Related stories worked out again only where a build changed them: what ``related.related_stories`` gives,
from the stories it changed and what the last build found.

A story is unchanged when the last build had it in the same topic with the same centroid (hashed). Within a
topic, the stories most like an unchanged one are the best (``related.best``) of those the last build found
for it and of the changed ones, by its cosines with the changed ones alone: the stories it was compared
with before are unchanged, and its best of them were found then. That holds while the unchanged stories
keep their order (it breaks ties) and none the last build found for it changed or went; the stories where
it does not, and the changed ones, are compared with their whole topic. A topic mostly changed, or a build
the last one left nothing for, is worked out whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from digest.group import related
from digest.group.related import Alike, Relating
from digest.incremental.packing import pack, packed_hash

# Of a topic's stories, the share changed above which the topic is worked out whole.
CHANGED_SHARE = 0.5


@dataclass(frozen=True)
class Found:
    """What a build found of each story, in the order it was given: its topic, a hash of its centroid, and
    the stories most like it with their cosines."""

    stories: dict[str, tuple[str, bytes, tuple[tuple[str, float], ...]]]


def relate(stories: Sequence[Relating], last: Found | None) -> tuple[dict[str, tuple[str, ...]], Found]:
    """Each story's related stories (``related.related_stories``), and what the next build will need."""
    known = last.stories if last is not None else {}
    rank = {story: number for number, story in enumerate(known)}
    hashes = [packed_hash(pack(s.centroid)) for s in stories]
    hash_of = {s.id: h for s, h in zip(stories, hashes, strict=True)}
    found: dict[str, list[tuple[str, float]]] = {s.id: [] for s in stories}
    for members in related.by_topic(stories).values():
        if len(members) < 2:
            continue
        for story, alike in zip(
            members, _topic(members, [hash_of[s.id] for s in members], known, rank), strict=True
        ):
            found[story.id] = [(members[place].id, cosine) for place, cosine in alike]
    state = Found({s.id: (s.topic, h, tuple(found[s.id])) for s, h in zip(stories, hashes, strict=True)})
    return {i: tuple(other for other, _ in alike) for i, alike in found.items()}, state


def _topic(
    members: Sequence[Relating],
    hashes: Sequence[bytes],
    known: Mapping[str, tuple[str, bytes, tuple[tuple[str, float], ...]]],
    rank: Mapping[str, int],
) -> list[Alike]:
    """``Cosines.most_alike`` of one topic's stories, from what the last build found (``known``, each story
    of it by its ``rank`` there)."""
    cosines = related.Cosines([s.centroid for s in members])
    unchanged = [
        place
        for place, (story, digest) in enumerate(zip(members, hashes, strict=True))
        if (was := known.get(story.id)) is not None and was[0] == story.topic and was[1] == digest
    ]
    if len(members) - len(unchanged) > CHANGED_SHARE * len(members) or not _same_order(
        [rank[members[p].id] for p in unchanged]
    ):
        return cosines.most_alike()
    place_of = {s.id: place for place, s in enumerate(members)}
    kept = {members[p].id for p in unchanged}
    changed = [place for place in range(len(members)) if members[place].id not in kept]
    lost = [p for p in unchanged if any(other not in kept for other, _ in known[members[p].id][2])]
    whole = sorted([*changed, *lost])
    alike: list[Alike | None] = [None] * len(members)
    for place, found in zip(whole, cosines.most_alike(whole), strict=True):
        alike[place] = found
    rest = [p for p in unchanged if alike[p] is None]
    fresh = cosines.most_alike(rest, changed) if changed else [[] for _ in rest]
    for place, among_changed in zip(rest, fresh, strict=True):
        before = [(place_of[other], cosine) for other, cosine in known[members[place].id][2]]
        alike[place] = related.best([*before, *among_changed])
    return [found if found is not None else [] for found in alike]


def _same_order(ranks: Sequence[int]) -> bool:
    """Whether stories come in the order the last build had them (their ``rank`` there)."""
    return all(a < b for a, b in itertools.pairwise(ranks))
