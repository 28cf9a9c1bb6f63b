"""What a sentence must be to stand in a summary on its own: prose, whole, and readable without the one before.

- ``needs_context``: it opens with a pronoun ("He", "They"), a connective ("However", "But", "Also",
  "Meanwhile", "In a separate development") or a participle ("Seen as ..., "), which lean on what came
  before; in Chinese and Japanese, with one of a few such words ("但", "此外", "一方で", "また"). "This year" and the like are times, not references.
- ``is_listing``: it is a list, not prose: a team sheet, a spec sheet, nominees, an "In full:" list, a
  correction note, a caption, a label ("Subs:", ": Douglas, Lauren, ...").
- ``quote_cuts``: within an article's sentences, the ones that cut a quotation: they start inside a
  quotation the splitter broke at an inner full stop, or leave one open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.language.text import word_set

__all__ = ["is_listing", "needs_context", "quote_cuts"]

_CONTEXT_WORDS = word_set(
    """
    he she it they we i his her its their them him this these those that such
    however but also meanwhile and or so yet still nevertheless nonetheless moreover furthermore
    additionally besides instead otherwise therefore thus hence consequently then indeed likewise
    similarly accordingly again too though
    """
) | word_set(
    # Hindi and Russian pronouns and connectives: 'he' (honorific), 'he', 'she', 'they', 'this', 'but',
    # 'however', 'so'; 'he', 'she', 'they', 'this', 'however', 'but', 'also', 'so'.
    """
    उन्होंने उसने उसे उनका उनकी उनके वह वे यह ये इसने इसका इसकी इसके लेकिन परंतु किंतु हालांकि हालाँकि इसलिए
    он она оно они его её ее их это этот эта эти однако но также поэтому
    """
)
_CONTEXT_PHRASES = (
    "in a separate development",
    "in addition",
    "on the other hand",
    "at the same time",
    "in contrast",
    "by contrast",
    "even so",
    "as a result",
    "despite this",
    "because of this",
    "after that",
    "in turn",
    "in the meantime",
    "on top of that",
    "साथ ही",
    "кроме того",
    "тем не менее",
    "при этом",
)
# "This year ..." names a time, not something said before.
_TIMES = word_set(
    "year week month morning afternoon evening weekend season summer winter spring autumn century"
)
_PARTICIPLES = word_set(
    "seen known given taken born made built hit caught told left found held shown written"
)
_PARTICIPLE_LINKS = word_set("as by in with to for on at from after under about")
_OPENING_MARKS = "\"'“‘(["
_PUNCTUATION = ",;:\"'“”‘’()"
_PHRASE_STARTS = frozenset(phrase.split()[0] for phrase in _CONTEXT_PHRASES)
# Chinese and Japanese openers that lean on the sentence before (no spaces to find a first word by): 'but',
# 'however', 'besides', 'meanwhile', 'so', 'of which', 'he', 'she', 'this', 'the said'; 'but', 'on the other
# hand', 'also', 'moreover', 'that', 'this', 'he'.
_CJK_CONTEXT_OPENERS = (
    "但", "不过", "然而", "此外", "另外", "同时", "与此同时", "因此", "所以", "而且", "其中", "他", "她", "它", "这", "该",
    "しかし", "一方", "また", "さらに", "ただ", "そのため", "その", "それ", "これ", "この", "彼",
)  # fmt: skip


def needs_context(sentence: str) -> bool:
    """True when a sentence opens with a word that needs the sentence before it (see the module docstring)."""
    if sentence.lstrip(_OPENING_MARKS).startswith(_CJK_CONTEXT_OPENERS):
        return True
    head = sentence.lstrip(_OPENING_MARKS).split(None, 1)
    first = head[0].strip(_PUNCTUATION).lower() if head else ""
    if first not in _CONTEXT_WORDS and first not in _PHRASE_STARTS and not _participle(first):
        return False
    tokens = sentence.lstrip(_OPENING_MARKS).split(None, 12)
    bare = [token.strip(_PUNCTUATION).lower() for token in tokens[:4]]
    if first in _CONTEXT_WORDS:
        return not (first in ("this", "that") and len(bare) > 1 and bare[1].removesuffix("'s") in _TIMES)
    if " ".join(bare).startswith(_CONTEXT_PHRASES):
        return True
    return (
        _participle(first) and len(bare) > 1 and bare[1] in _PARTICIPLE_LINKS and "," in " ".join(tokens[:12])
    )


def _participle(word: str) -> bool:
    """True for a past participle: 'seen', 'known', 'asked', 'based'."""
    return word in _PARTICIPLES or (len(word) > 4 and word.endswith("ed"))


# A label opening a line: "Subs:", "Man Utd:", "Pole vault:", or a bare ":" where a team's name was lost.
_LABEL = re.compile(r"(?::|[A-Z][\w'’() &.-]{0,30}:)(?!\d)")
_NOTES = ("correction", "clarification", "in full", "pictured", "caption", "image caption", "above", "below")
_ITEM_BREAK = re.compile(r"[,;] ")


_BULLETS = frozenset(("- ", "\u2013 ", "\u2022 ", "* "))


def is_listing(sentence: str) -> bool:
    """True when a 'sentence' is a list, a sheet of figures or names, or a labelled note (see the module)."""
    if sentence[:2] in _BULLETS:
        return True  # an item of a bulleted list, which text files keep as '- item' lines
    if ":" not in sentence[:40] and sentence.count(", ") + sentence.count("; ") < 4:
        return False
    head = _ITEM_BREAK.split(sentence, 1)[0]
    if len(head.split()) <= 3 and _listed(sentence, 5):
        return True
    label = _LABEL.match(sentence.lstrip("-–—• "))
    if label is None or len(label.group().split()) > 4:
        return False
    if label.group().rstrip(":").strip().lower() in _NOTES:
        return True
    rest = sentence.lstrip("-–—• ")[label.end() :].lstrip()
    return rest[:1] not in _OPENING_MARKS and (len(rest.split()) < 6 or _listed(rest, 3))


def _listed(text: str, least: int) -> bool:
    """True when a text is ``least`` or more short items between commas or semicolons, mostly names or figures."""
    items = _ITEM_BREAK.split(text)
    if len(items) < least or max(len(item.split()) for item in items) > 6:
        return False
    tokens = text.split()
    lowercase = sum(1 for token in tokens if token[:1].islower())
    return lowercase * 3 < len(tokens)


# A quotation left open this many sentences is a stray mark, not a quotation: it stops counting.
_LONGEST_QUOTE = 4
_OPENS_AFTER = frozenset(" \t\n([{—–-/")
_MARK = re.compile(r"[\"“”]")


def quote_cuts(sentences: Sequence[str]) -> list[bool]:
    """For each sentence of an article, in order, True when it starts inside a quotation or leaves one open.

    Only double quotation marks count (single ones double as apostrophes). A straight mark opens after a
    space or at the start and closes after anything else. A quotation that runs on into a new paragraph
    opens again there, as news style has it, so a sentence opening with a mark starts a quotation afresh.
    """
    cuts = []
    open_for = 0  # how many sentences a quotation has been open
    for sentence in sentences:
        starts_inside = open_for > 0 and sentence[:1] not in '"“'
        cut, still_open = _walk(sentence, open_for > 0)
        cuts.append(starts_inside or cut or still_open)
        open_for = open_for + 1 if still_open else 0
        if open_for > _LONGEST_QUOTE:
            open_for = 0
    return cuts


def _walk(sentence: str, inside: bool) -> tuple[bool, bool]:
    """Walk a sentence's double quotation marks: (a mark closed a quotation it did not open, open at its end)."""
    cut = False
    if '"' not in sentence and "“" not in sentence and "”" not in sentence:
        return cut, inside
    for mark in _MARK.finditer(sentence):
        char, index = mark.group(), mark.start()
        if char == '"':
            opening = index == 0 or sentence[index - 1] in _OPENS_AFTER
            if opening and sentence[index + 1 : index + 2] in ("", " "):
                opening = not inside  # a mark between spaces: whichever the quotation needs
        else:
            opening = char == "“"
        cut = cut or not (opening or inside)
        inside = opening
    return cut, inside
