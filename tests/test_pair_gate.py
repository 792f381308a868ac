"""The pair model's gate: the cross-encoder reads a suggested candidate only where its answer can still
change the kind of the match (claims.nlp.matching.index.pair_can_matter). No database."""

import pytest

from claims.nlp.embeddings import match_vectors
from claims.nlp.matching import index as index_module
from claims.nlp.matching.index import PAIR_MIN_COSINE, PAIR_MIN_COVER, MatchIndex, pair_can_matter
from claims.nlp.matching.records import ClaimRecord
from claims.nlp.matching.rules import RELATED, SAME

NEW = "The Harbour Bridge will stay closed to all traffic for at least eight months of repairs."
NEAR_DUPLICATE = "The Harbour Bridge will remain shut to all traffic for at least eight months while it is repaired."
# Suggested (the scorer gives it about 0.33, above RELATED_THRESHOLD) and ranked second, but another
# building's closure: a MiniLM cosine near 0.49.
UNRELATED = "The museum will stay closed for repairs until the spring."
STORED = [
    NEAR_DUPLICATE,
    "The Harbour Bridge café will open a second terrace in the spring, its owner said.",
    "Eight months ago the city's football club signed a new coach.",
    "Traffic on the ring road was heavy on Friday evening, the police said.",
    "The harbour's fishing fleet has shrunk by a third in ten years.",
    "Repairs to the town hall roof are finished, the mayor said.",
    UNRELATED,
    "All schools in the region will stay closed on Monday because of the storm.",
]


@pytest.fixture(scope="module")
def bridge_index():
    index = MatchIndex()
    index.add([ClaimRecord(id=i + 1, article_id=i + 1, text=t, match_embedding=v)
               for i, (t, v) in enumerate(zip(STORED, match_vectors(STORED)))])
    return index, ClaimRecord(id=100, article_id=100, text=NEW, match_embedding=match_vectors([NEW])[0])


@pytest.fixture
def read(monkeypatch):
    """The stored texts the cross-encoder is asked about, in order."""
    texts = []
    real = index_module.pair_probabilities

    def counting(pairs):
        texts.extend(stored for _, stored in pairs)
        return real(pairs)

    monkeypatch.setattr(index_module, "pair_probabilities", counting)
    return texts


def _kinds(index, query):
    return {index.get(m.claim_id).text: m.kind for m in index.search(query, exclude_article=query.article_id)}


def test_the_pair_model_reads_a_near_duplicate_and_skips_an_unrelated_suggested_candidate(bridge_index, read):
    index, query = bridge_index
    kinds = _kinds(index, query)
    assert read == [NEAR_DUPLICATE]
    assert kinds == {NEAR_DUPLICATE: SAME, UNRELATED: RELATED}


def test_without_the_gate_the_pair_model_reads_both_and_decides_the_same(bridge_index, read):
    index, query = bridge_index
    index.pair_gate = False
    try:
        kinds = _kinds(index, query)
    finally:
        index.pair_gate = True
    assert read == [NEAR_DUPLICATE, UNRELATED]
    assert kinds == {NEAR_DUPLICATE: SAME, UNRELATED: RELATED}


def test_the_gate_counts_what_it_skipped(bridge_index, read):
    index, query = bridge_index
    index.pair_counts.clear()
    index.search(query, exclude_article=query.article_id)
    assert dict(index.pair_counts) == {"judged": 1, "gated": 1}


@pytest.mark.parametrize("cover, cosine, expected", [
    (PAIR_MIN_COVER, 0.0, True),  # a number rule applies from here: the cross-encoder may decide it
    (1.0, 0.2, True),
    (0.35, PAIR_MIN_COSINE, True),  # a close paraphrase the scorer undersells
    (0.35, 0.49, False),
    (PAIR_MIN_COVER - 0.01, PAIR_MIN_COSINE - 0.01, False),
])
def test_pair_can_matter_reads_a_candidate_when_either_first_stage_score_is_high(cover, cosine, expected):
    assert pair_can_matter(cover, cosine) is expected
