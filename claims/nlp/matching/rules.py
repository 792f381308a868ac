"""The kind of a match: thresholds on the pair score, and the rules that make two near-identical
claims a ``conflict`` (numbers, speakers, directions or negation disagree)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .features import TOKEN
from .records import ClaimRecord

# Thresholds on the pair model's probability, read off the CheckThat! 2022 dev split: at 0.30, 82% of
# gold pairs are suggested with 48 wrong suggestions over 199 queries; at 0.90, 54% of gold pairs pass
# with 2 wrong ones (98% precision) before the cosine and conflict rules. The seed articles' three
# near-identical pairs pass both.
RELATED_THRESHOLD = 0.30
SAME_THRESHOLD = 0.90
# ``same`` also needs the two claims' e5 cosine this high (0.80 on the ``semantic`` scale): the pair
# model learned "this fact-check covers this tweet", looser than "these two claims say the same".
SAME_MIN_COSINE = 0.936
# A claim this short is too thin to carry a verdict over automatically.
MIN_WORDS_FOR_SAME = 6

SAME = "same"
RELATED = "related"
CONFLICT = "conflict"


def numbers_disagree(a: list, b: list, *, same_unit_only: bool = False) -> bool:
    """True when both claims state quantities and they do not agree.

    Quantities of a unit both claims count must have the same values; with no unit in common the
    value sets must overlap (unless ``same_unit_only``).
    """
    if not a or not b:
        return False
    by_unit_a = defaultdict(set)
    by_unit_b = defaultdict(set)
    for q in a:
        by_unit_a[q.get("unit") or ""].add(q.get("value"))
    for q in b:
        by_unit_b[q.get("unit") or ""].add(q.get("value"))
    shared = (set(by_unit_a) & set(by_unit_b)) - {""}
    if shared:
        return any(by_unit_a[u] != by_unit_b[u] for u in shared)
    if same_unit_only:
        return False
    values_a = {q.get("value") for q in a}
    values_b = {q.get("value") for q in b}
    return not (values_a & values_b)


def _surname(name: str) -> str:
    return name.split()[-1].lower() if name else ""


def speakers_disagree(a: ClaimRecord, b: ClaimRecord) -> bool:
    """Two named people, not the same person, each said to be the source."""
    if a.speaker_kind != "person" or b.speaker_kind != "person" or not a.speaker or not b.speaker:
        return False
    return _surname(a.speaker).rstrip("y") != _surname(b.speaker).rstrip("y")


# Words that say which way something moved, and negations. Two near-identical claims that move in
# opposite directions ("rose" / "fell") or where only one is negated ("is safe" / "is not safe") say
# opposite things: embeddings and word overlap barely notice, a fact-checker must.
_UP = frozenset("""rise rises rose risen rising increase increased increases increasing grow grows grew grown
    growing gain gains gained climb climbs climbed jump jumps jumped soar soared surge surged up higher
    more most doubled tripled raise raised raises boost boosted expand expanded""".split())
_DOWN = frozenset("""fall falls fell fallen falling decrease decreased decreases decreasing decline declines
    declined declining drop drops dropped dropping shrink shrinks shrank shrunk plunge plunged slump slumped
    down lower less fewer least halved cut cuts reduce reduced reduces lowered""".split())
_NEGATION = frozenset("""not no never none nobody nothing neither nor cannot can't don't doesn't didn't isn't
    aren't wasn't weren't won't wouldn't shouldn't hasn't haven't hadn't n't""".split())


def _words(text: str) -> set[str]:
    return {w.replace("’", "'") for w in TOKEN.findall(text.lower())}


def directions_disagree(a: str, b: str) -> bool:
    """One claim says something went up where the other says it went down."""
    wa, wb = _words(a), _words(b)
    up_a, down_a, up_b, down_b = bool(wa & _UP), bool(wa & _DOWN), bool(wb & _UP), bool(wb & _DOWN)
    return (up_a and not down_a and down_b and not up_b) or (down_a and not up_a and up_b and not down_b)


def negation_differs(a: str, b: str) -> bool:
    """Exactly one of the two claims is negated."""
    return bool(_words(a) & _NEGATION) != bool(_words(b) & _NEGATION)


def classify(query: ClaimRecord, other: ClaimRecord, score: float,
             cosine: float | None = None) -> tuple[str | None, str]:
    """The kind of a match with this score (and e5 cosine), and why; ``None`` when it is no match."""
    if score < RELATED_THRESHOLD:
        return None, ""
    if cosine is None:
        cosine = float(np.dot(query.embedding, other.embedding))
    near_same = score >= SAME_THRESHOLD - 0.15 and cosine >= SAME_MIN_COSINE - 0.03
    if numbers_disagree(query.quantities, other.quantities, same_unit_only=not near_same):
        return CONFLICT, "the numbers differ"
    if near_same and speakers_disagree(query, other):
        return CONFLICT, "the speakers differ"
    if near_same and directions_disagree(query.text, other.text):
        return CONFLICT, "one says up, the other down"
    if near_same and negation_differs(query.text, other.text):
        return CONFLICT, "only one of them is negated"
    if score >= SAME_THRESHOLD and cosine >= SAME_MIN_COSINE:
        if len(query.text.split()) < MIN_WORDS_FOR_SAME or len(other.text.split()) < MIN_WORDS_FOR_SAME:
            return RELATED, "too short to carry a verdict over"
        return SAME, "same assertion"
    return RELATED, "same topic, different assertion"


