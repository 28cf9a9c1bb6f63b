"""Key facts of a story: names and figures the articles agree on, classified, ranked, without junk."""

from __future__ import annotations

from pathlib import Path

from digest.language.text import split_sentences
from digest.models import Fact
from digest.summarize.facts import MAX_FACTS, key_facts

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def seed(number: int) -> list[str]:
    text = SEEDS[number].read_text(encoding="utf-8")
    return [sentence for line in text.splitlines() for sentence in split_sentences(line)]


def by_text(facts: tuple[Fact, ...]) -> dict[str, Fact]:
    return {fact.text: fact for fact in facts}


FIRST = [
    "Acme Corp said on Monday it would close its steel factory in Leeds, cutting 1,200 jobs.",
    "Chief executive Jane Porter said demand for steel had fallen 12% in a year.",
    "The factory in Leeds made a loss of $10.9bn last year, the company said.",
    "According to the union, workers will get four months of pay.",
]
SECOND = [
    "Steelmaker Acme Corp is to shut its Leeds plant with the loss of 1,200 jobs.",
    "Ms Porter told reporters the plant had lost $10.9bn in 2023.",
    "The Unite union said it would fight the closure in Leeds.",
]
THIRD = [
    "About 1,200 workers will lose their jobs when Acme Corp closes the Leeds works, Jane Porter said.",
    "Local MP Tom Reed said the news was a blow to the region.",
]


def test_facts_the_sources_agree_on_come_first_with_their_kinds() -> None:
    facts = key_facts([("a", FIRST), ("b", SECOND), ("c", THIRD)])
    found = by_text(facts)
    assert found["Acme Corp"] == Fact("organisation", "Acme Corp", 3)
    assert found["Leeds"] == Fact("place", "Leeds", 3)
    assert found["Jane Porter"] == Fact("person", "Jane Porter", 3)  # "Ms Porter" is her too
    assert found["$10.9bn"] == Fact("figure", "$10.9bn", 2)
    assert found["1,200 jobs"] == Fact("figure", "1,200 jobs", 2)  # the third counts workers
    sources = [fact.sources for fact in facts]
    assert sources == sorted(sources, reverse=True)
    assert len(facts) <= MAX_FACTS


def test_facts_hold_no_sentence_openers_titles_or_dates() -> None:
    texts = {fact.text for fact in key_facts([("a", FIRST), ("b", SECOND), ("c", THIRD)])}
    for junk in ("The", "According", "Chief", "Ms", "Monday", "Steelmaker", "Local", "MP", "2023"):
        assert junk not in texts
    assert not any(text.startswith(("The ", "Ms ", "Chief ")) for text in texts)


def test_single_article_keeps_facts_repeated_or_in_the_lead() -> None:
    facts = by_text(key_facts([("a", FIRST)]))
    assert {"Acme Corp", "Leeds", "1,200 jobs"} <= set(facts)  # in the lead or said twice
    assert "Jane Porter" not in facts and "12%" not in facts  # once, outside the lead
    titled = by_text(key_facts([("a", FIRST)], titles={"a": "Jane Porter shuts Leeds steel plant"}))
    assert "Jane Porter" in titled


def test_figures_with_units_currency_and_percentages() -> None:
    sentences = [
        "Profits rose 2.5% to $1.13bn (£600m), while 32,500 Palestinians and 1.5 million residents left.",
        "Profits rose 2.5% to $1.13bn (£600m), while 32,500 Palestinians and 1.5 million residents left.",
        "On October 7, 2023, in 2004 and on Jan. 5 nothing was counted; the 98th division stayed.",
        "On October 7, 2023, in 2004 and on Jan. 5 nothing was counted; the 98th division stayed.",
    ]
    texts = {fact.text for fact in key_facts([("a", sentences)]) if fact.kind == "figure"}
    assert {"2.5%", "$1.13bn", "£600m", "32,500 Palestinians", "1.5 million residents"} <= texts
    assert not any(text.startswith(("7", "2023", "2004", "5", "98")) for text in texts)


