"""Check-worthiness: how much a claim deserves a fact-checker's time, in [0, 1], with reasons.

The score is a logistic model trained on ClaimBuster (US presidential debate sentences labelled
check-worthy or not) and on news claims (the product's own claims in PolNeAR's training articles,
labelled by ``bench/news_labels.py``); ``bench/eval_checkworthiness.py`` fits and measures it. Three
groups of inputs, all of them already at hand when a claim is scored:

- the claim's reading vector: the pooled states of the fourth layer of the one MiniLM pass every
  claim gets for matching (``claims.nlp.embeddings.claim_vectors``), so scoring costs no transformer
  of its own (e5 did that job before issue 24, at 32 ms a claim; the reading vector scores better);
- TF-IDF of its words and word pairs (spaCy tokens, numbers folded into one token);
- a few linguistic signals read from the spaCy parse (numbers, comparisons, causal links, named
  entities, predictions, questions, opinion words, length...).

The signals that fire are also the reasons shown to the reviewer. One rule sits on top: a
non-answer ("did not comment", "declined to comment", ``non_answer``) scores at most
``NON_ANSWER_CAP``, whatever the model says. The weights are plain numpy
arrays in ``claims/data/checkworthiness.npz`` (no pickle), loaded once per process on first use.
A second, smaller head without the vector scores claims whose vector is not known.

The bias is set so that a score of 0.5 is the decision threshold chosen on cross-validated training
predictions reweighted to a balanced class prior (ClaimBuster train is 25% positive, its test 50%):
a score of at least 0.5 reads "worth checking".
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "checkworthiness.npz"
THRESHOLD = 0.5
# The desk's highlight threshold (CLAIMDESK_CHECKWORTHY_THRESHOLD overrides it), set from news, not
# debates: the best F1 on the out-of-fold scores of the labelled PolNeAR train claims
# (bench/eval_checkworthiness.py prints it: 0.70, F1 0.851 there). On the hand-reviewed PolNeAR dev
# claims it gives precision 0.815 and recall 0.801 (docs/quality.md). THRESHOLD stays the best F1 on
# debate sentences at a 50 % balance.
DESK_THRESHOLD = 0.70

_COMPARATIVE_TAGS = {"JJR", "JJS", "RBR", "RBS"}
_COMPARATIVE_WORDS = {"more", "less", "fewer", "most", "least", "than", "record", "highest", "lowest", "double", "half"}
_CAUSAL = {"because", "cause", "caused", "causes", "due", "lead", "led", "result", "resulted", "therefore", "thanks"}
_OPINION = {"think", "feel", "hope", "wish", "love", "hate", "should", "must", "ought", "beautiful", "terrible", "great", "awful", "wonderful", "believe"}
_PREDICTION = {"will", "would", "could", "might", "expect", "expected", "forecast", "predict", "likely", "plan", "planning"}
_FACT_ENTS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "DATE"}
_NOT_NUMBERS = {"DATE", "TIME", "ORDINAL"}
_FIRST_PERSON = {"i", "me", "my", "we", "us", "our"}
_SECOND_PERSON = {"you", "your"}
_NEGATION = {"not", "n't", "never", "no", "nothing"}

# The order of the linguistic signals in the model's feature vector.
FEATURES = (
    "number", "n_numbers", "percent", "money", "date", "n_entities", "person", "organisation", "place",
    "comparison", "superlative", "causal", "prediction", "past_tense", "modal", "negation",
    "first_person", "second_person", "question", "exclamation", "opinion", "fragment", "log_words",
    "no_verb",
)


def claim_signals(span, *, quantities=(), attributed=False) -> tuple[np.ndarray, list[str]]:
    """The linguistic signals of a claim (a vector in ``FEATURES`` order) and the reviewer's reasons."""
    tokens = [t for t in span if not t.is_space]
    words = [t for t in tokens if t.is_alpha]
    lowers = {t.lower_ for t in tokens}
    lemmas = {t.lemma_.lower() for t in tokens}
    tags = {t.tag_ for t in tokens}
    ent_labels = [e.label_ for e in span.ents]
    # a DATE counts as a named entity when it names one ("March", "2019"), not for "months" or "today"
    fact_ents = {
        e.text for e in span.ents
        if e.label_ in _FACT_ENTS and (e.label_ != "DATE" or any(t.like_num or t.pos_ == "PROPN" for t in e))
    }
    n_numbers = len(quantities) or sum(1 for t in tokens if t.like_num and t.ent_type_ not in _NOT_NUMBERS)
    text = span.text.rstrip()

    f = dict.fromkeys(FEATURES, 0.0)
    reasons = []
    if n_numbers:
        f["number"], f["n_numbers"] = 1.0, math.log1p(n_numbers)
        reasons.append("number or quantity")
    f["percent"] = float("PERCENT" in ent_labels)
    f["money"] = float("MONEY" in ent_labels)
    f["date"] = float("DATE" in ent_labels)
    if fact_ents:
        f["n_entities"] = math.log1p(len(fact_ents))
        reasons.append("named entities: " + ", ".join(sorted(fact_ents)[:4]))
    f["person"] = float("PERSON" in ent_labels)
    f["organisation"] = float("ORG" in ent_labels)
    f["place"] = float(any(label in ("GPE", "LOC", "NORP") for label in ent_labels))
    if tags & _COMPARATIVE_TAGS or lowers & _COMPARATIVE_WORDS:
        f["comparison"] = 1.0
        reasons.append("comparison")
    f["superlative"] = float(bool(tags & {"JJS", "RBS"}))
    if lowers & _CAUSAL or lemmas & _CAUSAL:
        f["causal"] = 1.0
        reasons.append("causal claim")
    if lowers & _PREDICTION:
        f["prediction"] = 1.0
        reasons.append("prediction or plan")
    if attributed:
        # Shown to the reviewer but not scored: every ClaimBuster sentence is someone's statement.
        reasons.append("attributed statement")
    f["past_tense"] = float("VBD" in tags or "VBN" in tags)
    f["modal"] = float("MD" in tags)
    f["negation"] = float(bool(lowers & _NEGATION))
    f["first_person"] = float(bool(lowers & _FIRST_PERSON))
    f["second_person"] = float(bool(lowers & _SECOND_PERSON))
    f["no_verb"] = float(not any(t.pos_ in ("VERB", "AUX") for t in tokens))
    if text.endswith("?"):
        f["question"] = 1.0
        reasons.append("question (lowered)")
    f["exclamation"] = float(text.endswith("!"))
    if lemmas & _OPINION or lowers & _OPINION:
        f["opinion"] = 1.0
        reasons.append("opinion or modal language (lowered)")
    if len(words) < 6:
        f["fragment"] = 1.0
        reasons.append("fragment (lowered)")
    f["log_words"] = math.log1p(len(words))
    return np.fromiter(f.values(), dtype=np.float32, count=len(FEATURES)), reasons


