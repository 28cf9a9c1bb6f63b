"""A deterministic corpus of news-like Markdown articles with YAML front matter, for build-speed benchmarks.

Run: .venv/bin/python benchmarks/corpus.py N DIR [--seed S]
Writes N articles of about 600 words as DIR/<publisher-slug>/<date>-<slug>.md. About N/4 events are made
up first (topic, kind, people, organisations, a place, figures); each event is covered by one or more of
30 outlets, each writing its own sentences from templates that mix the event's names with words of its
topic, and now and then one outlet runs another's wire copy almost word for word. Same N and seed, same
bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

START = dt.date(2024, 3, 1)
DAYS = 60
WIRE_COPY = 0.05

PUBLISHERS = (
    "The Northern Herald", "Daily Courier", "Morning Ledger", "The Evening Standard Post", "Capital Gazette",
    "Harbour Times", "The Valley Chronicle", "Metro Dispatch", "The Civic Record", "Coastal Observer",
    "The Weekly Sentinel", "National Bulletin", "Riverside Press", "The Union Tribune", "City Reporter",
    "The Independent Review", "Highland Mail", "Lakeside Journal", "Global Wire Service", "The Daily Beacon",
    "Frontier News", "The Public Ledger", "Summit Examiner", "The Plains Register", "Continental Press Agency",
    "Westbrook Telegraph", "The Quarterly Monitor", "Eastside Herald", "Bay Area Voice", "The Free Press",
)  # fmt: skip
FIRST = (
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "James", "Karin", "Luis",
    "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wen", "Yara", "Zoe",
    "Adam", "Beatriz", "Chen", "Dmitri", "Emma", "Felix", "Gita", "Hassan", "Irene", "Jonas", "Keiko", "Leila",
    "Marco", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Ulla", "Victor", "Wanda", "Xavier",
)  # fmt: skip
LAST = (
    "Adler", "Brennan", "Castillo", "Duarte", "Eriksen", "Fischer", "Garcia", "Hoffman", "Ivanova", "Jensen",
    "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka",
    "Uddin", "Vasquez", "Weber", "Yilmaz", "Zhang", "Alvarez", "Bauer", "Costa", "Dubois", "Evans", "Novak",
    "Ferreira", "Gallagher", "Haddad", "Iqbal", "Kaplan", "Larsen", "Mendes", "Nielsen", "Ortega", "Patel",
    "Reyes", "Santos", "Thorne", "Varga", "Walsh", "Young", "Ziegler",
)  # fmt: skip
PLACES = (
    "Lisbon", "Rotterdam", "Krakow", "Valencia", "Leeds", "Glasgow", "Lyon", "Turin", "Porto", "Gdansk",
    "Aarhus", "Bremen", "Seville", "Antwerp", "Bilbao", "Brno", "Cork", "Dresden", "Espoo", "Florence",
    "Graz", "Hamburg", "Innsbruck", "Kaunas", "Malmo", "Nantes", "Oslo", "Palermo", "Riga", "Salzburg",
    "Tallinn", "Utrecht", "Vilnius", "Wroclaw", "Zagreb", "Bergen", "Cardiff", "Geneva", "Ljubljana", "Bristol",
    "Marseille", "Naples", "Leipzig", "Toulouse", "Gothenburg", "Bordeaux", "Edinburgh", "Belfast", "Debrecen",
    "Plovdiv", "Split", "Tartu", "Lausanne", "Ghent", "Maastricht", "Cluj", "Olomouc", "Kosice", "Trieste",
)  # fmt: skip
SYLLABLES = (
    "ka", "ver", "lo", "mi", "tra", "sen", "dor", "vi", "ne", "bal", "cor", "ru", "sta", "fen", "li", "mar",
    "qui", "zo", "pel", "an", "tes", "or", "bri", "gal", "hal", "mon", "dri", "ze", "lun", "ter",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Topic:
    """A subject area: its kinds of event, the words its articles share, and who and what takes part."""

    name: str
    kinds: tuple[str, ...]
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    roles: tuple[str, ...]
    org_forms: tuple[str, ...]


TOPICS = (
    Topic(
        "politics",
        ("election", "budget vote", "coalition crisis", "referendum", "reform bill"),
        ("public spending", "voter turnout", "coalition politics", "local government", "party discipline",
         "campaign finance", "opposition strategy", "election law", "public trust", "tax policy", "cabinet appointments",
         "regional autonomy", "constitutional reform", "parliamentary scrutiny"),
        ("fragile", "contested", "cross-party", "unpopular", "long-awaited", "controversial", "narrow"),
        ("minister", "mayor", "party leader", "chief whip", "opposition spokesperson"),
        ("{name} Party", "{place} Regional Government", "{place} City Council", "{name} Alliance"),
    ),
    Topic(
        "business",
        ("merger", "takeover bid", "factory closure", "share sale", "strike"),
        ("interest rates", "consumer demand", "supply chains", "quarterly earnings", "labour costs",
         "inflation", "housing costs", "export orders", "investor confidence", "wage growth",
         "energy prices", "retail sales", "corporate debt", "bond yields"),
        ("weak", "record", "sluggish", "unexpected", "steep", "modest", "volatile"),
        ("chief executive", "finance director", "chair", "union leader", "senior analyst"),
        ("{name} Holdings", "{name} Group", "{name} Bank", "{place} Chamber of Commerce"),
    ),
    Topic(
        "technology",
        ("data breach", "product launch", "software outage", "chip plant", "AI rollout"),
        ("data privacy", "cloud computing", "chip supply", "cybersecurity", "online advertising",
         "software updates", "artificial intelligence", "mobile networks", "user growth", "open source",
         "digital regulation", "battery technology", "app stores", "broadband coverage"),
        ("new", "faster", "cheaper", "experimental", "proprietary", "secure", "widely used"),
        ("chief technology officer", "founder", "head of security", "product manager", "researcher"),
        ("{name} Labs", "{name} Systems", "{name} Networks", "{place} Digital Agency"),
    ),
    Topic(
        "health",
        ("outbreak", "hospital strike", "vaccine programme", "drug trial", "waiting-list crisis"),
        ("waiting times", "hospital capacity", "public health", "nurse staffing", "drug prices",
         "mental health services", "infection rates", "primary care", "patient safety", "health budgets",
         "clinical trials", "emergency care", "elderly care", "medical research"),
        ("urgent", "overstretched", "preventable", "chronic", "experimental", "routine", "rising"),
        ("health minister", "chief medical officer", "hospital director", "epidemiologist", "nurse"),
        ("{name} Health Trust", "{place} General Hospital", "{name} Pharmaceuticals", "{place} Medical Board"),
    ),
    Topic(
        "sport",
        ("cup final", "transfer saga", "doping case", "stadium plan", "title race"),
        ("ticket prices", "transfer spending", "youth academies", "player fitness", "broadcast rights",
         "league finances", "fan protests", "coaching changes", "club ownership", "match fixing",
         "league standings", "home form", "injury records", "sponsorship deals"),
        ("dramatic", "bitter", "late", "record", "disappointing", "decisive", "emotional"),
        ("coach", "club president", "captain", "sporting director", "league official"),
        ("{place} United", "{name} Athletic", "{place} Rovers", "{name} Sports Federation"),
    ),
    Topic(
        "environment",
        ("flood", "drought", "wildfire", "pipeline project", "wind farm"),
        ("carbon emissions", "river levels", "air quality", "renewable energy", "water shortages",
         "biodiversity", "coastal erosion", "heat records", "farm yields", "forest cover", "flood defences",
         "plastic waste", "energy transition", "rainfall"),
        ("severe", "unprecedented", "long-term", "sustainable", "extreme", "costly", "local"),
        ("environment minister", "climate scientist", "campaigner", "regional planner", "ranger"),
        ("{name} Water", "{place} Conservation Trust", "{name} Energy", "{place} Environment Agency"),
    ),
    Topic(
        "justice",
        ("corruption trial", "fraud inquiry", "police investigation", "court ruling", "prison riot"),
        ("court backlogs", "legal aid", "sentencing rules", "police conduct", "witness protection",
         "prison conditions", "white-collar crime", "appeal procedures", "jury trials", "money laundering",
         "public prosecutors", "judicial independence", "bail decisions", "evidence rules"),
        ("lengthy", "landmark", "sealed", "unusual", "serious", "high-profile", "disputed"),
        ("prosecutor", "defence lawyer", "judge", "police chief", "justice minister"),
        ("{place} Police", "{name} & Partners", "{place} District Court", "{name} Legal Foundation"),
    ),
    Topic(
        "science",
        ("space mission", "telescope discovery", "research funding cut", "gene study", "climate study"),
        ("research funding", "peer review", "satellite data", "lab safety", "genetic testing",
         "particle physics", "ocean sampling", "scientific publishing", "space debris", "climate models",
         "university budgets", "field research", "data sharing", "early-career researchers"),
        ("preliminary", "peer-reviewed", "ambitious", "surprising", "detailed", "long-running", "rare"),
        ("lead researcher", "astronomer", "geneticist", "science minister", "professor"),
        ("{name} Institute", "{place} Space Agency", "{name} University", "{place} Research Council"),
    ),
)  # fmt: skip

TITLES = (
    "{Org} faces questions over {thing} {kind} in {place}",
    "{Thing} {kind}: {person} promises answers as costs reach {amount}",
    "{place} {kind} draws {number} people as {org} defends plan",
    "What the {thing} {kind} means for {place}",
    "{person} defends {thing} {kind} after criticism from {org2}",
    "{Org2} calls for review of {place} {kind}",
    "Support for {thing} {kind} falls to {percent}, survey finds",
    "{place} braces for {kind} as {org} confirms details",
    "{person} under pressure as {place} {kind} deepens",
    "{Org} and {org2} clash over {thing} {kind}",
)
EVENT_SENTENCES = (
    "{person}, the {role} of {org}, said the {thing} {kind} would go ahead in {place} despite objections.",
    "The {kind} in {place} has involved {number} people so far, according to figures from {org}.",
    "Officials in {place} said the cost of the {thing} {kind} could reach {amount}.",
    '"This is not the end of the matter," {person} told reporters in {place} on {weekday}.',
    "{Org} confirmed on {weekday} that it had been told about the {kind} several weeks earlier.",
    "{person2}, who leads {org2}, called the decision on the {thing} {kind} premature.",
    "Support for the {thing} {kind} fell to {percent} in a survey published by {org2}.",
    "The {kind} is the largest of its kind in {place} in more than a decade, {org} said.",
    "According to {org}, {number2} complaints were received in the first {small} days.",
    "{person} is expected to answer questions about the {kind} before a committee in {place} next {weekday}.",
    "Critics, including {person2} of {org2}, say the {thing} {kind} was rushed through without scrutiny.",
    "A spokesperson for {org} declined to comment on the figure of {amount}.",
    "Residents of {place} said they had learned about the {kind} from local news reports.",
    "The {thing} {kind} was first announced by {org} in a short statement on {weekday} morning.",
    "{person} said {org} had spent {amount} preparing for the {kind} and would not change course.",
    "Talks between {org} and {org2} over the {thing} {kind} are expected to continue next week.",
    "Neither {person} nor {person2} responded to requests for comment on {weekday}.",
    "Local leaders in {place} warned that the {kind} could affect up to {number3} households.",
    '"We have been clear from the start about the {thing} {kind}," {person} said in a statement.',
    "The figure of {percent} quoted by {org2} was disputed by officials in {place}.",
    "{person2} said the {kind} showed how little attention had been paid to {noun} in {place}.",
    "By {weekday} evening, {org} had published a timetable for the {thing} {kind}.",
)
TOPIC_SENTENCES = (
    "Analysts see {noun} as a central question for {noun2} across the region.",
    "The debate over {noun} has intensified in recent months as pressure on {noun2} grows.",
    "Experts have long warned that {adj} {noun} could weigh on {noun2} for years.",
    "Similar concerns about {noun} have been raised in other cities, including {place2}.",
    "Figures released last month showed {noun} rising for a third consecutive quarter.",
    "Observers note that discussions of {adj} {noun} often overlook {noun2}.",
    "The wider picture for {noun} remains uncertain, with few signs of a quick change.",
    "Some groups argue that {noun} should be treated as a priority ahead of {noun2}.",
    "The issue of {adj} {noun} has been a recurring theme in public debate since the start of the year.",
    "Changes to {noun} usually take months to have any visible effect on {noun2}.",
    "Earlier efforts to reform {noun} stalled amid disagreement over {noun2}.",
    "It is not the first time that the subject of {noun} has drawn attention from national media.",
    "In {place2}, a comparable dispute over {noun} was settled only after two years.",
    "Surveys suggest that most people rank {noun} well below {noun2} among their concerns.",
    "Campaigners in {place2} have called for an independent review of {noun}.",
    "Few expect a rapid improvement in {noun} before the next budget.",
    "A report published in the spring linked {noun} to {adj} {noun2}.",
    "Industry groups say uncertainty over {noun} is holding back {noun2}.",
    "Academics point out that {noun} varies widely from one region to another.",
    "Questions about {noun} are likely to return when {noun2} is next reviewed.",
)
CLOSINGS = (
    "The story is developing and this article will be updated.",
    "Additional reporting from {place2} contributed to this article.",
    "{Org} is due to publish further details later this month.",
    "A final decision is expected before the end of the quarter.",
)
HEADINGS = ("## What happens next", "## Background", "## Reaction", "## The numbers")


@dataclass(frozen=True)
class Event:
    """One happening that several outlets may report: its topic, names and figures."""

    topic: Topic
    day: int
    slots: dict[str, str]


@dataclass(frozen=True)
class Piece:
    """One article ready to write: where, its front matter values and its Markdown body."""

    publisher: str
    when: dt.datetime
    title: str
    author: str
    tags: tuple[str, ...]
    body: str


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _coined(rng: random.Random) -> str:
    """A made-up proper name, so that each event has words no other event shares."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3)))).capitalize()


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _org(rng: random.Random, topic: Topic, place: str) -> str:
    form = rng.choice(topic.org_forms)
    return form.format(name=_coined(rng), place=place)


