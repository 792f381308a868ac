"""The kind of a match: thresholds on the pair score, and the rules that make two near-identical
claims a ``conflict`` (numbers, speakers, directions or negation disagree)."""

from __future__ import annotations

import re
from collections import defaultdict

from .features import TOKEN
from .records import ClaimRecord

# Suggested at all: the scorer's "covers" probability at 0.30 (on the CheckThat! 2022 dev split it then
# suggests 80 % of the gold pairs).
RELATED_THRESHOLD = 0.30
# ``same``: the cross-encoder's calibrated probability that the two claims say the same thing, at the
# threshold chosen on the MRPC dev split (best F1 at precision ≥ 0.90; claims/data/pair_model/). Near
# that (``NEAR_SAME``), a differing number, speaker, direction or negation makes a ``conflict``.
NEAR_SAME = 0.50
# Numbers and speakers are checked also when the scorer is this sure the earlier claim covers the new
# one (two people saying nearly the same words are not the same claim, but the desk must see the
# speakers differ); directions and negation only from NEAR_SAME ("declined to comment" / "did not
# comment" is one claim).
NEAR_COVER = 0.90
# A number that differs only makes a conflict of a pair this close (below it, two claims of one story
# that count the same kind of thing, people or children, are just related).
NUMBERS_COVER = 0.50
# A claim this short is too thin to carry a verdict over automatically.
MIN_WORDS_FOR_SAME = 6

SAME = "same"
RELATED = "related"
CONFLICT = "conflict"


# How a quantity's own words bound it: "more than 6 percent" is any value from 6 up, "about $7
# million" one within a few percent of it. Two claims whose numbers fit each other's bounds agree.
_LOWER = re.compile(r"^(more than|over|at least|upwards of|in excess of|no fewer than|no less than)\b", re.I)
_UPPER = re.compile(r"^(less than|fewer than|under|no more than|at most)\b", re.I)
_ABOUT = re.compile(r"^(about|around|nearly|almost|some|roughly|approximately|an estimated|close to|just over|just under)\b", re.I)
APPROXIMATE = 0.05  # "about X" agrees with values within 5 % of X


def _fits(q: dict, value: float) -> bool:
    """Whether ``value`` is one that quantity ``q``, by its own words, allows."""
    own = q.get("value")
    if own is None or value is None:
        return False
    if own == value:
        return True
    bound = _bound(q)
    if bound == "lower":
        return value >= own
    if bound == "upper":
        return value <= own
    if _ABOUT.match((q.get("text") or "").strip()):
        return abs(value - own) <= APPROXIMATE * max(abs(value), abs(own))
    return False


def _bound(q: dict) -> str:
    text = (q.get("text") or "").strip()
    return "lower" if _LOWER.match(text) else "upper" if _UPPER.match(text) else ""


def _agree(x: dict, y: dict) -> bool:
    """Two quantities of one unit agree. Two bounds the same way ("less than $120,000", "less than
    $11,000") are two different limits: they agree only when their values do."""
    if _bound(x) and _bound(x) == _bound(y):
        return x.get("value") == y.get("value")
    return _fits(x, y.get("value")) or _fits(y, x.get("value"))


def _covered(these: list[dict], those: list[dict]) -> bool:
    """Every quantity of ``these`` agrees with one of ``those``."""
    return all(any(_agree(x, y) for y in those) for x in these)


def numbers_disagree(a: list, b: list, *, same_unit_only: bool = False) -> bool:
    """True when both claims state quantities and they do not agree.

    Quantities of a unit both claims count must agree: the same values, or one claim's values all
    among the other's (one side carrying a little more, "fell 8.5 percent to $20.85" against "fell
    $1.64, or 8.5 percent, to $20.85", is not a disagreement), a value agreeing with another whose
    own words allow it ("more than $7 million" and "$7.1 million"; "about 25,000" and "24,800"); with
    no unit in common the value sets must overlap (unless ``same_unit_only``).
    """
    if not a or not b:
        return False
    by_unit_a = defaultdict(list)
    by_unit_b = defaultdict(list)
    for q in a:
        by_unit_a[q.get("unit") or ""].append(q)
    for q in b:
        by_unit_b[q.get("unit") or ""].append(q)
    shared = (set(by_unit_a) & set(by_unit_b)) - {""}
    if shared:
        return any(not (_covered(by_unit_a[u], by_unit_b[u]) or _covered(by_unit_b[u], by_unit_a[u]))
                   for u in shared)
    if same_unit_only:
        return False
    values_a = {q.get("value") for q in a}
    values_b = {q.get("value") for q in b}
    return not (values_a & values_b)


# "about 20 million euros, not 12 million euros": a number the claim denies, not one it states
_DENIAL = r"(?:\bnot|\brather than|\binstead of)\s+(?:(?:about|around|some|the)\s+)?"