def test_one_figure_worded_differently_is_one_fact() -> None:
    facts = key_facts(
        [
            ("a", ["A list includes 400 approved American nationals set to cross the border today."]),
            ("b", ["Officials estimate there are approximately 400 Americans stuck in the city."]),
        ]
    )
    figures = [fact for fact in facts if fact.kind == "figure"]
    assert figures == [Fact("figure", "400 Americans", 2)]


def test_boilerplate_and_headings_give_no_facts() -> None:
    sentences = [
        "Follow us on Twitter @newsdesk for Breaking News",
        "Dave DeCamp is the news editor of Antiwar.com, follow him on Twitter @decampdave.",
        "Gallant: Israel Withdrawing From Southern Gaza to Prepare for Rafah Invasion",
    ]
    assert key_facts([("a", sentences), ("b", sentences)]) == ()


def test_seed_story_facts() -> None:
    facts = key_facts([("first", seed(0)), ("second", seed(1))])
    found = by_text(facts)
    assert found["Khan Younis"].kind == "place" and found["Khan Younis"].sources == 2
    assert found["Rafah"] == Fact("place", "Rafah", 2)
    assert found["Hamas"].kind == "organisation"
    assert found["Yoav Gallant"].kind == "person"  # "Gallant said" counts as him
    assert found["Benjamin Netanyahu"] == Fact("person", "Benjamin Netanyahu", 2)
    for fact in facts:
        assert fact.text.split()[0] not in {"The", "According", "Israeli", "Lt", "Gen", "Dave", "Author"}


def test_key_facts_are_deterministic_and_empty_for_nothing() -> None:
    articles = [("first", seed(0)), ("second", seed(1)), ("third", seed(2))]
    assert key_facts(articles) == key_facts(list(reversed(articles)))[:0] + key_facts(articles)
    assert key_facts([]) == ()
    assert key_facts([("a", [])]) == ()


def test_a_name_folded_into_a_variant_still_takes_its_short_forms() -> None:
    sentences = [
        "The actress Imelda Staunton won at the Golden Globes in Los Angeles on Sunday night.",
        "Organisers of the Golden Globe said Imelda Staunton was the favourite all along.",
        "Staunton said the Golden Globes had changed her life, and Imelda thanked her family.",
    ]
    found = by_text(key_facts([("a", sentences), ("b", sentences[1:])]))
    assert found["Imelda Staunton"] == Fact("person", "Imelda Staunton", 2)
    assert "Staunton" not in found and "Imelda" not in found
    assert len([text for text in found if text.startswith("Golden Globe")]) == 1


def test_a_country_is_a_place_whatever_it_does_and_a_holiday_is_no_fact() -> None:
    facts = key_facts(
        [
            ("a", ["Sri Lanka said on Monday it would resume talks before Christmas, officials said."]),
            (
                "b",
                [
                    "Then Great Britain told the meeting that Sri Lanka had agreed to the plan before Christmas."
                ],
            ),
            ("c", ["On Friday Great Britain and Sri Lanka signed the deal, the ministry said."]),
        ]
    )
    kinds = {fact.text: fact.kind for fact in facts}
    assert kinds["Sri Lanka"] == "place" and kinds["Great Britain"] == "place"
    assert "Christmas" not in kinds


def kinds(sentences: list[str], title: str = "") -> dict[str, str]:
    return {fact.text: fact.kind for fact in key_facts([("a", sentences)], titles={"a": title})}


def test_products_and_brands_are_not_people() -> None:
    found = kinds(
        [
            "Shoppers queued for the Galaxy S5 outside stores in Seoul.",
            "The Galaxy S5 sold well, while luxury brand Louis Vuitton opened a shop in Seoul.",
            "Sales of the Galaxy S5 rose, and Louis Vuitton said sales rose too.",
        ]
    )
    assert found.get("Galaxy S5") is None
    assert found.get("Louis Vuitton") in (None, "organisation")
    assert found["Seoul"] == "place"


