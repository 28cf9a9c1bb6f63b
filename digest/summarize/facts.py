"""Key facts of a story: the people, places, organisations and figures its articles agree on.

Names are runs of capitalised words in prose sentences (headings and boilerplate are skipped). A
sentence's (or an opening quote's, not a closing one's) first word counts only when the same word is
capitalised elsewhere in mid-sentence, so "The" or "According" never become names, unless it is a given
name before a surname ("Tony Blair"). Leading nationality words and titles, role abbreviations too, are
dropped ("Israeli Defense Minister Yoav Gallant" -> "Yoav Gallant", "Labour MP Tom Reed" -> "Tom Reed"),
but not from an organisation's name ("British National Party"), nor a surname that is a title ("John
Major"); after "Mr" or "Lord" even an everyday word is a surname ("Mr Brown"). A possessive ends a name
("Yukos' US lawyers") and "&" joins two ("Bradford & Bingley"). A name is classified by cues around its
mentions: organisation words in it ("Council", "Bank", "Inc"), an acronym or a trade before it ("airline
Lufthansa") -> organisation; place words ("Strip", "City") or a place preposition before it ("in",
"near"), unless it opens with a given name ("interest in David Beckham") or owns what follows ("in
Billboard's chart") -> place; a title or role before it ("Mr", "spokesman") or a speech verb after it
("said") -> person, but never a name that opens with a country ("the US Federal Reserve said") or comes
before a role ("Harry Potter star Daniel Radcliffe"). A surname or first name alone counts as a mention
of the full name met in the story ("Gallant" -> "Yoav Gallant"), and names spelt nearly alike as one
("Khan Yunis", "Khan Younis").

Figures are numbers with a unit: money ("$10.9bn", "£600m"), percentages ("2.5%"), and counts of
something ("1,200 people", "1.5 million Palestinians", "four months"); dates, years, ordinals and
compounds ("six-cylinder", "two-year") are not figures. Two mentions are the same figure when value and
currency agree and they share a unit word ("400 Americans", "400 approved American nationals").

Precision comes first: a name whose kind nothing points to, or whose mentions split between kinds, is
left out rather than guessed, unless it is a country (CLDR's names) or opens with a given name
(``data/given_names.json``). Products ("Galaxy S5", "Halo 2"), events ("Six Nations", "Academy Awards")
and works ("the movie Vera Drake", title-cased "Meet The Fockers") are no fact, nor is an edition ("the
51st Cross International"); media words ("Journal", "Reporter") make an organisation; nationality words
(``data/names.json``), common abbreviations ("TV") and everyday words alone ("Bank", "Storm") are no
name, but other abbreviations are read as abbreviations ("US" is not "us") and cities as cities
("London", CLDR's time zone cities); "of" joins two names only after an organisation or place word ("Bank
of England", not "Rochus of Belgium"). A count needs a plural noun ("three people", not "Twelve severe";
"ten times" is a ratio).

Facts are ranked by how many of the story's articles mention them, then by how often; a fact mentioned by
one article only must be mentioned twice or appear in a lead (first sentence or title).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import chain, pairwise
from typing import NamedTuple

from digest.group.naming import word_lists
from digest.language.background import frequencies
from digest.language.boilerplate import is_boilerplate
from digest.language.text import FUNCTION_WORDS, STOPWORDS, given_names, stem, word_set
from digest.models import Fact

__all__ = ["MAX_FACTS", "key_facts"]

MAX_FACTS = 8
MAX_PER_KIND = 4  # so a story full of place names still shows its people and figures
KINDS = ("person", "place", "organisation", "figure")

_TOKEN = re.compile(r"[\w$£€¥%][\w'’.,$£€¥%&-]*|[^\w\s]")
_CAPITALISED = re.compile(r"[A-Z][\w'’&.-]*$")
_ACRONYM = re.compile(r"(?:[A-Z]\.){2,}|[A-Z]{2,6}s?$")
_ORG_WORDS = word_set(
    """
    Agency Airlines Airways Army Assembly Association Authority Bank Bureau Cabinet Centre Center Church
    Club Co Commission Committee Company Congress Corp Corporation Council Court Department Directorate
    Federation Forces Foundation Front Fund Group Guard Holdings Inc Institute League Ltd Media Ministry
    Movement Navy News Office Organisation Organization Parliament Party Plc Police Post Press Reuters
    Senate Service Services Society Studios Times Tribunal Union United University House
    Journal Reporter Gazette Herald Telegraph Guardian Observer Mirror Express Magazine Radio Television
    Channel Records Pictures Productions Cinema Motors Telecom Network Networks Democrats Republicans
    Conservatives Tories Resources Ventures Finance Insurance Communications Industries International
    """
)
# Names of events and prizes: not a person, place or organisation, so never a fact.
_EVENT_WORDS = word_set(
    """
    Award Awards Championship Championships Cup Festival Games Olympics Oscars Open Show Marathon Prix
    Summit Tour Trophy Series Final Finals Expo Fair Conference Grammys Emmys Baftas Nations Champions
    """
)
# Capitalised abbreviations of things rather than of organisations.
_COMMON_ACRONYMS = word_set(
    """
    TV PC CD DVD DVR PVR SUV GDP CEO CFO MP MSP MEP AM PM ID IT AI HIV AIDS DNA OK VAT IPO FM HD PR
    GMT BST UTC OBE MBE CBE KBE
    """
)
# Nouns that introduce a title ('the movie Vera Drake'): a work is no fact, whatever names it holds.
# ('show', 'play' and 'book' are verbs too: 'polls show Tony Blair ahead'.)
_WORK_NOUNS = word_set(
    "film movie drama comedy thriller documentary album song series sitcom soap novel musical opera programme"
)
_PLURALS = word_set("people police staff children men women personnel cattle feet data media")
# Capitalised words this common in English ('Bank', 'People', 'Storm') name nothing alone.
_GENERIC_ZIPF = 4.5
_PLACE_WORDS = word_set(
    """
    Avenue Bay Beach Camp Canal City Coast County Crossing District Gulf Heights Hill Island Islands Lake
    Mountains Ocean Peninsula Province Region River Road Sea Square Strip Street Valley Village
    """
)
_HEADS = _ORG_WORDS | _PLACE_WORDS
_PLACE_ACRONYMS = frozenset({"US", "USA", "UK", "UAE", "GB", "U.S.", "U.K.", "U.S.A."})
_TITLES = word_set(
    """
    Adm Ambassador Brig Capt Captain Chairman Chancellor Chief Col Commander Dr Gen General Governor Judge
    King Lady Lord Lt Maj Major Mayor Minister Mr Mrs Ms President Pope Premier Prince Princess Prof
    Queen Rabbi Rep Secretary Sen Senator Sgt Sheikh Sir Spokesman Spokeswoman MP MEP MSP CEO
    """
)
# Titles only a person's name follows: after them even an everyday word is a surname ('Mr Brown').
_HONORIFICS = word_set("Mr Mrs Ms Miss Dr Sir Lord Lady Dame Baroness")
_ROLE_NOUNS = word_set(
    """
    actor actress analyst author boss chairman chief commander coach correspondent director economist
    editor executive head journalist leader manager minister official president producer reporter
    secretary singer spokesman spokesperson spokeswoman star writer
    """
)
_SPEECH_VERBS = word_set("said says told added warned stated explained insisted admitted argued claimed")
_ORG_NOUNS = word_set(
    """
    group firm company movement party militia organisation organization agency network brand label maker
    carmaker retailer chain giant operator provider band newspaper broadcaster channel magazine club
    airline insurer reinsurer bank lender watchdog regulator body studio drugmaker bookmaker
    """
)
_ORG_AFTER = word_set("officials authorities militants fighters leaders members spokesman spokeswoman shares")
# Not 'from': what comes from somewhere is as often a club or a person ('a bid from Tottenham').
_PLACE_PREPOSITIONS = word_set("in at near into across outside toward towards inside throughout")
_PLACE_NOUNS = word_set("city town village capital region province country district state port")
# 'of', 'for' and 'the' join two names only after a word that heads an organisation or place name.
_JOINING = frozenset({"of", "for", "the"})
_CONNECTORS = frozenset(
    {"&", "of", "for", "de", "da", "del", "van", "von", "bin", "al", "el", "the", "la", "le"}
)
_CALENDAR = word_set(
    """
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Christmas Xmas Easter Ramadan Eid Thanksgiving Halloween Hanukkah Diwali Passover Lent
    """
)
# Places named often that are not countries in CLDR's list of territories (``_places``).
_MORE_PLACES = (
    "Britain",
    "Great Britain",
    "England",
    "Scotland",
    "Wales",
    "Northern Ireland",
    "Gaza",
    "Gaza Strip",
    "West Bank",
    "Middle East",
    "Kashmir",
    "Crimea",
    "Siberia",
    "Darfur",
)
# CLDR's territory codes that name no place: unions ('European Union', 'United Nations'), 'world', test codes.
_NOT_PLACES = frozenset({"EU", "EZ", "UN", "001", "QO", "XA", "XB", "ZZ"})
# Nationality and group words ('Israeli', 'Palestinians', 'Islamist'); countries ('Iran', 'Japan') pass.
_DEMONYM_ENDINGS = (
    "ian",
    "ians",
    "ean",
    "eans",
    "can",
    "cans",
    "ese",
    "ish",
    "eli",
    "elis",
    "aqi",
    "ani",
    "ist",
    "ists",
)
_OPENING = "\"'“‘(["

_SPELLED = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
_MULTIPLIERS = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_NUMBER = re.compile(
    r"(?P<currency>[$£€¥])?(?P<value>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?P<suffix>bn|mn|mln|m|k|tn|b)?(?P<percent>%)?$",
    re.IGNORECASE,
)
_NUMERAL = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d$")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)$")
_COMMON_ZIPF = 3.0  # 'gallant', 'amidst' and more frequent words; names and rare compounds are below
# How much of a lead sentence and of a title is searched for mentions: more only in hostile text, where
# each of its names would search it all.
_LEAD_CHARS = 1_000
# Names compared with another spelling in one story (each with those of its word count and initials):
# a real story needs far fewer, and hostile text with a name in every word would need billions.
_SPELLING_BUDGET = 20_000


@dataclass
class _Tally:
    """What the story says about one candidate fact while counting."""

    text: str
    kind_votes: Counter[str] = field(default_factory=Counter)
    articles: set[str] = field(default_factory=set)
    mentions: int = 0
    openers: int = 0  # mentions whose first word is also the sentence's first word
    lead: bool = False
    first: tuple[int, int] = (1 << 30, 0)


def key_facts(
    articles: Sequence[tuple[str, Sequence[str]]], *, titles: Mapping[str, str] | None = None
) -> tuple[Fact, ...]:
    """The story's key facts from its articles (id, sentences), most widely reported first, at most ``MAX_FACTS``."""
    titles = titles or {}
    prose = [
        (article_id, [(text, read) for text in sentences if (read := _reading(text)).prose])
        for article_id, sentences in articles
    ]
    capitalised_inside = frozenset(
        chain.from_iterable(read.inside for _, pairs in prose for _, read in pairs)
    )
    tallies: dict[str, _Tally] = {}
    for order, (article_id, pairs) in enumerate(prose):
        lead_text = " ".join(
            [*(_lead_part(text) for text, _ in pairs[:1]), _lead_part(titles.get(article_id, ""))]
        )
        in_lead: dict[str, bool] = {}  # each name of the article looks in its lead once
        for number, (_, read) in enumerate(pairs):
            for key, text, kind in chain.from_iterable(
                inside if word in capitalised_inside else outside for word, outside, inside in read.mentions
            ):
                tally = tallies.setdefault(key, _Tally(text))
                if kind.startswith("opener:"):
                    kind = kind.removeprefix("opener:")
                    tally.openers += 1
                tally.kind_votes[kind] += 1
                tally.articles.add(article_id)
                tally.mentions += 1
                tally.first = min(tally.first, (order, number))
                if not tally.lead:
                    if text not in in_lead:
                        in_lead[text] = _mentions(lead_text, text)
                    tally.lead = in_lead[text]
    _merge(tallies)
    ranked = sorted(
        (t for t in tallies.values() if len(t.articles) >= 2 or t.mentions >= 2 or t.lead),
        key=lambda t: (-len(t.articles), -t.mentions, t.first, t.text),
    )
    kinds = [(kind, t) for t in ranked if (kind := _kind(t))]
    return tuple(Fact(kind, t.text, len(t.articles)) for kind, t in _diverse(kinds))


