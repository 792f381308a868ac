#!/usr/bin/env python
"""Attribution quality on PolNeAR: coverage, speaker accuracy and precision of the product's claims.

    python bench/eval_attribution.py [--split dev] [--data DIR] [--limit N] [--no-baseline] [--errors N]
    python bench/eval_attribution.py --split train --train

Reads ``DIR/<split>/text/*.txt`` and ``DIR/<split>/attributions.jsonl`` (format and metrics in
``../shared/data/attribution/README.md``; DIR defaults to ``../shared/data/attribution/polnear``).
Each text goes through the product exactly as ``manage.py ingest --sync`` takes it: the body cleaned
by ``claims.ingestion.clean_body``, the title its first line, claims from
``claims.nlp.pipeline.extract_many(..., embed=False)`` (the workers' function; embeddings are not
needed for attribution). Claims are then placed in the document by their text, as the exported JSON
would be, and scored:

- coverage   gold attributions (content not starting in the headline) whose content is overlapped on
             at least half its characters by one claim with attribution != none;
- speaker    of the covered ones whose gold source holds a name token, the share whose covering claim
             (largest overlap) has a speaker sharing a name token with the source;
- precision  claims with attribution != none that overlap any gold content or source span.

``--train`` (with ``--split train``) instead retrains the two learned components of extraction, the
cue model and the source model, and writes them to ``claims/data/attribution_*.json``.

The baseline row is one claim per spaCy sentence (double quote -> direct, speech verb or "according
to" -> reported, speaker = subject of the verb), the reference the targets are set against.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "attribution" / "polnear"

# --- gold data --------------------------------------------------------------------------------------


@dataclass
class Gold:
    id: str
    content: list[tuple[int, int]]
    source: list[tuple[int, int]]
    source_text: str
    content_text: str = ""
    names: set[str] = field(default_factory=set)


@dataclass
class Doc:
    name: str
    text: str
    golds: list[Gold]

    @property
    def headline_end(self) -> int:
        nl = self.text.find("\n")
        return len(self.text) if nl < 0 else nl


def load_split(data_dir: Path, split: str, limit: int | None = None) -> list[Doc]:
    """The documents of one split with their gold attributions, name tokens already computed."""
    folder = Path(data_dir) / split
    texts = sorted((folder / "text").glob("*.txt"))
    if not texts:
        raise SystemExit(f"no texts in {folder / 'text'}")
    if limit:
        texts = texts[:limit]
    docs = {p.stem: Doc(p.stem, p.read_bytes().decode("utf-8"), []) for p in texts}
    with open(folder / "attributions.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            doc = docs.get(row["doc"])
            if doc is None:
                continue
            src = row.get("source") or {}
            doc.golds.append(Gold(
                id=row["id"],
                content=[tuple(s) for s in row["content"]["spans"]],
                source=[tuple(s) for s in src.get("spans", [])],
                source_text=src.get("text", ""),
                content_text=row["content"]["text"],
            ))
    lower_words = lowercase_vocabulary(d.text for d in docs.values())
    for doc in docs.values():
        for gold in doc.golds:
            gold.names = name_tokens(doc.text, gold.source, lower_words)
    return list(docs.values())


# --- name tokens ------------------------------------------------------------------------------------

_LETTERS = re.compile(r"[^\W\d_]+")
NOT_NAMES = set("""
i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its
itself we us our ours ourselves they them their theirs themselves who whom whose which what that this
these those one ones someone somebody anyone anybody everyone everybody nobody none some any many
few several all both each either neither other others another such
the a an of in on at by for with from to into onto upon about as and or but nor so yet if than then
there here when where while not no only also just very more most much less least own same
is are was were be been being has have had do does did will would shall should can could may might must
mr mrs ms miss mx dr prof sen sens rep reps gov lt gen col sgt capt st jr sr hon rev fr
president vice senator senators representative congressman congresswoman governor mayor secretary
minister chairman chairwoman chair speaker leader judge justice chief general ambassador director
professor sir dame lord lady king queen prince princess pope bishop deputy former presidential
""".split())


def lowercase_vocabulary(texts) -> set[str]:
    """Every word form the texts use in lower case (so a capitalised "Analysts" is no name)."""
    vocab = set()
    for text in texts:
        vocab.update(w for w in _LETTERS.findall(text) if w.islower())
    return vocab


_SENTENCE_START = re.compile(r"(?:^|[.!?:;]['\"’”)\]]*\s+|\n\s*|[\"“‘'(\[—-]\s*)$")
_TITLE_ABBREVIATIONS = set("mr mrs ms mx dr prof sen sens rep reps gov lt gen col sgt capt st jr sr hon rev fr messrs".split())
_ABBREVIATION = re.compile(r"(?:^|[\s.])([A-Za-z]{1,4})\.\s+$")


def _sentence_initial(text: str, pos: int) -> bool:
    before = text[max(0, pos - 16) : pos]
    if pos == 0 or not _SENTENCE_START.search(before):
        return False if pos else True
    # "Mrs. Clinton", "Sen. Warren", "Lawrence H. Summers": a period after a title or an initial
    # ends no sentence
    m = _ABBREVIATION.search(before)
    return not (m and (m.group(1).lower() in _TITLE_ABBREVIATIONS or len(m.group(1)) == 1))


def name_tokens(text: str, spans, lower_words: set[str]) -> set[str]:
    """Lower-cased name tokens of a span: capitalised words of two letters or more that are not
    pronouns, function words or titles; a sentence-initial word is dropped when the texts use it in
    lower case elsewhere."""
    names = set()
    for start, end in spans:
        for m in _LETTERS.finditer(text, start, end):
            word = m.group(0)
            low = word.lower()
            if len(word) < 2 or not word[0].isupper() or low in NOT_NAMES:
                continue
            if low in lower_words and _sentence_initial(text, m.start()):
                continue
            names.add(low)
    return names


def speaker_words(speaker: str | None) -> set[str]:
    return {w.lower() for w in _LETTERS.findall(speaker or "")}


# --- placing claims ---------------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'",
                         "–": "-", "—": "-", "‒": "-", "―": "-", "\u00a0": " "})


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Text with whitespace collapsed, quotes, dashes and case normalised, and for each output
    character its offset in ``text``."""
    out, where = [], []
    prev_space = False
    for i, ch in enumerate(text.translate(_QUOTES)):
        if ch.isspace():
            if prev_space:
                continue
            ch = " "
            prev_space = True
        else:
            prev_space = False
        out.append(ch.lower())
        where.append(i)
    return "".join(out), where