def test_media_are_organisations_not_places() -> None:
    found = kinds(
        [
            "The Wall Street Journal reported the deal on Monday.",
            "According to the Wall Street Journal, the deal is worth $2bn.",
            "Viewers watched it on TV, and TV ratings rose.",
        ]
    )
    assert found.get("Wall Street Journal") == "organisation"
    assert "TV" not in found


def test_events_and_number_words_are_not_figures_or_names() -> None:
    found = kinds(
        [
            "France beat Scotland in the opening match of the Six Nations on Saturday.",
            "The Six Nations continues next week, when France play in Dublin.",
            "Twelve severe flood warnings were issued, and four months of rain are expected.",
        ]
    )
    assert not any("Six Nations" in text or text.startswith("Twelve") for text in found)
    assert found["France"] == "place"


def test_nationalities_are_not_places() -> None:
    found = kinds(
        [
            "The French turned in a stuttering performance in Paris.",
            "The French coach said his French players were tired.",
        ]
    )
    assert "French" not in found


def test_generic_words_and_storm_names_are_not_people() -> None:
    found = kinds(
        [
            "Storm Evelyn brought heavy rain to Wales on Monday.",
            "Storm Evelyn is the fifth named storm, the Met Office said, and People were told to stay home.",
            "People in Wales were warned, and Storm damage was widespread.",
        ]
    )
    assert found.get("Storm Evelyn") != "person"
    assert "People" not in found and "Storm" not in found
    assert found["Wales"] == "place"


def test_a_short_name_beside_its_longer_form_is_not_listed() -> None:
    found = kinds(
        [
            "The Bank of England raised interest rates to 5.25% on Thursday.",
            "The Bank said inflation was too high, and the Bank of England will meet again in June.",
        ]
    )
    assert found["Bank of England"] == "organisation"
    assert "Bank" not in found


def test_names_joined_by_of_only_when_the_first_heads_an_organisation_or_place() -> None:
    found = kinds(
        [
            "Olivier Rochus of Belgium beat Guillermo Coria in Auckland.",
            "Rochus of Belgium will face Jan Hernych next, Olivier Rochus said.",
        ]
    )
    assert "Olivier Rochus of Belgium" not in found
    assert found["Olivier Rochus"] == "person" and found["Belgium"] == "place"


def test_a_country_abbreviation_is_a_place_not_the_word_us() -> None:
    found = kinds(
        ["US factory orders fell 1.2% in March.", "Orders in the US rose again in April."],
        title="US factory orders fall",
    )
    assert found["US"] == "place"


def test_a_person_named_first_in_a_sentence_keeps_their_given_name() -> None:
    found = kinds(
        [
            "Tim Henman beat his rival in straight sets on Tuesday.",
            "The win lifts Henman to fifth place.",
            "Tony Blair has rejected calls for an inquiry, and Mr Blair will speak on Friday.",
        ],
        title="Henman wins in Sydney",
    )
    assert found.get("Tim Henman") == "person" and found.get("Tony Blair") == "person"
    assert "Henman" not in found and "Blair" not in found


def test_a_person_after_in_is_not_a_place() -> None:
    found = kinds(
        [
            "Fans showed huge interest in David Beckham during the tour.",
            "Crowds in Tokyo cheered Beckham at every stop.",
        ],
        title="Beckham mobbed in Tokyo",
    )
    assert found.get("David Beckham") == "person"
    assert found.get("Tokyo") == "place"


def test_films_and_shows_named_after_people_are_not_people() -> None:
    found = kinds(
        [
            "The low-budget movie Vera Drake won three awards, and Mike Leigh was named best director.",
            "Vera Drake also took the prize for best actress.",
        ],
        title="Vera Drake wins big",
    )
    assert "Vera Drake" not in found