def _lead_part(text: str) -> str:
    """The text, or its words in the first ``_LEAD_CHARS`` characters when it is longer."""
    if len(text) <= _LEAD_CHARS:
        return text
    return text[: max(text.rfind(" ", 0, _LEAD_CHARS + 1), 0)]


def _diverse(ranked: list[tuple[str, _Tally]]) -> list[tuple[str, _Tally]]:
    """The first ``MAX_FACTS`` in rank order, at most ``MAX_PER_KIND`` of a kind unless slots are left."""
    chosen: list[tuple[str, _Tally]] = []
    per_kind: Counter[str] = Counter()
    for kind, tally in ranked:
        if len(chosen) < MAX_FACTS and per_kind[kind] < MAX_PER_KIND:
            chosen.append((kind, tally))
            per_kind[kind] += 1
    rest = [item for item in ranked if item not in chosen]
    chosen.extend(rest[: MAX_FACTS - len(chosen)])
    order = {id(tally): position for position, (_, tally) in enumerate(ranked)}
    return sorted(chosen, key=lambda item: order[id(item[1])])


def _prose(sentence: str) -> bool:
    """Sentences worth reading facts from: not boilerplate, not a title-case heading."""
    tokens = sentence.split()
    if not tokens or is_boilerplate(sentence):
        return False
    capitalised = sum(1 for token in tokens if token[:1].isupper())
    return capitalised * 5 < len(tokens) * 3 or len(tokens) < 3


