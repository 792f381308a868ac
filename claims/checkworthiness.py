"""Check-worthiness: how much a claim deserves a fact-checker's time, in [0, 1], with reasons.

A transparent scorer over linguistic signals (numbers, comparisons, causal links, named entities,
predictions, attribution) that lowers questions, opinions and fragments. Each signal that fires
becomes a reason shown to the reviewer.
"""

from __future__ import annotations

import math

_COMPARATIVE_TAGS = {"JJR", "JJS", "RBR", "RBS"}
_COMPARATIVE_WORDS = {"more", "less", "fewer", "most", "least", "than", "record", "highest", "lowest", "double", "half"}
_CAUSAL = {"because", "cause", "caused", "causes", "due", "lead", "led", "result", "resulted", "therefore", "thanks"}
_OPINION = {"think", "feel", "hope", "wish", "love", "hate", "should", "must", "ought", "beautiful", "terrible", "great", "awful", "wonderful", "believe"}
_PREDICTION = {"will", "would", "could", "might", "expect", "expected", "forecast", "predict", "likely", "plan", "planning"}
_FACT_ENTS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "DATE"}


def score_checkworthiness(span, *, quantities=(), attributed=False, embedding=None) -> tuple[float, list[str]]:
    """Score one claim (a spaCy span; ``embedding`` is its sentence embedding when known).

    Returns (score in [0, 1], reasons shown to the reviewer).
    """
    tokens = [t for t in span if not t.is_space]
    words = [t for t in tokens if t.is_alpha]
    lowers = {t.lower_ for t in tokens}
    lemmas = {t.lemma_.lower() for t in tokens}
    reasons = []
    z = -1.2

    if quantities or any(t.like_num and t.ent_type_ not in ("DATE", "TIME", "ORDINAL") for t in tokens):
        z += 1.6
        reasons.append("number or quantity")
    ents = [e for e in span.ents if e.label_ in _FACT_ENTS]
    if ents:
        z += min(0.35 * len({e.text for e in ents}), 1.2)
        reasons.append("named entities: " + ", ".join(sorted({e.text for e in ents})[:4]))
    if any(t.tag_ in _COMPARATIVE_TAGS for t in tokens) or lowers & _COMPARATIVE_WORDS:
        z += 0.5
        reasons.append("comparison")
    if lowers & _CAUSAL or lemmas & _CAUSAL:
        z += 0.4
        reasons.append("causal claim")
    if lowers & _PREDICTION:
        z += 0.2
        reasons.append("prediction or plan")
    if attributed:
        z += 0.3
        reasons.append("attributed statement")
    if any(t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX") for t in tokens):
        z += 0.3
    if span.text.rstrip().endswith("?"):
        z -= 2.0
        reasons.append("question (lowered)")
    if lemmas & _OPINION or lowers & _OPINION:
        z -= 0.7
        reasons.append("opinion or modal language (lowered)")
    if len(words) < 6:
        z -= 1.2
        reasons.append("fragment (lowered)")
    score = 1.0 / (1.0 + math.exp(-z))
    return round(score, 4), reasons
