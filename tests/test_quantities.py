"""Quantities: numbers with their units and what they count, per claim. No database."""

import pytest

from claims.nlp.loaders import get_nlp
from claims.nlp.pipeline import extract_claims
from claims.nlp.quantities import extract_quantities, parse_value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("more than 1,100", 1100.0),
        ("4.5 million", 4_500_000.0),
        ("$1 billion", 1e9),
        ("sixty", 60),
        ("dozens", 24),
        ("3,5", 3.5),
        ("no number here", None),
    ],
)
def test_parse_value(text, value):
    assert parse_value(text) == value


def _units(sentence):
    return {(q["value"], q["unit"]) for q in extract_quantities(get_nlp()(sentence)[:])}


def test_numbers_carry_the_noun_they_count():
    units = _units("Russia claimed it had killed 220 Ukrainian soldiers, and Kyiv reported more than 1,100 deaths.")
    assert {(220.0, "soldier"), (1100.0, "death")} <= units


def test_percentages_and_money_have_their_own_units():
    units = _units("Unemployment fell to 4.2 percent while the repairs cost $4.5 million.")
    assert {(4.2, "percent"), (4_500_000.0, "money")} <= units


def test_per_cent_is_a_percentage_whatever_the_tagger_says():
    # spaCy's small pipeline tags "8.5 per cent" here as MONEY (next to two prices)
    units = _units("Shares of Smithfield rose $1.64 yesterday to close at $20.85, a rise of 8.5 per cent.")
    assert (8.5, "percent") in units and (8.5, "money") not in units


def test_durations_are_quantities_but_calendar_dates_are_not():
    units = _units("The deal, signed in 2022, was extended for 120 days in November and now for 60 days.")
    assert {(120.0, "day"), (60.0, "day")} <= units
    assert not any(value == 2022 for value, _ in units)


def test_each_claim_gets_its_own_quantities():
    text = (
        "Bakhmut fighting\n\n"
        "More than 4,000 people, including 33 children, still live in the city, officials said.\n\n"
        "The army said it had lost 220 soldiers in the last 24 hours."
    )
    first, second = extract_claims(text).claims
    assert {(q["value"], q["unit"]) for q in first.quantities} == {(4000.0, "people"), (33.0, "child")}
    assert {(q["value"], q["unit"]) for q in second.quantities} == {(220.0, "soldier"), (24.0, "hour")}
    for claim in (first, second):
        for q in claim.quantities:
            assert q["text"] in claim.text