def _tokens(sentence: str) -> list[str]:
    """Words, numbers and punctuation marks; a word keeps inner apostrophes, hyphens, periods and commas.
    Straight double quotes become opening and closing ones in turn."""
    tokens = []
    quotes = 0
    for token in _TOKEN.findall(sentence.replace("’", "'")):
        core = token.rstrip(".,")
        if token == '"':
            # Only an opening quote starts a sentence's words: 'the "failing" Child Support Agency'.
            tokens.append("“" if quotes % 2 == 0 else "”")
            quotes += 1
        elif not core or core == token or _ACRONYM.fullmatch(token):
            tokens.append(token)
        else:
            tokens.extend((core, token[len(core)]))
    return tokens


_Mention = tuple[str, str, str]  # a fact's key, its text as written, and the kind its context suggests


class _Reading(NamedTuple):
    """What key facts read of one sentence, whatever the story it is in."""

    prose: bool  # worth reading facts from (``_prose``); nothing else is read when not
    inside: tuple[str, ...]  # words it capitalises other than at its start
    # Per name run, then per figure: the run's first word and its mentions when that word is, and is not,
    # capitalised elsewhere in the story ("" and the same mentions twice where that does not matter).
    mentions: tuple[tuple[str, tuple[_Mention, ...], tuple[_Mention, ...]], ...]


