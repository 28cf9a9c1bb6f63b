"""Text primitives for news: a sentence splitter, word tokens, stopwords, content terms, headlines.

The splitter is regex based: it finds every terminator (``.``, ``?``, ``!``, ``…``, ``...``) with any
closing quotes or brackets after it, then decides from the token before it and the word after it
whether the terminator ends a sentence. Terminators of other scripts (the ideographic full stop ``。``,
the full-width ``！`` and ``？``, the Devanagari danda ``।``, the Arabic ``؟``) end one with no space
needed after them, but never inside a quotation (``「...。...」``, ``“...।...”``). Blank lines always end a
sentence; single newlines are spaces.

Chinese and Japanese are written without spaces between words: their runs of characters count as words
by pairs (``word_count``), and word tokens are their overlapping character bigrams (``words``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from itertools import chain

__all__ = [
    "CJK",
    "FUNCTION_WORDS",
    "STOPWORDS",
    "cjk_bigrams",
    "content_terms",
    "ends_with_title",
    "given_names",
    "headline_from_lead",
    "salient_terms",
    "sentence_spans",
    "split_cjk",
    "split_sentences",
    "stem",
    "word_count",
    "word_set",
    "words",
]


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal list, as a set."""
    return frozenset(text.split())


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Given names ('Jennifer', 'Tony') from ``data/given_names.json``."""
    raw = resources.files("digest").joinpath("data", "given_names.json").read_text(encoding="utf-8")
    return frozenset(json.loads(raw)["names"])


# Titles before a name: a period after one of these never ends a sentence ("Lt. Gen. Herzi Halevi").
_TITLES = word_set(
    """
    adm brig capt cdr cmdr col cpl cpt det dr fr ft gen gov hon insp lt maj messrs mme mr mrs ms mt
    pres prof pvt rep rev rt sen sgt sir st supt
    """
)
# Other abbreviations: they end a sentence only when a typical sentence opener follows ("in the U.S. The").
_ABBREVIATIONS = word_set(
    """
    al approx apr assn aug ave bln blvd bros ca cf ch co corp dec dept est etc ext feb fig figs fri govt
    hwy inc intl jan jr jul jun llc ltd mar max min mln mon natl no nos nov oct plc pp rd sat sep sept sr sun
    tel thu thur thurs tue tues univ v vol vols vs wed
    """
)
# Words that, capitalized after an abbreviation or initial, show that a new sentence started.
_OPENERS = word_set(
    """
    a after also an and as at before but for he her his how however i if in it its many meanwhile more
    most on one other others our she so some still that the their there these they this those three two
    we what when where while who why yet you your
    """
)
# Exclamation marks that belong to a name rather than ending a sentence.
_BANG_NAMES = frozenset({"yahoo", "jeopardy"})

# Characters of the scripts written without spaces between words: Han ideographs (with the iteration
# and zero marks), Hiragana, Katakana (with its long-vowel mark, not its middle dot), half-width Katakana.
CJK = (
    "\u3005-\u3007\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
)
_CJK_RUN = re.compile(f"[{CJK}]+")
# Sentence ends that end a sentence wherever they stand, no space needed after them: the ideographic full
# stop, full-width '!' and '?', the Devanagari danda and double danda, the Arabic '?' and the Urdu full stop.
_HARD_ENDS = "。｡！？।॥؟۔"
_CLOSERS = "\"'”’)\\]」』）】〕〉》"
# Quotation marks and brackets around CJK or Devanagari sentences: a hard end inside them ends no sentence
# ('「...だ。...」と話した'), unless the quotation runs on longer than a quotation does (a stray mark).
_QUOTE_OPENS = "「『“（"
_QUOTE_CLOSES = "」』”）"
_LONGEST_QUOTED = 300

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# A terminator, closing quotes/brackets, then whitespace, the end, or a glued capitalized word. A run of
# terminators is taken whole, from its start only: what follows part of a run ('...') is what follows all of it,
# and trying each of a long run's positions in turn would rescan the rest of the run each time. Or (groups 4
# and 5) a run of hard ends, or of '!' and '?' glued to a CJK character, with its closing quotes/brackets.
_CANDIDATE = re.compile(
    r"(?<![.!?…])([.!?…]++)([\"'”’)\]]*)(?:(\s+)|$|(?=[\"“‘(\[]?[A-Z](?:[a-z]|['’][a-z]|\s|[A-Z&]+[\s'’,]|\d)|[\"“]\d))"
    rf"|([{_HARD_ENDS}]++|(?<![.!?…])[!?]++(?=[{_CLOSERS}]*+[{CJK}]))([{_CLOSERS}]*+)"
)
# The characters a candidate can start at. Its branches open with lookbehinds, so the engine cannot skip
# ahead to a terminator by itself and tries the whole pattern at every character: found with this, it is
# tried at terminators alone.
_TERMINATOR = re.compile(rf"[.!?…{_HARD_ENDS}]")
_NEXT_WORD = re.compile(r"[\"'“‘(\[]*([^\s\"'”’)\].,;:!?…]*)")
_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_OPENING_PUNCT = "\"'“‘([`"


def ends_with_title(line: str) -> bool:
    """True when a line ends with a title that always precedes a name ("... said Dr."): it cannot end there."""
    last = line.rsplit(None, 1)[-1] if line.strip() else ""
    return last.endswith(".") and last[:-1].lower() in _TITLES


def split_sentences(text: str) -> list[str]:
    """Split news text into sentences, stripped, never empty; no character is lost or invented."""
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each sentence of ``split_sentences(text)`` starts and ends in ``text``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for blank in _PARAGRAPH_BREAK.finditer(text):
        _split_block(text[start : blank.start()], start, spans)
        start = blank.end()
    _split_block(text[start:], start, spans)
    return spans


def _split_block(text: str, offset: int, out: list[tuple[int, int]]) -> None:
    """Append the spans of the sentences of one paragraph (no blank lines inside), shifted by ``offset``."""
    start = quotes = counted = depth = nested = 0
    for match in _candidates(text):
        # Straight quotes before each terminator, counted on from the last one rather than from the start.
        quotes += text.count('"', counted, match.start())
        counted = match.start()
        if match.group(4) is not None:
            # Quotation marks open after a hard end, likewise counted on from the last one (closers included).
            depth = max(0, depth + _nesting(text, nested, match.end()))
            nested = match.end()
            if depth and match.start() - start < _LONGEST_QUOTED:
                continue
            cut: int | None = match.end()
            depth = 0
        else:
            cut = _boundary(text, start, match, quotes)
        if cut is None:
            continue
        _add_stripped(text, start, cut, offset, out)
        start = cut
    _add_stripped(text, start, len(text), offset, out)


def _candidates(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_CANDIDATE`` in ``text``, as ``finditer`` finds them."""
    found = _TERMINATOR.search(text)
    while found is not None:
        match = _CANDIDATE.match(text, found.start())
        if match is None:
            found = _TERMINATOR.search(text, found.end())
        else:
            yield match
            found = _TERMINATOR.search(text, match.end())