def make_event(rng: random.Random) -> Event:
    """A new event with its own people, organisations, coined name and figures."""
    topic = rng.choice(TOPICS)
    place = rng.choice(PLACES)
    org, org2 = _org(rng, topic, place), _org(rng, topic, rng.choice(PLACES))
    thing = _coined(rng)
    slots = {
        "kind": rng.choice(topic.kinds),
        "thing": thing,
        "Thing": thing,
        "person": _person(rng),
        "person2": _person(rng),
        "role": rng.choice(topic.roles),
        "org": org,
        "Org": org,
        "org2": org2,
        "Org2": org2,
        "place": place,
        "number": f"{rng.randint(40, 60_000):,}",
        "amount": f"${rng.randint(2, 950)} million",
        "percent": f"{rng.randint(8, 71)} percent",
        "number2": f"{rng.randint(12, 9_000):,}",
        "number3": f"{rng.randint(200, 90_000):,}",
        "small": str(rng.randint(2, 14)),
    }
    return Event(topic, rng.randrange(DAYS), slots)


def _pick(rng: random.Random, items: tuple[str, ...]) -> str:
    """``rng.choice`` without its checks: the generator makes millions of these."""
    return items[int(rng.random() * len(items))]


def _sentence(rng: random.Random, event: Event, template: str) -> str:
    nouns = event.topic.nouns
    first = int(rng.random() * len(nouns))
    second = (first + 1 + int(rng.random() * (len(nouns) - 1))) % len(nouns)
    values = event.slots | {
        "noun": nouns[first],
        "noun2": nouns[second],
        "adj": _pick(rng, event.topic.adjectives),
        "place2": _pick(rng, PLACES),
        "weekday": _pick(rng, WEEKDAYS),
    }
    return _capitalize(template.format_map(values))


