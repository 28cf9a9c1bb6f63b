"""Lines that are not article prose: bylines, author bios, share/follow prompts, captions, credits.

``boilerplate_reason`` names why a paragraph (or a sentence) must not be summarized, or returns None
for prose. Every rule is anchored or limited to short lines, because a false positive silently drops a
real sentence from the summaries.
"""

from __future__ import annotations

import re
from functools import lru_cache

from digest.language.text import STOPWORDS, given_names, word_count, word_set

__all__ = [
    "CAPTION",
    "REASONS",
    "boilerplate_reason",
    "is_boilerplate",
    "is_furniture_title",
    "is_headline_list_label",
    "looks_like_headline",
]

CAPTION = "caption"  # a picture's or map's caption: the article's own, though not its prose
REASONS: frozenset[str] = frozenset(
    {
        "author-bio",
        "byline",
        "caption",
        "copyright",
        "dateline",
        "photo-credit",
        "promo",
        "republished",
        "social",
    }
)

_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|da|del|van|von|der|al|el|bin|le|la|di))*"
_ROLES = (
    r"editor|reporter|correspondent|writer|journalist|columnist|contributor|author|freelancer|"
    r"commentator|photojournalist|fellow|analyst"
)
_NETWORKS = r"twitter|x|instagram|facebook|threads|bluesky|mastodon|linkedin|tiktok|youtube|telegram"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_DATE = (
    rf"(?:{_WEEKDAY},?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?(?:\s+\d{{4}})?|\d{{4}}-\d\d-\d\d(?:t[\d:.+z-]+)?|"
    rf"\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|{_WEEKDAY}|\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日)"
)
_TIME = (
    r"\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s*\(?[a-z]{2,4}\)?)?|\d{1,2}\s*[ap]\.?m\.?|\d{1,2}[時时]\d\d分?"
)

