"""The learned pairwise scorer over the pair features (weights in ``claims/data/matching_scorer.json``,
fitted by ``bench/train_matching.py``)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import COLUMN

SCORER_PATH = Path(__file__).resolve().parents[2] / "data" / "matching_scorer.json"


@lru_cache(maxsize=4)
def load_scorer(path: str = str(SCORER_PATH)) -> dict:
    """The learned pairwise scorer: feature names, standardisation, logistic weights, notes."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def expand_features(base: np.ndarray, names) -> np.ndarray:
    """Columns named in ``names`` (a base feature, or a product ``a*b`` of base features)."""
    col = COLUMN
    out = np.empty((base.shape[0], len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        value = np.ones(base.shape[0])
        for part in name.split("*"):
            value = value * base[:, col[part]]
        out[:, j] = value
    return out


def scorer_probability(base: np.ndarray, scorer: dict | None = None) -> np.ndarray:
    """P(the stored claim covers the new one) for each row of base features, in [0, 1]."""
    scorer = scorer or load_scorer()
    x = (expand_features(base, scorer["features"]) - np.asarray(scorer["mean"])) / np.asarray(scorer["scale"])
    if "hidden" in scorer:  # one tanh hidden layer
        x = np.tanh(x @ np.asarray(scorer["hidden"]) + np.asarray(scorer["hidden_bias"]))
    z = x @ np.asarray(scorer["weights"]) + scorer["bias"]
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


