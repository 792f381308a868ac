"""Extraction on the seed articles and on small texts written for each rule. No database."""

import pytest

from claims.nlp.blocks import split_blocks
from claims.nlp.pipeline import extract_claims
from claims.nlp.quotes import quote_regions

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
    # "..., while Russia's ministry of defence claimed it had killed 220 ...": that source's own claim
    other = _claim_containing(seed_claims[0], "killed 220")
    assert (220.0, "soldier") in {(q["value"], q["unit"]) for q in other.quantities}
    assert claim.speaker == "Volodymyr Zelensky" and other.speaker == "Russia’s ministry of defence"


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


# --- attribution cases named in issue 5, on small texts written for each ---------------------------


def _only(text, fragment):
    return _claim_containing(extract_claims(text).claims, fragment)


def test_quote_interrupted_by_its_attribution_is_one_direct_claim():
    text = "Harbour Bridge to reopen\n\n“The bridge will reopen in May,” Mayor Ines Okafor said, “and not a day later.”"
    claim = _only(text, "The bridge will reopen in May")
    assert "and not a day later" in claim.text
    assert claim.attribution == "direct"
    assert claim.speaker == "Ines Okafor"
    assert claim.speaker_kind == "person"


def test_quote_left_open_continues_into_the_next_paragraph():
    text = (
        "Bridge repairs\n\n"
        "Chief engineer Tomas Brandt said the repairs would take months. “We found corrosion in every "
        "cable we opened, and some of it is severe.\n\n"
        "“The steel will have to be replaced before the winter storms arrive.”"
    )
    claims = extract_claims(text).claims
    continued = _claim_containing(claims, "The steel will have to be replaced")
    assert continued.attribution == "direct"
    assert continued.speaker == "Tomas Brandt"
    opened = _claim_containing(claims, "We found corrosion")
    assert opened.attribution == "direct"
    assert opened.speaker == "Tomas Brandt"


def test_colon_introduces_the_quotation_in_the_next_paragraph():
    text = (
        "Bridge repairs\n\n"
        "Tomas Brandt, the chief engineer, spoke to reporters on Tuesday:\n\n"
        "“We found corrosion in every cable we opened.”"
    )
    claim = _only(text, "We found corrosion")
    assert claim.attribution == "direct"
    assert claim.speaker == "Tomas Brandt"


def test_told_reuters_names_the_speaker_not_the_agency():
    claim = _only("Budget cuts\n\nFinance minister Ana Ruiz told Reuters that the budget for road repairs "
                  "would be cut by 5 percent next year.", "Ana Ruiz told Reuters")
    assert claim.attribution == "reported"
    assert claim.speaker == "Ana Ruiz"


def test_sentence_with_an_event_and_a_statement_is_two_claims():
    text = "Bridge closed\n\nThe council closed the bridge to all traffic on Monday, and Mayor Ines Okafor said it would reopen in May."
    claims = extract_claims(text).claims
    assert [c.text for c in claims] == [
        "The council closed the bridge to all traffic on Monday",
        "Mayor Ines Okafor said it would reopen in May.",
    ]
    assert claims[0].attribution == "none"
    assert (claims[1].attribution, claims[1].speaker) == ("reported", "Ines Okafor")
    for claim in claims:
        assert text[claim.start : claim.end] == claim.text


def test_the_ministry_resolves_to_the_ministry_named_before():
    text = (
        "Strikes near Kupiansk\n\n"
        "Russia’s Ministry of Defence said on Monday that its forces had destroyed two depots near Kupiansk.\n\n"
        "Ukraine denied the report and said the depots were empty.\n\n"
        "The ministry said 60 Ukrainian soldiers had been killed in the strikes."
    )
    claims = extract_claims(text).claims
    first = _claim_containing(claims, "destroyed two depots")
    later = _claim_containing(claims, "The ministry said")
    assert "Ministry of Defence" in first.speaker
    assert later.speaker == first.speaker
    assert later.speaker_kind == "organisation"


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("Karim Khan said that the inquiry would cover crimes against children.", "Karim Khan"),
        ("The opposition leader Marta Leclerc claimed the vote had been rigged in three districts.", "Marta Leclerc"),
        ("The harbour will be dredged next year, according to the port authority.", "port authority"),
    ],
)
def test_reported_speech_names_its_speaker(sentence, speaker):
    claim = _only("Headline\n\n" + sentence, sentence[:20])
    assert claim.attribution == "reported"
    assert claim.speaker == speaker


