"""The check-worthiness scorer: a trained model over the reading vector of the MiniLM pass, words and parse signals."""

import time

import numpy as np
import pytest

from claims.nlp.checkworthiness import MODEL_PATH, CheckworthinessModel, get_model, score_checkworthiness
from claims.nlp.embeddings import claim_vectors
from claims.nlp.loaders import get_nlp
from claims.nlp.quantities import extract_quantities

NUMBERS = "Unemployment fell to 4.2 percent in March, the lowest level since 2019, the statistics office said."
ENTITIES = "The European Commission fined Google in 2017 for favouring its own shopping service."
QUESTION = "Is the city ready for months of traffic jams?"
OPINION = "I think we all love this wonderful town and its people."


def _score(text, *, embed=True, model=None):
    span = get_nlp()(text)[:]
    embedding = claim_vectors([text])[1][0] if embed else None
    return score_checkworthiness(span, quantities=extract_quantities(span), attributed=False,
                                 embedding=embedding, model=model)


@pytest.mark.parametrize("embed", [True, False], ids=["with_embedding", "fallback_without_embedding"])
def test_numbers_and_entities_score_above_questions_and_opinions(embed):
    factual = [_score(t, embed=embed)[0] for t in (NUMBERS, ENTITIES)]
    other = [_score(t, embed=embed)[0] for t in (QUESTION, OPINION)]
    assert min(factual) > max(other)
    assert min(factual) >= 0.5 > max(other)


def test_scores_are_in_unit_interval_and_rounded():
    for text in (NUMBERS, ENTITIES, QUESTION, OPINION, "Yes.", "Thank you very much, everyone."):
        score, _ = _score(text)
        assert 0.0 <= score <= 1.0
        assert score == round(score, 4)


def test_reasons_name_the_signals_a_reviewer_sees():
    _, reasons = _score(NUMBERS)
    assert "number or quantity" in reasons
    assert "comparison" in reasons
    _, reasons = _score(ENTITIES)
    assert any(r.startswith("named entities:") and "Google" in r for r in reasons)
    _, reasons = _score(QUESTION)
    assert "question (lowered)" in reasons
    assert not any(r.startswith("named entities") for r in reasons)  # "months" names nothing
    _, reasons = _score(OPINION)
    assert "opinion or modal language (lowered)" in reasons


def test_attribution_is_a_reason_but_does_not_move_the_score():
    span = get_nlp()(NUMBERS)[:]
    plain = score_checkworthiness(span, quantities=[], attributed=False)
    attributed = score_checkworthiness(span, quantities=[], attributed=True)
    assert attributed[0] == plain[0]
    assert "attributed statement" in attributed[1] and "attributed statement" not in plain[1]


def test_shipped_weights_are_small_plain_arrays_and_round_trip(tmp_path):
    assert MODEL_PATH.stat().st_size < 1_000_000  # 620 kB since the news words joined the vocabulary
    np.load(MODEL_PATH, allow_pickle=False).close()  # no pickled objects inside
    copy = tmp_path / "copy.npz"
    get_model().save(copy)
    assert _score(NUMBERS, model=CheckworthinessModel.load(copy))[0] == pytest.approx(_score(NUMBERS)[0], abs=2e-3)


def test_scoring_costs_well_under_a_millisecond_per_claim():
    span = get_nlp()(ENTITIES)[:]
    quantities = extract_quantities(span)
    embedding = claim_vectors([ENTITIES])[1][0]
    score_checkworthiness(span, quantities=quantities, embedding=embedding)
    start = time.perf_counter()
    for _ in range(200):
        score_checkworthiness(span, quantities=quantities, embedding=embedding)
    assert (time.perf_counter() - start) / 200 < 0.002  # lenient for busy CI machines; ~0.1 ms here


NON_ANSWERS = [
    "The harbour authority did not comment on the figures.",
    "A spokeswoman for the ferry company declined to comment.",
    "The transport ministry did not immediately respond to a request for comment.",
    "The contractor could not be reached for comment on Friday.",
    "The mayor's office has not replied to emails from the Gazette.",
]
NOT_NON_ANSWERS = [
    "The fire service did not respond to the first alarm for forty minutes.",  # an accusation: checkable
    "The council refused to publish the inspection report.",
    "Ticket prices did not rise last year, the operator said.",
    "The engineer said the council did not respond to the warnings in 2021.",
]


@pytest.mark.parametrize("text", NON_ANSWERS)
def test_a_non_answer_is_never_worth_checking_and_says_why(text):
    score, reasons = _score(text)
    assert score <= 0.05 and any("non-answer" in r for r in reasons)


@pytest.mark.parametrize("text", NOT_NON_ANSWERS)
def test_a_failure_to_act_or_a_refusal_to_do_something_else_is_not_a_non_answer(text):
    from claims.nlp.checkworthiness import non_answer

    assert not non_answer(get_nlp()(text)[:])
    assert not any("non-answer" in r for r in _score(text)[1])
