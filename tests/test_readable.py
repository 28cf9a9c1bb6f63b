"""Sentences a summary can stand on: openers that need context, lists that are not prose, cut quotations."""

from __future__ import annotations

import pytest

from digest.language.readable import is_listing, needs_context, quote_cuts
from digest.summarize.summaries import summarize_article, usable_sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "However, forecasters expect the rain to ease by the weekend.",
        "He said the plan would be published next week.",
        "But the council said it had no money left for repairs.",
        "Also on the list were three schools in the north of the city.",
        "In a separate development, police arrested two men in Leeds.",
        "Meanwhile, shares in the company fell by 3% in early trading.",
        "Seen as a likely successor, the finance minister declined to comment.",
        '"They have let us down," said one resident of the town.',
        "This was the third time the bridge had been closed this year.",
        "其中，城市上涨0.3%，农村上涨0.2%。",
        "但专家提醒，下半年物价走势仍存在不确定性。",
        "一方で、熱中症を防ぐため無理な節電を控えるよう求めている。",
        "उन्होंने बताया कि अल नीनो की स्थिति कमजोर पड़ रही है।",
        "हालांकि विशेषज्ञों ने बाढ़ की चेतावनी दी है।",
        "Однако экономисты обратили внимание на риски.",
        "Кроме того, министр пообещал снизить налоги.",
    ],
)
def test_openers_that_need_the_sentence_before(sentence: str) -> None:
    assert needs_context(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "This year's Oscar nominees have been the least popular for 20 years, box office figures show.",
        "Speaking on Monday, the minister said the plan would go ahead.",
        "The Bank of England raised interest rates to 5.25% on Thursday.",
        "Heavy rain forced 2,000 people from their homes in Wales.",
        "Italy's economy shrank in the last three months of the year.",
        "国家统计局3日发布数据显示，5月份全国居民消费价格同比上涨0.3%。",
        "東京都は十日、節電への協力を呼びかける方針を明らかにした。",
        "भारत मौसम विज्ञान विभाग ने शनिवार को मानसून की घोषणा की।",
        "Правительство внесло в Госдуму проект бюджета.",
    ],
)
def test_openers_that_stand_alone(sentence: str) -> None:
    assert not needs_context(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        ": Douglas, McNamara, Balde, Varga, Laursen, Petrov, Lennon, Sutton, Thompson, Bellamy, Hartson.",
        "Subs: Marshall, Henchoz, Juninho Paulista, Lambert, Maloney, Wallace, McGeady.",
        "Man Utd: Carroll, Gary Neville, Ferdinand, Brown, Heinze, O'Shea (Ronaldo 33), Keane.",
        "Goals: Rooney 68, Dunne 75 og.",
        "Referee: R Styles (Hampshire).",
        "In full: Best film, Best director, Best actor, Best actress and Best screenplay.",
        "Correction: An earlier version of this article gave the wrong date for the vote.",
        "Pictured: The new stadium under construction in the north of the city last year.",
        "Screen: 6.1in OLED, Storage: 128GB, 256GB, 512GB, Battery: 3,200mAh, Weight: 174g.",
        "- Tim Dams, Screen International: Film - The Aviator; director - Clint Eastwood; actor - Jamie Foxx; actress - Hilary Swank.",
        "- Best lighting design - His Dark Materials by Paule Constable at the National Theatre.",
        "- Upgrading security at nuclear arms stores across the former Soviet Union.",
    ],
)
def test_lists_sheets_and_notes_are_not_sentences(sentence: str) -> None:
    assert is_listing(sentence)
    assert not usable_sentence(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Other films in the category include Police drama 36, Quai Des Orfevres and The Chorus.",
        "Bratman, 26, proposed to Grammy-winning singer Aguilera, 23, on holiday at an undisclosed location.",
        'He said: "We will not be pretending there is some simple easy way of doing this."',
        "The three boys playing Billy are James Lomas, 15, George Maguire, 14, and Liam Mower, 12.",
        "Consumption, meanwhile, has jumped to 2.4 million bpd, compared with 474,000 bpd in 1973.",
    ],
)
def test_prose_with_commas_and_colons_is_not_a_list(sentence: str) -> None:
    assert not is_listing(sentence)


def test_quote_cuts_mark_pieces_of_a_quotation_the_splitter_broke() -> None:
    sentences = [
        "Hingis reached the quarter-finals in Melbourne on Monday.",
        '"I have had a lot of injuries.',
        'I hope my body will hold up," said Hingis.',
        '"It was a great match," she said.',
        "“We will be back.",
        "Next year we will win,” the coach said.",
        'Officials called the vote a "disaster" for the party.',
    ]
    assert quote_cuts(sentences) == [False, True, True, False, True, True, False]


def test_a_stray_quotation_mark_does_not_silence_the_rest_of_the_article() -> None:
    sentences = ["The height is 6'2\" and he weighs 90kg."] + [
        f"Sentence number {n} is plain prose." for n in range(8)
    ]
    assert quote_cuts(sentences)[-3:] == [False, False, False]


HINGIS = [
    "Martina Hingis has confirmed she will return to competitive tennis at a tournament in Thailand next month.",
    '"I have had a lot of injuries and I was not sure I could ever play at this level again.',
    'I hope my body will hold up for the whole tournament in Thailand," said Hingis on Monday.',
    "Hingis won five Grand Slam singles titles before she retired from tennis with ankle injuries in 2003.",
    "However, Hingis said she had no plans to return to the full tennis tour this season.",
    "The tournament in Thailand will be her first competitive match since she retired in 2003.",
]


def test_article_summary_leads_with_the_news_and_never_cuts_a_quotation() -> None:
    for count in (1, 2, 3, 4):
        summary = summarize_article(HINGIS, count, title="Hingis to make comeback")
        assert summary[0] == HINGIS[0]
        assert HINGIS[1] not in summary
        assert HINGIS[2] not in summary


def test_article_summary_skips_a_teaser_lead_for_the_news() -> None:
    sentences = [
        '"I never thought I would see the day," said Mary Jones, 84, standing outside the closed post office.',
        "The last post office in the village of Ashby will close on Friday after 150 years, the Post Office said.",
        "The Post Office said the village post office had lost money for a decade.",
        "Villagers said the post office closure would leave older people without a bank.",
    ]
    assert summarize_article(sentences, 2)[0] == sentences[1]


def test_a_summary_without_a_lead_never_opens_with_a_follow_on() -> None:
    sentences = [
        "Do you know where your pension is invested and how it is doing?",
        "However, pension funds in Britain lost 8% of their value last year, the regulator said.",
        "But the regulator said pension funds in Britain would recover their value this year.",
        "Pension funds in Britain hold more than 2 trillion pounds for 10 million savers, the regulator said.",
    ]
    summary = summarize_article(sentences, 2)
    assert summary and not needs_context(summary[0])