def _nesting(text: str, start: int, end: int) -> int:
    """How many more quotation marks or brackets open than close between ``start`` and ``end``."""
    opened = sum(text.count(mark, start, end) for mark in _QUOTE_OPENS)
    return opened - sum(text.count(mark, start, end) for mark in _QUOTE_CLOSES)


def _add_stripped(text: str, start: int, end: int, offset: int, out: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.lstrip()
    if stripped:
        start += len(piece) - len(stripped)
        out.append((offset + start, offset + start + len(stripped.rstrip())))


def _boundary(text: str, start: int, match: re.Match[str], quotes: int) -> int | None:
    """Where the sentence ends at this terminator, or None when it is not a boundary; ``quotes``: how many
    straight double quotes the paragraph has before it."""
    terminator, closers = match.group(1), match.group(2)
    end = match.end()
    if end >= len(text):
        return end
    cut = match.end(2)
    following = text[end]
    if terminator == "." and not closers and following.isupper() and match.group(3) is not None:
        # The common case, decided without looking at the next word: "... a long word. Next".
        token = _previous_token(text, start, match)
        if (
            len(token) > 4
            and token[-1].islower()
            and "." not in token
            and token.lower() not in _ABBREVIATIONS
        ):
            return cut
    if '"' in closers and match.group(3) is None and quotes % 2 == 0:
        # A straight quote glued to both sentences ('slowed."I am'): after an even number of them so far in
        # the paragraph it opens the next sentence. Followed by a space it closes this one: quotations
        # that run over paragraphs leave the count odd, so the count alone is not trusted there.
        cut = match.end(1) + closers.index('"')
        end = cut
        following = '"'
    if match.group(3) is None and not _may_end_glued(text, start, match):
        return None
    if following in ",;:-–—)]}%" or _starts_lowercase(text, end):
        return None
    if "…" in terminator or ".." in terminator:
        return cut
    if terminator[-1] in "?!":
        if terminator == "!" and not closers and _previous_token(text, start, match).lower() in _BANG_NAMES:
            return None
        return cut
    if closers:
        return cut
    return cut if _period_ends_sentence(text, start, match, end) else None


def _may_end_glued(text: str, start: int, match: re.Match[str]) -> bool:
    """A terminator glued to the next word ends a sentence only after a word, number or closer."""
    before = text[match.start() - 1] if match.start() > start else ""
    if before.isupper():
        # "AOL.For" yes, "README.TXT" no: after capitals the next word must be in title case.
        after = text[match.end() : match.end() + 2]
        if not (after[:1].isupper() and after[1:].islower()):
            return False
    elif not (before.islower() or before.isdigit() or before in "%)'\"’”"):
        return False
    token = _previous_token(text, start, match)
    return not (_ACRONYM.fullmatch(token) or token.lower() in _TITLES or token.lower() in _ABBREVIATIONS)


def _starts_lowercase(text: str, at: int) -> bool:
    """True when the word at ``at`` (after opening quotes) starts lowercase and is not like 'iPhone'."""
    first = text[at]
    if first.isupper() or first.isdigit():
        return False
    word = _NEXT_WORD.match(text, at)
    token = word.group(1) if word else ""
    if not token or not token[0].islower():
        return False
    return not any(char.isupper() for char in token[1:])


def _previous_token(text: str, start: int, match: re.Match[str]) -> str:
    """The non-space run just before the terminator, without opening punctuation."""
    stop = match.start()
    begin = _token_start(text, start, stop)
    token = text[begin:stop]
    if begin > start and text[begin - 1] != " ":
        # After a line break or tab: the last run of non-whitespace before the terminator.
        pieces = token.split()
        token = pieces[-1] if pieces else _word_before(text, start, begin - 1)
    return token.lstrip(_OPENING_PUNCT)


def _token_start(text: str, start: int, stop: int) -> int:
    """Where the run before ``stop`` that holds no space, line break or tab begins (``start`` at the most)."""
    # Looked for backwards from ``stop``, never from ``start``: a sentence that runs on through many
    # terminators that do not end it would be rescanned from its start at each of them.
    space = text.rfind(" ", max(start, stop - 40), stop)
    if space >= 0 and "\n" not in text[space:stop] and "\t" not in text[space:stop]:
        return space + 1
    begin = stop
    while begin > start and text[begin - 1] not in " \n\t":
        begin -= 1
    return begin


def _word_before(text: str, start: int, end: int) -> str:
    """The last run of non-whitespace before ``end`` and after the last space (and ``start``), or ""."""
    while end > start and text[end - 1].isspace():
        if text[end - 1] == " ":
            return ""
        end -= 1
    begin = end
    while begin > start and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:end]


