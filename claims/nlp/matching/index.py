"""Every stored claim, searchable: :class:`MatchIndex` proposes candidates by MiniLM embedding and
BM25, scores them and gives each match its kind."""

from __future__ import annotations

import datetime
import logging
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embeddings import EMBEDDING_DIM
from .ann import DenseIndex, LexicalIndex, VectorStore
from .features import COLUMN, FEATURES, NO_DATE, clean_claim_text, content_tokens, ordinal_day, semantic_scale
from .graph import DELETED, MAX_DELETED_SHARE, aligned, graph_lock, read_saved_graph
from .records import ClaimRecord, Match
from .rules import NUMBERS_COVER, RELATED_THRESHOLD, classify, pair_probabilities
from .scorer import load_scorer, scorer_probability

# Candidates taken from each ranking before scoring.
CANDIDATES = 30
# The cross-encoder reads the new claim with each of this many best-ranked candidates, when the scorer
# suggests them: a new claim with no plausible earlier claim (most of them) costs it nothing. Two, not
# three, since the cross-encoder is all-mpnet-base-v2 (about 40 ms a pair on one core): at 100,000
# stored claims (bench/match.py) p50 86 ms against 118 with three; on MRPC dev the partner was the
# best-ranked candidate every time, and the seed articles' matches are the same.
PAIR_JUDGED = 2
# ... and only where its answer can still change the decision. Below the scorer's NUMBERS_COVER (0.50)
# a candidate is ``related`` unless the cross-encoder calls it near-same, and there it seldom does:
# of the 176 candidates it read below 0.50 on MRPC's fit split, 10 reached P(same) 0.50 (5 of them
# true pairs called ``same``), all at a MiniLM cosine under 0.60; none below 0.50 reached 0.70. So a
# candidate below both bars is decided without it, exactly as when it says "not the same" (P(same)
# 0). On MRPC dev that skips 11 of 653 readings and changes no true pair (docs/quality.md).
PAIR_MIN_COVER = NUMBERS_COVER
PAIR_MIN_COSINE = 0.70

log = logging.getLogger(__name__)

METHODS = ("default", "fusion", "minilm", "bm25")


@dataclass
class Candidates:
    """Stored claims proposed for one new claim, with their pair features (rows of ``features``)."""

    rows: np.ndarray
    features: np.ndarray
    bm25: np.ndarray


