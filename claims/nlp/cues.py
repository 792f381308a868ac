"""Attribution cues: the learned cue model that scores each token ("said", "according to", "polls
show"), its threshold, and the speech verbs."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

# The attribution cue model: a logistic regression over a token's lemma and its syntactic context,
# trained on the PolNeAR train split (``python bench/eval_attribution.py --train-cues``): the
# probability that a token is part of an attribution cue ("said", "according to", "wants", "polls
# show", "called for"). Weights are a small JSON file, loaded once per process.
CUE_MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "attribution_cues.json"
_CUE_POS = {"VERB", "NOUN", "ADP", "AUX", "ADJ", "ADV", "PROPN", "PUNCT", "PART"}
_CUE_CHILD_DEPS = {"ccomp", "xcomp", "nsubj", "nsubjpass", "dobj", "agent", "prep", "advcl", "mark",
                   "attr", "acomp", "poss", "neg", "aux", "auxpass", "dative", "pcomp", "pobj"}
_SUBJECT_DEPS = {"nsubj", "nsubjpass", "poss", "pobj", "agent"}


def cue_candidate(tok) -> bool:
    """Tokens the cue model scores: content words, prepositions and the punctuation that can
    introduce a quotation (colons, dashes)."""
    if tok.pos_ == "PUNCT":
        return tok.text in (":", "—", "―", "–", "-")
    return tok.pos_ in _CUE_POS


def cue_features(tok, quoted: bool) -> list[str]:
    """The features of one token for the cue model (shared by training and extraction)."""
    lemma = tok.lemma_.lower()
    pos, dep = tok.pos_, tok.dep_
    head = tok.head
    doc = tok.doc
    feats = ["bias", "l=" + lemma, "lp=" + lemma + "|" + pos, "ld=" + lemma + "|" + dep, "pd=" + pos + "|" + dep,
             "t=" + tok.tag_]
    if head.i == tok.i:
        feats.append("root")
    else:
        feats += ["hl=" + head.lemma_.lower(), "lhd=" + lemma + "|" + dep + "|" + head.pos_]
    kids = set()
    for child in tok.children:
        cd = child.dep_
        if cd not in _CUE_CHILD_DEPS:
            continue
        kids.add("c=" + cd)
        kids.add("lc=" + lemma + "|" + cd)
        if cd in _SUBJECT_DEPS:
            kids.add("sk=" + cd + "|" + (child.ent_type_ or child.pos_))
        elif cd == "prep":
            kids.add("lpr=" + lemma + "|" + child.lower_)
    feats.extend(sorted(kids))
    prv = doc[tok.i - 1].lower_ if tok.i > 0 else "<s>"
    nxt = doc[tok.i + 1].lower_ if tok.i + 1 < len(doc) else "</s>"
    feats += ["pv=" + prv, "nx=" + nxt, "ln=" + lemma + "_" + nxt, "pl=" + prv + "_" + lemma]
    if tok.ent_type_:
        feats.append("e=" + tok.ent_type_)
    if lemma in SPEECH_VERBS:
        feats.append("speech-verb|" + pos)
    if quoted:
        feats += ["q", "lq=" + lemma]
    return feats


@functools.cache
def json_model(path) -> dict:
    """A learned model's weights (JSON), read once per process; ``cache_clear()`` after retraining."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _load_cue_model():
    return json_model(CUE_MODEL_PATH)


def cue_scores(doc, quoted) -> list[float]:
    """Probability that each token of ``doc`` is part of an attribution cue (0 for non-candidates);
    ``quoted[i]`` says whether token i is inside a quotation."""
    model = _load_cue_model()
    weights = model["weights"]
    out = []
    for tok in doc:
        if not cue_candidate(tok):
            out.append(0.0)
            continue
        z = sum(weights.get(f, 0.0) for f in cue_features(tok, quoted[tok.i]))
        out.append(1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0))))
    return out

SPEECH_VERBS = {
    "say", "tell", "add", "claim", "state", "announce", "report", "deny", "insist", "argue",
    "acknowledge", "admit", "warn", "suggest", "note", "explain", "write", "confirm", "accuse",
    "allege", "assert", "declare", "estimate", "predict", "quote", "highlight", "reveal", "stress",
    "tweet", "post", "comment", "reply", "respond", "agree", "urge", "maintain", "concede",
    "contend", "recall", "emphasise", "emphasize", "testify", "describe", "indicate", "believe",
    "think", "vow", "promise", "pledge", "boast", "complain", "charge", "caution", "counter",
    "observe", "remark", "speculate", "signal", "hint", "disclose", "recount",
}

CUE_THRESHOLD = 0.35  # set on PolNeAR dev: coverage and precision both near 0.9


def lexicon_cue(tok) -> bool:
    return tok.pos_ == "VERB" and tok.lemma_.lower() in SPEECH_VERBS and not any(c.dep_ == "neg" for c in tok.children)