def _period_ends_sentence(text: str, start: int, match: re.Match[str], end: int) -> bool:
    """Decide a single period followed by a non-lowercase word: abbreviation, initial or sentence end."""
    token = _previous_token(text, start, match)
    if not token:
        return True
    word = _NEXT_WORD.match(text, end)
    following = word.group(1) if word else ""
    if len(token) == 1 and token.isupper():
        # An initial ("George W. Bush") unless a sentence opener follows ("Plan B. The").
        return following.lower() in _OPENERS
    bare = token.lower()
    if bare in _TITLES:
        return False
    if following[:1].isdigit():
        # "Jan. 5", "No. 10", "Fig. 3"; otherwise a number can open a sentence ("in 2004. 2005 was").
        return bare not in _ABBREVIATIONS
    if bare in _ABBREVIATIONS or _ACRONYM.fullmatch(token):
        return following.lower() in _OPENERS
    return True


def _mark_ranges() -> str:
    """The combining marks of the Basic Multilingual Plane as the ranges of a character class."""
    marks = [code for code in range(0x300, 0x10000) if unicodedata.category(chr(code)).startswith("M")]
    ranges: list[list[int]] = []
    for code in marks:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges)


# Letters and digits with the combining marks after them: Devanagari vowel signs and viramas (and Arabic
# vowel points) are marks, which \w does not match, and a word must not fall apart at each one.
_LETTERS = rf"(?:[^\W_]|[{_mark_ranges()}])+"
_WORD = re.compile(rf"{_LETTERS}(?:['’\-]{_LETTERS})*")
_ASCII_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")  # the same on ASCII text, twice as fast
_CJK_PIECE = re.compile(f"[{CJK}]+|[^{CJK}]+")


