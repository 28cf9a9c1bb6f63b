"""Background word frequencies: wordfreq's list, read from its file without importing wordfreq."""

from __future__ import annotations

import wordfreq

from digest.language import background


def test_the_list_read_from_its_file_is_wordfreqs_own() -> None:
    read = background._read_list(background._LIST)
    assert read == wordfreq.get_frequency_dict("en", wordlist="small")
    assert len(read) > 10_000


def test_everyday_words_weigh_least_and_names_most() -> None:
    assert background.rarity("the") == 0.25
    assert background.rarity("the") < background.rarity("council") < background.rarity("Zelenskyy") == 2.0
    assert background.rarity("2024") == 1.0


def test_plain_words_are_as_common_as_wordfreq_says() -> None:
    from digest.summarize.facts import _zipf

    words = [w for w in background.frequencies() if w.isascii() and w.isalpha() and w.islower()]
    assert len(words) > 10_000
    for word in [*words[::7], "zzyzxq", "kabul", "the"]:
        assert _zipf(word) == wordfreq.zipf_frequency(word, "en", wordlist="small"), word
    assert _zipf("Covid-19") == wordfreq.zipf_frequency("Covid-19", "en", wordlist="small")