def place_claims(doc_text: str, claims: list[dict]) -> list[tuple[int, int, dict]]:
    """(start, end, claim) in ``doc_text``: the occurrence of the claim's text nearest its ``start``,
    or its own offsets when the text is not found."""
    norm, where = normalise_with_map(doc_text)
    placed = []
    for claim in claims:
        needle = normalise_with_map(claim["text"].strip())[0]
        best = None
        if needle:
            pos = norm.find(needle)
            while pos >= 0:
                s = where[pos]
                if best is None or abs(s - claim["start"]) < abs(best[0] - claim["start"]):
                    best = (s, where[pos + len(needle) - 1] + 1)
                pos = norm.find(needle, pos + 1)
        placed.append((*(best or (claim["start"], claim["end"])), claim))
    return placed


# --- scoring ----------------------------------------------------------------------------------------


def _overlap(spans, start, end) -> int:
    return sum(max(0, min(b, end) - max(a, start)) for a, b in spans)


@dataclass
class Score:
    gold: int = 0
    covered: int = 0
    covered_any: int = 0
    named: int = 0
    speaker_right: int = 0
    attributed: int = 0
    precise: int = 0
    claims: int = 0
    errors: dict = field(default_factory=lambda: {"missed": [], "speaker": [], "imprecise": []})

    def ratio(self, a, b):
        return a / b if b else 0.0

    @property
    def coverage(self):
        return self.ratio(self.covered, self.gold)

    @property
    def speaker(self):
        return self.ratio(self.speaker_right, self.named)

    @property
    def precision(self):
        return self.ratio(self.precise, self.attributed)