# Sentences recur across articles and stories; each text is tokenized and read once while it is recent.
@lru_cache(maxsize=16384)
def _reading(sentence: str) -> _Reading:
    """The names and figures of a sentence and the words it capitalises inside, remembered per text."""
    if not _prose(sentence):
        return _Reading(False, (), ())
    tokens = _tokens(sentence)
    inside = tuple(
        _bare(token) for before, token in pairwise(tokens) if before not in _OPENING and _capitalised(token)
    )
    figures = [("", (figure,), (figure,)) for figure in _figures(tokens)]
    return _Reading(True, inside, (*_names(tokens), *figures))


def _bare(token: str) -> str:
    """A token without a possessive ending."""
    for ending in ("'s", "'"):
        if token.endswith(ending) and len(token) > len(ending) + 1:
            return token[: -len(ending)]
    return token


@lru_cache(maxsize=65536)
def _capitalised(token: str) -> bool:
    """A word starting with a capital letter."""
    return _CAPITALISED.match(token) is not None


@lru_cache(maxsize=65536)
def _name_token(token: str) -> bool:
    """A capitalised word that can be part of a name (not a month or weekday)."""
    return (
        bool(_CAPITALISED.match(token)) and _bare(token) not in _CALENDAR and any(c.isalpha() for c in token)
    )


def _names(tokens: list[str]) -> Iterator[tuple[str, tuple[_Mention, ...], tuple[_Mention, ...]]]:
    """Every capitalised run of one sentence's tokens: its first word, and the name (if any) it mentions
    when that word is not, and is, capitalised elsewhere in the story (it matters at the sentence's start)."""
    for start, end in _runs(tokens):
        words = [_bare(token) for token in tokens[start:end]]
        inside = tuple(_name(tokens, start, words))
        if (start and tokens[start - 1] not in _OPENING) or _full_name(words):
            # Inside a sentence, or a given name and a rare surname ('Tim Henman') even opening one.
            yield "", inside, inside
        elif len(words) == 1 or (_common(words[0]) and " ".join(words).casefold() not in _places()):
            # Opening the sentence, a lone or everyday word is not part of a name ('The', 'According')
            # unless the story capitalises it elsewhere.
            yield words[0], tuple(_name(tokens, start + 1, words[1:])), inside
        else:
            yield words[0], tuple((key, text, "opener:" + kind) for key, text, kind in inside), inside


