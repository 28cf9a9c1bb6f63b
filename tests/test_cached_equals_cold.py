"""A cached build makes byte for byte the site a cold one makes, whatever sequence of edits came before it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from digest.commands.build import build
from digest.config import Config, TopicRule
from digest.group import stream
from digest.incremental import engine, near

# Events, each told by several outlets in their own words: what a day of wire and local copy looks like.
LEADS = (
    "Ferry crews on the northern route walked out on Monday over pay, stranding hundreds of passengers in Oban.",
    "Hundreds of ferry passengers were stranded in Oban on Monday as crews on the northern route struck over pay.",
    "A strike by ferry crews over pay halted sailings on the northern route from Oban on Monday.",
    "The central bank cut its main interest rate by a quarter point to 3.5% on Thursday, citing slowing inflation.",
    "Interest rates were cut by a quarter point to 3.5% on Thursday as the central bank said inflation was slowing.",
    "Storm Evelyn brought down power lines across Galway on Friday, leaving 40,000 homes without electricity.",
    "About 40,000 homes in Galway lost power on Friday after Storm Evelyn brought down lines across the county.",
    "The city council approved a budget of 2.1 billion euros on Tuesday after a long debate about road repairs.",
)
HEADLINES = (
    "Ferry strike strands passengers in Oban",
    "Crews walk out on northern ferry route",
    "Central bank cuts rates to 3.5%",
    "Rate cut as inflation slows",
    "Storm Evelyn leaves 40,000 homes without power",
    "Council approves road repair budget",
)
MIDDLES = (
    "Union officials said talks with the operator had broken down late on Sunday.",
    "The operator said it regretted the disruption and would refund tickets.",
    "Economists had expected the move after weaker figures last month.",
    "Engineers worked through the night to restore supplies, the utility said.",
    "Opposition members said the plan left too little for schools.",
)
ENDINGS = (
    "More sailings are expected to be cancelled on Tuesday.",
    "The bank's next decision is due in six weeks.",
    "Crews expect to reconnect most homes by the weekend.",
)
AUTHORS = ("Ann Writer", "Ben Okafor", "Carla Duarte")
PUBLISHERS = ("The Northern Herald", "Daily Courier", "Harbour Times", "Capital Gazette")
TAGS = ("[Transport]", "[Economy, Rates]", "[Weather]")
TOPICS = ("Transport", "Economy", "Science")
DAYS = ("2024-04-07", "2024-04-08", "2024-04-09")
HOURS = ("09:00", "12:00", "18:00", "23:30")


@dataclass(frozen=True)
class Piece:
    """One Markdown article, as its fields."""

    title: str
    lead: str
    middle: str
    day: str | None = "2024-04-08"
    hour: str | None = None
    author: str | None = None
    publisher: str | None = None
    ending: str | None = None
    tags: str | None = None
    topic: str | None = None

    def markdown(self) -> str:
        """The file's text: front matter, then paragraphs."""
        date = f"{self.day}T{self.hour}:00+00:00" if self.day and self.hour else self.day
        fields = {
            "title": self.title,
            "date": date,
            "author": self.author,
            "publisher": self.publisher,
            "tags": self.tags,
            "topic": self.topic,
        }
        front = "".join(f"{name}: {value}\n" for name, value in fields.items() if value)
        body = "\n\n".join(p for p in (self.lead, self.middle, self.ending) if p)
        return f"---\n{front}---\n\n{body}\n"


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a site by its path in it."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def assert_cached_equals_cold(config: Config, work: Path) -> None:
    """Build with the cache, then without it into another folder holding the same last site (whose pages
    articles keep, renamed files too): the two sites are the same bytes."""
    cold = replace(config, output=work / "cold", cache=None)
    shutil.rmtree(cold.output, ignore_errors=True)
    if config.output.exists():
        shutil.copytree(config.output, cold.output)
    build(config, environ={})
    build(cold, environ={}, use_cache=False)
    cached, fresh = site_files(config.output), site_files(cold.output)
    assert sorted(cached) == sorted(fresh)
    differ = [name for name in cached if cached[name] != fresh[name]]
    assert not differ, f"cached build differs from a cold one in {differ}"


def project(work: Path) -> Config:
    source = work / "src"
    source.mkdir(parents=True, exist_ok=True)
    rules = (TopicRule(name="Transport", keywords=("ferry", "ferries")),)
    return Config(
        source=source,
        output=work / "site",
        cache=work / "cache",
        base_url="https://news.example",
        topics=rules,
    )


def test_moving_an_outlets_time_later_the_same_day_gives_the_cold_headline(tmp_path: Path) -> None:
    config = project(tmp_path)
    first = Piece(HEADLINES[0], LEADS[0], MIDDLES[0], hour="12:00", publisher=PUBLISHERS[0])
    second = Piece(HEADLINES[1], LEADS[1], MIDDLES[1], hour="09:00", publisher=PUBLISHERS[1])
    (config.source / "herald.md").write_text(first.markdown(), encoding="utf-8")
    (config.source / "courier.md").write_text(second.markdown(), encoding="utf-8")
    build(config, environ={})
    (config.source / "courier.md").write_text(replace(second, hour="18:00").markdown(), encoding="utf-8")
    assert_cached_equals_cold(config, tmp_path)