def score_docs(docs: list[Doc], claims_by_doc: dict[str, list[dict]]) -> Score:
    """Score exported claims (dicts with start, end, text, speaker, attribution) against the gold."""
    sc = Score()
    for doc in docs:
        placed = place_claims(doc.text, claims_by_doc.get(doc.name, []))
        sc.claims += len(placed)
        attributed = [(s, e, c) for s, e, c in placed if c.get("attribution", "none") != "none"]
        gold_spans = sorted(sp for g in doc.golds for sp in (g.content + g.source))
        starts = [a for a, _ in gold_spans]
        for s, e, c in attributed:
            sc.attributed += 1
            hi = bisect.bisect_left(starts, e)
            if any(b > s for a, b in gold_spans[:hi]):
                sc.precise += 1
            else:
                sc.errors["imprecise"].append((doc.name, c))
        for g in doc.golds:
            if g.content[0][0] < doc.headline_end:
                continue
            sc.gold += 1
            size = sum(b - a for a, b in g.content)
            if any(_overlap(g.content, s, e) * 2 >= size for s, e, _ in placed):
                sc.covered_any += 1
            best = max(((_overlap(g.content, s, e), c) for s, e, c in attributed), key=lambda x: x[0], default=(0, None))
            if best[1] is None or best[0] * 2 < size:
                sc.errors["missed"].append((doc.name, g, best[1]))
                continue
            sc.covered += 1
            if g.names:
                sc.named += 1
                if g.names & speaker_words(best[1].get("speaker")):
                    sc.speaker_right += 1
                else:
                    sc.errors["speaker"].append((doc.name, g, best[1]))
    return sc


# --- producing claims -------------------------------------------------------------------------------


def product_claims(docs: list[Doc]) -> tuple[dict[str, list[dict]], float]:
    """Claims of each document through the product's own code, and the seconds extraction took."""
    from claims.ingestion import clean_body, title_from_body
    from claims.nlp.pipeline import extract_many

    items = []
    for doc in docs:
        body = clean_body(doc.text, max_chars=10**9)
        items.append((body, title_from_body(body)))
    started = time.perf_counter()
    extractions = extract_many(items, embed=False)
    seconds = time.perf_counter() - started
    out = {}
    for doc, ex in zip(docs, extractions):
        out[doc.name] = [
            {"start": c.start, "end": c.end, "text": c.text, "speaker": c.speaker,
             "speaker_kind": c.speaker_kind, "attribution": c.attribution}
            for c in ex.claims
        ]
    return out, seconds


# the speech verbs of the rules extraction started from (frozen here, so the baseline stays put)
_BASELINE_VERBS = set("""
say tell add claim state announce report deny insist argue acknowledge admit warn suggest note explain write
confirm accuse allege assert declare estimate predict quote highlight reveal stress tweet post comment reply
respond agree urge maintain concede contend recall emphasise emphasize testify describe indicate believe
think vow promise pledge boast complain charge caution counter observe remark speculate signal hint disclose
recount
""".split())


def baseline_claims(docs: list[Doc]) -> dict[str, list[dict]]:
    """The reference: one claim per spaCy sentence of the body; "direct" if it has a double quotation
    mark, "reported" if it has a speech verb or "according to"; the speaker is the subject of the
    first speech verb that has one (else the object of "according to")."""
    from claims.ingestion import clean_body
    from claims.nlp.loaders import get_nlp

    nlp = get_nlp()
    bodies = [clean_body(d.text, max_chars=10**9) for d in docs]
    out = {}
    for doc, parsed in zip(docs, nlp.pipe(bodies, batch_size=16)):
        claims = []
        for sent in parsed.sents:
            verbs = [t for t in sent if t.lemma_.lower() in _BASELINE_VERBS and t.pos_ == "VERB"]
            speaker = None
            for verb in verbs:
                subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
                if subj is not None:
                    speaker = parsed[subj.left_edge.i : subj.right_edge.i + 1].text
                    break
            according = "according to" in sent.text.lower()
            if speaker is None and according:
                for tok in sent:
                    if tok.lower_ == "according" and tok.i + 1 < len(parsed):
                        objs = [c for c in parsed[tok.i + 1].children if c.dep_ == "pobj"]
                        if objs:
                            speaker = parsed[objs[0].left_edge.i : objs[0].right_edge.i + 1].text
            if any(q in sent.text for q in '"“”'):
                attribution = "direct"
            elif verbs or according:
                attribution = "reported"
            else:
                attribution = "none"
            claims.append({"start": sent.start_char, "end": sent.end_char, "text": sent.text,
                           "speaker": speaker, "attribution": attribution})
        out[doc.name] = claims
    return out


# --- training the cue model -------------------------------------------------------------------------


def _align(text: str, body: str) -> list[int] | None:
    """For each character of ``body`` (``text`` with characters removed by cleaning) its offset in
    ``text``, plus one past the end; None when ``body`` is not such a subsequence."""
    where, i = [], 0
    for ch in body:
        while i < len(text) and text[i] != ch:
            i += 1
        if i >= len(text):
            return None
        where.append(i)
        i += 1
    where.append(i)
    return where


