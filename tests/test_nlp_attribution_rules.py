"""Who speaks for a claim, rule by rule, on sentences written for these tests: the one who asserts
(a speech or cognition cue's subject, a quotation's owner, "according to X"), never a noun the
sentence is only about. No database."""

import pytest

from claims.nlp.pipeline import extract_claims


def _claim(text, fragment):
    claims = extract_claims("Headline\n\n" + text).claims
    found = [c for c in claims if fragment in c.text]
    assert found, f"no claim contains {fragment!r}"
    return found[0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        # a noun that might head a cue ("surfaced") is no source, and "accusations of X" names no accuser
        ("The ferry operator faced fresh accusations of negligence when the video surfaced.", "faced fresh"),
        # a relative clause about someone the sentence is about does not make them its source
        ("A state visit by the Chancellor would be a welcome boost for Ms Okafor, who casts the dispute as a "
         "test of the whole alliance.", "welcome boost"),
    ],
)
def test_narrative_sentence_has_no_speaker(text, fragment):
    claim = _claim(text, fragment)
    assert claim.speaker is None


def test_person_filmed_shouting_a_slogan_is_not_quoted():
    text = ("Tomas Brandt had been sitting on the harbour wall when he was filmed waving a flag and chanting "
            "“Down with the tolls” before the police arrived.")
    claim = _claim(text, "harbour wall")
    assert claim.attribution != "direct"
    assert claim.speaker is None


def test_person_spoken_about_is_not_the_speaker_of_the_outlets_words():
    text = ("Mayor Ines Okafor opened the market on Monday.\n\n"
            "A second bridge would be a great gift for Mayor Okafor, who describes the harbour as the heart "
            "of the city.")
    claim = _claim(text, "great gift")
    assert claim.speaker != "Ines Okafor"


@pytest.mark.parametrize(
    ("sentence", "fragment"),
    [
        ("Municipal officials told local radio that two cranes had been out of service since June.", "Municipal officials"),
        ("Officials at the water board told reporters the reservoir was half empty.", "water board"),
    ],
)
def test_officials_who_told_the_media_are_a_reported_source(sentence, fragment):
    claim = _claim(sentence, fragment)
    assert claim.attribution == "reported"
    assert claim.speaker_kind != "anonymous"
    assert fragment.split()[-1] in claim.speaker


def test_unplaced_officials_stay_anonymous():
    claim = _claim("Two senior officials said the harbour deal had collapsed overnight.", "harbour deal")
    assert claim.attribution == "anonymous"


@pytest.mark.parametrize(
    ("sentence", "organisation"),
    [
        ("A spokeswoman for the harbour authority said the ferries would run again on Friday.", "harbour authority"),
        ("The airline's spokesman told reporters that no flights had been cancelled.", "airline"),
    ],
)
def test_a_spokesperson_speaks_for_the_organisation(sentence, organisation):
    claim = _claim(sentence, sentence[:20])
    assert claim.attribution == "reported"
    assert claim.speaker == organisation
    assert claim.speaker_kind == "organisation"


def test_another_spelling_of_a_person_stays_that_person():
    text = ("Defence minister Mykola Dovzhensky met his counterparts in Brussels on Tuesday.\n\n"
            "Dovzhenskyy has called on the alliance to send more air defence systems before the winter.")
    claim = _claim(text, "has called on the alliance")
    assert claim.speaker_kind == "person"
    assert claim.speaker == "Mykola Dovzhensky"


@pytest.mark.parametrize(
    "line",
    [
        "Follow Dana Reyes on Twitter @danareyes.",
        "(Reporting by Ana Lima; Editing by Sam Cole.)",
        "--additional reporting from Piet de Vries.",
        "Ana Lima and Sam Cole contributed reporting.",
    ],
)
def test_credit_and_follow_lines_are_no_claims(line):
    text = "Harbour reopens\n\nThe mayor said the harbour would reopen in May after the repairs.\n\n" + line
    assert all(line[5:25] not in c.text for c in extract_claims(text).claims)


def test_they_is_the_people_the_sentence_before_named_not_an_earlier_group():
    # "they" after "a win for the Kurds" is the Kurds, not the people familiar with a plan two
    # paragraphs up, although the Kurds were no subject
    text = ("People familiar with the plan said the vote would come next week.\n\n"
            "A ceasefire could be a bigger win for the Kurds. They want Ankara to stay out of the talks.")
    claim = _claim(text, "stay out of the talks")
    assert claim.speaker is not None
    assert claim.speaker.endswith("Kurds")


def test_they_prefers_the_subject_before_over_a_group_it_met():
    text = "City officials met farmers on Monday. They said the drought had cost 3 million euros."
    claim = _claim(text, "drought")
    assert claim.speaker is not None
    assert claim.speaker == "City officials"


def test_a_closing_according_to_speaks_for_every_clause_before_it():
    text = ("The mayor won 41 percent, her rival took 37 percent and the independent drew 12 percent, "
            "according to the election board.")
    claims = extract_claims("Headline\n\n" + text).claims
    assert len(claims) == 1  # one source, one claim: not "41 percent" unattributed and the rest the board's
    assert claims[0].attribution == "reported"
    assert "election board" in claims[0].speaker


def test_a_second_clause_with_its_own_source_is_still_its_own_claim():
    claims = extract_claims("Headline\n\nThe ferry sank in the storm, and the harbour master said the crew "
                            "had been warned twice.").claims
    assert [(c.attribution, c.speaker) for c in claims] == [("none", None), ("reported", "harbour master")]


def test_an_inverted_attribution_after_a_quotation_names_who_follows_the_verb():
    # spaCy parses the paper as the object of "opined"; it is who speaks
    claim = _claim("The council met on Monday.\n\n\"Drivers should leave their cars at home,\" opined Port "
                   "Alder's Evening Courier.", "Drivers should")
    assert claim.attribution == "direct"
    assert "Evening Courier" in claim.speaker


def test_a_paragraph_closing_a_nested_quotation_is_no_heading():
    # ".' ''": a closing single quote, a space, the closing doubled apostrophes of the outer quotation
    claim = _claim("The council met on Monday.\n\n''Several of us were arguing we had to wait,'' recalled "
                   "Mr. Okafor. ''She said, 'I just need to go to the harbour.' ''", "Several of us")
    assert (claim.attribution, claim.speaker) == ("direct", "Okafor")
