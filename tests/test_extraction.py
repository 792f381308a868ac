"""Extraction on the seed articles and on small texts written for each rule. No database."""

import pytest

from claims.extraction import extract_claims, quote_regions, split_blocks

BOILERPLATE_LINES = [
    "Spread the love",
    "Reuters and Associated Press contributed to this report",
    "Leave a Reply",
    "Your email address will not be published. Required fields are marked *",
    "Source: News Agencies",
]


@pytest.fixture(scope="module")
def seed_claims(seeds):
    return [extract_claims(text).claims for text in seeds]


def _claim_containing(claims, fragment):
    found = [c for c in claims if fragment in c.text]
    assert found, f"no claim contains {fragment!r}"
    return found[0]


def test_no_boilerplate_line_becomes_a_claim(seeds, seed_claims):
    for claims in seed_claims:
        for claim in claims:
            for line in BOILERPLATE_LINES:
                assert line not in claim.text
            assert "Required fields" not in claim.text
            assert "Spread the love" not in claim.text


def test_claim_spans_are_exact_offsets_into_the_body(seeds, seed_claims):
    for text, claims in zip(seeds, seed_claims):
        assert claims
        for claim in claims:
            assert text[claim.start : claim.end] == claim.text
        starts = [c.start for c in claims]
        assert starts == sorted(starts)


def test_headline_is_not_glued_to_the_first_paragraph(seeds, seed_claims):
    headline = seeds[1].splitlines()[0]
    for claim in seed_claims[1]:
        assert headline not in claim.text
    first = seed_claims[1][0]
    assert first.text.startswith("On the judicial front")


def test_section_headings_are_not_claims(seed_claims):
    texts = [c.text for c in seed_claims[1]]
    assert "The diplomatic front" not in texts
    assert not any(t.startswith("ICC seeks arrests of Russian officials") for t in texts)


def test_syrskyi_quotation_carries_his_name(seed_claims):
    claim = _claim_containing(seed_claims[0], "situation around Bakhmut remains difficult")
    assert claim.attribution == "direct"
    assert "Syrskyi" in claim.speaker


def test_he_added_resolves_to_syrskyi(seed_claims):
    claim = _claim_containing(seed_claims[0], "assault units are advancing from several directions")
    assert claim.text.rstrip().endswith("he added.")
    assert claim.attribution == "direct"
    assert "Syrskyi" in claim.speaker


def test_quoted_as_saying_by_keeps_the_quoted_person(seed_claims):
    claim = _claim_containing(seed_claims[1], "All enemy attempts to capture the town")
    assert claim.attribution == "direct"
    assert "Syrskyi" in claim.speaker


def test_multi_sentence_prigozhin_quote_is_one_claim(seed_claims):
    claim = _claim_containing(seed_claims[1], "The situation in Bakhmut is difficult, very difficult.")
    assert "The enemy is battling for every metre" in claim.text
    assert claim.attribution == "direct"
    assert claim.speaker == "Yevgeny Prigozhin"


def test_the_billionaire_resolves_to_prigozhin(seed_claims):
    claim = _claim_containing(seed_claims[1], "the billionaire said")
    assert "Ukrainians are throwing endless reserves" in claim.text
    assert claim.speaker == "Yevgeny Prigozhin"


def test_ukrainian_military_quotes_and_it_said(seed_claims):
    first = _claim_containing(seed_claims[1], "Wagner assault units are advancing")
    assert first.attribution == "direct"
    assert "Ukrainian military" in first.speaker
    second = _claim_containing(seed_claims[1], "our defenders are inflicting significant losses")
    assert second.attribution == "direct"
    assert second.speaker == first.speaker


def test_anonymous_sources(seed_claims):
    source = _claim_containing(seed_claims[1], "a source told the Reuters news agency")
    assert source.attribution == "anonymous"
    familiar = _claim_containing(seed_claims[1], "People familiar with the proposed call")
    assert familiar.attribution == "anonymous"


def test_according_to_names_the_speaker(seed_claims):
    claim = _claim_containing(seed_claims[1], "According to US national security adviser Jake Sullivan")
    assert claim.speaker == "Jake Sullivan"
    assert claim.attribution in ("reported", "direct")


def test_report_by_researchers_names_the_institution(seed_claims):
    claim = _claim_containing(seed_claims[0], "researchers at Yale University")
    assert claim.attribution == "reported"
    assert claim.speaker == "Yale University"


def test_claim_without_attribution_has_none(seed_claims):
    claim = _claim_containing(seed_claims[1], "Russian forces have captured eastern Bakhmut")
    assert claim.attribution == "none"
    assert claim.speaker is None


def test_pronoun_resolves_to_person_mentioned_not_speaking():
    text = (
        "The prosecutor, Karim Khan, opened an investigation a year ago.\n\n"
        "He said that the inquiry would cover crimes against children."
    )
    claims = extract_claims(text).claims
    assert claims[-1].speaker == "Karim Khan"
    assert claims[-1].attribution == "reported"


def test_description_with_a_known_role_resolves_to_that_person():
    text = (
        "Mayor Ines Okafor opened the new library on Monday.\n\n"
        "Budget officer Paul Reyes said the building cost 4 million euros.\n\n"
        "“Every child in the city deserves a library,” the mayor told reporters."
    )
    claims = extract_claims(text).claims
    assert claims[-1].speaker == "Ines Okafor"
    assert claims[-1].attribution == "direct"


def test_quantities_count_what_they_measure(seed_claims):
    claim = _claim_containing(seed_claims[0], "more than 1,100 deaths")
    units = {(q["value"], q["unit"]) for q in claim.quantities}
    assert (1100.0, "death") in units
    assert (220.0, "soldier") in units


def test_checkworthiness_ranks_numbers_above_questions():
    text = (
        "Unemployment fell to 4.2 percent in March, the lowest level since 2019, the statistics office said.\n\n"
        "Is the city ready for months of traffic jams?"
    )
    claims = extract_claims(text).claims
    numbers, question = claims
    assert 0 <= question.checkworthiness < 0.3 < 0.7 < numbers.checkworthiness <= 1
    assert "number or quantity" in numbers.reasons
    assert any("question" in r for r in question.reasons)


def test_blank_line_always_ends_a_sentence():
    text = "The ministry said the road would reopen\n\nResidents were told to use the ferry until then."
    claims = extract_claims(text).claims
    assert all("\n\n" not in c.text for c in claims)


def test_hard_wrapped_lines_are_joined_into_one_paragraph():
    text = "The council said the bridge\nwould stay closed until every cable had been checked by engineers."
    blocks = [b for b in split_blocks(text) if b.kind == "body"]
    assert len(blocks) == 1


def test_quote_regions_cover_curly_and_straight_quotes():
    text = 'He said "this is straight" and “this is curly” too.'
    regions = quote_regions(text)
    assert [text[a:b] for a, b in regions] == ['"this is straight"', "“this is curly”"]


def test_empty_text_gives_no_claims():
    assert extract_claims("").claims == []