def _training_paragraphs(docs: list[Doc]):
    """(document, offset map body -> text, paragraph offset in body, parsed paragraph) for every
    body paragraph, parsed and classified exactly as extraction does."""
    from claims.ingestion import clean_body, title_from_body
    from claims.nlp.blocks import split_blocks
    from claims.nlp.loaders import get_nlp

    paragraphs = []
    for doc in docs:
        body = clean_body(doc.text, max_chars=10**9)
        where = _align(doc.text, body)
        if where is None:
            continue
        for block in split_blocks(body, title_from_body(body)):
            if block.kind == "body":
                paragraphs.append((doc, where, block.start, body[block.start : block.end]))
    parsed = get_nlp().pipe([p[3] for p in paragraphs], batch_size=64)
    for (doc, where, offset, _), parsed_doc in zip(paragraphs, parsed):
        yield doc, where, offset, parsed_doc


def _read_spans(data_dir: Path, split: str, part: str) -> dict[str, list[tuple[int, int]]]:
    spans = {}
    with open(Path(data_dir) / split / "attributions.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get(part):
                spans.setdefault(row["doc"], []).extend(tuple(s) for s in row[part]["spans"])
    return spans


def in_spans(tok, where: list[int], offset: int, chars: set[int]) -> bool:
    """Whether any character of a paragraph's token maps (through the body -> text offsets) into
    ``chars``, the character offsets of gold spans in the document's text."""
    return any(where[offset + tok.idx + k] in chars for k in range(len(tok.text)))


def cue_training_rows(paragraphs, cue_spans: dict[str, list[tuple[int, int]]]):
    """(features, label) for every candidate token of every body paragraph, as extraction sees
    them: label 1 when the token lies in a gold cue span."""
    from claims.nlp.cues import cue_candidate, cue_features
    from claims.nlp.quotes import quote_regions

    X, y = [], []
    for doc, where, offset, parsed_doc in paragraphs:
        cue_chars = {i for a, b in cue_spans.get(doc.name, []) for i in range(a, b)}
        regions = quote_regions(parsed_doc.text)
        for tok in parsed_doc:
            if not cue_candidate(tok):
                continue
            quoted = any(a <= tok.idx < b for a, b in regions)
            X.append(cue_features(tok, quoted))
            y.append(in_spans(tok, where, offset, cue_chars))
    return X, y


def source_training_rows(paragraphs):
    """(features, label) for every (cue, source) candidate of every unit that holds part of a gold
    content: label 1 when the candidate source lies in the gold source of such a content."""
    from claims.nlp.attribution import source_candidates, source_features
    from claims.nlp.pipeline import analyse_paragraph

    X, y = [], []
    for doc, where, offset, parsed_doc in paragraphs:
        para = analyse_paragraph(parsed_doc)
        for unit in para.units:
            lo, hi = where[offset + unit.start_char], where[offset + unit.end_char]
            sources = {i for g in doc.golds if _overlap(g.content, lo, hi)
                       for a, b in g.source for i in range(a, b)}
            if not sources:
                continue
            rows = []
            for cue, head, how in source_candidates(unit, para.quoted, para.probs, para.skip):
                label = where[offset + head.idx] in sources
                rows.append((source_features(unit, cue, head, how, para.probs), label))
            if any(label for _, label in rows):
                for feats, label in rows:
                    X.append(feats)
                    y.append(label)
    return X, y


def fit_logistic(X, y, *, l2=1e-5, epochs=200, lr=0.1, min_count=2):
    """L2-regularised logistic regression over sparse binary features, full-batch Adam (numpy)."""
    import numpy as np

    counts = {}
    for feats in X:
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(f for f, c in counts.items() if c >= min_count)}
    idx, lengths = [], []
    for feats in X:
        ids = [vocab[f] for f in feats if f in vocab]
        idx.extend(ids)
        lengths.append(len(ids))
    idx = np.asarray(idx, dtype=np.int64)
    rows = np.repeat(np.arange(len(X)), lengths)
    target = np.asarray(y, dtype=np.float64)
    w = np.zeros(len(vocab))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    n = len(X)
    for step in range(1, epochs + 1):
        p = 1.0 / (1.0 + np.exp(-np.bincount(rows, weights=w[idx], minlength=n)))
        grad = np.bincount(idx, weights=(p - target)[rows], minlength=len(w)) / n + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return {f: float(w[i]) for f, i in vocab.items()}


