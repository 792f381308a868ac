"""Split an article's text into checkable claims, each with its speaker and attribution.

Plain text in, plain data out: nothing here knows about the ORM. The workers, ``ingest --sync``,
the bench scripts and the tests all run these same functions.

The pipeline:
1. blocks: the text is cut into paragraphs (a blank line, or a line break that ends a sentence,
   always ends a paragraph), each classified as body, heading or boilerplate (bylines, captions,
   share buttons, editor's notes);
2. units: spaCy splits each body paragraph into sentences; sentences that share a quotation are
   merged so that a quote over several sentences stays one claim, a sentence holding two
   coordinated assertions with their own attribution is cut in two, a dateline is cut off;
3. attribution: a learned cue model (logistic regression over a token's lemma and syntax, trained
   on PolNeAR, ``claims/data/attribution_cues.json``) finds the cues ("said", "according to",
   "wants", "polls show"); a learned source model (``attribution_sources.json``) picks which
   cue's source speaks for the unit; rules read the source (subject, agent, "according to X",
   possessive, transcript label, "― Name" after a quote) and resolve pronouns and descriptions
   ("he added", "it said", "the billionaire", "the ministry") to the nearest compatible speaker
   named before; a quotation with no attribution of its own continues the previous speaker's;
4. quantities and check-worthiness are computed per claim.

Both models are retrained with ``python bench/eval_attribution.py --split train --train``.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from .checkworthiness import score_checkworthiness
from .nlp import get_nlp
from .quantities import extract_quantities

DIRECT = "direct"
REPORTED = "reported"
ANONYMOUS = "anonymous"
NONE = "none"

PERSON = "person"
ORGANISATION = "organisation"
ANONYMOUS_KIND = "anonymous"


@dataclass
class Block:
    start: int
    end: int
    kind: str  # body | heading | boilerplate


@dataclass
class ExtractedClaim:
    start: int
    end: int
    text: str
    speaker: str | None
    speaker_kind: str | None
    attribution: str
    checkworthiness: float
    reasons: list[str] = field(default_factory=list)
    quantities: list[dict] = field(default_factory=list)
    # the e5 sentence embedding (claims.matching.embed_texts): check-worthiness and a matching feature
    embedding: object = None
    # the matching embedding (claims.matching.match_vectors, MiniLM)
    match_embedding: object = None


@dataclass
class Extraction:
    claims: list[ExtractedClaim]
    blocks: list[Block]


# --- 1. blocks ---------------------------------------------------------------------------------

_BOILERPLATE = [
    re.compile(p, re.I)
    for p in (
        r"^(spread|share) the love\b",
        r"^share (this|on|via)\b",
        r"^(share|tweet|email|print|whatsapp|facebook|twitter|linkedin|reddit|pinterest|telegram)"
        r"(\s*[|/,·•]?\s*(share|tweet|email|print|whatsapp|facebook|twitter|linkedin|reddit|pinterest|telegram))*$",
        r"^leave a (reply|comment)\b",
        r"your email address will not be published",
        r"required fields are marked",
        r"\bcontributed (to )?(this|the) (report|story|article)\b",
        r"^(source|sources|image source|photo credit|credit)s?\s*:",
        r"^(read|see) (more|also)\b",
        r"^(sign up|subscribe)\b",
        r"^follow us\b",
        r"^advertisement$",
        r"\ball rights reserved\b",
        r"^(©|copyright\b)",
        r"^(click|tap) here\b",
        r"^related( articles| stories| posts| content)?\s*:?$",
        r"^(reporting|writing|editing|additional reporting) by\b",
        r"^(posted|published|updated) (in|on|by|at)\b",
        r"^tags?\s*:",
        r"^\d*\s*comments?$",
        r"^(by|words by)\s+[A-Z][\w.'’-]+(\s+[A-Z][\w.'’-]+){0,3}$",
        r"^(this (article|story) (was|has been) (updated|corrected))\b",
        r"^(we use cookies|accept (all )?cookies)\b",
        r"^(newsletter|most read|trending now|more from)\b",
        r"^editor['’]?s note\s*:",
    )
]

_TERMINAL = re.compile(r"[.!?…]['’\"”»)\]]*$")
_WORD = re.compile(r"\w+", re.U)


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _is_boilerplate(text: str) -> bool:
    return any(p.search(text) for p in _BOILERPLATE)


def _is_heading(text: str, title_norm: str | None) -> bool:
    if title_norm and _norm(text) == title_norm:
        return True
    if _DASH_SOURCE.search(text) or text.endswith(":"):
        return False  # “A quotation.” ― Name, or "X told reporters:" before a quote: no heading
    words = len(_WORD.findall(text))
    return not _TERMINAL.search(text) and words <= 25


def split_blocks(text: str, title: str | None = None) -> list[Block]:
    """Cut ``text`` into paragraphs with exact character spans and a kind each.

    A blank line ends a paragraph; a single line break ends one too unless the line clearly runs
    on (no sentence-final punctuation and the next line starts in lower case: hard-wrapped text).
    """
    lines = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            lead = len(body) - len(body.lstrip())
            lines.append((pos + lead, pos + lead + len(stripped), stripped))
        else:
            lines.append(None)
        pos += len(raw)

    paragraphs: list[tuple[int, int]] = []
    current: list[int] | None = None
    prev_text = ""
    for line in lines:
        if line is None:
            if current:
                paragraphs.append((current[0], current[1]))
            current = None
            continue
        start, end, stripped = line
        runs_on = (
            current is not None
            and not _TERMINAL.search(prev_text)
            and stripped[:1].islower()
        )
        if runs_on:
            current[1] = end
        else:
            if current:
                paragraphs.append((current[0], current[1]))
            current = [start, end]
        prev_text = stripped
    if current:
        paragraphs.append((current[0], current[1]))

    title_norm = _norm(title) if title else None
    blocks = []
    for i, (start, end) in enumerate(paragraphs):
        chunk = text[start:end]
        if _is_boilerplate(chunk):
            kind = "boilerplate"
        elif _is_heading(chunk, title_norm) or (i == 0 and not title_norm and not _TERMINAL.search(chunk)):
            kind = "heading"
        else:
            kind = "body"
        blocks.append(Block(start, end, kind))
    return blocks


# --- 2. units: sentences merged over quotations ---------------------------------------------------

_DOUBLE_CLOSERS = {"“": ("”", '"', "“"), "«": ("»",), "„": ("“", "”"), '"': ('"', "”"), "''": ("''", "”", '"'),
                   "”": ("”", '"')}


def _opener_at(text: str, i: int) -> str | None:
    """The quotation mark opening a quotation at ``i``, if any."""
    ch = text[i]
    if text.startswith("''", i):
        return "''"
    if ch in "“«„\"":
        return ch
    # "”Fear. I am afraid ..." (a closing mark typed as the opener) at the start of a passage
    if ch == "”" and (i == 0 or text[i - 1].isspace()) and i + 1 < len(text) and text[i + 1].isalnum():
        return ch
    if ch == "‘" and (i == 0 or not text[i - 1].isalnum()) and i + 1 < len(text) and text[i + 1].isalnum():
        return ch
    return None


def _single_close(text: str, start: int) -> int | None:
    """Where a ‘single-quoted’ passage opened at ``start`` closes: a ’ not followed by a letter
    (so apostrophes in "don’t" never close it), within the same paragraph."""
    for j in range(start + 1, min(len(text), start + 400)):
        if text[j] == "’" and (j + 1 == len(text) or not text[j + 1].isalpha()) and not text[j - 1].isspace():
            return j + 1
        if text[j] in "\n“”":
            return None
    return None


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character spans of quotations in a paragraph: curly, guillemet, low-high, straight double
    quotes and doubled apostrophes (''like this''); ‘single quotes’ where they are not nested.

    An unclosed double quotation runs to the end of the paragraph (the news convention for a quote
    that continues into the next paragraph).
    """
    regions = []
    i = 0
    n = len(text)
    while i < n:
        opener = _opener_at(text, i)
        if opener is None:
            i += 1
            continue
        if opener == "‘":
            end = _single_close(text, i)
            if end is None:
                i += 1
                continue
            regions.append((i, end))
            i = end
            continue
        closers = _DOUBLE_CLOSERS[opener]
        j = i + len(opener)
        while j < n and not any(text.startswith(c, j) for c in closers):
            j += 1
        width = next((len(c) for c in closers if text.startswith(c, j)), 0)
        regions.append((i, min(j + width, n)))
        i = j + width if j < n else n
    return regions


