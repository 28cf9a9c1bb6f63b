"""A deterministic corpus of real news text for build-speed benchmarks: BBC articles retold by several outlets.

Run: .venv/bin/python benchmarks/realistic.py N DIR [--seed S] [--new-day K] [--variant V]
Writes N Markdown articles with YAML front matter (title, date with time, author, publisher, url, tags) as
DIR/<publisher-slug>/<date>-<slug>.md, from the 2,225 BBC texts in ../shared/corpora/bbc/ (read there, never
copied into the repository). Prints how many it wrote and how long it took.

Each event is one BBC article's headline and lead, a few of its next sentences, and runs of 2 to 4
consecutive sentences drawn from other articles of the same section, in which the other articles' own names
(people, firms, places that appear in few articles) are replaced by the event's article's names and the
digits of figures are permuted (years kept), so that an event talks about one set of names and numbers. An
event is retold by 1 to 6 of 30 outlets, each with its own headline (the event's kept, the lead's first
words, a kicker or a name in front), the lead, and its own selection and order of the event's sentences,
120 to 600 words; now and then an outlet runs another's wire copy. Events are spread over 90 days from
2004-11-01, the outlets of one event within 0 to 3 days of the first. Events are numbered: the first 2,225
take each BBC article once as their own; later ones (N beyond some 5,800 articles) return to an article as
a follow-up, opening on another of its sentences (once those are used, on a sentence of another article
retold with its names) with a headline from it and drawing other sentences, so no two events are copies
of each other (a build on this corpus deduplicates 2.5-3% of the articles at 3k, 10k and 30k alike, about
the wire copies; at 100k at most 4 of the 38,000 events open on the same sentence). Each BBC sentence recurs in about N / 2,200 articles though:
those with names or figures retold, the other half (47% of the sentences) word for word, so that caches
of recent sentences' readings hit more often at 30k and 100k than on real news. Same N and seed, same
bytes.

With --new-day K it writes instead K articles dated the day after the corpus's last day (2005-01-30) into
DIR, beside the corpus of N with that seed: what a daily `digest fetch` adds, new events and a few new
outlets' takes on the last days' events; --variant gives another such day (other events, same date).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import SHARED
from benchmarks.corpus import FIRST, LAST, PUBLISHERS, Piece, slugify, write


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


BBC = SHARED / "bbc"
START = dt.date(2004, 11, 1)
DAYS = 90
OUTLETS = (1, 2, 3, 4, 5, 6)
OUTLET_WEIGHTS = (30, 25, 18, 12, 9, 6)  # 2.6 outlets an event on average
DELAYS = (0, 0, 0, 0, 1, 1, 1, 2, 2, 3)  # days from an event's first report to another outlet's
WIRE_COPY = 0.04  # an outlet after the first runs the first's text
TAKES = 0.2  # share of a new day's articles that are new outlets' takes on the last days' events
SPECIFIC_IN = 20  # a capitalised word in at most this many articles is a name an event may take over
KICKERS = ("Update", "Analysis", "In depth", "Latest", "Breaking")
ONE, PERSON, SURNAME, MORE, FIGURE = range(1, 6)  # what a sentence's slot holds
TITLES = word_set("Mr Mrs Ms Miss Dr Sir Lord Lady Prof Professor Dame President Chancellor Judge")
ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "No", "Jr", "Sr", "Gen", "Lt", "Col", "Prof", "vs"})
CALENDAR = word_set(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
)
OPENERS_NOT = word_set(
    "he she it they his her its their this these those that but and however also so yet or then there "
    "we i you meanwhile instead still such both others another"
)  # a run of sentences does not start on one of these: it needs the sentence before
FUNCTION_WORDS = word_set(
    "a an the of to in on at for and or but with by from as is are was were be been being has have had will "
    "would could should can may might its his her their our my your this that these those which who not than "
    "it them there him us"
)  # a headline does not end on one of these
CLAUSES = word_set("as after when while because which who amid despite following since until but where")
LEAD_WORDS = 12  # a follow-up's lead has at least as many
OPENING_PHRASES = word_set("in on at after before for with by during under despite following since speaking")
BREAKS = (
    FUNCTION_WORDS | CLAUSES | word_set("for of to into with without about over under against on in at by")
)

_SENTENCE_END = re.compile(r"[.!?][\"'’”)]*(?=\s+[\"'‘“(]?[A-Z0-9£$])")
_CAPITALISED = re.compile(r"[A-Z][A-Za-z0-9&'’-]*(?: [A-Z][A-Za-z0-9&'’-]*)*")
_FIGURE = re.compile(r"(?<![\w.])\d[\d,.]*")
_BRACKETS = re.compile(r"\s*\([^)]*\)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_WORD = re.compile(r"[A-Za-z]+")


# --- the BBC texts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One sentence of a BBC article and where its names and figures are: text split at them."""

    text: str
    words: int
    parts: tuple[str, ...]  # literal, slot, literal, slot, ... literal: slots at odd places
    kinds: tuple[int, ...]  # per slot: ONE, PERSON, SURNAME, MORE or FIGURE
    opens: bool  # a run of sentences may start here: not on a pronoun or connective, quotes paired