class MatchIndex:
    """Every stored claim, searchable by MiniLM embedding (exact, then HNSW) and by BM25; grows with
    :meth:`add`.

    Kept compactly for a million claims: float16 vectors (MiniLM, searched and compared; one headline
    vector per article), appendable postings, and per claim only its id, article,
    text and (when present) speaker and quantities. A service feeds it from the database; a fresh
    index is rebuilt the same way.
    """

    def __init__(self, *, exact_limit: int | None = None, threads: int = 0):
        kwargs = {} if exact_limit is None else {"exact_limit": exact_limit}
        self.dense = DenseIndex(EMBEDDING_DIM, threads=threads, **kwargs)
        self.headlines = VectorStore(EMBEDDING_DIM)
        self.lexical = LexicalIndex()
        self._ids = np.zeros(0, dtype=np.int64)
        self._articles = np.zeros(0, dtype=np.int64)
        self._headline_row = np.zeros(0, dtype=np.int32)  # row in ``headlines``, -1 for none
        self._days = np.zeros(0, dtype=np.int32)  # publication day (ordinal), NO_DATE for none
        self._headline_of: dict[int, int] = {}
        self._texts: list[str] = []
        self._extra: dict[int, tuple] = {}
        self._contexts: dict[int, str] = {}
        self._row_of: dict[int, int] = {}
        self._per_article: Counter = Counter()
        self.max_id = 0
        self.saved_rows = 0  # rows covered by the graph last saved or restored
        self.pair_gate = True  # False: the cross-encoder reads every suggested best candidate (benches)
        # Candidates read by the cross-encoder, and those the gate decided without it (for the benches).
        self.pair_counts: Counter = Counter()

    def __len__(self):
        return len(self._texts)

    def __contains__(self, claim_id: int) -> bool:
        return claim_id in self._row_of

    @classmethod
    def load(cls, records, *, graph_path: str | Path | None = None, exact_limit: int | None = None,
             threads: int = 0, live_ids=None) -> MatchIndex:
        """A new index of ``records`` (every stored claim, oldest first), as a worker starts one.

        Past the exact limit it takes the HNSW graph saved at ``graph_path`` when that graph covers
        the same claims in the same order (any prefix of them: it adds the claims stored since);
        otherwise it builds the graph in one multi-threaded pass and saves it there. A million
        claims load in minutes instead of the quarter of an hour a build takes. With ``live_ids``
        (the ids of ``records``, ascending), claims deleted since the graph was saved (up to
        ``MAX_DELETED_SHARE`` of it) become placeholder rows instead of forcing a rebuild.
        """
        index = cls(exact_limit=exact_limit, threads=threads)
        index.dense.deferred = True
        saved = read_saved_graph(Path(graph_path)) if graph_path else None
        align = False
        if saved and live_ids is not None:
            gone = ~np.isin(saved[0], np.asarray(live_ids, dtype=np.int64))
            if len(live_ids) <= index.dense.exact_limit or gone.mean() > MAX_DELETED_SHARE:
                saved = None  # no graph needed, or one from too different a set of claims
            align = saved is not None and bool(gone.any())
        index.add(aligned(records, *saved) if align else records)
        index.dense.deferred = False
        if len(index) > index.dense.exact_limit:
            if not (saved and index._adopt(*saved)):
                index.dense.build()
                if graph_path:
                    try:
                        index.save_graph(graph_path)
                    except OSError as exc:  # the graph is a cache: a full disk must not stop matching
                        log.warning("could not save the match graph to %s: %s", graph_path, exc)
        return index

    def save_graph(self, path: str | Path) -> bool:
        """Write the HNSW graph and the claim ids of its rows beside it, under a lock that other
        workers saving or reading the same files respect; ``False`` while the index is small enough
        to search exactly. Temporary files are removed on any failure."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.dense.approximate:
            return False
        temps = []
        try:
            with graph_lock(path):
                for suffix in (".tmp", ".ids.tmp.npy"):
                    fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=suffix)
                    os.close(fd)
                    temps.append(name)
                rows = self.dense.save(temps[0])
                np.save(temps[1], self._ids[:rows], allow_pickle=False)
                os.replace(temps[1], path.with_name(path.name + ".ids.npy"))
                os.replace(temps[0], path)
        finally:
            for name in temps:
                if os.path.exists(name):
                    os.unlink(name)
        self.saved_rows = rows
        return True

    def restore_graph(self, path: str | Path) -> bool:
        """Adopt the graph saved at ``path`` if it was built over this index's first claims (same ids,
        same vectors); ``False``, with nothing changed, for any other file or none."""
        saved = read_saved_graph(Path(path))
        return bool(saved) and self._adopt(*saved)

    def _adopt(self, ids: np.ndarray, ann) -> bool:
        rows = len(ids)
        if not rows or rows > len(self) or not np.array_equal(ids, self._ids[:rows]):
            return False
        if not self.dense.adopt(ann, rows):
            return False
        self.saved_rows = rows
        return True

    def graph_is_stale(self) -> bool:
        """True when the saved graph lags the index by 10 % (at least 10,000 claims)."""
        return self.dense.approximate and len(self) - self.saved_rows >= max(10_000, len(self) // 10)

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

    def _headline(self, rec: ClaimRecord) -> int:
        if rec.context_embedding is None:
            return -1
        if rec.article_id not in self._headline_of:
            self._headline_of[rec.article_id] = self.headlines.add(rec.context_embedding)
        return self._headline_of[rec.article_id]

    def _add_batch(self, records: list[ClaimRecord]):
        missing = [r.id for r in records if r.match_embedding is None]
        if missing:
            raise ValueError(f"claims {missing[:5]} have no stored embedding: embed them before indexing")
        start = len(self._texts)
        self._ids = np.concatenate([self._ids, np.fromiter((r.id for r in records), np.int64, len(records))])
        self._articles = np.concatenate(
            [self._articles, np.fromiter((r.article_id for r in records), np.int64, len(records))])
        self._headline_row = np.concatenate(
            [self._headline_row, np.fromiter((self._headline(r) for r in records), np.int32, len(records))])
        self._days = np.concatenate([self._days, np.fromiter((ordinal_day(r.published) for r in records), np.int32,
                                                             len(records))])
        for i, rec in enumerate(records):
            row = start + i
            self._texts.append(rec.text)
            if rec.context:
                self._contexts[row] = rec.context
            self.lexical.add(content_tokens(clean_claim_text(rec.text)),
                             content_tokens(clean_claim_text(rec.context)) if rec.context else ())
            if rec.speaker or rec.quantities:
                self._extra[row] = (rec.speaker, rec.speaker_kind, list(rec.quantities or []))
            if rec.article_id == DELETED:
                continue
            self._row_of[rec.id] = row
            self._per_article[rec.article_id] += 1
            self.max_id = max(self.max_id, rec.id)
        self.dense.add(np.stack([np.asarray(r.match_embedding, dtype=np.float32) for r in records]))

    def get(self, claim_id: int) -> ClaimRecord:
        """The stored claim with this id, as a record."""
        row = self._row_of[claim_id]
        return self._record(row)

    def _record(self, row: int) -> ClaimRecord:
        speaker, kind, quantities = self._extra.get(row, (None, None, []))
        headline = int(self._headline_row[row])
        return ClaimRecord(id=int(self._ids[row]), article_id=int(self._articles[row]), text=self._texts[row],
                           speaker=speaker, speaker_kind=kind,
                           quantities=quantities, context=self._contexts.get(row, ""),
                           match_embedding=self.dense.vectors([row])[0],
                           context_embedding=self.headlines.vectors([headline])[0] if headline >= 0 else None,
                           published=None if self._days[row] == NO_DATE
                           else datetime.date.fromordinal(int(self._days[row])))

    @property
    def records(self) -> list[ClaimRecord]:
        """All stored claims as records (for small indexes: tests and tools)."""
        return [self._record(row) for row in range(len(self))]

    def _allowed(self, rows: np.ndarray, query: ClaimRecord, exclude_article: int | None) -> np.ndarray:
        keep = (self._ids[rows] != query.id) & (self._articles[rows] != DELETED)
        if exclude_article is not None:
            keep &= self._articles[rows] != exclude_article
        return rows[keep] if len(rows) else rows

    def _dense_k(self, exclude_article: int | None, per_ranking: int) -> int:
        # Ask for enough neighbours that, once the query's own article is dropped, ``per_ranking`` remain.
        return per_ranking + 1 + (self._per_article[exclude_article] if exclude_article is not None else 0)

    def candidates(self, query: ClaimRecord, *, exclude_article: int | None = None,
                   per_ranking: int = CANDIDATES, dense_rows: np.ndarray | None = None) -> Candidates:
        """The top ``per_ranking`` stored claims by MiniLM cosine and by BM25, with their pair features."""
        n = len(self)
        empty = Candidates(np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES))), np.zeros(0))
        if not n:
            return empty
        if query.match_embedding is None:
            raise ValueError("the new claim has no embedding: embed it before matching")
        vec = np.asarray(query.match_embedding, dtype=np.float32)
        tokens = content_tokens(clean_claim_text(query.text))
        if dense_rows is None:
            dense_rows = self.dense.search_batch(vec[None, :], self._dense_k(exclude_article, per_ranking))
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
        mini = self.dense.vectors(rows) @ vec
        mini_ctx = mini.copy()
        headline = self._headline_row[rows]
        has = headline >= 0
        if has.any():
            mini_ctx[has] = np.maximum(mini[has], self.headlines.vectors(headline[has]) @ vec)
        bm25 = np.zeros(len(rows))
        if len(lex_rows):
            pos = np.searchsorted(lex_rows, rows).clip(max=len(lex_rows) - 1)
            hit = lex_rows[pos] == rows
            bm25[hit] = lex_scores[pos[hit]]
        feats = self._features(tokens, rows, mini, mini_ctx, bm25)
        day, days = ordinal_day(query.published), self._days[rows].astype(np.int64)
        dated = (days != NO_DATE) & (day != NO_DATE)
        feats[:, COLUMN["dated"]] = dated
        feats[dated, COLUMN["date_near"]] = 1.0 / (1.0 + np.abs(days[dated] - day) / 7.0)
        return Candidates(rows, feats, bm25)

    def _features(self, tokens: list[str], rows: np.ndarray, mini: np.ndarray, mini_ctx: np.ndarray,
                  bm25: np.ndarray) -> np.ndarray:
        """Pair features of every candidate, vectorised over the candidates' stored term ids."""
        m = len(rows)
        col = COLUMN
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
        feats[:, col["cov_stored"]] = np.bincount(p_owner, p_weight * p_shared, minlength=m) / np.maximum(
            np.bincount(p_owner, p_weight, minlength=m), 1e-9)
        # The share of the new claim's (idf-weighted) words in the stored claim itself (the pair model's).
        feats[:, col["cov_new_own"]] = np.bincount(p_owner, p_weight * p_shared, minlength=m) / q_weight
        # With its context: the share of the new claim's (idf-weighted) words found there.
        both = np.unique(np.concatenate([owner, c_owner]) * width + np.concatenate([terms, c_terms]))
        b_owner, b_term = both // width, both % width
        b_shared = np.isin(b_term, known)
        feats[:, col["cov_new"]] = np.bincount(b_owner, self.lexical.idf_of(b_term) * b_shared, minlength=m) / q_weight
        # Dice over word multisets (new claim vs stored claim's own words).
        q_count_of = np.zeros(len(p_term))
        if len(known):
            pos = np.searchsorted(known, p_term).clip(max=len(known) - 1)
            q_count_of = np.where(known[pos] == p_term, known_counts[pos], 0)
        shared = np.bincount(p_owner, np.minimum(q_count_of, counts), minlength=m)
        lengths = np.bincount(owner, minlength=m)
        total = len(tokens) + lengths
        feats[:, col["dice"]] = np.where(total > 0, 2 * shared / np.maximum(total, 1), 0.0)
        feats[:, col["bm25_rel"]] = bm25 / bm25.max() if bm25.max() > 0 else 0.0
        order_lex = np.argsort(-bm25, kind="stable")
        feats[order_lex, col["rank_lex"]] = np.where(bm25[order_lex] > 0, 1.0 / (1.0 + np.arange(m)), 0.0)
        for name, values in (("mini", mini), ("mini_ctx", mini_ctx)):
            feats[:, col[name]] = values
            feats[:, col[f"{name}_gap"]] = values - values.max()
        feats[np.argsort(-mini, kind="stable"), col["rank_mini"]] = 1.0 / (1.0 + np.arange(m))
        return feats

    def _scored(self, query: ClaimRecord, *, exclude_article: int | None, method: str = "default",
                per_ranking: int = CANDIDATES, dense_rows=None) -> tuple[Candidates, np.ndarray]:
        if method not in METHODS:
            raise ValueError(f"unknown matching method {method!r}; choose from {', '.join(METHODS)}")
        cand = self.candidates(query, exclude_article=exclude_article, per_ranking=per_ranking,
                               dense_rows=dense_rows)
        if not len(cand.rows):
            return cand, np.zeros(0)
        col = COLUMN
        if method == "default":
            score = scorer_probability(cand.features)
        elif method == "fusion":
            weight = load_scorer().get("fusion_weight", 0.5)
            score = weight * _minmax(cand.features[:, col["mini"]]) + (1 - weight) * _minmax(cand.bm25)
        elif method == "minilm":
            score = cand.features[:, col["mini"]]
        else:
            score = cand.bm25
        return cand, score

    def search(self, query: ClaimRecord, *, k: int = 10, exclude_article: int | None = None,
               _dense_rows=None) -> list[Match]:
        """The best matches for ``query`` among stored claims of other articles, best first.

        Candidates are ordered by the ranking model. The scorer's pair model (does the stored claim
        cover the new one?) suggests a candidate at ``RELATED_THRESHOLD``; the cross-encoder
        (``claims.nlp.matching.pairs``, both claims read together) gives the ``PAIR_JUDGED`` best
        suggested ones their probability of saying the same thing, which decides ``same``, unless
        :func:`pair_can_matter` says its answer cannot change the kind (P(same) is then 0). A match's
        ``score`` is the higher of the two probabilities.
        """
        cand, rank_score = self._scored(query, exclude_article=exclude_article, dense_rows=_dense_rows)
        if not len(cand.rows):
            return []
        scorer = load_scorer()
        cover = scorer_probability(cand.features, scorer["pair"]) if "pair" in scorer else rank_score
        order = np.lexsort((self._ids[cand.rows], -rank_score))
        col = COLUMN
        best = [i for i in order[:PAIR_JUDGED] if cover[i] >= RELATED_THRESHOLD]
        judged = [i for i in best if not self.pair_gate
                  or pair_can_matter(float(cover[i]), float(cand.features[i, col["mini"]]))]
        self.pair_counts["judged"] += len(judged)
        self.pair_counts["gated"] += len(best) - len(judged)
        same_prob = dict(zip(judged, pair_probabilities(
            [(query.text, self._texts[int(cand.rows[i])]) for i in judged])))
        results = []
        for rank, i in enumerate(order):
            s, p = float(cover[i]), float(same_prob.get(i, 0.0))
            if s < RELATED_THRESHOLD:
                continue
            other = self._record(int(cand.rows[i]))
            kind, reason = classify(query, other, p, s)
            if kind is None:
                continue
            results.append((-max(s, p), rank, Match(
                other.id, round(max(s, p), 4), kind, round(float(cand.features[i, col["dice"]]), 4),
                round(semantic_scale(float(cand.features[i, col["mini"]])), 4), reason)))
            if len(results) >= k:  # the k best-ranked suggestions, then shown by score
                break
        return [m for _, _, m in sorted(results, key=lambda r: r[:2])]

    def search_many(self, queries: list[ClaimRecord], *, k: int = 10,
                    exclude_article: int | None = None) -> list[list[Match]]:
        """:meth:`search` for a batch of new claims (one article's, say): one batched ANN call."""
        if not queries or not len(self):
            return [[] for _ in queries]
        wanted = self._dense_k(exclude_article, CANDIDATES)
        rows = self.dense.search_batch(np.stack([np.asarray(q.match_embedding, dtype=np.float32)
                                                 for q in queries]), wanted)
        return [self.search(q, k=k, exclude_article=exclude_article, _dense_rows=rows[i])
                for i, q in enumerate(queries)]

    def rank(self, query: ClaimRecord, *, k: int = 10, method: str = "default",
             exclude_article: int | None = None) -> list[tuple[int, float]]:
        """Stored claims ranked for ``query`` by ``method``, whatever their kind (for evaluation)."""
        cand, score = self._scored(query, exclude_article=exclude_article, method=method)
        ids = self._ids[cand.rows]
        order = np.lexsort((-ids, -score))[:k]
        return [(int(ids[i]), float(score[i])) for i in order]


def pair_can_matter(cover: float, cosine: float) -> bool:
    """Whether the cross-encoder should read a suggested candidate: the scorer's P(covers) at
    ``PAIR_MIN_COVER`` or the MiniLM cosine at ``PAIR_MIN_COSINE``."""
    return cover >= PAIR_MIN_COVER or cosine >= PAIR_MIN_COSINE


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = values.min(), values.max()
    return (values - low) / (high - low) if high > low else np.ones_like(values)