def claim_terms(span) -> list[str]:
    """The words and word pairs the TF-IDF part sees: lower-cased spaCy tokens, numbers as ``<num>``."""
    unigrams = []
    for t in span:
        if t.is_space:
            continue
        if t.like_num:
            unigrams.append("<num>")
        elif not t.is_punct or t.text in ("?", "!", "%"):
            unigrams.append(t.lower_)
    return unigrams + [f"{a} {b}" for a, b in zip(unigrams, unigrams[1:])]


@dataclass
class Head:
    """One logistic head: bias + signals·w (standardised) + TF-IDF·w + embedding·w (when present)."""

    bias: float
    feature_mean: np.ndarray
    feature_scale: np.ndarray
    feature_weights: np.ndarray
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray | None = None
    term_weights: np.ndarray | None = None
    embedding_weights: np.ndarray | None = None

    def logit(self, features: np.ndarray, terms: list[str], embedding=None) -> float:
        z = self.bias + float(((features - self.feature_mean) / self.feature_scale) @ self.feature_weights)
        if self.vocabulary:
            counts: dict[int, int] = {}
            for term in terms:
                j = self.vocabulary.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if counts:
                idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                x = np.fromiter(counts.values(), dtype=np.float32, count=len(counts)) * self.idf[idx]
                z += float(x @ self.term_weights[idx]) / float(np.sqrt(x @ x))
        if self.embedding_weights is not None and embedding is not None:
            z += float(np.asarray(embedding, dtype=np.float32) @ self.embedding_weights)
        return z

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        arrays = {
            f"{prefix}bias": np.float64(self.bias),
            f"{prefix}feature_mean": self.feature_mean.astype(np.float32),
            f"{prefix}feature_scale": self.feature_scale.astype(np.float32),
            f"{prefix}feature_weights": self.feature_weights.astype(np.float32),
        }
        if self.vocabulary:
            terms = sorted(self.vocabulary, key=self.vocabulary.get)
            arrays[f"{prefix}vocabulary"] = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
            arrays[f"{prefix}idf"] = self.idf.astype(np.float16)
            arrays[f"{prefix}term_weights"] = self.term_weights.astype(np.float16)
        if self.embedding_weights is not None:
            arrays[f"{prefix}embedding_weights"] = self.embedding_weights.astype(np.float16)
        return arrays

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> Head:
        def get(name):
            key = prefix + name
            return np.asarray(arrays[key], dtype=np.float32) if key in arrays else None

        vocabulary = {}
        if prefix + "vocabulary" in arrays:
            terms = bytes(arrays[prefix + "vocabulary"]).decode("utf-8").split("\n")
            vocabulary = {term: j for j, term in enumerate(terms)}
        return cls(
            bias=float(arrays[prefix + "bias"]),
            feature_mean=get("feature_mean"),
            feature_scale=get("feature_scale"),
            feature_weights=get("feature_weights"),
            vocabulary=vocabulary,
            idf=get("idf"),
            term_weights=get("term_weights"),
            embedding_weights=get("embedding_weights"),
        )


