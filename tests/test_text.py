"""The sentence splitter, word tokens, content terms and headlines from leads."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.language.text import (
    FUNCTION_WORDS,
    STOPWORDS,
    content_terms,
    headline_from_lead,
    salient_terms,
    sentence_spans,
    split_sentences,
    stem,
    word_count,
    words,
)
from tests.conftest import growth

BBC = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"
SUMMARY_DEV = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc-summary-dev"
needs_bbc = pytest.mark.skipif(not BBC.is_dir(), reason="BBC corpus not available")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Lt. Gen. Herzi Halevi, the head of the Israeli military, spoke. The war goes on.",
            ["Lt. Gen. Herzi Halevi, the head of the Israeli military, spoke.", "The war goes on."],
        ),
        ("Col. Smith and Gen. Jones met Prof. Brown.", ["Col. Smith and Gen. Jones met Prof. Brown."]),
        (
            "The U.S. State Department and the U.N. agreed with the U.K. on Tuesday.",
            ["The U.S. State Department and the U.N. agreed with the U.K. on Tuesday."],
        ),
        ("Troops left the U.S. The talks resumed.", ["Troops left the U.S.", "The talks resumed."]),
        (
            "Mr. Smith, Mrs. Jones, Ms. Lee and Dr. Who met at St. Paul's.",
            ["Mr. Smith, Mrs. Jones, Ms. Lee and Dr. Who met at St. Paul's."],
        ),
        (
            "It began on Jan. 5 and ended on Feb. 9 in the rain.",
            ["It began on Jan. 5 and ended on Feb. 9 in the rain."],
        ),
        (
            "Apple Inc. and Acme Corp. joined Foo Ltd. and Bar Co. in the deal.",
            ["Apple Inc. and Acme Corp. joined Foo Ltd. and Bar Co. in the deal."],
        ),
        ("He lives at No. 10 now.", ["He lives at No. 10 now."]),
        ("It was Chelsea vs. Arsenal on Sunday.", ["It was Chelsea vs. Arsenal on Sunday."]),
        (
            "Fruit, e.g. apples, i.e. food, etc. are cheap. Prices fell.",
            ["Fruit, e.g. apples, i.e. food, etc. are cheap.", "Prices fell."],
        ),
        ("J. R. R. Tolkien wrote it. Fans cheered.", ["J. R. R. Tolkien wrote it.", "Fans cheered."]),
        ("George W. Bush spoke on Monday.", ["George W. Bush spoke on Monday."]),
        (
            "Profits rose to $1.13bn (£600m). Sales grew 2.5% to 3.5m units.",
            ["Profits rose to $1.13bn (£600m).", "Sales grew 2.5% to 3.5m units."],
        ),
        (
            '"We are far from the end," he said. Next came the vote.',
            ['"We are far from the end," he said.', "Next came the vote."],
        ),
        ('"Stop." Then he left.', ['"Stop."', "Then he left."]),
        ("“Stop.” Then he left.", ["“Stop.”", "Then he left."]),
        ("“It is over,” she said. “We won.”", ["“It is over,” she said.", "“We won.”"]),
        ("Is it over? Yes! It is.", ["Is it over?", "Yes!", "It is."]),
        ('"Why?" he asked. Nobody knew.', ['"Why?" he asked.', "Nobody knew."]),
        ("He paused... Then he spoke. Wait… What?", ["He paused...", "Then he spoke.", "Wait…", "What?"]),
        ("He paused... and went on.", ["He paused... and went on."]),
        (
            "Sales rose to $10.9bn.For the full-year, profit rose.",
            ["Sales rose to $10.9bn.", "For the full-year, profit rose."],
        ),
        ("Shares fell 1.1%.US retail sales fell.", ["Shares fell 1.1%.", "US retail sales fell."]),
        ('Sales slowed."I am sure," he said.', ["Sales slowed.", '"I am sure," he said.']),
        ("Visit www.bbc.co.uk for more.", ["Visit www.bbc.co.uk for more."]),
        ("The U.S.-based firm grew 3.5 times.", ["The U.S.-based firm grew 3.5 times."]),
        (
            "First part.\n\nHeading without stop\n\nSecond part.",
            ["First part.", "Heading without stop", "Second part."],
        ),
        ("  One.   Two.  ", ["One.", "Two."]),
        (
            # A quotation running on from the paragraph before: its closing quote stays with it.
            'It says I work here. They will not let me call a lawyer." Bipin Bihari, a police chief, said so.',
            [
                "It says I work here.",
                'They will not let me call a lawyer."',
                "Bipin Bihari, a police chief, said so.",
            ],
        ),
        ("Hank Williams Jr. He wrote it.", ["Hank Williams Jr.", "He wrote it."]),
        ("Martin Luther King Jr. was born in Atlanta.", ["Martin Luther King Jr. was born in Atlanta."]),
        ("", []),
        ("   \n\n  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("aZ .!?…\"'“”’()$%0123456789,\n-")) | st.characters(), max_size=200)
)
def test_split_sentences_loses_and_invents_nothing(text: str) -> None:
    sentences = split_sentences(text)
    assert all(sentence and sentence == sentence.strip() for sentence in sentences)
    assert "".join("".join(sentences).split()) == "".join(text.split())
    spans = sentence_spans(text)
    assert [text[start:end] for start, end in spans] == sentences
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))


@needs_bbc
def test_splitting_time_grows_in_step_with_the_text() -> None:
    articles = [
        path.read_text(encoding="utf-8", errors="replace") for path in sorted(BBC.glob("*/*.txt"))[:320]
    ]
    news = {count: "\n\n".join(articles[:count]) for count in (40, 320)}
    run_on = {count: "word, " * 1_000 * count for count in (40, 320)}  # no sentence ends anywhere
    # Eight times the text in one piece: linear takes about 8 times as long, quadratic 64.
    assert growth(lambda count: split_sentences(news[count]), 40, 320) < 20
    assert growth(lambda count: split_sentences(run_on[count]), 40, 320) < 20


@pytest.mark.skipif(not SUMMARY_DEV.is_dir(), reason="BBC summary set not available")
def test_glued_reference_summaries_resplit_into_article_sentences() -> None:
    hits = total = 0
    for summary in sorted((SUMMARY_DEV / "summaries").glob("*/*.txt"))[:150]:
        article = SUMMARY_DEV / "articles" / summary.parent.name / summary.name
        paragraphs = article.read_text(encoding="utf-8", errors="replace").split("\n\n")[1:]
        known = {sentence for paragraph in paragraphs for sentence in split_sentences(paragraph)}
        for sentence in split_sentences(summary.read_text(encoding="utf-8", errors="replace")):
            total += 1
            hits += sentence in known
    assert total > 800
    assert hits / total > 0.93


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Chinese: the ideographic full stop and full-width marks end a sentence with no space after them.
        (
            "地铁今天开通。乘客很多！你去了吗？我去了。",
            ["地铁今天开通。", "乘客很多！", "你去了吗？", "我去了。"],
        ),
        # A quotation of two sentences stays whole with its speaker, and its closing mark with it.
        (
            "李女士说：“路上很堵。现在方便多了！”商户也很高兴。",
            ["李女士说：“路上很堵。现在方便多了！”", "商户也很高兴。"],
        ),
        (
            "担当者は「大切だ。協力してほしい」と話した。次の文。",
            ["担当者は「大切だ。協力してほしい」と話した。", "次の文。"],
        ),
        # Half-width '!' and '?' glued to Chinese end a sentence too; between Latin letters they do not.
        ("太好了!我们赢了?是的。", ["太好了!", "我们赢了?", "是的。"]),
        ("Yahoo!Japan 发布新品。", ["Yahoo!Japan 发布新品。"]),
        # A stray opening mark does not hold the rest of a long paragraph in one sentence.
        ("「" + "这是一个句子。" * 60, ["「" + "这是一个句子。" * 43] + ["这是一个句子。"] * 17),
        # The Devanagari danda and double danda; the Arabic question mark; the Urdu full stop.
        ("मानसून आ गया है। किसान खुश हैं॥ बारिश होगी।", ["मानसून आ गया है।", "किसान खुश हैं॥", "बारिश होगी।"]),
        (
            "उन्होंने कहा, “हम तैयार हैं। मदद आएगी।” फिर वे चले गए।",
            ["उन्होंने कहा, “हम तैयार हैं। मदद आएगी।”", "फिर वे चले गए।"],
        ),
        ("هل يكفي ذلك؟ يرى خبراء أن الطلب سيرتفع.", ["هل يكفي ذلك؟", "يرى خبراء أن الطلب سيرتفع."]),
        ("حکومت نے اعلان کیا۔ بارش ہوگی۔", ["حکومت نے اعلان کیا۔", "بارش ہوگی۔"]),
        # Cyrillic and Arabic prose with ordinary full stops, as before.
        (
            "Доходы составят 40,3 трлн руб., расходы — 41,5 трлн руб. Об этом сообщил министр.",
            ["Доходы составят 40,3 трлн руб., расходы — 41,5 трлн руб.", "Об этом сообщил министр."],
        ),
        (
            "افتتحت الحكومة المحطة. وقالت الوزارة إنها كبيرة.",
            ["افتتحت الحكومة المحطة.", "وقالت الوزارة إنها كبيرة."],
        ),
    ],
)
def test_split_sentences_of_other_scripts(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_words_keep_devanagari_vowel_signs_and_pair_chinese_characters() -> None:
    # Devanagari vowel signs and viramas are combining marks, which \w does not match.
    assert words("किसानों के लिए हिंदी") == ["किसानों", "के", "लिए", "हिंदी"]
    assert words("杭州地铁28日开通，B型列车") == [
        "杭州",
        "州地",
        "地铁",
        "28",
        "日开",
        "开通",
        "b",
        "型列",
        "列车",
    ]
    assert words("東京都は十日") == ["東京", "京都", "都は", "は十", "十日"]
    assert words("北") == ["北"]
    assert "~地铁" in salient_terms("杭州地铁开通") and "地铁" in content_terms("杭州地铁开通")


def test_word_count_counts_chinese_and_japanese_by_pairs_of_characters() -> None:
    assert word_count("The council met on Monday.") == 5
    assert word_count("मानसून आ गया है।") == 4
    assert word_count("杭州地铁今天开通。") == 4  # eight characters
    assert word_count("杭州地铁 28日开通，B型列车。") == 2 + 1 + 2 + 1 + 2  # 杭州地铁, 28, 日开通, B, 型列车


def test_words_lowercase_and_keep_internal_apostrophes_and_hyphens() -> None:
    assert words("Israel’s war-torn city: 1,200 killed, U.S. says") == [
        "israel's",
        "war-torn",
        "city",
        "1",
        "200",
        "killed",
        "u",
        "s",
        "says",
    ]


def test_stopwords_cover_function_words_and_reporting_verbs() -> None:
    assert 150 <= len(STOPWORDS) <= 400
    assert {"the", "of", "and", "said", "says", "told", "according"} <= STOPWORDS
    assert "gaza" not in STOPWORDS


def test_content_terms_drop_stopwords_and_normalize_suffixes() -> None:
    assert content_terms("The companies said prices were rising, as Israel's troops stopped.") == [
        "company",
        "pric",
        "ris",
        "israel",
        "troop",
        "stop",
    ]


def test_function_words_are_closed_class_only() -> None:
    assert {"the", "of", "and", "he", "would", "was"} <= FUNCTION_WORDS
    # Reporting verbs, titles and "us" (mostly "US" in news) carry an article's recurring content.
    assert not {"said", "mr", "us", "new", "year", "gaza"} & FUNCTION_WORDS


def test_salient_terms_keep_each_word_and_its_marked_stem() -> None:
    assert salient_terms("The companies said Israel's profits rose.") == [
        "companies",
        "~company",
        "said",
        "~said",
        "israel's",
        "~israel",
        "profits",
        "~profit",
        "rose",
        "~ros",
    ]
    assert salient_terms("It was in the") == []


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("company", "companies"),
        ("price", "prices"),
        ("make", "making"),
        ("tax", "taxes"),
        ("stop", "stopped"),
    ],
)
def test_stem_conflates_inflections(left: str, right: str) -> None:
    assert stem(left) == stem(right)


@pytest.mark.parametrize("word", ["crisis", "status", "news", "gas", "2005"])
def test_stem_is_idempotent_enough_for_matching(word: str) -> None:
    assert stem(stem(word)) == stem(word)


@pytest.mark.parametrize(
    ("lead", "headline"),
    [
        (
            "The Israeli army says it has withdrawn its forces from the city of Khan Younis, the biggest in the "
            "southern Gaza Strip, as its war against Palestinian Islamist group Hamas hits the six-month mark.",
            "The Israeli army says it has withdrawn its forces from the city of Khan Younis",
        ),
        (
            "Israeli soldiers have entered the war-torn city of Gaza and are currently engaged in fierce combat "
            "with Hamas militants, according to Israeli military officials.",
            "Israeli soldiers have entered the war-torn city of Gaza",
        ),
        (
            "US retail sales fell 0.3% in January. The fall was the biggest since August.",
            "US retail sales fell 0.3% in January",
        ),
        (
            "WASHINGTON (Reuters) - The Senate passed a bill that funds the government through March, averting "
            "a shutdown that had loomed for weeks.",
            "The Senate passed a bill that funds the government through March",
        ),
        (
            "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn (£600m) for the three months to "
            "December, from $639m year-earlier.",
            "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn…",
        ),
        (
            "“The division has concluded its mission in Khan Yunis. It left.",
            "The division has concluded its mission in Khan Yunis",
        ),
        ("", ""),
    ],
)
def test_headline_from_lead(lead: str, headline: str) -> None:
    assert headline_from_lead(lead) == headline


@needs_bbc
def test_headlines_from_bbc_leads_are_short_and_end_on_a_content_word() -> None:
    paths = sorted(BBC.glob("*/*.txt"))
    for path in random.Random(7).sample(paths, 200):
        lead = path.read_text(encoding="utf-8", errors="replace").split("\n\n")[1]
        headline = headline_from_lead(lead)
        tokens = headline.rstrip("…").split()
        assert 1 <= len(tokens) <= 16, (path, headline)
        assert tokens[-1].lower().strip(",.;:") not in STOPWORDS, (path, headline)
        assert not headline.endswith((",", ";", ":", "."))
        assert set(words(headline)) <= set(words(lead)), (path, headline)
