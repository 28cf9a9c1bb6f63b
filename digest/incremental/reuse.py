"""Which pages of the last build are still right, so they are neither rendered nor written again.

A page is reused when the hash of what it was given (its values, the site-wide values and the templates
it is made of) is unchanged, every record it looked up while rendering (an article by id, a story's
teaser, ...) still hashes the same, and the previous site still holds the file as that build left it.
Records are hashed whole, so a page is re-rendered whenever anything it could show has changed; the
topics every page lists in its header are the exception, ``Watched`` attribute by attribute, since a new
story changes its topic's record and would otherwise re-render the whole site.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, overload

import jinja2
import jinja2.bccache
from jinja2 import meta

from digest.incremental.cache import Stamp, stamp
from digest.incremental.files import article_hash, summarized
from digest.models import Article, Digest, Story, Topic
from digest.render.export import record_hash, story_hash
from digest.render.site import Lookups, edition_of

# The functions of one record templates call, by the kind of record they take; with the lookups by id
# ("articles", "stories", "topics"), what templates can reach besides their own values.
CALLS = {
    "teaser": "stories",
    "story_topic": "stories",
    "story_updated": "stories",
    "story_of_article": "articles",
}
# The Lookups methods of one record page makers call, by the kind of record they take.
SITE_CALLS = {
    "teaser": "stories",
    "story_of_article": "articles",
    "timeline": "stories",
    "updated": "stories",
    "published": "stories",
    "related": "stories",
}
# The digest's maps by article id whose values an article's record hash covers (``_article_hash``): reading
# one logs the article itself, a dependency pages have anyway, rather than one more of each per article.
ARTICLE_MAPS = ("summaries", "duplicate_of", "story_of")
DIGEST_MAPS = ("topic_of",)
DIGEST_SEQUENCES = ("articles", "stories", "topics", "days", "issues")
_RECORDS = {Article: "articles", Story: "stories", Topic: "topics"}  # record type -> its lookup
_DIGEST = "digest/"  # the prefix of dependencies on the digest's own lists and maps
_EDITION = "edition"  # the dependency on the newest day's date (``edition_of``)
# (lookup, record id), e.g. ("articles", "0a1b2c3d4e5f"); id "*": all of them; "#": how many there are.
Dependency = tuple[str, str]
STATE_BYTES = 16  # of the hash of what a dependency is (``Records.state``)


# Named tuples, not dataclasses, for what the last build left about each page and page maker: a rebuild
# unpickles one of each per page, and tuples come out of pickle faster.
class Rendered(NamedTuple):
    """What one page was made from, remembered between builds."""

    key: str  # hash of its values, the site-wide values and its templates
    dependencies: bytes  # records it looked up while rendering, by their ``Numbering`` numbers
    stamp: Stamp | None = None  # the written file, as the build left it


class Making(NamedTuple):
    """What one page maker made its pages from, remembered between builds: while the site-wide values
    and everything it read are unchanged, it would make the same pages, and they need not be made."""

    key: str  # hash of the site-wide values and settings, and of the theme
    dependencies: bytes  # what it read of the site, by their ``Numbering`` numbers
    pages: tuple[str, ...]  # the paths of the pages it made
    listed: tuple[tuple[str, str | None], ...]  # (path, date last modified) of those in the sitemap


class Numbering:
    """Dependencies numbered in the order first met: remembered pages and makers hold their numbers packed in
    bytes (``numbered``), which a rebuild unpickles and checks many times faster than tuples of names, or
    arrays (12,800 pages at 10,000 articles)."""

    def __init__(self, known: Iterable[Dependency] = ()) -> None:
        self.dependencies: list[Dependency] = list(known)
        self._numbers = {dependency: number for number, dependency in enumerate(self.dependencies)}

    def numbers(self, dependencies: Iterable[Dependency]) -> bytes:
        """The numbers of ``dependencies``, packed; new ones are numbered after the others."""
        numbers, known = array("I"), self._numbers
        for dependency in dependencies:
            number = known.get(dependency)
            if number is None:
                number = known[dependency] = len(self.dependencies)
                self.dependencies.append(dependency)
            numbers.append(number)
        return numbers.tobytes()


def numbered(packed: bytes) -> Sequence[int]:
    """The numbers ``Numbering.numbers`` packed."""
    return memoryview(packed).cast("I")


class Unhashable(Exception):
    """A page value of a type the hasher does not know: such a page is always rendered."""


class Records:
    """Hashes of every record a page may show, and the lookups templates use, logging what they touch."""

    def __init__(
        self,
        digest: Digest,
        article_hashes: Mapping[str, str],
        lookups: Mapping[str, Any],
        story_hashes: Mapping[str, str] | None = None,
    ) -> None:
        """``story_hashes``: the stories' ``story_hash`` when worked out already (digest.json's lines are
        keyed by them too: a story's repr is long)."""
        if story_hashes is None:
            story_hashes = {s.id: story_hash(s) for s in digest.stories}
        self.hashes: dict[str, dict[str, str]] = {
            "articles": {a.id: _article_hash(a, digest, article_hashes) for a in digest.articles},
            "stories": dict(story_hashes),
            "topics": {t.id: record_hash(t) for t in digest.topics},
        }
        self.digest = digest
        self.lookups = lookups
        self.log: set[Dependency] = set()
        self._whole: dict[str, str] = {}  # kind -> hash of all its records, for pages that list them all
        self._states: dict[Dependency, bytes] = {}  # what each dependency is now, worked out once
        self._resolvers: dict[str, Callable[[str], object]] = {}
        # The numbers of the last build's dependencies that have changed since.
        self._changed: set[int] = set()
        self.since: Changes | None = None  # the records changed since the last build, once ``compare``d

    def value_hash(self, value: object) -> str:
        """A hash of a value as templates see it: records by their hashes, everything else by content."""
        return hashlib.sha256(self._text(value).encode("utf-8", "surrogatepass")).hexdigest()

    def _text(self, value: object) -> str:
        """``value`` written out for hashing: records by their hashes, everything else by content."""
        parts: list[str] = []
        self._add(value, parts)
        return "\x1f".join(parts)

    def state(self, dependency: Dependency) -> bytes:
        """A short hash of what the record, value or list behind ``dependency`` is now."""
        known = self._states.get(dependency)
        if known is None:
            known = self._states[dependency] = self._hashed(self._state(*dependency))
        return known

    def _hashed(self, value: object) -> bytes:
        """What ``value`` is, as a short hash: of itself (a string), of its record's hash, or of its parts."""
        if isinstance(value, str):
            text = value
        elif type(value) in _RECORDS:
            text = self._record(value)  # type: ignore[arg-type]
        else:
            text = self._text([value])
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=STATE_BYTES).digest()

    def states(self, dependencies: Iterable[Dependency]) -> bytes:
        """The state of each of ``dependencies``, in order, to compare the next build's with."""
        return b"".join(map(self.state, dependencies))

    def compare(
        self,
        dependencies: Sequence[Dependency],
        states: bytes,
        hashes: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """Take the last build's numbered dependencies and their ``states``: what changed since is what
        ``unchanged`` looks for.

        ``hashes`` are the last build's record hashes (its ``self.hashes``): a dependency that reads only
        records none of which changed since keeps the state it had, without being worked out again (most
        of a rebuild's 35,000 at 10,000 articles, some calling a Lookups method each).
        """
        size, known, hashed = STATE_BYTES, self._states, self._hashed
        by_kind: dict[str, list[int]] = {}
        for number, (kind, _) in enumerate(dependencies):
            by_kind.setdefault(kind, []).append(number)
        since = Changes(self.hashes, hashes, self.digest) if hashes is not None else None
        changed: set[int] = set()
        # Kind by kind, so that what a key of each kind stands for is looked up once.
        for kind, numbers in by_kind.items():
            resolve = self._resolver_of(kind)
            moved = since.test(kind) if since is not None else None
            for number in numbers:
                dependency = dependencies[number]
                was = states[number * size : (number + 1) * size]
                now = known.get(dependency)
                if now is None:
                    if moved is not None and not moved(dependency[1]):
                        known[dependency] = was
                        continue
                    now = known[dependency] = hashed(resolve(dependency[1]))
                if now != was:
                    changed.add(number)
        self._changed = changed
        self.since = since

    def unchanged(self, numbers: bytes) -> bool:
        """Whether each of the last build's dependencies ``numbers`` (packed) is as that build left it."""
        return self._changed.isdisjoint(numbered(numbers))

    def recorded(self) -> dict[str, Any]:
        """The lookups, wrapped so that every use is logged as a dependency of the page being rendered."""
        wrapped: dict[str, Any] = {}
        for name, lookup in self.lookups.items():
            if name in self.hashes:
                wrapped[name] = _Logged(lookup, name, self.log)
            elif name in CALLS:
                wrapped[name] = _logged_call(lookup, name, self.log)
        return wrapped

    def watched(self, record: Article | Story | Topic, kind: str) -> Watched:
        """``record`` as templates see it, each attribute they read logged as a dependency."""
        return Watched(record, kind, self.log)

    def _state(self, kind: str, key: str) -> object:
        return self._resolver_of(kind)(key)

    def _resolver_of(self, kind: str) -> Callable[[str], object]:
        resolve = self._resolvers.get(kind)
        if resolve is None:
            resolve = self._resolvers[kind] = self._resolver(kind)
        return resolve

    def _resolver(self, kind: str) -> Callable[[str], object]:
        """What a dependency of this kind is, by key: worked out once per kind (a rebuild asks 50,000 times)."""
        if kind == _EDITION:
            return lambda _: edition_of(self.digest)
        if kind.startswith(_DIGEST):
            name = kind[len(_DIGEST) :]
            return lambda key: self._digest_state(name, key)
        lookup, dot, attribute = kind.partition(".")
        if dot:
            records = self.lookups[lookup]
            return lambda key: getattr(records.get(key), attribute, None)
        if kind in self.hashes:
            hashes = self.hashes[kind]
            return lambda key: hashes.get(key) if key != "*" else self._whole_hash(kind)
        kind_of_argument, _, call = kind.partition(":")
        records, function = self.lookups[kind_of_argument], self.lookups[call]
        return lambda key: None if (record := records.get(key)) is None else function(record)

    def _whole_hash(self, kind: str) -> str:
        if kind not in self._whole:
            self._whole[kind] = self.value_hash(sorted(self.hashes[kind].items()))
        return self._whole[kind]

    def _digest_state(self, name: str, key: str) -> object:
        values = getattr(self.digest, name)
        if key == "#":
            return len(values)
        if key == "*":
            return self.value_hash(list(values.items()) if isinstance(values, dict) else list(values))
        if isinstance(values, dict):
            return values.get(key)
        index = int(key)
        return values[index] if -len(values) <= index < len(values) else None

    def _add(self, value: object, parts: list[str]) -> None:
        kind = type(value)
        if kind is str:
            parts.append(f"{len(value)}:{value}")  # type: ignore[arg-type]
        elif kind is tuple or kind is list:
            parts.append("(")
            for item in value:  # type: ignore[attr-defined]
                # Strings and records inline: most items are one or the other, and a call each is the cost.
                if type(item) is str:
                    parts.append(f"{len(item)}:{item}")
                elif type(item) in _RECORDS:
                    parts.append(self._record(item))
                else:
                    self._add(item, parts)
            parts.append(")")
        elif value is None or kind is int or kind is float or kind is bool:
            parts.append(repr(value))
        elif kind in _RECORDS:
            parts.append(self._record(value))  # type: ignore[arg-type]
        elif kind is Watched:
            parts.append(value.key())  # type: ignore[attr-defined]  # what is read of it is logged apart
        elif kind is dict:
            parts.append("{")
            for key, item in value.items():  # type: ignore[attr-defined]
                self._add(key, parts)
                self._add(item, parts)
            parts.append("}")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts.append(kind.__qualname__)
            for name in _field_names(kind):
                self._add(getattr(value, name), parts)
            parts.append(")")
        else:
            raise Unhashable(kind.__qualname__)

    def _record(self, record: Article | Story | Topic) -> str:
        kind = _RECORDS[type(record)]
        known = self.hashes[kind].get(record.id)
        if known is None:  # not the digest's own record (say, a story made up for a page): hash it whole
            return kind + record_hash(record)
        return kind + known


class Changes:
    """Which records changed between two builds, and so which dependencies on one record may have.

    What each Lookups method of one record reads is written down here (``test``); a method not listed is
    worked out again every build, whatever changed. Records are compared by their hashes, which cover all
    they hold (an article's covers its summary, slug, story and original).
    """

    def __init__(
        self, now: Mapping[str, Mapping[str, str]], before: Mapping[str, Mapping[str, str]], digest: Digest
    ) -> None:
        self.records = {kind: _changed(before.get(kind, {}), hashes) for kind, hashes in now.items()}
        self.digest = digest
        self.stories, self.articles = self.records["stories"], self.records["articles"]
        # Stories whose own record or one of whose articles changed: what a story's articles are, in order,
        # its dates and its teaser are worked out from nothing else.
        self.members = self.stories | {digest.story_of.get(a, "") for a in self.articles}
        # Topics whose record or one of whose stories changed: a story's related stories are its topic's.
        self.topics = self.records["topics"] | {digest.topic_of.get(s, "") for s in self.stories}

    def test(self, kind: str) -> Callable[[str], bool] | None:
        """Whether a dependency of this kind, by key, may have changed; None when it cannot be told."""
        if kind in self.records:
            changed = self.records[kind]
            return lambda key: key in changed or (key == "*" and bool(changed))
        lookup, dot, _ = kind.partition(".")
        if dot and lookup in self.records:  # a field of a record (``Watched``): its record's hash covers it
            changed = self.records[lookup]
            return lambda key: key in changed
        _, colon, call = kind.partition(":")
        rule = _CALL_RULES.get(call) if colon else None
        return functools.partial(rule, self) if rule is not None else None

    def members_of(self, story: str) -> bool:
        """Whether a story or one of its articles changed."""
        return story in self.members

    def topic_of(self, story: str) -> bool:
        """Whether a story, or the topic it is in, changed."""
        return story in self.stories or self.digest.topic_of.get(story) in self.records["topics"]

    def neighbours_of(self, story: str) -> bool:
        """Whether a story, its topic or any story of its topic changed."""
        return story in self.stories or self.digest.topic_of.get(story) in self.topics

    def story_of(self, article: str) -> bool:
        """Whether an article, the article it is a copy of, or the story either is in changed."""
        digest = self.digest
        original = digest.duplicate_of.get(article)
        story = digest.story_of.get(article) or digest.story_of.get(original or "")
        return article in self.articles or original in self.articles or story in self.stories


# What each Lookups method of one record reads (see ``Changes``), by the name it is logged under.
_CALL_RULES: dict[str, Callable[[Changes, str], bool]] = {
    "timeline": Changes.members_of,
    "updated": Changes.members_of,
    "story_updated": Changes.members_of,
    "published": Changes.members_of,
    "teaser": Changes.members_of,
    "story_topic": Changes.topic_of,
    "related": Changes.neighbours_of,
    "story_of_article": Changes.story_of,
}


def _changed(before: Mapping[str, str], now: Mapping[str, str]) -> set[str]:
    """The keys whose hash differs between two builds, added and removed ones included."""
    return {key for key, value in now.items() if before.get(key) != value} | (before.keys() - now.keys())


class Watched:
    """A record that logs each attribute a template reads of it, as a dependency ("topics.label", id)."""

    def __init__(self, record: Article | Story | Topic, kind: str, log: set[Dependency]) -> None:
        self._record = record
        self._kind = kind
        self._log = log

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # protocol probes (say, Jinja's __html__) are not fields
            raise AttributeError(name)
        self._log.add((f"{self._kind}.{name}", self._record.id))
        return getattr(self._record, name)

    def key(self) -> str:
        """Which record this is."""
        return f"W{self._kind}:{self._record.id}"

    def logged_to(self, log: set[Dependency]) -> Watched:
        """The same record, what is read of it logged to ``log``."""
        return Watched(self._record, self._kind, log)


class _Logging:
    """A read-only view of some records that adds what is read of them to ``log`` under ``name``."""

    def __init__(self, items: Any, name: str, log: set[Dependency]) -> None:
        self._items = items
        self._name = name
        self._log = log


class _Logged(_Logging, Mapping[str, Any]):
    """A read-only lookup that logs each key read, and '*' when it is listed whole."""

    def __getitem__(self, key: str) -> Any:
        self._log.add((self._name, str(key)))
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        self._log.add((self._name, str(key)))
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        self._log.add((self._name, "*"))
        return iter(self._items)

    def __len__(self) -> int:
        self._log.add((self._name, "*"))
        return len(self._items)


class _LoggedSequence(_Logging, Sequence[Any]):
    """A read-only sequence that logs each position read, '#' when its length is, and '*' when it is
    listed whole (slices included)."""

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            self._log.add((self._name, "*"))
            return self._items[index]
        self._log.add((self._name, str(index)))  # out of range too: it may not be by the next build
        return self._items[index]

    def __iter__(self) -> Iterator[Any]:
        self._log.add((self._name, "*"))
        return iter(self._items)

    def __len__(self) -> int:
        self._log.add((self._name, "#"))
        return len(self._items)


class LoggedLookups:
    """A Lookups for page makers that logs what they read of it: records by id, one record's values (its
    topic, teaser, related stories...), the digest's lists and maps, the edition. Settings and the other
    site-wide values (title, config) are not logged: the key of a ``Making`` covers them."""

    def __init__(self, site: Lookups, log: set[Dependency]) -> None:
        self.config = site.config
        self.title = site.title
        self.absolute = site.absolute
        self.articles = _Logged(site.articles, "articles", log)
        self.stories = _Logged(site.stories, "stories", log)
        self.topics = _Logged(site.topics, "topics", log)
        self.digest = _LoggedDigest(site.digest, log)
        for name, kind in SITE_CALLS.items():
            setattr(self, name, _logged_call(getattr(site, name), name, log, kind))
        self._site, self._log = site, log

    @property
    def edition(self) -> str | None:
        """The newest day's date, logged: a page that orders stories by how fresh they are changes with it."""
        self._log.add((_EDITION, ""))
        return self._site.edition

    def story_topic(self, story: Story) -> Watched | None:
        """A story's topic, which the story names, each field read of it logged: a page showing its name
        and link is left as it was when a day's stories join the topic."""
        self._log.add(("stories.topic", story.id))
        topic = self._site.story_topic(story)
        return None if topic is None else Watched(topic, "topics", self._log)

    def stories_of(self, ids: Iterable[str]) -> tuple[Story, ...]:
        """As ``Lookups.stories_of``, each story looked up in the logged lookup."""
        return tuple(self.stories[i] for i in ids if i in self.stories)


class _LoggedDigest:
    """The digest's lists and maps, each logged under 'digest/' and its name."""

    def __init__(self, digest: Digest, log: set[Dependency]) -> None:
        self.title = digest.title
        for name in DIGEST_SEQUENCES:
            setattr(self, name, _LoggedSequence(getattr(digest, name), _DIGEST + name, log))
        for name in DIGEST_MAPS:
            setattr(self, name, _Logged(getattr(digest, name), _DIGEST + name, log))
        for name in ARTICLE_MAPS:
            setattr(self, name, _Logged(getattr(digest, name), "articles", log))


def _logged_call(
    function: Callable[[Any], Any], name: str, log: set[Dependency], kind: str = ""
) -> Callable[[Any], Any]:
    """``function`` of one record, logging which record it was called with."""
    kind = kind or CALLS[name]

    def logged(record: Any) -> Any:
        log.add((f"{kind}:{name}", getattr(record, "id", "")))
        return function(record)

    return logged


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(item.name for item in dataclasses.fields(kind))
    return _FIELDS[kind]


class Compiled(jinja2.BytecodeCache):
    """The theme's templates compiled, and the templates each one references, kept in the build cache
    (sealed like every entry): a rebuild neither parses nor compiles a template it has met before."""

    def __init__(
        self,
        code: dict[str, bytes] | None = None,
        references: dict[str, tuple[str, tuple[str | None, ...]]] | None = None,
    ) -> None:
        self.code = code or {}  # Jinja's bytecode by its bucket key; Jinja checks the source's checksum
        self.references = references or {}  # template name -> (hash of its source, names it references)
        self.fresh = False  # whether anything was added since it was made or unpickled

    def __reduce__(self) -> tuple[type[Compiled], tuple[dict[str, bytes], dict[str, Any]]]:
        return Compiled, (self.code, self.references)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Jinja's hook: fill ``bucket`` with the code kept for it, if any."""
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Jinja's hook: keep the code of a template just compiled."""
        self.code[bucket.key] = bucket.bytecode_to_string()
        self.fresh = True

    def referenced(self, env: jinja2.Environment, name: str, source: str) -> tuple[str | None, ...]:
        """The templates ``source`` extends, includes or imports (None: a name worked out at render time)."""
        digest_ = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        known = self.references.get(name)
        if known is not None and known[0] == digest_:
            return known[1]
        found = tuple(sorted(meta.find_referenced_templates(env.parse(source)), key=str))
        self.references[name] = (digest_, found)
        self.fresh = True
        return found


def template_hashes(env: jinja2.Environment, compiled: Compiled | None = None) -> Callable[[str], str]:
    """For a template name, a hash of its source and of every template it extends, includes or imports."""
    known: dict[str, str] = {}
    compiled = compiled or Compiled()

    def sources(name: str, seen: set[str]) -> Iterator[str]:
        if name in seen:
            return
        seen.add(name)
        assert env.loader is not None, "the environment is built with a loader"
        source, _, _ = env.loader.get_source(env, name)
        yield name + "\0" + source
        for other in compiled.referenced(env, name, source):
            if other is None:  # a name worked out at render time: it could be any template
                for every in sorted(env.list_templates()):
                    yield from sources(every, seen)
            else:
                yield from sources(other, seen)

    def hashed(name: str) -> str:
        if name not in known:
            known[name] = hashlib.sha256("\1".join(sources(name, set())).encode()).hexdigest()
        return known[name]

    return hashed


def reusable(previous: Rendered | None, key: str, records: Records, file: str) -> bool:
    """Whether the previous site's ``file`` is the page as it would come out now, and still as written."""
    if previous is None or previous.key != key or previous.stamp is None:
        return False
    return records.unchanged(previous.dependencies) and stamp(file) == previous.stamp


def _article_hash(article: Article, digest: Digest, article_hashes: Mapping[str, str]) -> str:
    """What an article shows: itself, its summary (both in its article hash), slug, original if a copy, story."""
    known = article_hashes.get(article.id)
    if known is None:
        known = summarized(article_hash(article), digest.summaries.get(article.id, ()))
    return f"{known}:{article.slug}:{digest.duplicate_of.get(article.id, '')}:{digest.story_of.get(article.id, '')}"