def _units(doc, regions):
    """Group the sentences of ``doc`` into claim units: one per sentence, merged across quotes."""
    sents = list(doc.sents)
    if not sents:
        return []
    group = list(range(len(sents)))

    def find(i):
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    def union(a, b):
        group[find(b)] = find(a)

    for qs, qe in regions:
        touching = [k for k, s in enumerate(sents) if s.start_char < qe and s.end_char > qs]
        for k in touching[1:]:
            union(touching[0], k)
    for k in range(1, len(sents)):
        # "“...,” he added." split after the quote: the tail belongs to the quote.
        first = sents[k].text.lstrip()[:1]
        if first.islower() or first in "―—–":
            # "... ― Name": a dash attribution after a quote belongs to it too
            union(k - 1, k)
    merged: dict[int, list[int]] = {}
    for k in range(len(sents)):
        merged.setdefault(find(k), []).append(k)
    units = []
    for members in merged.values():
        lo, hi = min(members), max(members)
        # keep units contiguous: anything between merged sentences belongs to them
        units.append(doc[sents[lo].start : sents[hi].end])
    units.sort(key=lambda s: s.start)
    # collapse overlaps produced by contiguity
    out = []
    for u in units:
        if out and u.start < out[-1].end:
            out[-1] = doc[out[-1].start : max(out[-1].end, u.end)]
        else:
            out.append(u)
    return out


def _split_unit(unit, quoted, probs) -> list:
    """Cut a sentence holding two assertions ("X happened, and Y said Z"; "A said X, but B said Y")
    at the coordination of its main clauses, when the second clause has its own subject and its own
    attribution cue. Never inside a quotation."""
    doc = unit.doc
    roots = [t for t in unit if t.head.i == t.i or not (unit.start <= t.head.i < unit.end)]
    cuts = []
    for root in roots:
        for conj in root.children:
            if conj.dep_ != "conj" or conj.pos_ not in ("VERB", "AUX") or quoted[conj.i]:
                continue
            if not any(c.dep_ in ("nsubj", "nsubjpass") for c in conj.children):
                continue
            left = conj.left_edge.i
            between = doc[root.i + 1 : left]
            if not any(t.dep_ == "cc" or t.text == ";" for t in between[-3:]):
                continue
            cuts.append(left)
    if not cuts:
        return [unit]
    parts = []
    start = unit.start
    for cut in sorted(cuts):
        if quoted[cut] or quoted[cut - 1]:
            continue
        end = cut
        while end > start and (doc[end - 1].dep_ == "cc" or doc[end - 1].is_punct or doc[end - 1].is_space):
            end -= 1
        second = doc[cut : unit.end]
        has_cue = any(probs[t.i] >= CUE_THRESHOLD and not quoted[t.i] for t in second)
        words_first = sum(1 for t in doc[start:end] if t.is_alpha)
        words_second = sum(1 for t in second if t.is_alpha)
        if not has_cue or words_first < 4 or words_second < 4:
            continue
        parts.append(doc[start:end])
        start = cut
    parts.append(doc[start : unit.end])
    return parts


