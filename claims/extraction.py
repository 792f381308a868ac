"""Split an article's text into checkable claims, each with its speaker and attribution.

Plain text in, plain data out: nothing here knows about the ORM. The workers, ``ingest --sync``,
the bench scripts and the tests all run these same functions.

The pipeline:
1. blocks: the text is cut into paragraphs (a blank line, or a line break that ends a sentence,
   always ends a paragraph), each classified as body, heading or boilerplate;
2. units: spaCy splits each body paragraph into sentences; sentences that share a quotation are
   merged so that a quote over several sentences stays one claim;
3. attribution: the speech verb nearest the root (or "according to") outside the quotation gives
   the speaker; pronouns and bare descriptions resolve to the nearest compatible earlier speaker;
4. quantities and check-worthiness are computed per claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    # the sentence embedding (claims.matching.embed_texts), shared by check-worthiness and matching
    embedding: object = None


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

_OPEN_QUOTES = {"“": "”", "«": "»", "„": "“"}
_CLOSE_QUOTES = {"”", "»"}


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Character spans of quotations in a paragraph (curly, guillemet and straight double quotes).

    An unclosed quotation runs to the end of the paragraph (the news convention for a quote that
    continues into the next paragraph).
    """
    regions = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _OPEN_QUOTES or ch == '"':
            closers = {_OPEN_QUOTES.get(ch, '"'), '"', "”"} if ch != '"' else {'"', "”"}
            j = i + 1
            while j < n and text[j] not in closers:
                j += 1
            regions.append((i, min(j + 1, n)))
            i = j + 1
        else:
            i += 1
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
        if first.islower():
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


# --- 3. attribution ------------------------------------------------------------------------------

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

    def see_entities(self, span):
        for ent in span.ents:
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
            self.people.append(speaker.name)

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


def _in_regions(token, regions, offset):
    pos = token.idx - offset
    return any(qs <= pos < qe for qs, qe in regions)


def _depth(token):
    d = 0
    while token.head is not token and d < 50:
        token = token.head
        d += 1
    return d


def _subject(verb):
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            return child
    # "X, who said ..." / conjoined verbs share the subject of the first verb
    if verb.dep_ == "conj":
        return _subject(verb.head)
    if verb.dep_ == "relcl" and verb.head.pos_ in ("NOUN", "PROPN"):
        return verb.head
    return None


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
        if child.dep_ == "prep" and child.lower_ in ("of", "for", "at", "with", "in", "on"):
            tokens.extend(child.subtree)
    tokens = sorted(set(tokens), key=lambda t: t.i)
    lo, hi = tokens[0].i, tokens[-1].i + 1
    return head.doc[lo:hi]


def _speaker_from_head(head, ctx: _Context, unit_text: str) -> tuple[_Speaker | None, bool]:
    """(speaker, anonymous?) for the subject token of a speech verb."""
    lower = head.lower_
    if head.pos_ == "PRON" or lower in _PERSON_PRONOUNS | _ORG_PRONOUNS:
        if lower in _PERSON_PRONOUNS:
            return ctx.last_person_any(), False
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
        if ent.label_ == "PERSON" or full != name or _had_title(ent.text):
            return _Speaker(full, PERSON), False
        return _Speaker(name, ORGANISATION), False

    if head.pos_ == "PROPN":
        name = _clean_name(_phrase(head).text)
        full = ctx.full_name(name)
        if full != name:
            return _Speaker(full, PERSON), False

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
                if label == "PERSON":
                    return _Speaker(ctx.full_name(name), PERSON), False
                return _Speaker(name, ORGANISATION), False

    det = [t for t in phrase if t.dep_ == "det"]
    definite = bool(det) and det[0].lower_ in ("the", "this", "that")
    if definite and not has_proper:
        if lemma in _PERSON_ROLES:
            sp = ctx.person_with_role(lemma)
            if sp is None and lemma in _DESCRIPTORS:
                sp = ctx.last(PERSON) or ctx.last_person_any()
            if sp:
                return sp, False
        if lemma in _ORG_NOUNS:
            sp = ctx.last(ORGANISATION, lemma) or ctx.last(ORGANISATION)
            if sp and lemma in sp.name.lower():
                return sp, False
    name = _clean_name(phrase.text)
    if not name:
        return None, False
    singular = head.tag_ not in ("NNS", "NNPS")
    kind = PERSON if lemma in _PERSON_ROLES and lemma not in _ORG_NOUNS and singular else ORGANISATION
    return _Speaker(name, kind), False