@dataclass
class CheckworthinessModel:
    """The trained scorer: ``main`` uses the embedding, ``fallback`` scores claims without one."""

    main: Head
    fallback: Head
    features: tuple[str, ...] = FEATURES

    def score(self, features: np.ndarray, terms: list[str], embedding=None) -> float:
        head = self.main if embedding is not None or self.main.embedding_weights is None else self.fallback
        z = head.logit(features, terms, embedding)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        names = np.frombuffer("\n".join(self.features).encode("utf-8"), dtype=np.uint8)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, features=names, **self.main.to_arrays("main_"), **self.fallback.to_arrays("fallback_"))

    @classmethod
    def load(cls, path=MODEL_PATH) -> CheckworthinessModel:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        features = tuple(bytes(arrays["features"]).decode("utf-8").split("\n"))
        if features != FEATURES:
            raise ValueError(f"{path} was trained on other signals; refit it with bench/eval_checkworthiness.py --save")
        return cls(main=Head.from_arrays(arrays, "main_"), fallback=Head.from_arrays(arrays, "fallback_"))


_lock = threading.Lock()
_model: CheckworthinessModel | None = None


def get_model() -> CheckworthinessModel:
    """The shipped model, loaded once per process on first use."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = CheckworthinessModel.load(MODEL_PATH)
    return _model


# A non-answer ("X did not comment", "declined to comment", "did not immediately respond to a request
# for comment", "could not be reached"): news reports someone saying nothing, which no fact-checker can
# check. The model, fitted on debate sentences where nobody says that, scored them 0.95.
NON_ANSWER_CAP = 0.05
_ANSWER_VERBS = {"comment", "respond", "reply", "answer"}
_REFUSE_VERBS = {"decline", "refuse"}
# what a non-answer is not answering: a request, a question, a message (not "the crisis", "the attack")
_ASKED = {"request", "question", "inquiry", "enquiry", "query", "email", "call", "message", "comment", "phone",
          "report", "allegation", "claim", "accusation", "matter"}


def non_answer(span) -> bool:
    """Whether the claim's main clause is someone not answering: a negated "comment", "respond",
    "reply" or "answer" (respond, reply and answer only to a request, a question, a message, or to
    nothing), "declined/refused to comment", or "could not be reached (for comment)"."""
    root = span.root
    lemma = root.lemma_.lower()
    negated = any(c.dep_ == "neg" for c in root.children)
    if lemma in _REFUSE_VERBS:
        return any(c.dep_ == "xcomp" and c.lemma_.lower() in _ANSWER_VERBS for c in root.children)
    if lemma == "reach" and negated and any(c.dep_ in ("auxpass", "nsubjpass") for c in root.children):
        return True
    if lemma not in _ANSWER_VERBS or not negated:
        return False
    if lemma == "comment":
        return True
    objects = [t for c in root.children if c.dep_ in ("prep", "dobj") for t in c.subtree
               if t.dep_ in ("pobj", "dobj") and t.pos_ in ("NOUN", "PROPN")]
    return not objects or any(t.lemma_.lower() in _ASKED for t in objects)


def score_checkworthiness(span, *, quantities=(), attributed=False, embedding=None, model=None) -> tuple[float, list[str]]:
    """Score one claim (a spaCy span; ``embedding`` is its reading vector when known).

    Returns (score in [0, 1], reasons shown to the reviewer); a score of at least ``THRESHOLD``
    marks a claim worth checking. ``model`` replaces the shipped model (the bench script passes
    one it has just fitted).
    """
    features, reasons = claim_signals(span, quantities=quantities, attributed=attributed)
    model = model or get_model()
    score = model.score(features, claim_terms(span), embedding)
    if non_answer(span):
        score = min(score, NON_ANSWER_CAP)
        reasons = [*reasons, "a non-answer: nobody asserts anything to check (lowered)"]
    return round(score, 4), reasons