# --- 3. attribution ------------------------------------------------------------------------------

# The attribution cue model: a logistic regression over a token's lemma and its syntactic context,
# trained on the PolNeAR train split (``python bench/eval_attribution.py --train-cues``): the
# probability that a token is part of an attribution cue ("said", "according to", "wants", "polls
# show", "called for"). Weights are a small JSON file, loaded once per process.
CUE_MODEL_PATH = Path(__file__).resolve().parent / "data" / "attribution_cues.json"
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
def _json_model(path) -> dict:
    """A learned model's weights (JSON), read once per process; ``cache_clear()`` after retraining."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _load_cue_model():
    return _json_model(CUE_MODEL_PATH)


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
_ANON_HEADS = {
    "source", "official", "person", "people", "insider", "diplomat", "aide", "officer",
    "individual", "resident", "witness", "analyst", "expert", "observer", "critic",
}
_ANON_MARKERS = re.compile(
    r"\b(not (authori[sz]ed|permitted|allowed) to|asked not to be|declined to be|on condition of "
    r"anonymity|familiar with|spoke on (the )?condition|who (requested|asked for) anonymity|"
    r"unnamed|anonymous|close to)\b",
    re.I,
)
# Descriptions that, with "the", point back at the last person quoted ("the billionaire said").
_DESCRIPTORS = {
    "billionaire", "tycoon", "businessman", "businesswoman", "man", "woman", "star", "actor",
    "actress", "politician", "veteran", "leader", "boss", "founder", "magnate", "mogul",
}
_PERSON_ROLES = {
    "billionaire", "president", "minister", "commander", "leader", "spokesman", "spokeswoman",
    "spokesperson", "chief", "boss", "prosecutor", "general", "official", "secretary", "governor",
    "senator", "mayor", "chairman", "chairwoman", "director", "founder", "ceo", "adviser",
    "advisor", "ambassador", "premier", "king", "queen", "prince", "pope", "judge", "lawyer",
    "candidate", "politician", "businessman", "businesswoman", "tycoon", "star", "actor",
    "executive", "head", "man", "woman", "analyst", "researcher", "scientist", "professor",
}
_ORG_NOUNS = {
    "ministry", "military", "army", "government", "court", "agency", "office", "department",
    "company", "firm", "police", "committee", "council", "parliament", "kremlin", "embassy",
    "administration", "group", "party", "report", "study", "centre", "center", "commission",
    "organisation", "organization", "union", "bank", "campaign", "service", "authority",
    "authorities", "forces", "navy", "statement", "spokesperson", "board", "institute",
}
_TITLES = re.compile(
    r"^(mr|mrs|ms|miss|dr|prof|professor|president|prime minister|pm|sir|dame|lord|lady|"
    r"colonel general|general|colonel|gen|col|sen|senator|rep|gov|governor|mayor|judge|justice|"
    r"minister|deputy|chancellor|king|queen|prince|princess|pope|councillor|councilor|councilman|"
    r"councilwoman|spokesman|spokeswoman|ambassador|bishop|captain|sergeant|inspector|detective|"
    r"coach|chief|commander|adviser|advisor|secretary|lieutenant|major|the)\.?\s+",
    re.I,
)
_PERSON_PRONOUNS = {"he", "she", "him", "her"}
_ORG_PRONOUNS = {"it", "they"}


@dataclass
class _Speaker:
    name: str
    kind: str


def _clean_name(name: str) -> str:
    name = name.strip(" ,.;:'\"“”‘’")
    name = re.sub(r"['’]s$", "", name)
    prev = None
    while prev != name:
        prev = name
        name = _TITLES.sub("", name)
    return name.strip()


def _title_before(ent) -> bool:
    """"Mayor [Ines Okafor]": a personal title just before a name NER called something else."""
    return ent.start > 0 and bool(_TITLES.match(ent.doc[ent.start - 1].text + " ")) and ent.doc[ent.start - 1].lower_ != "the"


def _had_title(text: str) -> bool:
    """"Councillor Marta Leclerc": a personal title in front means a person, whatever NER says."""
    text = re.sub(r"^the\s+", "", text.strip(), flags=re.I)
    return bool(_TITLES.match(text)) and len(text.split()) >= 2


class _Context:
    """What the article has said so far: the speakers and people mentioned, for coreference."""

    def __init__(self):
        self.speakers: list[_Speaker] = []
        self.people: list[str] = []  # full PERSON names seen, most recent last
        self.roles: dict[str, set[str]] = {}  # person -> role words used with the name
        self.orgs: list[str] = []  # organisations named, most recent last
        self.groups: list[_Speaker] = []  # plural subjects ("the Ukrainians", "officials"), for "they"
        self.described: dict[str, _Speaker] = {}  # "report" -> who the report was by, for "the report"

    def see_entities(self, span):
        for tok in span:
            if tok.dep_ in ("nsubj", "nsubjpass") and (tok.tag_ in ("NNS", "NNPS") or tok.ent_type_ == "NORP"):
                if tok.pos_ != "PRON":
                    self.groups.append(_Speaker(_clean_name(_phrase(tok).text) or tok.text, ORGANISATION))
        for ent in span.ents:
            if ent.label_ == "ORG":
                name = _clean_name(ent.text)
                if name and self.full_name(name) == name:
                    self.orgs.append(name)
            if ent.label_ == "PERSON":
                name = _clean_name(ent.text)
                if name:
                    full = self.full_name(name)
                    self.people.append(full)
                    self.roles.setdefault(full, set()).update(_role_words(ent))
        # "Mayor Ines Okafor" that NER missed: a title word followed by proper nouns
        doc = span.doc
        for tok in span:
            if tok.lower_ not in _TITLE_WORDS or tok.ent_type_ == "PERSON":
                continue
            names = []
            for nxt in doc[tok.i + 1 : min(tok.i + 4, span.end)]:
                if nxt.pos_ != "PROPN" or nxt.ent_type_ not in ("", "PERSON"):
                    break
                names.append(nxt.text)
            if names:
                full = self.full_name(" ".join(names))
                self.people.append(full)
                self.roles.setdefault(full, set()).add(tok.lower_)

    def person_with_role(self, role: str) -> _Speaker | None:
        for name in reversed(self.people):
            if role in self.roles.get(name, ()):
                return _Speaker(name, PERSON)
        return None

    def add_speaker(self, speaker: _Speaker):
        self.speakers.append(speaker)
        if speaker.kind == PERSON:
            # "Mr. King and Mr. Schultz": each is a person mentioned
            self.people.extend(speaker.name.split(" and "))

    def full_name(self, name: str) -> str:
        """A bare surname resolves to the fuller name mentioned before (``Prigozhin`` → ``Yevgeny Prigozhin``)."""
        if " " in name:
            return name
        for full in reversed(self.people):
            parts = full.split()
            if len(parts) > 1 and parts[-1].lower() == name.lower():
                return full
        for sp in reversed(self.speakers):
            parts = sp.name.split()
            if sp.kind == PERSON and len(parts) > 1 and parts[-1].lower() == name.lower():
                return sp.name
        return name

    def organisation_named(self, noun: str) -> _Speaker | None:
        """The organisation last quoted, or else last named, whose name holds ``noun``."""
        for sp in reversed(self.speakers):
            if sp.kind == ORGANISATION and noun in sp.name.lower():
                return sp
        for name in reversed(self.orgs):
            if noun in name.lower():
                return _Speaker(name, ORGANISATION)
        return None

    def last(self, kind: str, word: str | None = None) -> _Speaker | None:
        for sp in reversed(self.speakers):
            if sp.kind != kind:
                continue
            if word is None or word.lower() in sp.name.lower():
                return sp
        return None

    def last_person_any(self) -> _Speaker | None:
        """The most recent person, spoken or merely mentioned ("he highlighted" after "Karim Khan")."""
        if self.people:
            return _Speaker(self.people[-1], PERSON)
        return None


def _role_words(ent) -> set[str]:
    """Nouns naming a person's role around a PERSON entity: "Mayor Ines Okafor",
    "Tomas Brandt, the chief engineer", "the council's chief engineer, Tomas Brandt"."""
    words = {t.lemma_.lower() for t in ent if t.pos_ == "NOUN" or t.lower_ in _TITLE_WORDS}
    head = ent.root
    doc = ent.doc
    for tok in doc[max(ent.start - 4, 0) : ent.start]:
        if tok.pos_ in ("NOUN", "PROPN") and tok.head.i in range(ent.start, ent.end):
            words.add(tok.lemma_.lower())
    for child in head.children:
        if child.dep_ == "appos":
            words.update(t.lemma_.lower() for t in child.subtree if t.pos_ == "NOUN")
    if head.dep_ == "appos":
        words.update(t.lemma_.lower() for t in head.head.subtree if t.pos_ == "NOUN" and t.i < ent.start)
    for tok in doc[max(ent.start - 3, 0) : ent.start]:
        if tok.lower_ in _TITLE_WORDS:
            words.add(tok.lower_)
    return words


_TITLE_WORDS = {"mayor", "president", "minister", "councillor", "councilor", "general", "senator", "governor",
                "chancellor", "secretary", "ambassador", "judge", "prosecutor", "commander", "chief"}


def _depth(token):
    d = 0
    while token.head.i != token.i and d < 50:
        token = token.head
        d += 1
    return d


_RELATIVE = {"who", "which", "that", "whom"}


def _subject(verb, seen=0, quoted=None):
    """(token, how) heading who speaks for a verb cue: the agent of a passive ("was endorsed by X"),
    its subject, the noun a relative clause hangs on ("X, who said"), or the subject of the verb
    a participle or conjunct depends on ("..., saying", "X arrived and said")."""
    if seen > 4:
        return None, ""
    if verb.lemma_.lower() != "quote":
        for child in verb.children:
            if child.dep_ == "agent":
                objs = [c for c in child.children if c.dep_ == "pobj"]
                if objs:
                    return objs[0], "agent"
    subj = None
    for child in verb.children:
        # '"... it will ...," said James Acton': a subject inside the quotation is not the speaker
        if child.dep_ in ("nsubj", "nsubjpass") and (subj is None or (quoted and quoted[subj.i])):
            subj = child
    if subj is not None and subj.lower_ in _RELATIVE and verb.dep_ == "relcl":
        return verb.head, "relcl"
    if subj is not None:
        return subj, subj.dep_
    if verb.dep_ == "relcl" and verb.head.pos_ in ("NOUN", "PROPN"):
        return verb.head, "relcl"
    if verb.dep_ in ("conj", "advcl", "xcomp", "acl") and verb.head.i != verb.i and verb.head.pos_ in ("VERB", "AUX"):
        head, _ = _subject(verb.head, seen + 1, quoted)
        return head, "inherit-" + verb.dep_
    if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN"):
        return verb.head, "acl"
    return None, ""


_CUE_FUNCTION_DEPS = {"aux", "auxpass", "prep", "prt", "advmod", "neg", "pcomp", "agent", "mark"}


def _source_head(cue, quoted=None):
    """(token, how) heading the source of a cue token; (None, "") when the parse shows none."""
    doc = cue.doc
    if cue.lower_ == "according" and cue.i + 1 < len(doc) and doc[cue.i + 1].lower_ == "to":
        to = doc[cue.i + 1]
        objs = [c for c in to.children if c.dep_ == "pobj"] or [c for c in cue.children if c.dep_ == "pobj"]
        return (objs[0], "according") if objs else (None, "")
    steps = 0
    while cue.dep_ in _CUE_FUNCTION_DEPS and cue.head.i != cue.i and steps < 3:
        # "was quoted as saying by": the auxiliary, preposition or participle leads to its verb
        cue = cue.head
        steps += 1
    if cue.pos_ in ("VERB", "AUX"):
        return _subject(cue, quoted=quoted)
    if cue.pos_ in ("NOUN", "PROPN"):
        for child in cue.children:
            if child.dep_ == "poss":
                return child, "poss"
        for child in cue.children:
            if child.dep_ == "prep" and child.lower_ in ("by", "from", "of"):
                objs = [c for c in child.children if c.dep_ == "pobj"]
                if objs:
                    return objs[0], "noun-" + child.lower_
        for child in cue.children:
            if child.dep_ == "compound" and child.pos_ == "PROPN":
                return child, "compound"
        if cue.dep_ == "pobj" and cue.head.dep_ == "prep" and cue.head.head.pos_ in ("VERB", "AUX"):
            # "In a statement issued Tuesday, Clinton ...": who speaks is the clause's subject
            head, _ = _subject(cue.head.head, quoted=quoted)
            if head is not None:
                return head, "statement"
        if cue.dep_ in ("attr", "oprd") and cue.head.pos_ in ("VERB", "AUX"):
            # "X has been a supporter of": the subject of the copula
            head, _ = _subject(cue.head, quoted=quoted)
            if head is not None:
                return head, "copula"
        if cue.dep_ in ("nsubj", "nsubjpass"):
            return cue, "noun-subject"
        return None, ""
    if cue.text == ":" and cue.i > 0:
        prev = doc[cue.i - 1]
        if prev.pos_ in ("PROPN", "NOUN"):
            return prev, "colon"
    return None, ""


def _entity_of(token):
    doc = token.doc
    for ent in doc.ents:
        if ent.start <= token.i < ent.end:
            return ent
    return None


def _phrase(head):
    """The noun phrase headed by ``head``, without relative clauses or appositions."""
    tokens = [head]
    for child in head.lefts:
        if child.dep_ in ("det", "amod", "compound", "poss", "nmod", "nummod", "case", "quantmod"):
            tokens.extend(child.subtree)
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ in ("of", "for", "at", "with", "in", "on", "by", "from"):
            tokens.extend(child.subtree)
        elif child.dep_ == "conj" and head.pos_ == "NOUN" and child.pos_ == "NOUN":
            # "the former secretary of state and current Democratic presidential nominee"
            tokens.extend(child.subtree)
    tokens = sorted(set(tokens), key=lambda t: t.i)
    lo, hi = tokens[0].i, tokens[-1].i + 1
    doc = head.doc
    while hi - 1 > head.i and (doc[hi - 1].dep_ == "cc" or doc[hi - 1].is_punct):
        hi -= 1
    return doc[lo:hi]


def _person_before(head, unit, quoted, ctx: _Context) -> _Speaker | None:
    """The nearest person named before ``head`` in the same unit, outside quotations
    ("The minister, Mr. Guajardo, argues ... ‘...,’ he told me")."""
    for ent in reversed(unit.ents):
        if ent.end > head.i or quoted[ent.start] or ent.label_ not in ("PERSON", "ORG", "GPE"):
            continue
        name = _clean_name(ent.text)
        if not name:
            continue
        full = ctx.full_name(name)
        # spaCy's small model often calls "Trump" an organisation: a name known as a person counts
        if ent.label_ == "PERSON" or full != name:
            return _Speaker(full, PERSON)
    return None


def _with_conjuncts(head, name: str, ctx: _Context) -> str:
    """"Mr. King and Mr. Schultz say": every named conjunct of the subject speaks."""
    others = []
    for conj in head.children:
        if conj.dep_ == "conj" and conj.pos_ == "PROPN" and len(others) < 3:
            ent = _entity_of(conj)
            other = _clean_name(ent.text if ent is not None else _phrase(conj).text)
            if other and other not in name:
                others.append(ctx.full_name(other))
    return " and ".join([name, *others]) if others else name


def _outside_parentheses(head):
    """"Gov. John Kasich (R-OH), said": a source found inside a parenthesis is the name before it."""
    doc = head.doc
    for k in range(head.i - 1, max(head.i - 6, -1), -1):
        if doc[k].text == ")":
            return head
        if doc[k].text == "(":
            for j in range(k - 1, max(k - 3, -1), -1):
                if doc[j].pos_ in ("PROPN", "NOUN"):
                    return doc[j]
            return head
    return head


def _speaker_from_head(head, ctx: _Context, unit, quoted, nested: bool = False) -> tuple[_Speaker | None, bool]:
    """(speaker, anonymous?) for the token heading the source of a cue."""
    head = _outside_parentheses(head)
    lower = head.lower_
    if head.pos_ == "PRON" or lower in _PERSON_PRONOUNS | _ORG_PRONOUNS:
        if lower in _PERSON_PRONOUNS:
            sp = _person_before(head, unit, quoted, ctx) or ctx.last_person_any()
            if sp is not None:
                # "He and Chairman Bob Goodlatte both condemned"
                sp = _Speaker(_with_conjuncts(head, sp.name, ctx), PERSON)
            return sp, False
        if lower == "they" and ctx.groups:
            return ctx.groups[-1], False
        if lower in _ORG_PRONOUNS:
            return (ctx.last(ORGANISATION) or ctx.last(ANONYMOUS_KIND)), False
        return None, False

    ent = _entity_of(head)
    if ent is not None and ent.label_ in ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"):
        if ent.label_ == "NORP" and head.pos_ == "NOUN":
            # "the Ukrainian military": the adjective is an entity, the speaker is the phrase
            name = _clean_name(_phrase(head).text)
            return _Speaker(name, ORGANISATION), False
        name = _clean_name(ent.text)
        if not name:
            return None, False
        full = ctx.full_name(name)
        if ent.label_ == "PERSON" or full != name or _had_title(ent.text) or _title_before(ent):
            return _Speaker(_with_conjuncts(head, full, ctx), PERSON), False
        return _Speaker(_with_conjuncts(head, name, ctx), ORGANISATION), False

    if head.pos_ == "PROPN":
        phrase_text = _phrase(head).text
        name = _clean_name(phrase_text)
        full = ctx.full_name(name)
        if full != name or (name and _had_title(phrase_text)):
            return _Speaker(full, PERSON), False

    if head.pos_ == "NOUN" and not nested:
        # "another critic, Laurence H. Tribe,": the name in apposition is who speaks
        for child in head.children:
            if child.dep_ == "appos" and (child.ent_type_ == "PERSON" or child.pos_ == "PROPN"):
                return _speaker_from_head(child, ctx, unit, quoted, nested=True)

    phrase = _phrase(head)
    subtree_text = head.doc[head.left_edge.i : head.right_edge.i + 1].text
    lemma = head.lemma_.lower()
    has_proper = any(t.pos_ == "PROPN" or t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") for t in phrase)

    if lemma in _ANON_HEADS and not has_proper:
        return _Speaker("anonymous source", ANONYMOUS_KIND), True
    if _ANON_MARKERS.search(subtree_text) and lemma in _ANON_HEADS:
        return _Speaker("anonymous source", ANONYMOUS_KIND), True

    # a named organisation or person inside the phrase: "a report by researchers at Yale University"
    inner = [e for e in head.doc.ents if head.left_edge.i <= e.start and e.end <= head.right_edge.i + 1]
    for label in ("PERSON", "ORG"):
        for e in inner:
            if e.label_ == label:
                name = _clean_name(e.text)
                sp = _Speaker(ctx.full_name(name), PERSON) if label == "PERSON" else _Speaker(name, ORGANISATION)
                if head.pos_ == "NOUN":
                    ctx.described[lemma] = sp  # later, "the report" is this one
                return sp, False

    det = [t for t in phrase if t.dep_ == "det"]
    definite = bool(det) and det[0].lower_ in ("the", "this", "that")
    if definite and head.pos_ == "NOUN":
        # "the mayor", "the Vermont senator": the person last named with that role;
        # "the billionaire": the last person quoted; "the ministry": the organisation named before
        if lemma in _PERSON_ROLES:
            sp = ctx.person_with_role(lemma)
            if sp is None and lemma in _DESCRIPTORS and not has_proper:
                sp = ctx.last(PERSON) or ctx.last_person_any()
            if sp:
                return sp, False
        if not has_proper and lemma in ctx.described:
            return ctx.described[lemma], False
        if lemma in _ORG_NOUNS and not has_proper:
            sp = ctx.organisation_named(lemma)
            if sp:
                return sp, False
    name = _clean_name(phrase.text)
    if not name:
        return None, False
    singular = head.tag_ not in ("NNS", "NNPS")
    kind = PERSON if lemma in _PERSON_ROLES and lemma not in _ORG_NOUNS and singular else ORGANISATION
    return _Speaker(name, kind), False


CUE_THRESHOLD = 0.35  # set on PolNeAR dev: coverage and precision both near 0.9
_DASH_SOURCE = re.compile(r"(?:[”\"]|'')\s*(?:―|—|–|--?)\s*([A-Z][\w'’.-]*(?:[ \u00a0]+[A-Z][\w'’.-]*){0,3})")
# "WASHINGTON —", "KYIV, Ukraine (Reuters) -": a dateline opens the paragraph, it is no claim text
DATELINE = re.compile(
    r"^[A-Z][A-Z.'’-]{2,}(?:[ ,]+[A-Z][A-Za-z.'’-]+){0,3}\s*(?:\([^)\n]{1,40}\)\s*)?(?:―|—|–|--|-|:)\s+(?=\S)"
)


def _dash_speaker(unit, ctx: _Context) -> _Speaker | None:
    """“A quotation.” ― Name Surname: the name after a dash that follows a closing quote."""
    m = _DASH_SOURCE.search(unit.text)
    if not m:
        return None
    name = _clean_name(m.group(1).replace("\u00a0", " "))
    return _Speaker(ctx.full_name(name), PERSON) if name else None


# Which candidate source speaks for a unit: a second logistic regression, trained on the same
# split, over each (cue, source) pair a unit offers: how the source was found (subject, agent,
# "according to", possessive, ...), what it is (person, organisation, pronoun, noun), the cue's
# probability, lemma and place in the sentence.
SOURCE_MODEL_PATH = Path(__file__).resolve().parent / "data" / "attribution_sources.json"
CANDIDATE_MIN = 0.15


def _load_source_model():
    return _json_model(SOURCE_MODEL_PATH)


def _lexicon_cue(tok) -> bool:
    return tok.pos_ == "VERB" and tok.lemma_.lower() in SPEECH_VERBS and not any(c.dep_ == "neg" for c in tok.children)


def source_candidates(unit, quoted, probs, skip_before: int = 0) -> list[tuple]:
    """(cue token, source head token, how found) for every plausible cue of a unit."""
    out = []
    for tok in unit:
        if quoted[tok.i] or (probs[tok.i] < CANDIDATE_MIN and not _lexicon_cue(tok)):
            continue
        head, how = _source_head(tok, quoted)
        if head is not None and (head.idx < skip_before or quoted[head.i] or not unit.start <= head.i < unit.end):
            head = None
        if head is None:
            for ent in reversed(unit.ents):
                if ent.end <= tok.i and ent.label_ in ("PERSON", "ORG") and not quoted[ent.start] and ent.start_char >= skip_before:
                    head, how = ent.root, "nearest-name"
                    break
        if head is not None:
            out.append((tok, head, how))
    return out


def _bin(value: float, edges) -> str:
    for edge in edges:
        if value <= edge:
            return str(edge)
    return "more"


def source_features(unit, cue, head, how, probs) -> list[str]:
    """Features of one (cue, source) pair for the source model (shared by training and extraction)."""
    p = probs[cue.i]
    lemma = cue.lemma_.lower()
    kind = head.ent_type_ or head.pos_
    if head.pos_ == "PRON":
        kind = "PRON-" + head.lower_
    feats = ["bias", "how=" + how, "cl=" + lemma, "cd=" + cue.dep_, "cp=" + cue.pos_, "kind=" + kind,
             "how|kind=" + how + "|" + kind, "cl|how=" + lemma + "|" + how]
    feats += ["p>=" + str(t) for t in (0.15, 0.3, 0.5, 0.7, 0.9) if p >= t]
    if _lexicon_cue(cue):
        feats.append("lexicon")
    if head.pos_ == "NOUN":
        feats.append("hl=" + head.lemma_.lower())
    verb = cue
    steps = 0
    while verb.dep_ in _CUE_FUNCTION_DEPS and verb.head.i != verb.i and steps < 3:
        verb = verb.head
        steps += 1
    top = min(_depth(t) for t in unit)
    feats.append("depth=" + _bin(_depth(verb) - top, (0, 1, 2)))
    inside = sum(1 for t in verb.subtree if unit.start <= t.i < unit.end)
    feats.append("covers=" + _bin(inside / max(len(unit), 1), (0.2, 0.4, 0.6, 0.8)))
    feats.append("side=" + ("before" if head.i < cue.i else "after"))
    feats.append("dist=" + _bin(abs(head.i - cue.i), (1, 3, 7)))
    feats.append("at=" + _bin((cue.i - unit.start) / max(len(unit), 1), (0.33, 0.66)))
    return feats


def _rank_sources(unit, quoted, probs, skip_before: int) -> list[tuple]:
    """Source candidates, best first by the source model."""
    weights = _load_source_model()["weights"]
    scored = []
    for cue, head, how in source_candidates(unit, quoted, probs, skip_before):
        z = sum(weights.get(f, 0.0) for f in source_features(unit, cue, head, how, probs))
        scored.append((z, cue, head))
    scored.sort(key=lambda x: -x[0])
    return scored


def _attribute(unit, quoted, probs, ctx: _Context, prev_direct: _Speaker | None, skip_before: int = 0):
    """(attribution, speaker) for one claim unit; ``quoted`` and ``probs`` are per token of the doc;
    nothing before character ``skip_before`` (a dateline) can be a source."""
    quoted_words = sum(1 for tok in unit if quoted[tok.i] and tok.is_alpha)
    has_quote = quoted_words >= 3

    dashed = _dash_speaker(unit, ctx) if has_quote else None
    if dashed is not None:
        return DIRECT, dashed

    attributed = any(not quoted[t.i] and (probs[t.i] >= CUE_THRESHOLD or _lexicon_cue(t)) for t in unit)
    if attributed:
        for _, cue, head in _rank_sources(unit, quoted, probs, skip_before):
            passive_hearsay = (
                head.dep_ == "nsubjpass"
                and cue.lemma_.lower() in ("say", "believe", "report", "think", "understand")
                and (head.lower_ == "it" or any(c.dep_ == "xcomp" for c in cue.children))
            )
            if passive_hearsay:
                return ANONYMOUS, _Speaker("anonymous source", ANONYMOUS_KIND)
            speaker, anon = _speaker_from_head(head, ctx, unit, quoted)
            if speaker is None and not anon:
                continue
            if anon:
                return ANONYMOUS, speaker
            return (DIRECT if has_quote else REPORTED), speaker

    if has_quote and prev_direct is not None and _opener_at(unit.text.lstrip(), 0):
        # a quotation with no attribution of its own continues the previous speaker's quote
        return DIRECT, prev_direct
    if attributed:
        return (DIRECT if has_quote else REPORTED), None
    return NONE, None


# --- 4. the whole article -------------------------------------------------------------------------


def _claim_worthy(unit) -> bool:
    words = [t for t in unit if t.is_alpha]
    return len(words) >= 4


_TURN = re.compile(r"^\s*[\"“”]?\s*((?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*)\s*:\s+\S")


def _turn_speaker(doc, ctx: _Context) -> _Speaker | None:
    """The speaker of a transcript turn ("PENCE: Well, look, ..."): the label must be a person spaCy
    recognises or the surname of someone the article has named."""
    m = _TURN.match(doc.text)
    if not m:
        return None
    label = _clean_name(m.group(1))
    if not label:
        return None
    probe = label.title() if label.isupper() else label
    full = ctx.full_name(probe)
    if full != probe:
        return _Speaker(full, PERSON)
    span = doc.char_span(m.start(1), m.end(1), alignment_mode="expand")
    if span is not None and span and all(t.ent_type_ == "PERSON" for t in span if t.is_alpha):
        return _Speaker(probe, PERSON)
    return None


def _introducer(unit, quoted, ctx: _Context) -> _Speaker | None:
    """Who speaks in the quotation a unit ending with a colon introduces: its main subject."""
    roots = [t for t in unit if t.head.i == t.i]
    if not roots:
        return None
    head, _ = _subject(roots[-1], quoted=quoted)
    if head is None or quoted[head.i]:
        return None
    speaker, _ = _speaker_from_head(head, ctx, unit, quoted)
    return speaker


def _trim_front(unit, start_char: int):
    """The unit without what lies before ``start_char`` (a dateline); None if nothing is left."""
    for tok in unit:
        if tok.idx >= start_char:
            return unit.doc[tok.i : unit.end]
    return None


@dataclass
class Paragraph:
    """One body paragraph as the attribution rules see it."""

    doc: object
    quoted: list[bool]  # per token: inside a quotation
    probs: list[float]  # per token: cue probability
    skip: int  # characters of a leading dateline
    units: list  # claim units (spaCy spans), in reading order


def analyse_paragraph(doc) -> Paragraph:
    """Quotations, cue probabilities, dateline and claim units of one parsed paragraph."""
    regions = quote_regions(doc.text)
    quoted = [any(a <= tok.idx < b for a, b in regions) for tok in doc]
    probs = cue_scores(doc, quoted)
    dateline = DATELINE.match(doc.text)
    skip = dateline.end() if dateline else 0
    units = []
    for unit in _units(doc, regions):
        for part in _split_unit(unit, quoted, probs):
            if part.start_char < skip:
                part = _trim_front(part, skip)
            if part is not None:
                units.append(part)
    return Paragraph(doc, quoted, probs, skip, units)


def extract_from_doc_blocks(text: str, blocks: list[Block], docs) -> list[tuple[ExtractedClaim, object]]:
    """Claims of one article, each with its spaCy span (for scoring); check-worthiness not yet set."""
    ctx = _Context()
    claims: list[ExtractedClaim] = []
    carry = None  # whose quotation may run on into the next unit ("X said:" or a quote left open)
    body_blocks = [b for b in blocks if b.kind == "body"]
    for block, doc in zip(body_blocks, docs):
        para = analyse_paragraph(doc)
        turn = _turn_speaker(doc, ctx)
        if turn is not None:
            carry = turn
        for unit in para.units:
            if turn is not None:
                attribution, speaker = DIRECT, turn
            else:
                attribution, speaker = _attribute(unit, para.quoted, para.probs, ctx, carry, para.skip)
            ctx.see_entities(unit)
            if speaker is not None and speaker.kind != ANONYMOUS_KIND:
                ctx.add_speaker(speaker)
            if unit.text.rstrip().endswith(":") and speaker is None:
                # "X spoke to reporters on Tuesday:" introduces the quotation that follows
                speaker_next = _introducer(unit, para.quoted, ctx)
                carry = speaker_next
            else:
                # a quotation that opens the next unit with no attribution of its own is this speaker's
                carry = speaker if speaker is not None and speaker.kind != ANONYMOUS_KIND else None
            if not _claim_worthy(unit):
                continue
            start = block.start + unit.start_char
            end = block.start + unit.end_char
            quantities = extract_quantities(unit)
            claims.append((
                ExtractedClaim(
                    start=start,
                    end=end,
                    text=text[start:end],
                    speaker=speaker.name if speaker else None,
                    speaker_kind=speaker.kind if speaker else None,
                    attribution=attribution,
                    checkworthiness=0.0,
                    quantities=quantities,
                ),
                unit,
            ))
    return claims


def extract_claims(text: str, *, title: str | None = None) -> Extraction:
    """Split one article into claims. ``title`` helps recognise a repeated headline."""
    return extract_many([(text, title)])[0]


def extract_many(items, *, batch_size: int = 64, embed: bool = True) -> list[Extraction]:
    """Extract many articles at once (``[(text, title), ...]``), batching spaCy over paragraphs.

    With ``embed`` (the default) every claim also gets its two sentence embeddings, computed in a
    batch: e5 (read by check-worthiness, stored) and MiniLM (stored, searched by matching).
    """
    nlp = get_nlp()
    plans = []
    paragraph_texts = []
    for text, title in items:
        blocks = split_blocks(text, title)
        body = [b for b in blocks if b.kind == "body"]
        plans.append((text, blocks, len(body)))
        paragraph_texts.extend(text[b.start : b.end] for b in body)
    docs = iter(nlp.pipe(paragraph_texts, batch_size=batch_size))
    per_article = []
    for text, blocks, n in plans:
        article_docs = [next(docs) for _ in range(n)]
        per_article.append((blocks, extract_from_doc_blocks(text, blocks, article_docs)))
    pairs = [pair for _, claims in per_article for pair in claims]
    if embed and pairs:
        from .matching import embed_texts, match_vectors

        texts = [c.text for c, _ in pairs]
        for (claim, _), vec, match in zip(pairs, embed_texts(texts), match_vectors(texts)):
            claim.embedding = vec
            claim.match_embedding = match
    for claim, span in pairs:
        claim.checkworthiness, claim.reasons = score_checkworthiness(
            span, quantities=claim.quantities, attributed=claim.attribution != NONE, embedding=claim.embedding
        )
    return [Extraction(claims=[c for c, _ in claims], blocks=blocks) for blocks, claims in per_article]