def _write_model(path: Path, split: str, X, weights: dict, prune: float):
    kept = {f: round(w, 3) for f, w in sorted(weights.items()) if abs(w) >= prune}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"trained_on": f"PolNeAR {split}", "rows": len(X), "weights": kept}, fh, separators=(",", ":"))
    return kept


def train_models(data_dir: Path, split: str):
    """Train the cue model, then (with it in place) the source model, on one split; write both
    where extraction loads them."""
    from claims.nlp import attribution, cues

    docs = load_split(data_dir, split)
    paragraphs = list(_training_paragraphs(docs))
    X, y = cue_training_rows(paragraphs, _read_spans(data_dir, split, "cue"))
    kept = _write_model(cues.CUE_MODEL_PATH, split, X, fit_logistic(X, y), prune=0.1)
    print(f"cue model: {len(X)} tokens, {sum(y)} in cues, {len(kept)} weights -> {cues.CUE_MODEL_PATH}")
    cues.json_model.cache_clear()  # reload the new weights
    X, y = source_training_rows(paragraphs)
    kept = _write_model(attribution.SOURCE_MODEL_PATH, split, X, fit_logistic(X, y, l2=1e-4), prune=0.01)
    print(f"source model: {len(X)} candidates, {sum(y)} right, {len(kept)} weights -> {attribution.SOURCE_MODEL_PATH}")


# --- output -----------------------------------------------------------------------------------------


def format_table(rows: list[tuple[str, Score]]) -> str:
    head = "| system | coverage | covered by any claim | speaker | precision | claims (attributed) |"
    lines = [head, "|---|---:|---:|---:|---:|---:|"]
    for name, sc in rows:
        lines.append(
            f"| {name} | {sc.coverage:.3f} ({sc.covered}/{sc.gold}) "
            f"| {sc.ratio(sc.covered_any, sc.gold):.3f} ({sc.covered_any}/{sc.gold}) "
            f"| {sc.speaker:.3f} ({sc.speaker_right}/{sc.named}) "
            f"| {sc.precision:.3f} ({sc.precise}/{sc.attributed}) | {sc.claims} ({sc.attributed}) |"
        )
    return "\n".join(lines)


def print_errors(sc: Score, n: int, docs: list[Doc]):
    texts = {d.name: d.text for d in docs}
    for kind in ("missed", "speaker"):
        print(f"\n## {kind} (first {n} of {len(sc.errors[kind])})")
        for name, g, claim in sc.errors[kind][:n]:
            src = " ".join(texts[name][a:b] for a, b in g.source) or "-"
            got = f"{claim['attribution']}/{claim['speaker']}" if claim else "no claim"
            print(f"- [{name[:30]}] source={src!r} names={sorted(g.names)} got={got}\n    {g.content_text[:160]!r}")
    print(f"\n## imprecise (first {n} of {len(sc.errors['imprecise'])})")
    for name, claim in sc.errors["imprecise"][:n]:
        print(f"- [{name[:30]}] {claim['attribution']}/{claim['speaker']}: {claim['text'][:160]!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev", help="split folder under --data (train, dev, test)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding the split folders")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents")
    parser.add_argument("--no-baseline", action="store_true", help="skip the sentence baseline row")
    parser.add_argument("--errors", type=int, default=0, help="print N examples of each kind of error")
    parser.add_argument("--train", action="store_true",
                        help="train the cue and source models on --split (train) and write them to claims/data/")
    args = parser.parse_args(argv)
    if args.train:
        train_models(args.data, args.split)
        return None

    docs = load_split(args.data, args.split, args.limit)
    from claims.nlp.loaders import get_nlp

    get_nlp()  # load time is not extraction time
    claims, seconds = product_claims(docs)
    rows = [("claimdesk", score_docs(docs, claims))]
    if not args.no_baseline:
        rows.append(("baseline: spaCy sentence + rules", score_docs(docs, baseline_claims(docs))))
    chars = sum(len(d.text) for d in docs)
    print(f"PolNeAR {args.split}: {len(docs)} articles, {chars:,} characters, "
          f"{sum(len(d.golds) for d in docs)} attributions; extraction {seconds:.1f}s, "
          f"{len(docs) / seconds:.2f} articles/s")
    print()
    print(format_table(rows))
    if args.errors:
        print_errors(rows[0][1], args.errors, docs)
    sc = rows[0][1]
    print(f"\nattribution: coverage {sc.coverage:.3f} speaker {sc.speaker:.3f} precision {sc.precision:.3f}")
    return sc


if __name__ == "__main__":
    main()