# (reason, pattern, most words the line may have, keys). Patterns are case-insensitive. A rule with
# keys is searched anywhere, but only in lines holding one of its keys (lowercase); a rule without keys
# is anchored at the start of the line.
_RULES: tuple[tuple[str, re.Pattern[str], int, tuple[str, ...]], ...] = tuple(
    (reason, re.compile(pattern, re.IGNORECASE), limit, keys)
    for reason, pattern, limit, keys in (
        ("byline", r"^(?:author|authors|byline|reporter|reporters|writer|words|story)\s*[:|]\s*\S", 12, ()),
        ("byline", r"^\(?(?:additional\s+)?reporting by\b", 40, ()),
        ("byline", r"^\(?editing by\b", 20, ()),
        # Chinese and Japanese: 'editor in charge:', 'editor:', 'reporter:', 'source:', 'original headline:'.
        (
            "byline",
            r"^[(（]?(?:责任编辑|責任編輯|编辑|編輯|记者|記者|作者|来源|來源|原标题|原標題|文)\s*[:：]",
            12,
            (),
        ),
        (
            "author-bio",
            rf"\bfollow (?:him|her|them|me) (?:on|at|@)\s*(?:{_NETWORKS})?\b",
            80,
            ("follow ",),
        ),
        (
            "author-bio",
            r"\b(?:reach|contact|email|e-mail) (?:him|her|them|me|the (?:author|writer|reporter))"
            r" (?:at|on|via)\b",
            60,
            ("reach ", "contact ", "email ", "e-mail "),
        ),
        ("author-bio", r"^(?:about the author|more from this author|more by this author)\b", 60, ()),
        ("social", rf"^(?:follow|like|join) (?:us|\w+(?: \w+){{0,3}}) on (?:{_NETWORKS})\b", 25, ()),
        ("social", r"^(?:share (?:this|on|via|the)|share$|tweet$|email$|print$|pin$|save$)", 10, ()),
        (
            "social",
            r"^(?:share|tweet|email|print|whatsapp|facebook|twitter|linkedin)(?:\s*[|/·•]\s*\w+)+$",
            12,
            (),
        ),
        # A site's menu: three or more short links between bars ('首页 | 新闻 | 财经', 'Home | World | Sport').
        ("promo", r"^[^|]{1,16}+(?:\|[^|]{1,16}+){2,}$", 12, ("|",)),
        (
            "promo",
            r"^(?:sign up|subscribe|register now|get (?:our|the) (?:free |daily |weekly )?newsletter)\b",
            30,
            (),
        ),
        (
            "promo",
            r"\b(?:sign up for|subscribe to) (?:our|the|my) (?:\w+ ){0,3}(?:newsletter|briefing|podcast)",
            40,
            ("sign up for", "subscribe to"),
        ),
        ("promo", r"\bclick here\b", 30, ("click here",)),
        (
            "promo",
            r"^(?:we(?:'|’)?d (?:love|like) to hear (?:from you|your (?:thoughts|views|comments))|"
            r"tell us what you think|let us know what you think|have your say\b)",
            25,
            (),
        ),
        (
            "promo",
            r"^(?:read more|related|see also|more on this story|recommended|most read|top stories|"
            r"listen to this article|watch|video|read next|trending|download (?:our|the) app)\b"
            r"\s*(?::|\||\s-\s|$)",
            25,
            (),
        ),
        (
            "promo",
            r"^(?:advertisement|advert|sponsored(?: content)?|story continues below(?: advertisement)?)$",
            4,
            (),
        ),
        (
            "photo-credit",
            r"^(?:photo|photos|photograph|image|images|picture|pictures|video|graphic|illustration|source)"
            r"\s*(?:credit|courtesy|copyright)?\s*[:/©]",
            25,
            (),
        ),
        (
            # A credit in brackets closing the line: "(AP Photo/Evan Vucci)". The match starts after the
            # last ')' but a closing one, so no '(' before it is tried and found to run into that ')' again.
            "photo-credit",
            r"^(?:[^)]*+\)(?!\s*$))*+[^)]*?"
            r"\(\s*(?:ap|afp|reuters|getty)?\s*(?:photo|images?|picture)s?\s*(?:/|by\s)[^)]*+\)?\s*$",
            40,
            ("photo", "image", "picture"),
        ),
        ("photo-credit", r"^image (?:copyright|caption|source)\b", 30, ()),
        (
            # A caption's closing credit: "... on Thursday morning. Photograph: Mark Evans/Mountain Courier"
            "photo-credit",
            r"(?:^|[.!?]\s+)(?:photograph|photo|picture|image|illustration)s?\s*:\s*(?-i:[A-Z])[^.!?:]{1,60}$",
            40,
            (
                "photograph",
                "photo:",
                "photos:",
                "picture:",
                "pictures:",
                "image:",
                "images:",
                "illustration:",
            ),
        ),
        (
            "photo-credit",
            r"(?:^|/|\||—|-|\()\s*"
            r"(?:getty images|shutterstock|alamy|ap photo|afp photo|reuters/\w+|epa(?:-efe)?)\s*\)?$",
            20,
            ("getty", "shutterstock", "alamy", "ap photo", "afp photo", "reuters/", "epa"),
        ),
        ("copyright", r"^(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4}))", 40, ()),
        ("copyright", r"\ball rights reserved\b", 40, ("rights reserved",)),
        (
            "copyright",
            r"版权所有|版權所有|保留所有权利|無断転載|सर्वाधिकार सुरक्षित",
            40,
            ("版权所有", "版權所有", "保留所有权利", "無断転載", "सर्वाधिकार सुरक्षित"),
        ),
        (
            "republished",
            r"^(?:this|a version of this) (?:article|story|piece|post|column|report|interview) "
            r"(?:was |is |has been )?(?:(?:originally|first|also) (?:published|appeared|posted)|"
            r"republished|appeared)\b",
            60,
            (),
        ),
        ("republished", r"^(?:originally|first) (?:published|appeared)\b", 40, ()),
        # WordPress feeds end every item with this line.
        ("republished", r"^the post\b.{3,300}?\bappeared first on [^,;]{2,80}$", 60, ()),
        ("republished", r"^(?:editor'?s|editors’) note\s*:", 80, ()),
    )
)