def word_count(text: str) -> int:
    """How many words a text has: its whitespace-separated chunks, a run of CJK characters counting one word
    per two characters (Chinese words are one to three characters long)."""
    if text.isascii() or not _CJK_RUN.search(text):
        return len(text.split())
    runs = _CJK_RUN.findall(text)
    rest = [chunk for chunk in _CJK_RUN.sub(" ", text).split() if any(map(str.isalnum, chunk))]
    return len(rest) + sum((len(run) + 1) // 2 for run in runs)


def cjk_bigrams(run: str) -> list[str]:
    """The overlapping pairs of characters of a run of CJK characters, or the one character of a short run."""
    if len(run) < 2:
        return [run]
    return [run[at : at + 2] for at in range(len(run) - 1)]


def split_cjk(token: str) -> list[str]:
    """A token with CJK characters as tokens: its CJK runs as ``cjk_bigrams``, its other parts as they are."""
    pieces: list[str] = []
    for piece in _CJK_PIECE.findall(token):
        if _CJK_RUN.match(piece):
            pieces.extend(cjk_bigrams(piece))
        elif bare := piece.strip("'’-"):
            pieces.append(bare)
    return pieces


def words(text: str) -> list[str]:
    """Lowercase word tokens: runs of letters/digits, keeping internal apostrophes and hyphens."""
    return list(chain.from_iterable(map(_chunk_words, _chunks(text))))


def _chunks(text: str) -> list[str]:
    """The whitespace-separated chunks of the lowercased text: no word token spans whitespace."""
    return text.lower().replace("’", "'").split()


# News text repeats its chunks ("the", "said", "Gaza,") so much that looking each up beats scanning the
# whole text with the word pattern, and the words of a chunk are found only the first time it is met.
@lru_cache(maxsize=65536)
def _chunk_words(chunk: str) -> tuple[str, ...]:
    """The word tokens of one lowercased chunk of text; CJK runs as their character bigrams."""
    if chunk.isascii():
        return tuple(_ASCII_WORD.findall(chunk))
    found = _WORD.findall(chunk)
    if not _CJK_RUN.search(chunk):
        return tuple(found)
    return tuple(chain.from_iterable(map(split_cjk, found)))


STOPWORDS: frozenset[str] = word_set(
    """
    a about above according across added adding after afterwards again against all almost alone along
    already also although always am among amongst an and announced another any anyhow anyone anything
    anyway anywhere are aren't around as asked at back be became because become becomes been before
    beforehand behind being below beside besides between beyond both but by can can't cannot claimed
    could couldn't did didn't do does doesn't doing don't done down dr during each either else elsewhere
    enough even ever every everyone everything everywhere except explained few for former formerly from
    further had hadn't has hasn't have haven't having he he'd he'll he's hence her here here's hers
    herself him himself his how however i i'd i'll i'm i've if in indeed into is isn't it it's its
    itself just last latter least less let's made make many may me meanwhile might mine more moreover
    most mostly mr mrs ms much must my myself neither never nevertheless new next no nobody none nor not
    noted nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own per perhaps rather really reported reportedly said same say saying says
    several she she'd she'll she's should shouldn't since so some somehow someone something sometime
    sometimes somewhere stated still such tells than that that's the their theirs them themselves then
    there there's thereafter thereby therefore these they they'd they'll they're they've this those
    though through throughout thus to together told too toward towards under until up upon us very via
    was wasn't we we'd we'll we're we've were weren't what what's whatever when whenever where where's
    whereas wherever whether which while who who's whoever whole whom whose why will with within without
    won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves
    """
)


def content_terms(text: str) -> list[str]:
    """Stemmed content words: ``words`` minus stopwords, 1-char tokens and possessive 's."""
    return list(chain.from_iterable(map(_chunk_terms, _chunks(text))))


@lru_cache(maxsize=65536)
def _chunk_terms(chunk: str) -> tuple[str, ...]:
    """The content terms of one lowercased chunk of text."""
    return tuple(filter(None, map(_term, _chunk_words(chunk))))


@lru_cache(maxsize=65536)
def _term(token: str) -> str:
    """The content term for one word token, or "" for a stopword or a 1-char token."""
    if token.endswith("'s"):
        token = token[:-2]
    if len(token) < 2 or token in STOPWORDS:
        return ""
    return stem(token)


# Closed-class words only: articles, pronouns, prepositions, conjunctions, auxiliaries. Unlike STOPWORDS it
# keeps reporting verbs ("said"), titles ("mr") and everyday content words ("new", "last"), which recur in
# the sentences that carry an article's news; and it keeps "us", which in news is mostly "US" lowercased.
FUNCTION_WORDS: frozenset[str] = word_set(
    """
    a about above after again against all am an and any are aren't as at be because been before being
    below between both but by can can't couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
    herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
    most mustn't my myself no nor not now of off on once only or other ought our ours ourselves out over
    own same shan't she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this those
    through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when
    when's where where's which while who who's whom why why's will with won't would wouldn't you you'd
    you'll you're you've your yours yourself yourselves
    """
)


def salient_terms(text: str) -> list[str]:
    """What summaries weigh: each word minus ``FUNCTION_WORDS`` and 1-char tokens, then its stem marked '~'.

    A word repeated exactly thus counts twice as much as one sharing only its stem ("profit" and
    "profits" meet on "~profit", "profit" and "profit" on both).
    """
    return list(chain.from_iterable(map(_chunk_salient, _chunks(text))))


@lru_cache(maxsize=65536)
def _chunk_salient(chunk: str) -> tuple[str, ...]:
    """The salient terms of one lowercased chunk of text."""
    return tuple(chain.from_iterable(map(_salient, _chunk_words(chunk))))


@lru_cache(maxsize=65536)
def _salient(token: str) -> tuple[str, ...]:
    """The salient terms of one word token: the word and its marked stem, or none for a function word."""
    if len(token) < 2 or token in FUNCTION_WORDS:
        return ()
    return (token, "~" + stem(token.removesuffix("'s")))


def stem(word: str) -> str:
    """A cheap deterministic suffix stemmer.

    Rules, in order: plural -ies -> -y; -es after ss/x/z/ch/sh -> drop; -s (not -ss/-us/-is) -> drop.
    Then -ing / -ed are dropped when the stem keeps a vowel and at least 3 letters, undoubling a final
    double consonant ("stopped" -> "stop"). Last, a final -e is dropped from stems of 4+ letters, so
    "make"/"making" and "price"/"prices" meet. Words of 3 letters or fewer and tokens with digits are kept.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("es") and word[:-2].endswith(("ss", "x", "z", "ch", "sh")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and any(vowel in base for vowel in "aeiouy"):
            double = len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz"
            word = base[:-1] if double else base
            break
    if len(word) >= 4 and word.endswith("e"):
        word = word[:-1]
    return word


# Where a long lead sentence may be cut into a headline: after clause punctuation, or before a word
# that opens a subordinate clause.
_CLAUSE_WORDS = word_set(
    """
    according after although amid and as because before but despite following including since though
    unless until when where whereas which while who whose with without
    """
)
_DASHES = frozenset({"-", "–", "—", "--"})
_DATELINE = re.compile(r"^[A-Z][A-Z .,'’-]{2,40}(?:\([^)]{1,40}\))?\s*[-–—:]\s+(?=\S)")
# Not tried from inside a run of spaces: each start there would rescan the rest of the run.
_PARENTHETICAL = re.compile(r"(?<!\s)\s*\([^()]*\)")
_TRAILING_PUNCT = " ,;:-–—(\"'“‘"
# A clause cut may keep a few more words than ``max_words``: a whole clause reads better than a cut one.
_CLAUSE_SLACK = 4
_MIN_HEADLINE_WORDS = 5


def headline_from_lead(text: str, max_words: int = 12) -> str:
    """A short headline from the first sentence of ``text``; "" when the text has no words.

    Rule: a dateline ("LONDON (Reuters) -") and asides in brackets are dropped. A first sentence of at most ``max_words + 2``
    words is used whole, minus its final period. A longer one is cut at the first clause boundary
    (", " "; " ": " " — " " - " or before as/while/after/and/who/which/according/...) that keeps
    between 5 and ``max_words + 4`` words; clause punctuation is preferred over a clause word. Failing
    that it is cut after ``max_words`` words and ends with "…". Trailing stopwords and punctuation are
    always dropped, so a headline never ends on "of" or "the". A Chinese or Japanese sentence is cut likewise
    at its first clause mark ("，", "、") after 10 characters, counting two characters a word.
    """
    sentences = split_sentences(text)
    if not sentences:
        return ""
    sentence = _PARENTHETICAL.sub("", _DATELINE.sub("", sentences[0], count=1))
    if _CJK_RUN.search(sentence) and word_count(sentence) > len(sentence.split()):
        return _cjk_headline(sentence, max_words)
    tokens = sentence.split()
    if len(tokens) <= max_words + 2:
        return _balance_quotes(_trim(tokens, final_period=True))
    cut = _clause_cut(tokens, max_words + _CLAUSE_SLACK)
    if cut is not None:
        return _balance_quotes(_trim(tokens[:cut], final_period=False))
    return _balance_quotes(_trim(tokens[:max_words], final_period=False)) + "…"


_CJK_CLAUSE_MARKS = "，、；：,;:"


def _cjk_headline(sentence: str, max_words: int) -> str:
    """A headline from a Chinese or Japanese sentence: whole when short, else cut at a clause mark, or after
    ``max_words`` words' worth of characters (two each) and ending with "…"."""
    sentence = sentence.rstrip("。｡.！!")
    limit = 2 * max_words
    if len(sentence) <= limit + 4:
        return sentence
    end = min(len(sentence), limit + 2 * _CLAUSE_SLACK)
    cuts = [at for at in range(2 * _MIN_HEADLINE_WORDS, end) if sentence[at] in _CJK_CLAUSE_MARKS]
    if cuts:
        return sentence[: cuts[0]]
    return sentence[:limit] + "…"


def _clause_cut(tokens: list[str], limit: int) -> int | None:
    """How many tokens to keep when cutting at a clause boundary, or None when none fits."""
    word_cut: int | None = None
    for kept in range(_MIN_HEADLINE_WORDS, min(limit, len(tokens) - 1) + 1):
        last, following = tokens[kept - 1], tokens[kept]
        if last[-1] in ",;:" or following in _DASHES:
            return kept
        if word_cut is None and following.lower() in _CLAUSE_WORDS:
            word_cut = kept
    return word_cut


def _trim(tokens: list[str], *, final_period: bool) -> str:
    """Join tokens, dropping trailing punctuation and stopwords (and a final period when asked)."""
    kept = list(tokens)
    while kept:
        last = kept[-1].rstrip(_TRAILING_PUNCT)
        if final_period and len(kept) == len(tokens):
            last = _drop_final_period(last)
        if not last or (last.lstrip(_OPENING_PUNCT).lower() in STOPWORDS and len(kept) > 1):
            kept.pop()
            continue
        kept[-1] = last
        break
    return " ".join(kept)


def _drop_final_period(token: str) -> str:
    """Drop a sentence-final period (also inside closing quotes), keeping abbreviations like 'U.S.'."""
    closers = len(token) - len(token.rstrip("\"'”’"))
    body = token[: len(token) - closers] if closers else token
    if body.endswith(".") and not _ACRONYM.fullmatch(body[:-1]):
        body = body[:-1]
    return body + token[len(token) - closers :] if closers else body


def _balance_quotes(headline: str) -> str:
    """Remove quote marks left without their partner by cutting."""
    if headline.count("“") != headline.count("”"):
        headline = headline.replace("“", "").replace("”", "")
    if headline.count('"') % 2:
        headline = headline.replace('"', "")
    return headline.strip()