def test_an_airline_or_a_watchdog_named_in_passing_is_an_organisation() -> None:
    found = kinds(
        [
            "German airline Lufthansa returned to profit, and broadcasting watchdog Ofcom opened an inquiry.",
            "Lufthansa said fuel costs would rise, while Ofcom said it would report in May.",
        ]
    )
    assert found["Lufthansa"] == "organisation" and found["Ofcom"] == "organisation"


def test_a_nationality_word_that_begins_an_organisation_name_stays_in_it() -> None:
    found = kinds(
        [
            "The Muslim Council of Britain complained about the British National Party leaflet.",
            "The Muslim Council of Britain said the British National Party should apologise.",
        ]
    )
    assert found["Muslim Council of Britain"] == "organisation"
    assert found["British National Party"] == "organisation"
    assert "Council of Britain" not in found and "National Party" not in found


def test_names_joined_by_an_ampersand_are_one_name() -> None:
    found = kinds(
        ["Mortgage lender Bradford & Bingley reported higher profits.", "Bradford & Bingley shares rose."]
    )
    assert found["Bradford & Bingley"] == "organisation"
    assert "Bradford" not in found


def test_a_possessive_ends_a_name() -> None:
    found = kinds(
        [
            "Fans of the Beatles' Paul McCartney queued all night in the rain.",
            "The Beatles' Paul McCartney said the tour would go on.",
        ]
    )
    assert found.get("Paul McCartney") == "person"
    assert not any(text.startswith("Beatles") for text in found)


def test_a_common_abbreviation_does_not_end_a_name() -> None:
    found = kinds(
        ["A US TV network bought the series on Monday.", "US TV viewers will see it in May."],
        title="US TV deal signed",
    )
    assert found.get("US") == "place"
    assert "US TV" not in found


def test_the_european_union_is_an_organisation_not_a_place() -> None:
    found = kinds(
        [
            "The European Union agreed new rules on Monday.",
            "Ministers said the European Union would meet again.",
        ]
    )
    assert found.get("European Union") == "organisation"


def test_an_institution_named_after_its_country_is_not_a_person() -> None:
    found = kinds(
        [
            "Growth continued in most of the US, the US Federal Reserve said on Wednesday.",
            "The US Federal Reserve said prices were stable.",
        ],
        title="US economy still growing",
    )
    assert found.get("US Federal Reserve") != "person"
    assert found["US"] == "place"


def test_a_ratio_is_not_a_figure() -> None:
    found = kinds(
        [
            "Profits were ten times higher than in 2003 at 380m euros.",
            "Profits were ten times higher than forecast, at 380m euros.",
        ]
    )
    assert "380m euros" in found
    assert not any(text.endswith("times") for text in found)


def test_surnames_with_hyphens_apostrophes_and_particles_are_names_but_style_words_are_not() -> None:
    found = kinds(
        [
            "The manager said that Martin O'Neill would be at the dinner with Robert Kilroy-Silk.",
            "It was the first time that Martin O'Neill had met the actor Robert de Niro in person.",
            "Robert Kilroy-Silk and Robert de Niro both wore outfits in a Janet Jackson-style look.",
        ]
    )
    assert found["Martin O'Neill"] == "person"
    assert found["Robert Kilroy-Silk"] == "person"
    assert found["Robert de Niro"] == "person"
    assert "Janet Jackson-style" not in found


def test_a_company_after_a_capitalised_trade_word_is_not_a_person() -> None:
    found = kinds(
        [
            "Carmaker Renault said its sales rose 4% in the year to March.",
            "Renault will open a new plant in Spain next year.",
        ]
    )
    assert found.get("Renault") == "organisation"


def test_a_name_before_star_or_boss_is_not_taken_for_a_person() -> None:
    found = kinds(
        [
            "Harry Potter star Daniel Radcliffe is to appear on stage in London.",
            "The Harry Potter films have made him one of the richest young actors in London.",
        ],
        title="Radcliffe to star on stage",
    )
    assert found.get("Harry Potter") is None
    assert found.get("Daniel Radcliffe") == "person"