# One anchored match tells whether any keyless rule can apply: prose rarely matches, so most lines stop here.
_ANY_ANCHORED = re.compile(
    "|".join(f"(?:{pattern.pattern})" for _, pattern, _, keys in _RULES if not keys), re.IGNORECASE
)
# Whether any keyed rule can apply: a line holding a key holds one of the keys that hold no other key.
_KEYS = tuple(dict.fromkeys(key for _, _, _, keys in _RULES for key in keys))
_ANY_KEYS = tuple(key for key in _KEYS if not any(other != key and other in key for other in _KEYS))
_MOST_WORDS = max(limit for _, _, limit, _ in _RULES)  # no rule applies to a longer line

_DATELINE = re.compile(
    rf"^(?:(?:last\s+)?(?:published|updated|posted|modified|first published)(?:\s+on|\s+at)?\s*:?\s*)?"
    rf"(?:[A-Z][\w.'’ -]{{1,30}}(?:\s*\([\w ]++\))?\s*[,:—–-]\s*)?"
    rf"(?:{_DATE})(?:\s*[,|•·-]?\s*(?:at\s+)?(?:{_TIME}))?(?:\s*(?:来源|來源|出处|出典)\s*[:：][^:：]{{1,30}})?\s*[.|]?$",
    re.IGNORECASE,
)
_TIME_ONLY = re.compile(rf"^(?:(?:last\s+)?(?:published|updated|posted)\s*:?\s*)(?:{_TIME})$", re.IGNORECASE)
_BY = re.compile(r"^(?i:(?:written|words|story|posted|reported|compiled|reporting)\s+)?(?:by|BY|By)\s+(.+)$")
_BY_CONNECTORS = frozenset({"and", "&", "in", "for", "of", "at", "with", "the"})
_BY_ROLES = word_set(
    """
    agencies agency contributor contributors correspondent correspondents desk editor editors news
    photographer reporter reporters special staff to wire wires writer writers
    """
)
_BIO = re.compile(
    rf"^({_NAME})\s+(?:is|has been)\s+(?:(?:a|an|the)\s+)?((?:[\w'’-]+\s+){{0,4}}?)(?:{_ROLES})\b"
    rf"|^({_NAME})\s+(?:covers|writes about|writes for|reports on|reports for)\s"
)
_BIO_TITLES = frozenset({"mr", "mrs", "ms", "dr", "sir", "lord", "lady", "prof", "president", "minister"})
_HANDLE = re.compile(r"(?:^|\s)@\w{2,}")
_HANDLE_INVITE = re.compile(
    rf"\b(?:follow|find|tweet|dm|message|contact)\b|\b(?:{_NETWORKS})\b", re.IGNORECASE
)
_TERMINAL = ".!?\"'”’:…。｡！？」』।॥؟۔"
_MAX_CAPTION_WORDS = 25


def boilerplate_reason(paragraph: str, *, author: str | None = None) -> str | None:
    """Why ``paragraph`` is not article prose (a name from ``REASONS``), or None when it is prose."""
    line = " ".join(paragraph.split())
    if not line:
        return None
    count = word_count(line)
    reason = _rule_reason(line, count)
    if reason is not None:
        return reason
    if author and _by_author(line, author):
        return "byline"
    if _is_byline(line):
        return "byline"
    if count <= 60 and _is_bio(line, author):
        return "author-bio"
    if count <= 15 and "@" in line and _HANDLE.search(line) and _HANDLE_INVITE.search(line):
        return "social"
    if count <= 14 and (_DATELINE.match(line) or _TIME_ONLY.match(line)):
        return "dateline"
    if count <= _MAX_CAPTION_WORDS and line[-1] not in _TERMINAL and _is_caption(line):
        return CAPTION
    return None