def denied(text: str, quantity: dict) -> bool:
    """Whether the claim states ``quantity`` only to deny it ("20 million, not 12 million")."""
    q = quantity.get("text") or ""
    return bool(q) and re.search(_DENIAL + re.escape(q), text, flags=re.I) is not None


def numbers_contradict(a: ClaimRecord, b: ClaimRecord) -> bool:
    """The two claims' numbers disagree (of a unit both count), or one denies a number the other
    states: "about 20 million euros, not 12 million euros" against "about 12 million euros"."""
    denied_a = [q for q in a.quantities if denied(a.text, q)]
    denied_b = [q for q in b.quantities if denied(b.text, q)]
    stated_a = [q for q in a.quantities if q not in denied_a]
    stated_b = [q for q in b.quantities if q not in denied_b]
    for no, yes in ((denied_a, stated_b), (denied_b, stated_a)):
        if any((q.get("unit") or "", q.get("value")) == (r.get("unit") or "", r.get("value")) for q in no for r in yes):
            return True
    return numbers_disagree(stated_a, stated_b, same_unit_only=True)


def _surname(name: str) -> str:
    return name.split()[-1].lower() if name else ""


def speakers_disagree(a: ClaimRecord, b: ClaimRecord) -> bool:
    """Two named people, not the same person, each said to be the source.

    A speaker known only by a role ("mayor", "the minister": lower case, as extraction keeps a
    description) may be either named person, so it never disagrees.
    """
    if a.speaker_kind != "person" or b.speaker_kind != "person" or not a.speaker or not b.speaker:
        return False
    if not (a.speaker[:1].isupper() and b.speaker[:1].isupper()):
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
    aren't wasn't weren't won't wouldn't shouldn't hasn't haven't hadn't n't
    dont doesnt didnt isnt arent wasnt werent wont cant aint ain't
    fail fails failed failing refuse refuses refused refusing refusal""".split())  # "failed to pay" = "did not pay"


def _words(text: str) -> set[str]:
    return {w.replace("’", "'") for w in TOKEN.findall(text.lower())}


def directions_disagree(a: str, b: str) -> bool:
    """One claim says something went up where the other says it went down."""
    wa, wb = _words(a), _words(b)
    up_a, down_a, up_b, down_b = bool(wa & _UP), bool(wa & _DOWN), bool(wb & _UP), bool(wb & _DOWN)
    return (up_a and not down_a and down_b and not up_b) or (down_a and not up_a and up_b and not down_b)


# "declined to comment" is "had no comment", "a failure to disclose" is "failing to disclose";
# "shares declined", "revenue declined to $36.9 billion" and "heart failure" are no negation
_DECLINED_TO = re.compile(r"\b(?:declin(?:e|es|ed|ing)|failure)(?:, [^,]{1,40},)? to [a-z]", re.I)


def _negated(text: str) -> bool:
    return bool(_words(text) & _NEGATION) or _DECLINED_TO.search(text) is not None


def negation_differs(a: str, b: str) -> bool:
    """Exactly one of the two claims is negated."""
    return _negated(a) != _negated(b)


def same_threshold() -> float:
    from .pairs import shared_model

    return shared_model().threshold


def pair_probabilities(pairs: list[tuple[str, str]]) -> list[float]:
    """The cross-encoder's calibrated P(same) for each (new, stored) text pair."""
    if not pairs:
        return []
    from .pairs import shared_model

    return [float(p) for p in shared_model().probabilities(pairs)]


def classify(query: ClaimRecord, other: ClaimRecord, same_prob: float,
             cover: float = 0.0) -> tuple[str | None, str]:
    """The kind of a suggested match, and why, from the cross-encoder's P(same), the scorer's P(covers)
    and the two claims."""
    near_same = same_prob >= NEAR_SAME
    near = near_same or cover >= NEAR_COVER
    # Only numbers of a unit both claims count can contradict each other: "12 metres" against "40ft",
    # or a law's year against the ages of the accused, are not a disagreement (on MRPC's fit split
    # the value-overlap test across units fired on true paraphrases as often as on near misses).
    if (near or cover >= NUMBERS_COVER) and numbers_contradict(query, other):
        return CONFLICT, "the numbers differ"
    if near and speakers_disagree(query, other):
        return CONFLICT, "the speakers differ"
    if near_same and directions_disagree(query.text, other.text):
        return CONFLICT, "one says up, the other down"
    if near_same and negation_differs(query.text, other.text):
        return CONFLICT, "only one of them is negated"
    if same_prob >= same_threshold():
        if len(query.text.split()) < MIN_WORDS_FOR_SAME or len(other.text.split()) < MIN_WORDS_FOR_SAME:
            return RELATED, "too short to carry a verdict over"
        return SAME, "same assertion"
    return RELATED, "same topic, different assertion"