@pytest.mark.parametrize(
    "sentence",
    [
        "Two officials who asked not to be named said the contract had been signed in secret.",
        "A source said the minister would resign before the end of the week.",
        "People familiar with the talks said a deal could be announced as soon as Friday.",
    ],
)
def test_anonymous_sources_are_marked_anonymous(sentence):
    claim = _only("Headline\n\n" + sentence, sentence[:20])
    assert claim.attribution == "anonymous"
    assert claim.speaker_kind == "anonymous"


def test_pronouns_resolve_to_the_nearest_compatible_speaker():
    text = (
        "Library opens\n\n"
        "Mayor Ines Okafor opened the new library on Monday.\n\n"
        "“It cost less than we feared,” she said. “Every child deserves a library,” she added.\n\n"
        "Ukrainian soldiers held the eastern districts for months. They said the city could still be defended."
    )
    claims = extract_claims(text).claims
    assert _claim_containing(claims, "she added").speaker == "Ines Okafor"
    assert _claim_containing(claims, "They said").speaker == "Ukrainian soldiers"


@pytest.mark.parametrize(
    ("quote", "speaker"),
    [
        ("« Nous ne céderons pas », the French minister Jean Dupont said of the strike.", "Jean Dupont"),
        ("''We must not overreact to campaign rhetoric,'' the minister Ildefonso Guajardo told reporters.",
         "Ildefonso Guajardo"),
        ("„Wir geben nicht auf“, Chancellor Olaf Scholz told reporters in Berlin.", "Olaf Scholz"),
        ("“Trump must stop portraying Latinos as dangerous gangsters.” ― Carla Sanchez", "Carla Sanchez"),
    ],
)
def test_direct_quotes_in_every_common_style(quote, speaker):
    claim = _only("Headline\n\n" + quote, quote[:12])
    assert claim.attribution == "direct"
    assert claim.speaker == speaker


def test_transcript_turns_are_quotes_of_the_named_speaker():
    text = (
        "Interview\n\nFox News host Chris Wallace interviewed Mike Pence on Sunday.\n\n"
        "WALLACE: Will Gennifer Flowers be at the debate tomorrow night?\n\n"
        "PENCE: Gennifer Flowers will not be attending the debate tomorrow night."
    )
    claims = extract_claims(text).claims
    assert _claim_containing(claims, "Will Gennifer Flowers").speaker == "Chris Wallace"
    answer = _claim_containing(claims, "will not be attending")
    assert (answer.attribution, answer.speaker) == ("direct", "Mike Pence")
    assert answer.text.startswith("Gennifer Flowers")  # the label is no part of the claim


def test_dateline_is_not_part_of_the_claim_nor_its_speaker():
    text = "Bill to pass\n\nWASHINGTON — Senator Paul Reyes said on Tuesday that the bill would pass before the recess."
    claim = _only(text, "Paul Reyes")
    assert claim.text.startswith("Senator Paul Reyes")
    assert claim.speaker == "Paul Reyes"


@pytest.mark.parametrize(
    ("paragraph", "starts", "speaker"),
    [
        # a place in mixed case is a dateline when a news agency follows it; its name is no subject
        ("Port Alder (Reuters) — Mayor Ines Okafor said the bridge would reopen in May.", "Mayor Ines", "Ines Okafor"),
        ("Harbourside (AFP) – The council said on Monday that the ferry would run again.", "The council", "council"),
        # a party in brackets after a name is no agency: nothing is cut
        ("Tomas Brandt (D) – the councillor from the harbour ward – said he would stand again.", "Tomas Brandt", None),
    ],
)
def test_mixed_case_dateline_with_an_agency(paragraph, starts, speaker):
    claim = extract_claims("Bridge to reopen\n\n" + paragraph).claims[0]
    assert claim.text.startswith(starts)
    if speaker:
        assert speaker in (claim.speaker or "")


def test_captions_bylines_and_furniture_are_no_claims():
    text = (
        "Bridge closed for repairs\n\nBy Anna Lindqvist\n\n"
        "The council closed the bridge on Monday after engineers found corroded cables.\n\n"
        "Getty/Instagram.\n\n"
        "Editor’s note: This story has been updated with comments from the council.\n\n"
        "Share this article\n\nRead more: Council budget 2024"
    )
    claims = extract_claims(text).claims
    assert [c.text for c in claims] == ["The council closed the bridge on Monday after engineers found corroded cables."]


def test_quote_regions_cover_every_common_style():
    text = "A “curly” b ''doubled'' c «guillemets» d „low“ e ‘single one’ and don’t."
    assert [text[a:b] for a, b in quote_regions(text)] == [
        "“curly”", "''doubled''", "«guillemets»", "„low“", "‘single one’",
    ]