# Labels over a list of other articles' headlines, which page extractors often keep with the text.
_LIST_LABEL = re.compile(
    r"^(?:most (?:read|popular|viewed|shared)|related(?: stories| articles| coverage| content)?|see also|"
    r"more on this (?:story|topic)|recommended(?: for you| reading| stories)?|top stories|read next|"
    r"trending(?: now| stories)?|popular (?:now|stories)|more (?:stories|news)|latest (?:news|stories)|"
    r"you may also like|you might also like|more from [\w'’ ]{2,30})\s*:?$",
    re.IGNORECASE,
)
_MAX_LISTED_HEADLINE_WORDS = 25


def is_headline_list_label(line: str) -> bool:
    """A line that introduces a list of other articles ('Most read', 'Related stories', 'Read next')."""
    return _LIST_LABEL.match(" ".join(line.split())) is not None


# A title that is a byline: a verb ('Posted by') marks it whatever follows; a bare 'By' needs whole names,
# since a headline in title case may start with it ('By The Numbers', 'By Land And Sea').
_BYLINE_TITLE = re.compile(r"^(?:(?i:posted|written|reported|compiled|words|story)\s+)?(?i:by)\s+(.+)$")
_TITLE_NAME_SPLIT = re.compile(r"\s*(?:[,|•·—–&]|\s-\s|\band\b|\bAnd\b)\s*")
_NAME_PARTICLES = frozenset({"de", "da", "del", "van", "von", "der", "al", "el", "bin", "le", "la", "di"})


def is_furniture_title(title: str) -> bool:
    """A title that names no news: a byline ('Posted by Jane Doe', 'By JANE DOE') or a list's label."""
    line = " ".join(title.split())
    return is_headline_list_label(line) or _is_byline_title(line)


def _is_byline_title(line: str) -> bool:
    """'Posted by Jane Doe', 'Posted by admin', 'By Jane Doe and John Roe', 'By JANE DOE, Reuters'."""
    match = _BYLINE_TITLE.match(line)
    if match is None or any(mark in line for mark in ':?!"“”'):
        return False
    rest = match.group(1).strip(" .")
    if line[:2].casefold() != "by" and len(rest.split()) == 1:
        return True  # a site's user name: 'Posted by admin'
    first, *others = [part for part in _TITLE_NAME_SPLIT.split(rest) if part] or [""]
    if not _whole_name(first) or not all(_whole_name(part) or _credit(part) for part in others):
        return False
    # Bare, the name must look like a person's: 'By Popular Demand' is a headline.
    return line[:2].casefold() != "by" or first.isupper() or first.split()[0] in given_names()


def _credit(part: str) -> bool:
    """What follows a name in a byline: a newsroom role ('staff writer') or an outlet ('The Times')."""
    tokens = part.split()
    return all(token.lower() in _BY_ROLES for token in tokens) or (
        len(tokens) <= 4 and all(token[0].isupper() for token in tokens)
    )


def _whole_name(part: str) -> bool:
    """Two to five capitalized words, none of them a common word: 'Parvez Jabri', 'Ludwig van Beethoven'."""
    tokens = part.split()
    return 2 <= len(tokens) <= 5 and all(
        (token[0].isupper() and token.lower() not in STOPWORDS) or token in _NAME_PARTICLES
        for token in tokens
    )


def looks_like_headline(line: str) -> bool:
    """A short line that does not end like a sentence, as a headline in a list of them does."""
    return 0 < word_count(line) <= _MAX_LISTED_HEADLINE_WORDS and line.rstrip()[-1] not in _TERMINAL


# A story's summary and its key facts screen the same sentences, one after the other.
@lru_cache(maxsize=8192)
def is_boilerplate(sentence: str) -> bool:
    """Whether ``boilerplate_reason`` finds a reason (without an author), remembered for recent sentences."""
    return boilerplate_reason(sentence) is not None