@dataclass(frozen=True)
class Story:
    """One BBC article: its section, headline, lead paragraph, later sentences and its own names."""

    section: str
    headline: str
    lead: str
    sentences: tuple[Sentence, ...]
    names: dict[int, tuple[str, ...]]  # its names of kinds ONE, PERSON and MORE, most used first
    top: tuple[str, ...]  # its three most used one-word names
    starts: tuple[int, ...]  # its sentences that may open a run (``Sentence.opens``)


def read_text(path: Path) -> str:
    """A BBC file's text: UTF-8, else latin-1 (sport/199.txt)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph, split after . ! ? (and closing quotes) before a capital, a digit or a quote;
    not after an abbreviation or an initial."""
    found, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        before = paragraph[start : match.start()].rsplit(None, 1)[-1:] or [""]
        word = before[0].lstrip("\"'‘“(")
        if word in ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            continue
        found.append(paragraph[start : match.end()].strip())
        start = match.end()
    rest = paragraph[start:].strip()
    return [*found, rest] if rest else found


def _runs(text: str) -> Iterator[tuple[int, str]]:
    """(start, text) of each run of capitalised words in a sentence, split after a possessive ('Real Madrid's
    Bernabeu': 'Real Madrid', 'Bernabeu'), less a title before it ('Mr') and a possessive 's after it, and
    less a first word that only opens the sentence (or its quotation)."""
    for match in _CAPITALISED.finditer(text):
        at = match.start()
        words = match.group().split(" ")
        if at <= 1:
            at += len(words[0]) + 1
            words = words[1:]
        run: list[str] = []
        for word in words:
            if not run and word in TITLES:
                at += len(word) + 1
                continue
            bare = word.removesuffix("'s").removesuffix("’s").rstrip("'’")
            run.append(bare)
            if bare != word:
                yield at, " ".join(run)
                at += len(" ".join(run)) + len(word) - len(bare) + 1
                run = []
        if run:
            yield at, " ".join(run)


def names_of(texts: Sequence[str], specific: frozenset[str]) -> dict[str, int]:
    """The names in one article's sentences and their kinds: a person's full name (``PERSON``: two or three
    words, the last also used alone), a person's surname used alone (``SURNAME``), another name of one word
    (``ONE``) or more (``MORE``). A name is a run of capitalised words ending in a specific word (one in few
    articles), or holding one when it is not a person's."""
    runs = [run for text in texts for _, run in _runs(text)]
    alone = {run for run in runs if " " not in run}
    kinds: dict[str, int] = {}
    for run in runs:
        words = run.split(" ")
        person = 1 < len(words) <= 3 and words[-1] in alone and all(w.isalpha() for w in words)
        if words[-1] in specific or (not person and any(w in specific for w in words)):
            kinds[run] = PERSON if person else (MORE if len(words) > 1 else ONE)
    for run, kind in list(kinds.items()):
        if kind == PERSON:
            kinds[run.rsplit(" ", 1)[1]] = SURNAME
    return kinds


