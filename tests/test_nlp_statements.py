"""One claim per statement, and one speaker per person, on sentences written for these tests: a
sentence reporting two sources' statements becomes two claims, each with its own speaker and a span
of its own; a "while" of time or one inside a quotation cuts nothing; a name in apposition to a
description is who speaks; a surname later is the person named in full before. No database."""

import pytest

from claims.nlp.pipeline import extract_claims


def _claims(*paragraphs):
    body = "\n\n".join(paragraphs)
    text = "Headline\n\n" + body
    return text, extract_claims(text).claims


def _within(text, paragraph):
    start = text.index(paragraph)
    return start, start + len(paragraph)


@pytest.mark.parametrize(
    ("sentence", "first", "second"),
    [
        ("The dockers' union claimed that two hundred jobs would go by spring, while the harbour board said "
         "no one would lose their post.", "dockers' union", "harbour board"),
        ("Mayor Ines Okafor said the tram line would open in 2027, whereas the transport ministry insisted "
         "that the money had not been found.", "Ines Okafor", "transport ministry"),
        ("The farmers' association said the drought had halved the harvest; the agriculture ministry said "
         "the losses were closer to a fifth.", "farmers' association", "agriculture ministry"),
        ("While the coach told reporters that the squad was exhausted, the club captain insisted the players "
         "were ready.", "coach", "club captain"),
    ],
)
def test_two_sources_in_one_sentence_are_two_claims(sentence, first, second):
    text, claims = _claims(sentence)
    assert len(claims) == 2
    left, right = claims
    assert left.speaker == first and right.speaker == second
    assert left.attribution == right.attribution == "reported"
    lo, hi = _within(text, sentence)
    assert lo <= left.start < left.end <= right.start < right.end <= hi
    for claim in claims:
        assert claim.text == text[claim.start : claim.end]


def test_the_first_statement_keeps_its_number_and_the_second_gets_its_own():
    _, claims = _claims("The clinic claimed that 340 patients had waited over a year, while the health board said "
                        "only 90 had.")
    assert [c.speaker for c in claims] == ["clinic", "health board"]
    assert "340" in claims[0].text and "90" not in claims[0].text
    assert "90" in claims[1].text and "340" not in claims[1].text


def test_a_while_of_time_leaves_one_claim_with_one_source():
    sentence = "Fuel prices rose while the mayor was away on holiday, the auditors' report said."
    text, claims = _claims(sentence)
    assert len(claims) == 1
    assert claims[0].text == sentence
    assert claims[0].speaker == "auditors' report"


def test_a_while_that_no_cue_follows_cuts_nothing():
    sentence = "The harbour board said the cranes were repaired, while the ferries kept running all week."
    _, claims = _claims(sentence)
    assert [c.text for c in claims] == [sentence]


def test_a_quotation_holding_while_stays_whole():
    sentence = ("“We kept our fares low, while the airlines said they had no choice but to raise theirs,” "
                "the rail operator said.")
    text, claims = _claims(sentence)
    assert [c.text for c in claims] == [sentence]
    assert claims[0].attribution == "direct"
    assert claims[0].speaker == "rail operator"


def test_a_sidelong_as_x_said_does_not_take_the_sentence_from_who_asserts():
    text, claims = _claims(
        "Councillor Renske Havelaar said the works would cost about 30 million euros, not 15 million euros as "
        "the council's engineer said.",
        "“The port has hidden these figures for a year,” Havelaar said.",
    )
    assert [c.speaker for c in claims] == ["Renske Havelaar", "Renske Havelaar"]
    assert {c.speaker_kind for c in claims} == {"person"}


@pytest.mark.parametrize(
    "sentence",
    [
        # the parse keeps the apposition, NER calls the name an organisation
        "The city's planning chief, Olamide Fairweather-Quist, has said repeatedly that the quay is safe.",
        # the parse loses the apposition after "according to"
        "According to the council's engineer, Marta Leclerc, the cables were corroded long before the storm.",
    ],
)
def test_a_name_in_apposition_to_a_role_is_who_speaks(sentence):
    _, claims = _claims(sentence)
    assert len(claims) == 1
    assert claims[0].speaker in ("Olamide Fairweather-Quist", "Marta Leclerc")
    assert claims[0].speaker_kind == "person"


def test_a_surname_later_is_the_person_named_in_full_before():
    _, claims = _claims(
        "Councillor Hanne Vestergaard toured the bus depot on Monday with two inspectors.",
        "Vestergaard said half of the buses were too old to repair.",
        "The city's planning chief, Olamide Fairweather-Quist, said the depot would move in 2026.",
        "“Nobody has asked the drivers,” Fairweather-Quist said.",
    )
    speakers = {c.text.split()[0].strip("“"): (c.speaker, c.speaker_kind) for c in claims if c.speaker}
    assert speakers["Vestergaard"] == ("Hanne Vestergaard", "person")
    assert speakers["Nobody"] == ("Olamide Fairweather-Quist", "person")