pieces = st.builds(
    Piece,
    title=st.sampled_from(HEADLINES),
    lead=st.sampled_from(LEADS),
    middle=st.sampled_from(MIDDLES),
    # Dated and timed to start with, on two days, so that outlets share stories that edits then reorder.
    day=st.sampled_from(DAYS[:2]),
    hour=st.sampled_from(HOURS),
    author=st.sampled_from((*AUTHORS, None)),
    publisher=st.sampled_from((*PUBLISHERS, None)),
)


class Edits(RuleBasedStateMachine):
    """Random edits of a small real-looking corpus; after each, a cached build equals a cold one."""

    def __init__(self) -> None:
        super().__init__()
        self.work = Path(os.environ["DIGEST_EDITS_DIR"]) / f"run{id(self)}"
        shutil.rmtree(self.work, ignore_errors=True)
        self.config = project(self.work)
        self.pieces: dict[str, Piece] = {}
        self.count = 0

    def _write(self, name: str, piece: Piece) -> None:
        self.pieces[name] = piece
        (self.config.source / name).write_text(piece.markdown(), encoding="utf-8")

    def _pick(self, number: int) -> str:
        return sorted(self.pieces)[number % len(self.pieces)]

    def _edit(self, number: int, **fields: str | None) -> None:
        name = self._pick(number)
        self._write(name, replace(self.pieces[name], **fields))

    @initialize(start=st.lists(pieces, min_size=3, max_size=6))
    def start(self, start: list[Piece]) -> None:
        for piece in start:
            self.add(piece)
        build(self.config, environ={})

    @rule(piece=pieces)
    def add(self, piece: Piece) -> None:
        self.count += 1
        self._write(f"a{self.count:03d}.md", piece)

    @precondition(lambda self: len(self.pieces) > 1)
    @rule(number=st.integers(0, 99))
    def delete(self, number: int) -> None:
        name = self._pick(number)
        del self.pieces[name]
        (self.config.source / name).unlink()

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99))
    def rename(self, number: int) -> None:
        name = self._pick(number)
        self.count += 1
        (self.config.source / name).rename(self.config.source / f"r{self.count:03d}.md")
        self.pieces[f"r{self.count:03d}.md"] = self.pieces.pop(name)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99))
    def touch(self, number: int) -> None:
        path = self.config.source / self._pick(number)
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), hour=st.sampled_from((*HOURS, None)))
    def retime(self, number: int, hour: str | None) -> None:
        self._edit(number, hour=hour)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), day=st.sampled_from((*DAYS, None)))
    def redate(self, number: int, day: str | None) -> None:
        self._edit(number, day=day)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), title=st.sampled_from(HEADLINES))
    def retitle(self, number: int, title: str) -> None:
        self._edit(number, title=title)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), author=st.sampled_from((*AUTHORS, None)))
    def reauthor(self, number: int, author: str | None) -> None:
        self._edit(number, author=author)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), publisher=st.sampled_from((*PUBLISHERS, None)))
    def republish(self, number: int, publisher: str | None) -> None:
        self._edit(number, publisher=publisher)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), lead=st.sampled_from(LEADS))
    def relead(self, number: int, lead: str) -> None:
        self._edit(number, lead=lead)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), ending=st.sampled_from((*ENDINGS, None)))
    def end(self, number: int, ending: str | None) -> None:
        self._edit(number, ending=ending)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), tags=st.sampled_from((*TAGS, None)))
    def retag(self, number: int, tags: str | None) -> None:
        self._edit(number, tags=tags)

    @precondition(lambda self: self.pieces)
    @rule(number=st.integers(0, 99), topic=st.sampled_from((*TOPICS, None)))
    def refile(self, number: int, topic: str | None) -> None:
        self._edit(number, topic=topic)

    @invariant()
    def cached_equals_cold(self) -> None:
        assert_cached_equals_cold(self.config, self.work)
        CHECKED.append(len(self.pieces))

    def teardown(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


@pytest.fixture
def edits_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIGEST_EDITS_DIR", str(tmp_path))
    # A window of three articles and a state kept after every block: past the window, an edit resumes the
    # story stream from the state before its day, so resumed streams are held to the cold site too.
    monkeypatch.setattr(stream, "WINDOW", 3)
    monkeypatch.setattr(engine, "_checkpoint", lambda number, steps: True)
    # Near copies compared again however much of this small corpus an edit changed, never counted cold.
    monkeypatch.setattr(near, "COLD_SHARE", float("inf"))
    return tmp_path


CHECKED: list[int] = []  # the corpus size at each check, across sequences

# 25 sequences of up to 10 edits a draw, drawn until at least 200 edits were checked, each followed by a
# cached and a cold build.
EDIT_RUNS = settings(
    max_examples=25,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    # A new draw of sequences each run: over many runs they find what one fixed draw misses (a failure
    # prints the seed that reproduces it).
    derandomize=False,
    database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # a failure shows its whole sequence, unshrunk
)


def test_random_edit_sequences_keep_the_cached_site_equal_to_a_cold_one(edits_dir: Path) -> None:
    test = Edits.TestCase
    test.settings = EDIT_RUNS
    # A sequence may end before its tenth edit: more are drawn until 200 edits were checked.
    for _ in range(4):
        test("runTest").runTest()
        if len(CHECKED) >= 200:
            break
    assert len(CHECKED) >= 200, f"only {len(CHECKED)} edits were checked"