def _attribute(unit, regions, offset, ctx: _Context, prev_direct: _Speaker | None):
    """(attribution, speaker) for one claim unit."""
    doc = unit.doc
    quoted_words = 0
    for qs, qe in regions:
        a, b = qs + offset, qe + offset
        if a < unit.end_char and b > unit.start_char:
            quoted_words += len(_WORD.findall(doc.text[max(a, unit.start_char) : min(b, unit.end_char)]))
    has_quote = quoted_words >= 3

    candidates = []
    for tok in unit:
        if _in_regions(tok, regions, offset):
            continue
        if tok.lemma_.lower() in SPEECH_VERBS and tok.pos_ in ("VERB", "AUX"):
            if any(c.dep_ == "neg" for c in tok.children):
                continue
            candidates.append((_depth(tok), tok.i, "verb", tok))
        elif tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            candidates.append((_depth(tok), tok.i, "according", tok))
    candidates.sort(key=lambda c: (c[0], c[1]))

    for _, _, how, tok in candidates:
        if how == "according":
            to = tok.nbor(1)
            objs = [c for c in to.children if c.dep_ == "pobj"] or [c for c in tok.children if c.dep_ == "pobj"]
            if not objs:
                continue
            speaker, anon = _speaker_from_head(objs[0], ctx, unit.text)
        else:
            subj = _subject(tok)
            if subj is None:
                continue
            passive_hearsay = (
                subj.dep_ == "nsubjpass"
                and tok.lemma_.lower() in ("say", "believe", "report", "think", "understand")
                and (subj.lower_ == "it" or any(c.dep_ == "xcomp" for c in tok.children))
            )
            if passive_hearsay:
                return ANONYMOUS, _Speaker("anonymous source", ANONYMOUS_KIND)
            speaker, anon = _speaker_from_head(subj, ctx, unit.text)
        if speaker is None and not anon:
            continue
        if anon:
            return ANONYMOUS, speaker
        return (DIRECT if has_quote else REPORTED), speaker

    if has_quote and prev_direct is not None and unit.text.lstrip()[:1] in "“\"«„":
        # a quotation with no attribution of its own continues the previous speaker's quote
        return DIRECT, prev_direct
    return NONE, None


# --- 4. the whole article -------------------------------------------------------------------------


def _claim_worthy(unit) -> bool:
    words = [t for t in unit if t.is_alpha]
    return len(words) >= 4


def extract_from_doc_blocks(text: str, blocks: list[Block], docs) -> list[tuple[ExtractedClaim, object]]:
    """Claims of one article, each with its spaCy span (for scoring); check-worthiness not yet set."""
    ctx = _Context()
    claims: list[ExtractedClaim] = []
    prev_direct = None
    body_blocks = [b for b in blocks if b.kind == "body"]
    for block, doc in zip(body_blocks, docs):
        regions = quote_regions(doc.text)
        for unit in _units(doc, regions):
            attribution, speaker = _attribute(unit, regions, 0, ctx, prev_direct)
            ctx.see_entities(unit)
            if speaker is not None and speaker.kind != ANONYMOUS_KIND:
                ctx.add_speaker(speaker)
            prev_direct = speaker if attribution == DIRECT else None
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

    With ``embed`` (the default) every claim also gets its sentence embedding, computed once in a
    batch and used both for check-worthiness and, stored, for matching.
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
        from .matching import embed_texts

        for (claim, _), vec in zip(pairs, embed_texts([c.text for c, _ in pairs])):
            claim.embedding = vec
    for claim, span in pairs:
        claim.checkworthiness, claim.reasons = score_checkworthiness(
            span, quantities=claim.quantities, attributed=claim.attribution != NONE, embedding=claim.embedding
        )
    return [Extraction(claims=[c for c, _ in claims], blocks=blocks) for blocks, claims in per_article]