def _rule_reason(line: str, count: int) -> str | None:
    """The reason of the first table rule that matches the line, if any."""
    if count > _MOST_WORDS:
        return None
    anchored = _ANY_ANCHORED.match(line) is not None
    lowered = line.lower()
    if not anchored and not any(map(lowered.__contains__, _ANY_KEYS)):
        return None
    for reason, pattern, limit, keys in _RULES:
        if count > limit or not (any(map(lowered.__contains__, keys)) if keys else anchored):
            continue
        if pattern.search(line):
            return reason
    return None


# Every paragraph of an article is checked against its author: the name is folded once, not per paragraph.
@lru_cache(maxsize=64)
def _author_key(author: str) -> tuple[str, int]:
    """The author's name as lines are compared with it (whitespace collapsed, case-folded), and its spaces."""
    name = " ".join(author.split()).casefold()
    return name, name.count(" ")


def _by_author(line: str, author: str) -> bool:
    """The line is just the known author's name, maybe after 'By' and before an outlet."""
    name, spaces = _author_key(author)
    bare = line.casefold().removeprefix("by ").strip(" .,;:|-")
    return bool(name) and (
        bare == name
        or (
            bare.startswith(name) and bare[len(name) : len(name) + 1] == "," and bare.count(" ") <= spaces + 4
        )
    )


def _is_byline(line: str) -> bool:
    """'By Jane Doe', 'By JANE DOE and JOHN ROE, Reuters', 'By Jane Doe, staff writer'."""
    match = _BY.match(line)
    if match is None or (line[-1] in ".!?" and not line.endswith(("Jr.", "Sr.", "Inc."))):
        return False
    segments = [segment.strip() for segment in re.split(r"[,|•·—–]| - ", match.group(1))]
    if not segments[0] or len(segments[0].split()) > 7 or len(line.split()) > 16:
        return False
    return all(_names_only(segment) for segment in segments if segment)


def _names_only(segment: str) -> bool:
    """Every word is capitalized, a connector ('and', '&') or a newsroom role ('staff writer')."""
    tokens = segment.split()
    if tokens[0].lower() in _BY_CONNECTORS:
        return False
    return all(
        token[0].isupper()
        or token.lower() in _BY_CONNECTORS
        or token.lower() in _BY_ROLES
        or token[0].isdigit()
        for token in tokens
    )


def _is_bio(line: str, author: str | None) -> bool:
    """A short note about the writer: '<Name> is the news editor of ...', '<Name> covers ...'."""
    match = _BIO.match(line)
    if match is None:
        return False
    name = match.group(1) or match.group(3)
    if any(word in STOPWORDS for word in (match.group(2) or "").lower().split()):
        return False
    if author and name.casefold().startswith(_author_key(author)[0]):
        return True
    first = name.split()[0].lower().rstrip(".")
    return (
        first not in _BIO_TITLES
        and first not in STOPWORDS
        and 2 <= len(name.split()) <= 4
        and line.count(". ") <= 2
    )


_HAS_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}})", re.I
)
_CAPTION_WORDS = re.compile(
    r"\b(?:pictured|photographed|seen here|file photo|left to right|from left)\b", re.I
)


def _is_caption(line: str) -> bool:
    """A short unpunctuated line: a stray '(' or '[', a date, or picture words mark it as a caption."""
    if line[-1] in _TERMINAL:
        return False
    if _HAS_DATE.search(line) or _CAPTION_WORDS.search(line):
        return True
    tokens = line.split()
    capitalized = sum(1 for token in tokens if token[0].isupper() or token[0].isdigit())
    return _stray_open(line) and 2 * capitalized >= len(tokens)


def _stray_open(line: str) -> bool:
    """An opening bracket with no closing one after it ('... (AP'): one after the last ')' or ']'."""
    # Not a pattern searched from each bracket: each would scan on to the line's end, again and again.
    closed = max(line.rfind(")"), line.rfind("]"))
    return line.find("(", closed + 1) >= 0 or line.find("[", closed + 1) >= 0
