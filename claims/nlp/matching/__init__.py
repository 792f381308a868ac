"""Match a new claim against every earlier claim: hybrid retrieval, a learned pairwise score, a kind.

Plain data in, plain data out: the index is fed :class:`ClaimRecord` values by a service and never
touches the database itself, so workers, ``ingest --sync``, bench scripts and tests share it.

1. Candidates: the stored claims nearest by all-MiniLM-L6-v2 cosine (``claims/nlp/encoders/minilm.py``, numpy;
   exact up to 50k claims, HNSW past that) and best by BM25 over content words and the article's
   headline (``claims/nlp/matching/ann.py``): ``CANDIDATES`` of each.
2. Two logistic models over pair features, trained on the CheckThat! 2022 train split
   (``bench/train_matching.py``, weights in ``claims/data/matching_scorer.json``). Features: the
   MiniLM cosine (e5, once a feature too, added nothing on dev: 0.977 without it, 0.975 with), the
   MiniLM cosine to the stored claim's headline, idf-weighted word overlap, BM25, and ranks among the
   candidates, and how far apart the two sources were published. The ranking model sees all of them
   and orders the matches; the pair model sees only the two claims (no headline, ranks or dates), so
   its probability means the same in any index: it is the ``score`` in [0, 1] that the thresholds
   apply to.
3. Kind: a cross-encoder (``claims.nlp.matching.pairs``: MiniLM fine-tuned on news paraphrase pairs, int8
   ONNX) reads the new claim with each of the best few candidates; ``same`` at its calibrated
   threshold unless the numbers or speakers disagree, the two move in opposite directions or only
   one is negated (``conflict``), or a claim is very short (``related``); ``related`` at
   ``RELATED_THRESHOLD`` of either probability.

Modules: ``records`` (the plain data the index takes and returns), ``features`` (text
normalisation and the pair features), ``scorer`` (the learned model over them), ``rules`` (the
thresholds and the conflict rules that give a match its kind), ``ann`` (exact/HNSW vectors and BM25
postings), ``graph`` (the HNSW graph saved beside the database, shared between workers), ``pairs`` (the
cross-encoder that reads two claims together), ``index``
(:class:`MatchIndex`, which ties them together).
"""