def test_a_politician_s_role_abbreviation_is_a_title_not_part_of_the_name() -> None:
    found = kinds(
        [
            "Labour MP Tom Reed said the closure was a blow to the town.",
            "The UKIP MEP said Tom Reed was wrong about the closure.",
        ]
    )
    assert found.get("Tom Reed") == "person"
    assert not any("MP" in text for text in found)


def test_an_everyday_surname_after_mr_still_names_the_person() -> None:
    facts = key_facts(
        [
            (
                "a",
                [
                    "Ministers meeting in London backed plans to cut the debts of poor countries.",
                    "The meeting backed a plan by chancellor Gordon Brown to write off the debts.",
                    "Mr Brown said the plan would help the poorest countries.",
                ],
            )
        ]
    )
    assert Fact("person", "Gordon Brown", 1) in facts


def test_a_surname_that_is_also_a_title_is_kept() -> None:
    found = kinds(
        [
            "The challenge paved the way for John Major to move into Downing Street.",
            "John Major then won the second ballot with ease.",
        ]
    )
    assert found.get("John Major") == "person"


def test_a_closing_quote_does_not_start_a_sentence() -> None:
    found = kinds(
        [
            'The head of the "failing" Child Support Agency is still in the job, officials said.',
            'MPs said the "troubled" Child Support Agency had failed parents.',
        ]
    )
    assert found.get("Child Support Agency") == "organisation"
    assert "Support Agency" not in found


def test_the_owner_after_in_is_not_a_place() -> None:
    found = kinds(
        [
            "The single, recorded in Paris, is number two in Billboard's pop chart this week.",
            "It tops the digital chart in Billboard's new list.",
        ]
    )
    assert found.get("Billboard") != "place"
    assert found.get("Paris") == "place"


def test_a_numbered_edition_and_time_zones_and_honours_are_not_organisations() -> None:
    found = kinds(
        [
            "She won the 51st Cross International Zornotza race, which started at 1100 GMT.",
            "The 51st Cross International Zornotza was shown live from 1100 GMT, and she was made an OBE.",
            "She had been made an OBE last year.",
        ]
    )
    assert not any("Cross International" in text for text in found)
    assert "GMT" not in found and "OBE" not in found


def test_a_bid_from_a_club_does_not_make_it_a_place() -> None:
    found = kinds(
        [
            "Forest received an offer from Tottenham for the two players on Monday.",
            "The offer from Tottenham was rejected, but a bid from Tottenham may follow.",
        ]
    )
    assert found.get("Tottenham") != "place"


def test_a_city_named_like_an_everyday_word_is_a_place() -> None:
    found = kinds(
        [
            "Shares in the London Stock Exchange rose after talks in London on Monday.",
            "The talks in London and Paris will go on, and a deal may follow in Paris.",
        ]
    )
    assert found.get("London") == "place" and found.get("Paris") == "place"
    assert found.get("London Stock Exchange") != "place"


def test_a_hyphenated_number_describes_rather_than_counts() -> None:
    found = kinds(
        [
            "Fiat will stop making six-cylinder engines at a plant with 4,000 workers after a two-year review.",
            "The six-cylinder engines will come from a plant with 4,000 workers after the two-year review.",
        ]
    )
    assert not any("-" in text for text in found)
    assert "4,000 workers" in found


def test_a_title_cased_name_is_a_work_or_event_not_a_place() -> None:
    found = kinds(
        [
            "Kipchoge won the race at the View From Great Edinburgh Cross Country.",
            "The race is held every January in Edinburgh, and Kipchoge will run in Edinburgh again.",
        ]
    )
    assert not any(text.startswith("View") for text in found)
    assert found.get("Edinburgh") == "place"