class Deck:
    """Templates drawn in shuffled order, reshuffled when spent, so an article rarely repeats a sentence."""

    def __init__(self, rng: random.Random, templates: tuple[str, ...]) -> None:
        self.rng, self.templates, self.left = rng, templates, list[str]()

    def draw(self) -> str:
        if not self.left:
            self.left = list(self.templates)
            self.rng.shuffle(self.left)
        return self.left.pop()


def _paragraph(rng: random.Random, event: Event, decks: tuple[Deck, Deck], lead: bool) -> str:
    """One paragraph: the lead is about the event, later ones mix in the topic's words."""
    share = 0.9 if lead else 0.5
    count = rng.randint(3, 4) if lead else rng.randint(4, 6)
    templates = [(decks[0] if rng.random() < share else decks[1]).draw() for _ in range(count)]
    return " ".join(_sentence(rng, event, template) for template in templates)


def write_body(rng: random.Random, event: Event) -> str:
    """About 600 words in 6 to 10 paragraphs, sometimes with a subheading and a closing line."""
    decks = (Deck(rng, EVENT_SENTENCES), Deck(rng, TOPIC_SENTENCES))
    words = rng.randint(500, 620)
    paragraphs: list[str] = []
    written = 0
    while (written < words or len(paragraphs) < 6) and len(paragraphs) < 10:
        text = _paragraph(rng, event, decks, lead=not paragraphs)
        paragraphs.append(text)
        written += text.count(" ") + 1
    if len(paragraphs) > 6 and rng.random() < 0.3:
        paragraphs.insert(len(paragraphs) - 2, rng.choice(HEADINGS))
    if rng.random() < 0.25:
        paragraphs.append(_sentence(rng, event, rng.choice(CLOSINGS)))
    return "\n\n".join(paragraphs) + "\n"


