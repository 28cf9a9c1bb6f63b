"""Article summary quality and speed: ROUGE against the BBC News Summary references, beside Lead-3 and
TextRank-3, and what a reader notices: the lead kept, openings that need context, cut quotations, lists,
strangers and pronouns without their referent.

Run: .venv/bin/python benchmarks/summaries.py [--sentences 3] [--runs 3] [--skip-speed] [--skip-full] [--oracle]
Needs ../shared/corpora beside the repository and the `bench` extra (sumy, rouge-score): `pip install -e '.[bench]'`.
Prints figures; it is not a test.

The 896 articles are split by file number: odd numbers are the tuning half (look at these while changing the
summarizer), even numbers the check half (only ever read off). All three systems see the same sentences from
the same splitter, with the title given to ours only as the page gives it (TextRank and Lead-3 do not use one).

The references were chosen by a word-frequency scorer, which skips the lead a fifth of the time: ROUGE
against them is a weak proxy. The reader's checks are therefore measured too, on the same articles and on
all 2,225 articles of the five-section BBC set (sport brings team sheets, tech spec lists):
- lead kept: the summary holds the article's first body sentence (``first``), or its first sentence that is
  news (``news``: 5+ words, not a question, not opening inside or with a quotation);
- opening needs context: the summary's first sentence opens with a word in ``CONTEXT_OPENERS`` (pronouns,
  connectives), a phrase in ``CONTEXT_PHRASES`` or a past participle ("Seen as ..., ");
- cut quotation: a summary sentence that starts inside a quotation its paragraph opened (and closes after
  it), or whose double quotation marks do not pair up;
- list: a summary sentence that is a list (4+ commas or semicolons between items of 3 words or fewer on
  average) or opens with a label ("Subs:", ": Douglas, ...", "Correction:");
- stranger: a summary calls someone by title and surname ("Mr Miller") before the headline or a shown
  sentence names them;
- orphan: a summary sentence after the first opens with a pronoun ("He said ...") and the article's sentence
  before it is not shown.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rouge_score import rouge_scorer
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from benchmarks.corpora import SHARED
from digest.language.text import split_sentences, word_set, words
from digest.read.readers.decode import decode
from digest.summarize.summaries import summarize_article

CORPUS = SHARED / "bbc-summary-dev"
FULL = SHARED / "bbc"
METRICS = ("rouge1", "rouge2", "rougeL")
TARGET_RATIO = 1.2  # ours over TextRank-3, ROUGE-2 F

# An opening that needs the sentence before it: a pronoun whose referent is not there, or a connective.
CONTEXT_OPENERS = word_set(
    """
    he she it they we i his her its their them him this these those that such
    however but also meanwhile and or so yet still nevertheless nonetheless moreover furthermore
    additionally besides instead otherwise therefore thus hence consequently then indeed likewise
    similarly accordingly again too though
    """
)
CONTEXT_PHRASES = (
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
)
_PARTICIPLES = word_set(
    "seen known given taken born made built hit caught told left found held shown written"
)
_PARTICIPLE_LINKS = word_set("as by in with to for on at from after under about")
_OPENING_MARKS = "\"'“‘(["
_LABEL = re.compile(r"^(?::|[A-Z][\w'’() -]{0,30}:(?!\d))")


@dataclass(frozen=True)
class Reading:
    """What a reader notices in a system's summaries: counts over the summaries or their sentences."""

    summaries: int = 0
    sentences: int = 0
    first_kept: int = 0
    news_kept: int = 0
    context_openings: int = 0
    cut_quotes: int = 0
    lists: int = 0
    strangers: int = 0  # summaries calling someone by title and surname before any shown sentence names them
    orphans: int = (
        0  # summaries with a later sentence opening with a pronoun whose sentence before is not shown
    )

    def __add__(self, other: Reading) -> Reading:
        return Reading(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


@dataclass(frozen=True)
class Item:
    """One benchmark article: its title, paragraphs of sentences, and the reference sentences."""

    name: str
    title: str
    paragraphs: tuple[tuple[str, ...], ...]
    reference: tuple[str, ...]

    @property
    def sentences(self) -> list[str]:
        return [s for paragraph in self.paragraphs for s in paragraph]


def load() -> list[Item]:
    """Every article with a reference summary, in a stable order."""
    items = []
    for path in sorted((CORPUS / "articles").glob("*/*.txt")):
        summary = decode((CORPUS / "summaries" / path.parent.name / path.name).read_bytes(), path.name)
        items.append(article(path, tuple(split_sentences(summary))))
    return items


def load_full() -> list[Item]:
    """Every article of the five-section BBC set, without references."""
    return [article(path, ()) for path in sorted(FULL.glob("*/*.txt"))]


def article(path: Path, reference: tuple[str, ...]) -> Item:
    """One BBC article: line 1 the title, then paragraphs separated by blank lines."""
    text = decode(path.read_bytes(), path.name).replace("\r\n", "\n")
    title, _, body = text.strip().partition("\n")
    paragraphs = tuple(tuple(split_sentences(block)) for block in body.split("\n\n") if block.strip())
    return Item(f"{path.parent.name}/{path.stem}", title.strip(), paragraphs, reference)


class _Words:
    """A sumy tokenizer made of our ``words``: sentences are already split, so only words are needed."""

    language = "english"

    @staticmethod
    def to_words(text: str) -> list[str]:
        return words(text)


def textrank(count: int) -> Callable[[Item], list[str]]:
    """sumy's TextRank with its English stemmer and stop words, over our sentences and words."""
    summarizer = TextRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = _Words()

    def run(item: Item) -> list[str]:
        document = ObjectDocumentModel(
            [Paragraph([Sentence(s, tokenizer) for s in paragraph]) for paragraph in item.paragraphs]
        )
        return [str(sentence) for sentence in summarizer(document, count)]

    return run


def lead(count: int) -> Callable[[Item], list[str]]:
    """The first ``count`` sentences."""
    return lambda item: item.sentences[:count]


def ours(count: int) -> Callable[[Item], list[str]]:
    """newsdigest's article summary."""
    return lambda item: list(summarize_article(item.sentences, count, title=item.title))


def needs_context(sentence: str) -> bool:
    """True when a sentence opens with a pronoun, a connective or a participle that leans on what came before."""
    tokens = sentence.lstrip(_OPENING_MARKS).split()
    bare = [token.strip(",;:\"'“”‘’()").lower() for token in tokens[:4]]
    if not bare:
        return False
    if bare[0] in CONTEXT_OPENERS or " ".join(bare).startswith(CONTEXT_PHRASES):
        return True
    participle = bare[0] in _PARTICIPLES or (len(bare[0]) > 4 and bare[0].endswith("ed"))
    head = " ".join(tokens[:12])
    return participle and len(bare) > 1 and bare[1] in _PARTICIPLE_LINKS and "," in head


def unbalanced(sentence: str) -> bool:
    """True when a sentence's double quotation marks do not pair up."""
    return sentence.count("“") != sentence.count("”") or sentence.count('"') % 2 == 1


def inside_quote(before: str, paragraph: str) -> bool:
    """True when the text of a paragraph before a sentence leaves open a quotation the paragraph closes: an
    odd number of marks before it, the last of them an opening one (a quotation run on from the paragraph
    before closes without opening, and says nothing of where a sentence starts)."""
    last = max(before.rfind('"'), before.rfind("“"))
    opening = last >= 0 and (before[last] == "“" or last == 0 or before[last - 1] in " ([—–-")
    straight = before.count('"') % 2 == 1 and paragraph.count('"') % 2 == 0
    curly = before.count("“") > before.count("”") and paragraph.count("“") == paragraph.count("”")
    return opening and (straight or curly)


def is_list(sentence: str) -> bool:
    """True when a 'sentence' is a list, a team sheet or a labelled line rather than prose."""
    if _listed(sentence, 5) and len(re.split(r"[,;] ", sentence)[0].split()) <= 3:
        return True
    label = _LABEL.match(sentence)
    if not label or len(label.group().split()) > 4:
        return False
    if label.group().lower().startswith(("correction", "clarification", "in full")):
        return True
    rest = sentence[label.end() :].lstrip()
    return rest[:1] not in _OPENING_MARKS and (len(rest.split()) < 6 or _listed(rest, 3))


def _listed(text: str, least: int) -> bool:
    """True when a text is ``least`` or more short items between commas or semicolons, mostly names or figures."""
    items = re.split(r"[,;] ", text)
    tokens = text.split()
    lowercase = sum(1 for token in tokens if token[:1].islower())
    return (
        len(items) >= least and max(len(item.split()) for item in items) <= 6 and lowercase * 3 < len(tokens)
    )


def news_lead(item: Item) -> str | None:
    """The article's first sentence that is news: 5+ words, not a question, not in or opening a quotation."""
    for paragraph in item.paragraphs:
        before = ""
        for sentence in paragraph:
            plain = (
                len(sentence.split()) >= 5
                and not sentence.rstrip().endswith("?")
                and not sentence.startswith(('"', "“"))
                and not inside_quote(before, " ".join(paragraph))
                and not is_list(sentence)
            )
            if plain:
                return sentence
            before += sentence + " "
    return None


def read_summary(item: Item, summary: Sequence[str]) -> Reading:
    """What a reader notices in one summary of one article."""
    where: dict[str, tuple[str, str]] = {}
    for paragraph in item.paragraphs:
        before, whole = "", " ".join(paragraph)
        for sentence in paragraph:
            where.setdefault(sentence, (before, whole))
            before += sentence + " "
    sentences = item.sentences
    lead = news_lead(item)
    # A sentence opening with a mark starts a quotation, as a quotation run on into a new paragraph does.
    cut = sum(
        1 for s in summary if unbalanced(s) or (s[:1] not in '"“' and inside_quote(*where.get(s, ("", ""))))
    )
    return Reading(
        summaries=1,
        sentences=len(summary),
        first_kept=int(bool(sentences) and sentences[0] in summary),
        news_kept=int(lead is None or lead in summary),
        context_openings=int(bool(summary) and needs_context(summary[0])),
        cut_quotes=cut,
        lists=sum(1 for s in summary if is_list(s)),
        strangers=int(meets_a_stranger(item.title, summary)),
        orphans=int(orphaned_pronoun(sentences, summary)),
    )


# A person called by title and surname alone: 'Mr Miller', 'Ms Robinson', 'Dr Ng'.
TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Lady|Lord)\.? ([A-Z][\w'’-]+)")
PRONOUNS = word_set("he she it they his her its their this these those")


def meets_a_stranger(title: str, summary: Sequence[str]) -> bool:
    """True when a summary sentence calls someone by title and surname whom neither the headline nor an
    earlier summary sentence names."""
    shown = [title]
    for sentence in summary:
        if any(not any(name in before for before in shown) for name in TITLED.findall(sentence)):
            return True
        shown.append(sentence)
    return False


def orphaned_pronoun(sentences: Sequence[str], summary: Sequence[str]) -> bool:
    """True when a summary sentence after the first opens with a pronoun and the article's sentence before it
    is not in the summary: the reader does not know who or what it is."""
    position = {sentence: number for number, sentence in enumerate(sentences)}
    shown = {position[s] for s in summary if s in position}
    for sentence in summary[1:]:
        first = sentence.lstrip("\"“‘'(").split(None, 1)[0].lower().strip(",;:") if sentence.strip() else ""
        if first in PRONOUNS and position.get(sentence, 0) - 1 not in shown:
            return True
    return False


def reading(items: Sequence[Item], system: Callable[[Item], list[str]]) -> Reading:
    """What a reader notices over a system's summaries of some articles."""
    total = Reading()
    for item in items:
        total += read_summary(item, system(item))
    return total


def show_reading(name: str, seen: Reading) -> None:
    summaries = max(seen.summaries, 1)
    print(
        f"  {name:<12} {seen.first_kept / summaries:7.1%} {seen.news_kept / summaries:7.1%} "
        f"{seen.context_openings / summaries:8.2%} {seen.cut_quotes:6d} {seen.lists:6d} "
        f"{seen.strangers / summaries:9.1%} {seen.orphans / summaries:8.1%}"
    )


def reader_checks(groups: dict[str, Sequence[Item]], systems: dict[str, Callable[[Item], list[str]]]) -> None:
    """The reader's checks of every system over each group of articles."""
    for group, chosen in groups.items():
        print(f"\n{group}: {len(chosen)} articles, what a reader notices")
        print(
            f"  {'system':<12} {'lead':>7} {'news':>7} {'context':>8} {'quote':>6} {'list':>6} "
            f"{'stranger':>9} {'orphan':>8}"
        )
        for name, system in systems.items():
            show_reading(name, reading(chosen, system))
    print(
        "  lead: first body sentence kept; news: first news sentence kept; context: openings needing the "
        "sentence before; quote: sentences starting inside or cutting a quotation; list: lists and labels;\n"
        "  stranger: someone called 'Mr X' before a shown sentence names X; orphan: a later sentence opening "
        "with a pronoun whose sentence before is not shown"
    )


def score(items: Sequence[Item], system: Callable[[Item], list[str]]) -> dict[str, float]:
    """Mean ROUGE F-measure of a system over some items (stemmed, rouge-score's tokenizer)."""
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    for item in items:
        result = scorer.score("\n".join(item.reference), "\n".join(system(item)))
        for metric in METRICS:
            totals[metric] += result[metric].fmeasure
    return {metric: total / len(items) for metric, total in totals.items()}


def splitter_agreement(items: Sequence[Item]) -> tuple[float, int]:
    """Share of re-split reference sentences found verbatim among the article's sentences, and the misses."""
    found = missed = 0
    for item in items:
        sentences = set(item.sentences)
        for sentence in item.reference:
            if sentence in sentences:
                found += 1
            else:
                missed += 1
    return found / max(found + missed, 1), missed


def quality(items: Sequence[Item], count: int, *, oracle: bool) -> None:
    halves = {
        "tuning (odd)": [i for i in items if int(i.name[-3:]) % 2 == 1],
        "check (even)": [i for i in items if int(i.name[-3:]) % 2 == 0],
        "all": list(items),
    }
    agreement, missed = splitter_agreement(items)
    print(
        f"{len(items)} articles; reference sentences found verbatim among ours: {agreement:.2%} "
        f"({missed} missed)"
    )
    systems = {
        f"ours-{count}": ours(count),
        f"lead-{count}": lead(count),
        f"textrank-{count}": textrank(count),
    }
    if oracle:
        systems[f"oracle-{count}"] = best_with_lead(count)
    for half, chosen in halves.items():
        print(f"\n{half}: {len(chosen)} articles, ROUGE F-measure at {count} sentences")
        print(f"  {'system':<12} {'R-1':>6} {'R-2':>6} {'R-L':>6}")
        results = {name: score(chosen, system) for name, system in systems.items()}
        for name, result in results.items():
            print(f"  {name:<12} " + " ".join(f"{result[m]:6.3f}" for m in METRICS))
        for name in results:
            if name.startswith(("ours", "oracle")):
                ratio = results[name]["rouge2"] / results[f"textrank-{count}"]["rouge2"]
                print(f"  R-2 {name} / TextRank: {ratio:.3f} (target >= {TARGET_RATIO:.2f})")
    if oracle:
        print(
            f"  oracle-{count}: the lead and the {count - 1} other sentences with the best ROUGE-2 (a bound)"
        )
    reader_checks({"BBC summary set": items}, {k: v for k, v in systems.items() if k != f"oracle-{count}"})


def best_with_lead(count: int) -> Callable[[Item], list[str]]:
    """The highest ROUGE-2 a summary keeping the first sentence can reach: every choice of the others tried."""
    scorer = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True)

    def run(item: Item) -> list[str]:
        first, *rest = item.sentences or [""]
        reference = "\n".join(item.reference)
        choices = itertools.combinations(range(len(rest)), min(count - 1, len(rest)))
        best = max(
            choices,
            key=lambda chosen: (
                scorer.score(reference, "\n".join([first, *(rest[i] for i in chosen)]))["rouge2"].fmeasure
            ),
        )
        return [first, *(rest[i] for i in best)]

    return run


def synthetic(items: Sequence[Item], count: int, length: int = 25) -> list[tuple[str, list[str]]]:
    """``count`` (title, sentences) articles of ``length`` sentences drawn from the corpus, for timing."""
    pool = [s for item in items for s in item.sentences]
    titles = [item.title for item in items]
    rng = random.Random(11)
    made = []
    for _ in range(count):
        start = rng.randrange(len(pool) - length)
        made.append((rng.choice(titles), pool[start : start + length]))
    return made


def speed(items: Sequence[Item], runs: int, count: int) -> None:
    articles = synthetic(items, 10_000)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for title, sentences in articles:
            summarize_article(sentences, count, title=title)
        times.append(time.perf_counter() - started)
    print(
        f"\nSummarizing 10,000 articles x 25 sentences, one process: median {statistics.median(times):.2f} s "
        f"over {runs} runs (min {min(times):.2f} s; the first run fills the stemming cache)"
    )
    text = ["\n\n".join(" ".join(item.sentences[i : i + 3]) for i in range(0, 24, 3)) for item in items]
    started = time.perf_counter()
    for _ in range(3):
        for body in text:
            split_sentences(body)
    per_article = (time.perf_counter() - started) / (3 * len(text))
    print(f"Splitting: {per_article * 10_000:.2f} s per 10,000 articles of this corpus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--skip-full", action="store_true", help="skip the reader's checks on the 5-section set"
    )
    parser.add_argument("--oracle", action="store_true", help="also the best ROUGE-2 keeping the lead (slow)")
    args = parser.parse_args()
    items = load()
    quality(items, args.sentences, oracle=args.oracle)
    if not args.skip_full:
        count = args.sentences
        reader_checks(
            {"BBC, all five sections": load_full()},
            {
                f"ours-{count}": ours(count),
                f"lead-{count}": lead(count),
                f"textrank-{count}": textrank(count),
            },
        )
    if not args.skip_speed:
        speed(items, args.runs, args.sentences)


if __name__ == "__main__":
    main()