def parse_sentence(text: str, kinds: dict[str, int]) -> Sentence:
    """Split a sentence at its names (``kinds``: its article's) and figures (not years) for ``retell``."""
    slots = [(at, at + len(run), kinds[run]) for at, run in _runs(text) if run in kinds]
    for match in _FIGURE.finditer(text):
        figure = match.group().rstrip(",.")
        if not _YEAR.fullmatch(figure) and not any(s <= match.start() < e for s, e, _ in slots):
            slots.append((match.start(), match.start() + len(figure), FIGURE))
    slots.sort()
    parts, slot_kinds, at = [], [], 0
    for start, end, kind in slots:
        parts += [text[at:start], text[start:end]]
        slot_kinds.append(kind)
        at = end
    parts.append(text[at:])
    first = _WORD.search(text)
    opens = (
        first is not None
        and first.group().lower() not in OPENERS_NOT
        and text.count('"') % 2 == 0
        and not text.startswith(("'", "‘", "(", "-"))
    )
    return Sentence(text, text.count(" ") + 1, tuple(parts), tuple(slot_kinds), opens)


@cache
def load(root: Path = BBC) -> dict[str, tuple[Story, ...]]:
    """Section -> its articles, in file order. Words capitalised in at most ``SPECIFIC_IN`` articles (and never
    written in lower case there, nor a month or weekday) are the names an event takes over from others."""
    raw: list[tuple[str, str, str, list[list[str]]]] = []
    for path in sorted(root.glob("*/*.txt")):
        lines = read_text(path).replace("\r\n", "\n").split("\n")
        headline = lines[0].strip()
        paragraphs = [" ".join(p.split()) for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
        if len(paragraphs) < 2:
            continue
        raw.append((path.parent.name, headline, paragraphs[0], [split_sentences(p) for p in paragraphs[1:]]))
    capitalised: Counter[str] = Counter()
    lowercase: set[str] = set()
    for _, _, lead, body in raw:
        text = " ".join([lead, *(s for p in body for s in p)])
        capitalised.update({w for w in _WORD.findall(text) if w[0].isupper()})
        lowercase.update(w for w in _WORD.findall(text) if w.islower())
    specific = frozenset(
        word
        for word, count in capitalised.items()
        if count <= SPECIFIC_IN and len(word) > 2 and word.lower() not in lowercase and word not in CALENDAR
    )
    sections: dict[str, list[Story]] = {}
    for section, headline, lead, body in raw:
        texts = [lead, *(s for p in body for s in p)]
        kinds = names_of(texts, specific)
        sentences = tuple(parse_sentence(text, kinds) for text in texts[1:])
        counts = Counter(
            run for text in texts for _, run in _runs(text) if kinds.get(run) in (ONE, PERSON, MORE)
        )
        ranked = [name for name, _ in counts.most_common()]
        names = {kind: tuple(n for n in ranked if kinds[n] == kind)[:8] for kind in (ONE, PERSON, MORE)}
        starts = tuple(i for i, s in enumerate(sentences) if s.opens)
        story = Story(section, headline, lead, sentences, names, names[ONE][:3], starts)
        sections.setdefault(section, []).append(story)
    return {section: tuple(stories) for section, stories in sorted(sections.items())}


@cache
def stories(seed: int) -> tuple[Story, ...]:
    """Every BBC article once, in the seeded order events take them as their own."""
    every = [story for section in load().values() for story in section]
    random.Random(f"order:{seed}").shuffle(every)
    return tuple(every)


# --- events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Who reports one event and when: its number, first day and its outlets with their delays in days."""

    number: int
    day: int
    outlets: tuple[str, ...]
    delays: tuple[int, ...]


@dataclass(frozen=True)
class Event:
    """What one event's reports draw on: headline, lead, the sentences after it, and other sentences."""

    plan: Plan
    story: Story
    headline: str
    lead: str
    follow: tuple[str, ...]  # the sentences after the lead in its article
    runs: tuple[tuple[str, ...], ...]  # runs of sentences from other articles, names and figures retold
    tags: tuple[str, ...]


def plan(seed: int, number: int, day: int | None = None) -> Plan:
    """Event ``number``'s outlets and days (all on ``day`` when given): a pure function of seed and number."""
    rng = random.Random(f"plan:{seed}:{number}")
    size = rng.choices(OUTLETS, OUTLET_WEIGHTS)[0]
    outlets = tuple(rng.sample(PUBLISHERS, size))
    first = rng.randrange(DAYS) if day is None else day
    delays = (0, *(rng.choice(DELAYS) for _ in range(size - 1))) if day is None else (0,) * size
    return Plan(number, first, outlets, delays)


def plans(count: int, seed: int) -> Iterator[tuple[Plan, int]]:
    """The events of a corpus of ``count`` articles with how many of each one's outlets it holds (the last
    event's may be cut short)."""
    made, number = 0, 0
    while made < count:
        found = plan(seed, number)
        size = min(len(found.outlets), count - made)
        yield found, size
        made, number = made + size, number + 1


def headline_from(lead: str) -> str:
    """A headline made of a lead's first words: its first sentence, less an opening phrase ('In a court
    filing on Tuesday, '), up to its first comma or clause (after 5 words at least), else before the last
    preposition or function word within 12 words; no brackets, no function word last; empty if fewer than 3
    words are left ('Ewood Park')."""
    words = _BRACKETS.sub("", split_sentences(lead)[0]).rstrip(".!?\"'’”").split()
    if words and words[0].lower() in OPENING_PHRASES:  # 'In a court filing on Tuesday, Yukos said ...'
        ends = [at for at, word in enumerate(words[:10]) if word.endswith(",")]
        if ends and len(words) - ends[0] > 5:
            words = words[ends[0] + 1 :]
            words[0] = words[0][:1].upper() + words[0][1:]
    for at, word in enumerate(words[:15]):
        if at >= 5 and (word.endswith(",") or word.lower() in CLAUSES):
            words = words[:at] if word.lower() in CLAUSES else words[: at + 1]
            break
    if len(words) > 12:
        cut = max((at for at in range(5, 13) if words[at].lower() in BREAKS), default=12)
        words = words[:cut]
    while len(words) > 4 and words[-1].lower().strip(",") in FUNCTION_WORDS:
        words.pop()
    return " ".join(words).strip("\"'‘“,") if len(words) >= 3 else ""


def digits_for(rng: random.Random) -> dict[int, int]:
    """A permutation of the digits 1-9 (0 stays, so no figure starts with 0): an event's figures."""
    shuffled = list("123456789")
    rng.shuffle(shuffled)
    return str.maketrans("123456789", "".join(shuffled))


def retell(sentence: Sentence, names: dict[int, tuple[str, ...]], key: str, digits: dict[int, int]) -> str:
    """``sentence`` about an event's ``names``: each of its own names becomes one of the same kind (the same
    one wherever it recurs in the event, chosen by a hash of the name; a person's surname alone becomes that
    of the person their full name becomes; unchanged where another name of the sentence became that one),
    the digits of its figures are permuted (``digits``)."""
    if not sentence.kinds:
        return sentence.text
    out, given = [sentence.parts[0]], dict[str, str]()
    for index, kind in enumerate(sentence.kinds):
        slot = original = sentence.parts[2 * index + 1]
        if kind == FIGURE:
            slot = slot.translate(digits)
        elif kind in (PERSON, SURNAME):
            people = names[PERSON]
            if people:
                surname = slot.rsplit(" ", 1)[-1]
                slot = people[zlib.crc32(f"{key}:{surname}".encode()) % len(people)]
                slot = slot if kind == PERSON else slot.rsplit(" ", 1)[-1]
        else:
            choices = names[kind] or names[MORE if kind == ONE else ONE]
            if choices:
                slot = choices[zlib.crc32(f"{key}:{slot}".encode()) % len(choices)]
        if given.setdefault(slot, original) != original:  # two names of the sentence became one
            slot = original
        out += [slot, sentence.parts[2 * index + 2]]
    return "".join(out)


def named(sentence: Sentence) -> bool:
    """Whether the sentence names someone or something an event may take over (so retold, it is the event's)."""
    return any(kind != FIGURE for kind in sentence.kinds)


def event(seed: int, found: Plan) -> Event:
    """Event ``found.number``: its article (a new one for each of the first 2,225 events, then a follow-up
    on one told before, opening on another of its sentences, or once they are all used on a sentence that
    names someone in another article of the section, retold), its next sentences and runs from others."""
    order = stories(seed)
    story = order[found.number % len(order)]
    again = found.number // len(order)
    rng = random.Random(f"event:{seed}:{found.number}")
    key, digits = f"{seed}:{found.number}", digits_for(rng)
    others = load()[story.section]
    headline, lead, at, source = story.headline, story.lead, 0, story
    openings = [i for i, s in enumerate(story.sentences) if s.opens and s.words >= LEAD_WORDS]
    if again and again <= len(openings):  # a follow-up: another opening sentence, and a headline from it
        at = openings[again - 1]
    elif again:  # the first sentence found whose headline is retold, else the last of 50 tried
        for _ in range(50):
            other = others[int(rng.random() * len(others))]
            found_at = [
                i for i, s in enumerate(other.sentences) if s.opens and s.words >= LEAD_WORDS and named(s)
            ]
            if other is story or not found_at:
                continue
            source, at = other, found_at[int(rng.random() * len(found_at))]
            text = source.sentences[at].text
            if headline_from(retell(source.sentences[at], story.names, key, digits)) != headline_from(text):
                break

    def told(sentence: Sentence) -> str:
        return sentence.text if source is story else retell(sentence, story.names, key, digits)

    if again:
        lead = told(source.sentences[at])
        headline = headline_from(lead) or story.headline
        at += 1
    follow = tuple(map(told, source.sentences[at : at + rng.randint(2, 5 if again else 8)]))
    runs: list[tuple[str, ...]] = []
    words = sum(text.count(" ") + 1 for text in (lead, *follow))
    while words < 1100:
        other = others[int(rng.random() * len(others))]
        if other is story or not other.starts:
            continue
        start = other.starts[int(rng.random() * len(other.starts))]
        run = tuple(
            retell(s, story.names, key, digits) for s in other.sentences[start : start + rng.randint(2, 4)]
        )
        runs.append(run)
        words += sum(text.count(" ") + 1 for text in run)
    tags = (story.section, *(slugify(name) for name in story.top[:2]))
    return Event(found, story, headline, lead, follow, tuple(runs), tags)


# --- one outlet's report -----------------------------------------------------------------------------


def title(rng: random.Random, event: Event) -> str:
    """An outlet's headline: the event's, the lead's first words, a kicker, or a name in front."""
    roll = rng.random()
    if roll < 0.45:
        return event.headline
    if roll < 0.75:
        return headline_from(event.lead) or event.headline
    if roll < 0.88 and event.story.top and event.story.top[0] not in event.headline:
        return f"{event.story.top[0]}: {event.headline}"
    return f"{rng.choice(KICKERS)}: {event.headline}"


def author(rng: random.Random, publisher: str) -> str:
    """One of the outlet's 40 staff writers."""
    staff = zlib.crc32(publisher.encode()) + rng.randrange(40)
    return f"{FIRST[staff % len(FIRST)]} {LAST[(staff // len(FIRST)) % len(LAST)]}"


def report(rng: random.Random, event: Event) -> str:
    """An outlet's text: the lead, some of the sentences after it (up to 60% of its length; one perhaps
    moved later), then runs of the others in its own order and choice, 120 to 600 words in all, in
    paragraphs of its house style. Two reports of one event share about a third of their sentences."""
    target = rng.randint(120, 250) if rng.random() < 0.3 else rng.randint(250, 600)
    keep = 0.45 if target < 250 else 0.65
    follow, words = [], event.lead.count(" ") + 1
    for text in event.follow:
        if words >= 0.6 * target:
            break
        if rng.random() < keep:
            follow.append(text)
            words += text.count(" ") + 1
    if len(follow) > 2 and rng.random() < 0.3:
        follow.append(follow.pop(rng.randrange(len(follow) - 1)))
    chosen = follow
    runs = list(event.runs)
    rng.shuffle(runs)
    for run in runs:
        if words >= target:
            break
        if rng.random() < 0.7:
            taken = [text for text in run if rng.random() < 0.85]
            chosen += taken
            words += sum(text.count(" ") + 1 for text in taken)
    longest = rng.choice((1, 2, 3, 4))
    paragraphs, at = [event.lead], 0
    while at < len(chosen):
        size = rng.randint(1, longest)
        paragraphs.append(" ".join(chosen[at : at + size]))
        at += size
    return "\n\n".join(paragraphs) + "\n"


def when(rng: random.Random, day: int) -> dt.datetime:
    date = START + dt.timedelta(days=day)
    return dt.datetime(date.year, date.month, date.day, rng.randint(5, 22), rng.randrange(60), tzinfo=dt.UTC)


def cover(
    seed: int, event: Event, outlets: Sequence[int], day: int | None = None, key: str = ""
) -> Iterator[Piece]:
    """The reports of outlets ``outlets`` (indexes into the plan's) on ``event``; the first outlet's is the
    one wire copies take."""
    first: Piece | None = None
    found = event.plan
    for index in outlets:
        rng = random.Random(f"report:{seed}:{found.number}:{index}{key}")
        publisher = found.outlets[index] if index < len(found.outlets) else rng.choice(PUBLISHERS)
        tags = event.tags[: rng.randint(1, len(event.tags))]
        moment = when(rng, min(found.day + found.delays[index], DAYS - 1) if day is None else day)
        if first is not None and rng.random() < WIRE_COPY:
            body = (
                first.body.rstrip("\n")
                + f"\n\nReporting by {first.author}; editing by {author(rng, publisher)}.\n"
            )
            yield Piece(publisher, moment, first.title, author(rng, publisher), tags, body)
            continue
        piece = Piece(publisher, moment, title(rng, event), author(rng, publisher), tags, report(rng, event))
        first = first or piece
        yield piece


def articles(count: int, seed: int = 0) -> Iterator[Piece]:
    """``count`` articles, event by event, in a fixed order for a given seed."""
    for found, size in plans(count, seed):
        yield from cover(seed, event(seed, found), range(size))


def new_day(count: int, seed: int = 0, new: int = 100, variant: int = 0) -> list[Piece]:
    """``new`` articles dated the day after the last day of the corpus of ``count`` articles: new events
    (numbered after the corpus's) and, a ``TAKES`` share, new outlets' takes on events of its last 3 days."""
    every = list(plans(count, seed))
    recent = [found for found, _ in every if found.day >= DAYS - 3]
    pieces: list[Piece] = []
    picker = random.Random(f"takes:{seed}:{variant}")
    for found in picker.sample(recent, min(len(recent), round(new * TAKES))):
        fresh = [p for p in PUBLISHERS if p not in found.outlets]
        extra = Plan(found.number, found.day, (*found.outlets, picker.choice(fresh)), (*found.delays, 0))
        pieces += cover(seed, event(seed, extra), [len(found.outlets)], day=DAYS, key=f":new{variant}")
    number = len(every) + variant * new
    while len(pieces) < new:
        found = plan(seed, number, day=DAYS)
        pieces += cover(seed, event(seed, found), range(min(len(found.outlets), new - len(pieces))), day=DAYS)
        number += 1
    return pieces


def generate(target: Path, count: int, seed: int = 0) -> None:
    """Write ``count`` articles under ``target`` as <publisher-slug>/<date>-<slug>.md."""
    write(target, articles(count, seed))


def add_new_day(target: Path, count: int, seed: int = 0, new: int = 100, variant: int = 0) -> list[Path]:
    """Write ``new_day`` beside the corpus in ``target``; the paths written."""
    return write(target, new_day(count, seed, new, variant))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="number of articles")
    parser.add_argument("target", type=Path, help="folder to write them to")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--new-day", type=int, default=0, metavar="K", help="write K articles of the next day"
    )
    parser.add_argument("--variant", type=int, default=0, help="which next day (--new-day)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.new_day:
        paths = add_new_day(args.target, args.count, args.seed, args.new_day, args.variant)
        print(f"{len(paths)} articles of {START + dt.timedelta(days=DAYS)} in {args.target}", end=" ")
    else:
        generate(args.target, args.count, args.seed)
        print(f"{args.count} articles in {args.target}", end=" ")
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