def wire_copy(rng: random.Random, original: Piece) -> str:
    """The same text lightly edited, as a partner outlet runs an agency story."""
    paragraphs = original.body.rstrip("\n").split("\n\n")
    if len(paragraphs) > 6 and rng.random() < 0.5:
        paragraphs = paragraphs[:-1]
    editor, reporter = _person(rng), original.author
    paragraphs.append(f"Reporting by {reporter}; editing by {editor}.")
    return "\n\n".join(paragraphs) + "\n"


def _coverage(rng: random.Random) -> int:
    """How many articles one event gets: mostly a few, sometimes a big story."""
    if rng.random() < 0.03:
        return rng.randint(10, 25)
    return 1 + min(int(rng.expovariate(1 / 2.2)), 12)


def _when(rng: random.Random, event: Event) -> dt.datetime:
    day = min(DAYS - 1, event.day + min(int(rng.expovariate(1.2)), 3))
    date = START + dt.timedelta(days=day)
    return dt.datetime(date.year, date.month, date.day, rng.randint(5, 22), rng.randrange(60), tzinfo=dt.UTC)


def _outlets(rng: random.Random, count: int) -> list[str]:
    if count <= len(PUBLISHERS):
        return rng.sample(PUBLISHERS, count)
    return [rng.choice(PUBLISHERS) for _ in range(count)]


