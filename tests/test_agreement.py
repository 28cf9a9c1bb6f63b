"""Corroboration: "reported by N" counts outlets whose sentence agrees on the facts, never a contradiction."""

from __future__ import annotations

import pytest

from digest.summarize.agreement import agree, claims
from digest.summarize.summaries import summarize_story


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (
            "The Bank of England raised interest rates to 5.25% on Thursday, the highest level since 2008.",
            "On Thursday the Bank of England lifted its key interest rate to 5.25%, its highest since 2008.",
        ),
        (
            "Floods forced 2,000 people from their homes in northern Wales after two days of heavy rain.",
            "Heavy rain over two days forced 2,000 people from their homes in northern Wales, officials said.",
        ),
        ("Acme said profits rose 5% to $1.2bn.", "Profits at Acme rose by 5 per cent to $1.2 billion."),
        ("The talks will resume on Monday, officials said.", "Officials said talks would restart on Monday."),
    ],
)
def test_paraphrases_agree(left: str, right: str) -> None:
    assert agree(left, right)
    assert agree(right, left)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # Numbers: a figure of one kind that differs, or figures with nothing in common.
        ("The crash killed 12 people, police said.", "The crash killed 15 people, police said."),
        ("Rates rose to 5.25% on Thursday.", "Rates rose to 5.5% on Thursday."),
        ("The deal is worth $10bn, the company said.", "The deal is worth $12bn, the company said."),
        ("Three people were injured in the blast.", "Five people were injured in the blast."),
        # Negation.
        ("The minister resigned on Friday.", "The minister did not resign on Friday."),
        ("The council will approve the plan.", "The council will never approve the plan."),
        # Opposite verbs.
        ("Rail services will resume on Monday.", "Rail services were suspended on Monday."),
        ("The museum will open its doors in May.", "The museum will close its doors in May."),
        ("Shares in Acme rose sharply in London.", "Shares in Acme fell sharply in London."),
        ("Arsenal won the cup final at Wembley.", "Arsenal lost the cup final at Wembley."),
        ("Parliament approved the bill on Tuesday.", "Parliament rejected the bill on Tuesday."),
    ],
)
def test_contradictions_disagree(left: str, right: str) -> None:
    assert not agree(left, right)
    assert not agree(right, left)


def test_claims_read_figures_with_their_kind() -> None:
    read = claims("Profits rose 7.50% to £1,200m in 2004, with 3 new stores and No. 10 watching.")
    assert {("%", "7.5"), ("m", "1200"), ("year", "2004"), ("new", "3"), ("watch", "10")} <= read.figures
    assert not read.negated  # "No. 10" is a number, not a negation
    assert claims("He didn't go.").negated


RESUME = (
    "Rail services between Leeds and York will resume on Monday after the strike ended, the operator said."
)
SUSPENDED = (
    "Rail services between Leeds and York were suspended on Monday after the strike, the operator said."
)
SUSPENDED_TOO = (
    "The operator said rail services between Leeds and York had been suspended on Monday after the strike."
)


def report(lead: str, *rest: str) -> list[str]:
    return [
        lead,
        *rest,
        "Passengers were advised to check timetables before travelling to the stations.",
        "The union representing drivers said talks with the operator would continue this week.",
    ]


def test_a_contradicted_sentence_is_never_counted_as_agreed() -> None:
    articles = [("one", report(RESUME)), ("two", report(SUSPENDED)), ("three", report(SUSPENDED_TOO))]
    outlets = {"one": "Daily Courier", "two": "Morning Ledger", "three": "Harbour Times"}
    summary = summarize_story(articles, outlets=outlets)
    sources = {sentence.text: sentence.sources for sentence in summary}
    # The two outlets that agree open the story; the one that contradicts them is not counted with them.
    assert summary[0].text in (SUSPENDED, SUSPENDED_TOO)
    assert summary[0].sources == 2
    assert sources.get(RESUME, 1) == 1
    # The fact is told once: the other version of it is not repeated.
    assert len({SUSPENDED, SUSPENDED_TOO, RESUME} & set(sources)) == 1


@pytest.mark.parametrize(
    ("first", "second", "third"),
    [
        (
            "Police said 12 people were killed when the bridge over the river collapsed in Genoa on Tuesday.",
            "Police said 15 people were killed when the bridge over the river collapsed in Genoa on Tuesday.",
            "Police said 15 people died when the bridge over the river collapsed in Genoa on Tuesday.",
        ),
        (
            "The mayor of Genoa said the bridge had been inspected before it collapsed on Tuesday.",
            "The mayor of Genoa said the bridge had not been inspected before it collapsed on Tuesday.",
            "The mayor of Genoa said the bridge had never been inspected before it collapsed on Tuesday.",
        ),
    ],
)
def test_outlets_count_only_when_their_figures_and_negation_agree(
    first: str, second: str, third: str
) -> None:
    filler = [
        "Rescue teams worked through the night to search the riverbed below the motorway.",
        "The government promised an inquiry into the state of the country's motorway bridges.",
    ]
    articles = [("a", [first, *filler]), ("b", [second, *filler[::-1]]), ("c", [third])]
    summary = summarize_story(articles, outlets={"a": "One", "b": "Two", "c": "Three"})
    sources = {sentence.text: sentence.sources for sentence in summary}
    assert sources.get(first, 1) == 1
    assert all(sources.get(text, 2) == 2 for text in (second, third))


AGREED = [
    "Acme Corp will close its steel plant in Leeds next year, cutting 400 jobs, the company said on Monday.",
    "Acme Corp said on Monday it would close its Leeds steel plant next year with the loss of 400 jobs.",
    "The company said on Monday that its steel plant in Leeds will close next year, cutting 400 jobs.",
]


def rest_of(number: int) -> list[str]:
    others = [
        "Union leaders said they would fight the decision and meet managers this week.",
        "The plant opened in 1962 and once employed more than 3,000 people in the city.",
        "Local councillors called on the government to help find a buyer for the site.",
    ]
    return [others[number]]


def test_counts_are_outlets_not_articles() -> None:
    articles = [(f"a{number}", [text, *rest_of(number)]) for number, text in enumerate(AGREED)]
    one_outlet_twice = {"a0": "Leeds Post", "a1": "Leeds Post", "a2": "Northern Herald"}
    summary = summarize_story(articles, outlets=one_outlet_twice)
    assert summary[0].text in AGREED
    assert summary[0].sources == 2  # two outlets, though three articles
    # Without outlets, each article is an outlet of its own.
    assert summarize_story(articles)[0].sources == 3
    # Said once: the other two tellings of the same fact are not in the summary.
    assert len(set(AGREED) & {sentence.text for sentence in summary}) == 1