def _runs(tokens: list[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of every run of capitalised words in one sentence's tokens, connectors ('of') included."""
    index = 0
    while index < len(tokens):
        if not _name_token(tokens[index]):
            index += 1
            continue
        end = index + 1
        while end < len(tokens):
            if _name_token(tokens[end]) and not _possessive(tokens[end - 1]):
                end += 1
            elif (
                tokens[end] in _CONNECTORS
                and (tokens[end] not in _JOINING or _bare(tokens[end - 1]) in _HEADS)
                and end + 1 < len(tokens)
                and _name_token(tokens[end + 1])
                and not _possessive(tokens[end - 1])
            ):
                end += 2
            else:
                break
        yield index, end
        index = end


def _title_surname(words: list[str], index: int) -> bool:
    """A title word that is the surname after a given name ('John Major', 'Mervyn King')."""
    return index == len(words) - 1 and index > 0 and words[index - 1] in given_names()


def _title_cased(words: list[str]) -> bool:
    """Words capitalised as a title's are, 'From' or 'The' inside ('View From Great Edinburgh', 'Meet The
    Fockers'): a work's or an event's name, not a person's, place's or organisation's."""
    return any(
        word[1:].islower() and word.lower() in FUNCTION_WORDS and word[:1].isupper() for word in words[1:]
    )


def _possessive(token: str) -> bool:
    """A word ending a name with a possessive ("Brown's", "Yukos'"): the next word starts another name."""
    return token.endswith(("'s", "s'"))


def _name(tokens: list[str], start: int, words: list[str]) -> Iterator[_Mention]:
    """The name (if any) in ``words``, the bare words of a capitalised run from ``tokens[start]``, with the
    kind its context suggests."""
    titled = False
    # A role abbreviation ending the run is someone else's, the name before it ('UKIP MEP').
    end = len(words)
    while end and words[end - 1] in _TITLES and _ACRONYM.fullmatch(words[end - 1]):
        end -= 1
    words = words[:end]
    # Titles and nationality words before a name are not part of it, but those before an organisation
    # word are ('British National Party'). (Counted, then cut once: a run of them cut off one by one would
    # be copied again at each.)
    last_head = (
        -1 if _ORG_WORDS.isdisjoint(words) else max(i for i, word in enumerate(words) if word in _ORG_WORDS)
    )
    first = 0
    while first < len(words) and (
        words[first] in _TITLES
        or words[first].rstrip(".") in _TITLES
        or (first > last_head and _demonym(words, first))
    ):
        titled = titled or words[first].rstrip(".") in _TITLES
        first += 1
    words, start = words[first:], start + first
    last_title = max(
        (i for i, word in enumerate(words) if word.rstrip(".") in _TITLES and not _title_surname(words, i)),
        default=-1,
    )
    if last_title >= 0:
        titled = True
        words, start = words[last_title + 1 :], start + last_title + 1
    end = len(words)
    while end and (words[end - 1].lower() in _CONNECTORS or _trailing_abbreviation(words[end - 1])):
        end -= 1
    first = 0
    while first < end and words[first].lower() in _CONNECTORS:
        first += 1
    words, start = words[first:end], start + first
    honoured = start > 0 and tokens[start - 1].rstrip(".") in _HONORIFICS
    if not words or (len(words) == 1 and _unlikely_single(words[0], surname=honoured)):
        return
    text = " ".join(words)
    kind = _name_vote(tokens, start, start + len(words), words, titled)
    # A name kept with the sentence's first word ('Steelmaker Acme Corp') may yet lose that word in _merge.
    yield _name_key(text), text, kind


@lru_cache(maxsize=16384)
def _zipf(word: str) -> float:
    """How common a word is in English (Zipf scale, 0 when unlisted), from wordfreq's shipped list."""
    if word.isascii() and word.isalpha() and word.islower():
        # wordfreq.zipf_frequency's own arithmetic for one plain word, without importing wordfreq (a tenth
        # of a second, see ``background.frequencies``): its frequency, or 1e-9 when unlisted, on the Zipf
        # scale, to the hundredth.
        frequency = frequencies().get(word)
        return round(math.log(1.0 / (1.0 / frequency), 10) + 9, 2) if frequency else 0.0
    import wordfreq

    return float(wordfreq.zipf_frequency(word, "en", wordlist="small"))


def _common(word: str) -> bool:
    """A word of everyday English ('Senior', 'Despite'), not a name, when it opens a sentence."""
    lowered = word.lower()
    return lowered in STOPWORDS or lowered in FUNCTION_WORDS or _zipf(lowered) >= _COMMON_ZIPF


def _place_word(word: str) -> bool:
    """A country's, region's or city's one-word name or abbreviation ('US', 'Japan', 'London')."""
    return word in _PLACE_ACRONYMS or word.casefold() in _places() or word.casefold() in _cities()


def _given_name_first(words: Sequence[str]) -> bool:
    """Two or three words opening with a given name ('Jennifer Lopez', "Martin O'Neill"), as most people's
    names do."""
    return (
        2 <= len(words) <= 3 and words[0] in given_names() and all(_surname_word(word) for word in words[1:])
    )


def _surname_word(word: str) -> bool:
    """A word of a surname: 'de', 'van', or capitals ("O'Neill", 'Kilroy-Silk'; not 'Jackson-style')."""
    if word in _CONNECTORS:
        return word != "&"  # 'Richard & Judy' is two people
    return all(part[:1].isupper() and part.replace("'", "").isalpha() for part in word.split("-"))


def _full_name(words: list[str]) -> bool:
    """A given name and a surname ('Tony Blair', not 'Grace Period'): a name even at a sentence's start."""
    # wordfreq counts 'tim' and 'mark' as often as everyday words; a last word less common than everyday
    # words ('blair', not 'period' or 'brown') shows a surname.
    return _given_name_first(words) and _zipf(words[-1].lower()) < _GENERIC_ZIPF


def _demonym(words: list[str], index: int) -> bool:
    """A nationality or group word ('Israeli', 'Palestinian') before another capitalised word."""
    return index + 1 < len(words) and _demonym_word(words[index])


def _demonym_word(word: str) -> bool:
    """A word that looks like a nationality or group adjective or plural noun."""
    return (
        word.endswith(_DEMONYM_ENDINGS) and word not in _ORG_WORDS and not _ACRONYM.fullmatch(word)
    ) or word in _nationalities()


@lru_cache(maxsize=1)
def _nationalities() -> frozenset[str]:
    """Nationality adjectives ('French', 'Western') and their plurals ('Italians')."""
    adjectives = word_lists()["adjectives"]
    return frozenset(adjectives) | frozenset(word + "s" for word in adjectives)


@lru_cache(maxsize=1)
def _generic() -> frozenset[str]:
    """Lower-case words every story could hold ('people', 'news')."""
    return frozenset(word_lists()["generic"])


def _unlikely_single(word: str, *, surname: bool = False) -> bool:
    """A lone capitalised word that is a common word, a title or a nationality rather than a name; a
    ``surname`` (after 'Mr', 'Lord') may be an everyday word or a nationality ('Mr Brown', 'Mr English')."""
    lowered = word.lower()
    if _ACRONYM.fullmatch(word) and word not in _TITLES:
        # An abbreviation is judged as one: 'US' is not the everyday word 'us'.
        return _acronym_of_nothing(word)
    if (
        lowered in STOPWORDS
        or lowered in FUNCTION_WORDS
        or word.rstrip(".") in _TITLES
        or len(word) < 2
        or word in _HEADS
        or word.rstrip("s") in _COMMON_ACRONYMS
    ):
        return True
    return not surname and (
        _demonym_word(word)
        or word in _nationalities()
        or lowered in _generic()
        or (_zipf(lowered) >= _GENERIC_ZIPF and lowered not in _places() and lowered not in _cities())
    )


def _trailing_abbreviation(word: str) -> bool:
    """A common abbreviation or plural one that ends a run but not a name ('US TV', 'Labour MPs')."""
    return _ACRONYM.fullmatch(word) is not None and _acronym_of_nothing(word)


def _acronym_of_nothing(word: str) -> bool:
    """A capitalised abbreviation that names nothing alone: a common one ('TV'), a plural ('MPs') or a
    shouted function word ('NOT')."""
    if word in _PLACE_ACRONYMS:
        return False
    return word.rstrip("s") in _COMMON_ACRONYMS or word.endswith("s") or word.lower() in FUNCTION_WORDS


def _name_key(text: str) -> str:
    """Mentions of one name share a key: case and dots do not matter."""
    return "name:" + text.replace(".", "").casefold()


def _name_vote(tokens: list[str], start: int, end: int, words: list[str], titled: bool) -> str:
    """The kind one mention's own words and context point to."""
    before = tokens[start - 1].lower() if start > 0 else ""
    before2 = tokens[start - 2].lower() if start > 1 else ""
    after = tokens[end].lower() if end < len(tokens) else ""
    if any(any(c.isdigit() for c in word) for word in words) or _NUMERAL.fullmatch(after):
        return "product"  # 'Galaxy S5', 'Halo 2'
    if not _EVENT_WORDS.isdisjoint(words) and "United" not in words:
        return "event"  # 'Six Nations', 'Academy Awards', but 'United Nations'
    if _ORDINAL.match(before):
        return "event"  # an edition: 'the 51st Cross International Zornotza'
    if before in _WORK_NOUNS or (before == "the" and before2 in _WORK_NOUNS) or _title_cased(words):
        return "work"
    # Opening a sentence, the noun before a name is capitalised with it: 'Carmaker Renault said'.
    opening = start == 0 or tokens[start - 1] in _OPENING
    if (
        not _ORG_WORDS.isdisjoint(words)
        or before in _ORG_NOUNS
        or after in _ORG_AFTER
        or (opening and len(words) > 1 and words[0].lower().removesuffix("s") in _ORG_NOUNS)
    ):
        return "organisation"
    if len(words) == 1 and _ACRONYM.fullmatch(words[0]):
        return "place" if words[0] in _PLACE_ACRONYMS else "organisation"
    if not _PLACE_WORDS.isdisjoint(words):
        return "place"
    if len(words) > 1 and _place_word(words[0]) and not _given_name_first(words):
        return "unknown"  # 'the US Federal Reserve said': something of a country's, not a person or place
    if after in _ROLE_NOUNS and not titled and not _possessive(tokens[end - 1]):
        return "modifier"  # 'Harry Potter star Daniel Radcliffe': a work or a team, whatever its words
    if (
        titled
        or before in _ROLE_NOUNS
        or (len(words) > 1 and (after in _SPEECH_VERBS or before in _SPEECH_VERBS))
    ):
        return "person"
    # A place preposition points to a place, but not before a given name ('interest in David Beckham') or
    # an owner ('in Billboard's chart').
    if (
        not _given_name_first(words)
        and not _possessive(tokens[end - 1])
        and (
            before in _PLACE_PREPOSITIONS
            or (
                before == "the"
                and before2 in _PLACE_PREPOSITIONS
                and not (after.isalpha() and after.islower())
            )
            or (before == "of" and before2 in _PLACE_NOUNS)
        )
    ):
        return "place"
    if after in _SPEECH_VERBS:
        return "speaker"
    return "unknown"


def _figures(tokens: list[str]) -> Iterator[tuple[str, str, str]]:
    """(key, text, 'figure') for every number with a unit in one sentence's tokens."""
    for index, token in enumerate(tokens):
        if _may_count(token):
            figure = _figure_at(tokens, index)
            if figure is not None:
                yield figure


@lru_cache(maxsize=65536)
def _may_count(token: str) -> bool:
    """Whether a figure can start at this token, a number or a spelled one: ``_figure_at``'s cheap test."""
    return _NUMBER.match(token) is not None or token.lower().split("-")[0] in _SPELLED


def _figure_at(tokens: list[str], index: int) -> tuple[str, str, str] | None:
    """The figure starting at ``tokens[index]``, if one does."""
    token = tokens[index]
    previous = tokens[index - 1] if index else ""
    if previous in _CALENDAR or (index > 1 and tokens[index - 2] in _CALENDAR and previous == ","):
        return None  # a day of the month or a year after a date
    match = _NUMBER.match(token)
    spelled = _SPELLED.get(token.lower().split("-")[0])
    if match is None and spelled is None:
        return None
    if match is not None:
        value = float(match["value"].replace(",", ""))
        currency, percent = match["currency"] or "", bool(match["percent"])
        multiplier = _MULTIPLIERS.get((match["suffix"] or "").lower(), 1.0)
    else:
        if token[:1].isupper() and index and previous not in _OPENING:
            return None  # a name ('the Six Nations'), not a count
        value, currency, percent, multiplier = float(spelled or 0), "", False, 1.0
        if "-" in token:
            # 'six-cylinder engines', 'a nine-year career': a compound describes, a plural counts ('two-thirds').
            noun = token.split("-", 1)[1]
            plural = noun.isalpha() and _counted_noun(noun)
            return _figure(token, value, "", stem(noun.lower())) if plural else None
    used = [token]
    cursor = index + 1
    if cursor < len(tokens) and tokens[cursor].lower() in _MULTIPLIERS and multiplier == 1.0:
        multiplier = _MULTIPLIERS[tokens[cursor].lower()]
        used.append(tokens[cursor])
        cursor += 1
    following = [word.lower() for word in tokens[cursor : cursor + 2]]
    if not percent and following[:1] == ["percent"]:
        percent, cursor = True, cursor + 1
        used.append(tokens[cursor - 1])
    elif not percent and following == ["per", "cent"]:
        percent, cursor = True, cursor + 2
        used.extend(tokens[cursor - 2 : cursor])
    if currency or percent:
        return _figure(" ".join(used), value * multiplier, currency, "%" if percent else "")
    unit = _unit_after(tokens, cursor)
    if unit is None:
        return None
    if match is not None and "." not in match["value"] and _YEAR.match(match["value"]) and multiplier == 1.0:
        return None
    counted = [stem(_bare(word).lower()) for word in tokens[cursor : unit + 1]]
    text = " ".join([*used, *tokens[cursor:unit], _bare(tokens[unit])])
    return _figure(text, value * multiplier, "", "/".join(counted))


def _unit_after(tokens: list[str], cursor: int) -> int | None:
    """Index of the noun counted by a number: the next word, skipping up to two describing words."""
    for position in range(cursor, min(cursor + 3, len(tokens))):
        word = _bare(tokens[position])
        lowered = word.lower()
        if not word.isalpha() or lowered in FUNCTION_WORDS or lowered in STOPWORDS or word in _CALENDAR:
            return None
        # 'approved', 'newly', 'American' describe the thing counted; 'Americans' is the thing counted.
        describing = lowered.endswith(("ed", "ly")) or (
            word[:1].isupper() and _demonym_word(word) and not word.endswith("s")
        )
        if not describing or position + 1 >= len(tokens) or not tokens[position + 1].isalpha():
            return position if _counted_noun(word) else None
    return None


def _counted_noun(word: str) -> bool:
    """A plural noun, as things counted are ('jobs', 'people', 'Palestinians'; not 'severe', 'Nations')."""
    if (word[:1].isupper() and not _demonym_word(word)) or word.lower() == "times":
        return False  # 'ten times more' is a ratio, not ten things
    return word.endswith("s") or word.lower() in _PLURALS


def _figure(text: str, value: float, currency: str, unit: str) -> tuple[str, str, str]:
    """A figure's key ('figure:' value, currency, then the stems of its unit words, '/'-separated) and text."""
    return f"figure:{currency}{value:g}:{unit}", text, "figure"


def _mentions(text: str, fact: str) -> bool:
    """True when ``fact`` occurs in ``text`` as whole words (not inside a longer word)."""
    # A search per fact: a regex per fact would be compiled anew for most calls, overflowing re's cache.
    start = text.find(fact)
    while start >= 0:
        end = start + len(fact)
        if not (start and _word_character(text[start - 1])) and not (
            end < len(text) and _word_character(text[end])
        ):
            return True
        start = text.find(fact, start + 1)
    return False


def _word_character(char: str) -> bool:
    """What regular expressions call ``\\w``: letters, digits (any script) and the underscore."""
    return char.isalnum() or char == "_"


def _merge(tallies: dict[str, _Tally]) -> None:
    """Fold mentions of one fact written differently into one tally (see the module docstring)."""
    keys = list(tallies)
    moved: dict[str, str] = {}
    full: dict[str, str] = {}
    for key in keys:
        words = tallies[key].text.split()
        if key.startswith("name:") and len(words) >= 2 and _kind(tallies[key], guess=True) == "person":
            # 'Brown' or 'Gordon' alone is Gordon Brown, but 'US' alone is not the US Federal Reserve.
            for word in (words[-1], words[0]):
                if not (_ACRONYM.fullmatch(word) or _place_word(word)):
                    full.setdefault(word, key)
    earlier = _Earlier(tallies)
    for position, key in enumerate(keys):
        if key not in tallies:
            continue
        tally = tallies[key]
        target = full.get(tally.text) if key.startswith("name:") and " " not in tally.text else None
        if target is None and tally.openers == tally.mentions:
            rest = _name_key(tally.text.split(" ", 1)[-1])
            target = rest if rest in tallies and rest != key else None
        if target is None:
            target = earlier.same_as(key)
        while target is not None and target not in tallies:
            target = moved.get(target)  # folded itself into another tally already
        if target is not None and target != key:
            _fold(tallies, key, target)
            moved[key] = target
            earlier.respell(target)
        else:
            earlier.add(position, key)


class _Earlier:
    """The tallies ``_merge`` has passed and kept, found by what ``_same`` needs them to share with a key:
    the value and a unit word of a figure, the word count and initials of a name."""

    def __init__(self, tallies: Mapping[str, _Tally]) -> None:
        self.tallies = tallies
        self.figures: dict[tuple[str, str], tuple[int, str]] = {}  # (value, unit word) -> first such figure
        self.names: dict[tuple[int, str], list[tuple[int, str]]] = {}  # spelling -> names in their order
        self.placed: dict[str, tuple[tuple[int, str], int]] = {}  # name -> its spelling and position
        self.budget = _SPELLING_BUDGET

    def add(self, position: int, key: str) -> None:
        """Record a kept tally, at its position in the story's order."""
        if key.startswith("figure:"):
            value, units = _figure_parts(key)
            for unit in units:
                self.figures.setdefault((value, unit), (position, key))
        elif key.startswith("name:"):
            spelling = _spelling(self.tallies[key].text)
            bisect.insort(self.names.setdefault(spelling, []), (position, key))
            self.placed[key] = (spelling, position)

    def respell(self, key: str) -> None:
        """File a kept name again after a fold gave it another text."""
        if key in self.placed:
            spelling, position = self.placed.pop(key)
            self.names[spelling].remove((position, key))
            self.add(position, key)

    def same_as(self, key: str) -> str | None:
        """The first kept tally that ``_same`` finds to be ``key``'s fact, if any."""
        if key.startswith("figure:"):
            value, units = _figure_parts(key)
            found = [self.figures[value, unit] for unit in units if (value, unit) in self.figures]
            return min(found)[1] if found else None
        for _, other in self.names.get(_spelling(self.tallies[key].text), ()):
            if self.budget <= 0:
                return None
            self.budget -= 1
            if _same(other, key, self.tallies):
                return other
        return None


def _figure_parts(key: str) -> tuple[str, list[str]]:
    """A figure key's value (currency included) and its unit words."""
    value, _, unit = key.rpartition(":")
    return value, unit.split("/")


def _spelling(text: str) -> tuple[int, str]:
    """What names spelt nearly alike share: their number of words and the initial of each."""
    words = text.split()
    return len(words), "".join(word[0] for word in words)


def _same(left: str, right: str, tallies: Mapping[str, _Tally]) -> bool:
    """Two figures of one value sharing a unit word, or two names spelt nearly alike ('Yunis', 'Younis')."""
    if left.startswith("figure:") and right.startswith("figure:"):
        left_value, _, left_unit = left.rpartition(":")
        right_value, _, right_unit = right.rpartition(":")
        return left_value == right_value and bool(set(left_unit.split("/")) & set(right_unit.split("/")))
    if not (left.startswith("name:") and right.startswith("name:")):
        return False
    left_words, right_words = tallies[left].text.split(), tallies[right].text.split()
    return (
        len(left_words) == len(right_words)
        and all(
            a == b or (a[0] == b[0] and len(a) > 3 and _alike(a, b))
            for a, b in zip(left_words, right_words, strict=True)
        )
        and left_words != right_words
    )


def _alike(a: str, b: str) -> bool:
    """Whether difflib finds two words 80% alike; its cheap upper bounds first rule out most pairs."""
    matcher = SequenceMatcher(None, a, b)
    return matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


def _fold(tallies: dict[str, _Tally], key: str, target: str) -> None:
    """Move the mentions of ``key`` into ``target``; the text mentioned more often is kept."""
    tally, into = tallies.pop(key), tallies[target]
    longer = len(tally.text.split()) >= len(into.text.split())
    if tally.mentions > into.mentions and longer and tally.openers < tally.mentions:
        into.text = tally.text
    elif key.startswith("figure:") and tally.mentions == into.mentions and len(tally.text) < len(into.text):
        into.text = tally.text  # '400 Americans' rather than '400 approved American nationals'
    into.articles |= tally.articles
    into.mentions += tally.mentions
    into.lead = into.lead or tally.lead
    into.first = min(into.first, tally.first)
    into.kind_votes.update(tally.kind_votes)
    if tally.kind_votes["speaker"]:
        into.kind_votes["person"] += tally.kind_votes["speaker"]


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Countries and regions by their English names (CLDR's, shipped with Babel), case-folded."""
    from babel import Locale

    territories = Locale("en").territories
    names = {name for code, name in territories.items() if code not in _NOT_PLACES} | set(_MORE_PLACES)
    forms = set()
    for name in names:
        bare = re.sub(r"\s*\(.*\)$", "", name)  # 'Myanmar (Burma)'
        forms.update({bare, bare.replace(" & ", " and "), bare.replace("St. ", "Saint ")})
    return frozenset(form.casefold() for form in forms)


@lru_cache(maxsize=1)
def _cities() -> frozenset[str]:
    """Cities that name time zones ('Europe/London'), case-folded: CLDR's, shipped with Babel."""
    from babel.core import get_global

    zones = get_global("zone_territories")
    return frozenset(
        zone.rsplit("/", 1)[-1].replace("_", " ").casefold() for zone in zones if not zone.startswith("Etc/")
    )


def _kind(tally: _Tally, *, guess: bool = False) -> str:
    """A country or region is a place whatever its mentions suggest ('Japan said'); a product, event or
    work ('the movie Vera Drake') is no kind (''); else the kind most mentions point to; without any cue
    '', or with ``guess`` a guess from the name's length."""
    if tally.text in _PLACE_ACRONYMS or tally.text.casefold() in _places():
        return "place"
    if tally.kind_votes["product"] or tally.kind_votes["event"] or tally.kind_votes["work"]:
        return ""
    votes = Counter({kind: count for kind, count in tally.kind_votes.items() if kind in KINDS})
    if votes:
        (kind, count), *rest = votes.most_common(2)
        return "" if rest and rest[0][1] == count else kind  # split votes: doubtful
    words = tally.text.split()
    if _given_name_first(words) and not tally.kind_votes["modifier"]:
        return "person"  # 'Jennifer Lopez'; 'Louis Vuitton' needs a cue ('brand') to be otherwise
    if not guess:
        return ""  # a wrong kind misleads more than a missing fact
    if tally.kind_votes["speaker"] or 2 <= len(words) <= 3:
        return "person"
    return "place" if len(words) == 1 else "organisation"