def _title(rng: random.Random, event: Event) -> str:
    return _capitalize(rng.choice(TITLES).format(**event.slots))


def cover(rng: random.Random, event: Event, count: int) -> Iterator[Piece]:
    """``count`` articles on one event from different outlets; a few are wire copies of the first."""
    first: Piece | None = None
    for publisher in _outlets(rng, count):
        tags = (event.topic.name, slugify(event.slots["kind"]), slugify(event.slots["place"]))
        if first is not None and rng.random() < WIRE_COPY:
            yield Piece(publisher, first.when, first.title, first.author, tags, wire_copy(rng, first))
            continue
        piece = Piece(
            publisher, _when(rng, event), _title(rng, event), _person(rng), tags, write_body(rng, event)
        )
        first = first or piece
        yield piece


def articles(count: int, seed: int = 0) -> Iterator[Piece]:
    """``count`` articles over about ``count / 4`` events, in a fixed order for a given seed."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        event = make_event(rng)
        size = min(_coverage(rng), count - made)
        yield from cover(rng, event, size)
        made += size


def render(piece: Piece, slug: str) -> str:
    """The Markdown file: YAML front matter (strings JSON-quoted, which YAML reads) and the body."""
    url = f"https://{slugify(piece.publisher)}.example/{piece.when:%Y/%m/%d}/{slug}"
    return (
        "---\n"
        f"title: {json.dumps(piece.title)}\n"
        f"date: {piece.when.isoformat()}\n"
        f"author: {json.dumps(piece.author)}\n"
        f"publisher: {json.dumps(piece.publisher)}\n"
        f"url: {url}\n"
        f"tags: [{', '.join(piece.tags)}]\n"
        "---\n\n"
        f"{piece.body}"
    )


def generate(target: Path, count: int, seed: int = 0) -> None:
    """Write ``count`` articles under ``target`` as <publisher-slug>/<date>-<slug>.md."""
    write(target, articles(count, seed))


def write(target: Path, pieces: Iterable[Piece]) -> list[Path]:
    """Write ``pieces`` under ``target`` as <publisher-slug>/<date>-<slug>.md, a number after the slug when
    the name is taken (by an earlier piece or a file already there); the paths written."""
    taken = set(target.rglob("*.md")) if target.is_dir() else set()
    for folder in {slugify(p) for p in PUBLISHERS}:
        (target / folder).mkdir(parents=True, exist_ok=True)
    written = []
    for piece in pieces:
        base = slugify(piece.title)[:80].rstrip("-")
        slug, number = base, 1
        path = target / slugify(piece.publisher) / f"{piece.when:%Y-%m-%d}-{slug}.md"
        while path in taken:
            number += 1
            slug = f"{base}-{number}"
            path = path.with_name(f"{piece.when:%Y-%m-%d}-{slug}.md")
        taken.add(path)
        path.write_text(render(piece, slug), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="number of articles")
    parser.add_argument("target", type=Path, help="folder to write them to")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    generate(args.target, args.count, args.seed)
    print(f"{args.count} articles in {args.target} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
