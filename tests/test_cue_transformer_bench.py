"""bench/cue_transformer.py's scoring, on rows written here (the steps that need PolNeAR or torch run
by hand; their figures are in docs/quality.md)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import cue_transformer  # noqa: E402

ROWS = [
    {"text": "Mayor Okafor said the bridge would reopen.", "labels": [0, 0, 1, 0, 0, 0, 0, 0],
     "cand": [1, 1, 1, 0, 1, 1, 1, 0], "logistic": [0.0, 0.1, 0.9, 0.0, 0.2, 0.1, 0.4, 0.0]},
]
TX = {ROWS[0]["text"]: [0.0, 0.0, 0.6, 0.9, 0.0, 0.0, 0.0, 0.0]}


def test_token_scores_count_only_cue_candidates():
    # the transformer's 0.9 on a token the product never scores (cand 0) does not count
    assert cue_transformer.token_prf(ROWS, TX, "tx", 0.5) == (1.0, 1.0, 1.0)
    # the logistic model also fires on "reopen" (0.4): precision 0.5
    precision, recall, f1 = cue_transformer.token_prf(ROWS, TX, "logistic", 0.35)
    assert (precision, recall) == (0.5, 1.0) and abs(f1 - 2 / 3) < 1e-9
    # the blend is the mean: "said" (0.9 + 0.6) / 2 = 0.75 passes 0.7, nothing else does
    assert cue_transformer.token_prf(ROWS, TX, "blend", 0.7) == (1.0, 1.0, 1.0)
    assert cue_transformer.token_prf(ROWS, TX, "blend", 0.8) == (0.0, 0.0, 0.0)


def test_the_held_out_documents_are_fixed_by_name():
    names = [f"doc-{i}" for i in range(200)]
    held = [n for n in names if cue_transformer.held_out(n)]
    assert held == [n for n in names if cue_transformer.held_out(n)]  # the same every run
    assert 5 <= len(held) <= 40  # about one in ten
