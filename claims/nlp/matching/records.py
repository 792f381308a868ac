"""The plain data matching takes (a stored or new claim) and returns (a match)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np


@dataclass
class ClaimRecord:
    id: int
    article_id: int
    text: str
    speaker: str | None = None
    speaker_kind: str | None = None
    quantities: list = field(default_factory=list)
    # Words around the claim that say what it is about: its article's headline (a fact-check's
    # headline in evaluation). The lexical signals read it; its MiniLM vector is one ranking feature.
    context: str = ""
    # The matching embedding (:func:`match_vectors`), searched and compared.
    match_embedding: np.ndarray | None = None
    context_embedding: np.ndarray | None = None
    # When its source was published (the article's date): the same claim tends to circulate, and be
    # checked, within days. Orders candidates only; never part of the pair score.
    published: datetime.date | None = None


@dataclass
class Match:
    claim_id: int
    score: float
    kind: str
    lexical: float
    semantic: float
    reason: str = ""

