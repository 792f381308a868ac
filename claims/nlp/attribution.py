"""Attribution: who speaks for a claim unit. Candidate sources of each cue (subject, agent, "according
to X", possessive, "In a statement, X"), the learned source model that picks one, the "― Name" after a
quotation, transcript turns ("PENCE: ...") and the "X said:" that introduces a quotation."""

from __future__ import annotations

import re
from pathlib import Path

from .blocks import DASH_SOURCE
from .context import Context, clean_name
from .coref import speaker_from_head
from .cues import CUE_THRESHOLD, json_model, lexicon_cue
from .quotes import opener_at
from .types import ANONYMOUS, ANONYMOUS_KIND, DIRECT, NONE, PERSON, REPORTED, Speaker


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
    inverted = _inverted_speaker(verb, quoted)
    if inverted is not None:
        return inverted, "nsubj"
    if verb.dep_ == "relcl" and verb.head.pos_ in ("NOUN", "PROPN"):
        return verb.head, "relcl"
    if verb.dep_ in ("conj", "advcl", "xcomp", "acl") and verb.head.i != verb.i and verb.head.pos_ in ("VERB", "AUX"):
        head, _ = _subject(verb.head, seen + 1, quoted)
        return head, "inherit-" + verb.dep_
    if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN"):
        return verb.head, "acl"
    return None, ""


def _inverted_speaker(verb, quoted):
    """'"…," recalled Mr. Rhodes': in an inverted attribution after a quotation, spaCy may parse the
    speaker as the verb's object. The name right after the verb, when the quotation opens the
    sentence and the verb follows its closing mark or comma."""
    doc = verb.doc
    # a quotation opens the sentence and runs up to the verb
    said_before = quoted is not None and any(
        c.dep_ in ("ccomp", "parataxis") and quoted[c.i] and c.i < verb.i and c.left_edge.i <= verb.sent.start + 1
        for c in verb.children)
    # right after what is said: its closing comma or quotation mark
    if not said_before or verb.dep_ != "ROOT" or verb.i == 0 or not doc[verb.i - 1].is_punct:
        return None
    for child in verb.children:
        if (child.dep_ == "dobj" and child.i > verb.i and not (quoted and quoted[child.i])
                and (child.pos_ == "PROPN" or child.ent_type_ in ("PERSON", "ORG"))
                and child.left_edge.i == verb.i + 1):
            return child
    return None


_CUE_FUNCTION_DEPS = {"aux", "auxpass", "prep", "prt", "advmod", "neg", "pcomp", "agent", "mark"}


def source_head(cue, quoted=None):
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
                # "accusations of war crimes": after "of" comes what is said unless it names someone
                if objs and (child.lower_ != "of" or _names_someone(objs[0])):
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


def _names_someone(tok) -> bool:
    """Whether a token can head a source: a person or organisation named, a pronoun, a role."""
    return tok.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or tok.pos_ in ("PROPN", "PRON")


_PERCEIVED = {"video", "videoe", "videoed", "film", "see", "hear", "record", "show", "picture", "photograph",
              "capture", "catch", "watch"}
_AFFECTED = {"for", "to", "with", "against", "on", "toward", "towards"}


def is_cue(tok, probs) -> bool:
    """A token that attributes on its own: the cue model is sure enough, or a speech verb."""
    return probs[tok.i] >= CUE_THRESHOLD or lexicon_cue(tok)


def is_aside(cue, probs) -> bool:
    """Whether a cue only describes a person the sentence is about instead of saying who asserts:
    a relative clause on someone a thing happens to or for ("a major event for Mr Putin, who
    portrays ...") under a main clause that is no cue; an act someone was filmed or heard doing
    ("he was videoed ... shouting “Glory to Ukraine”"). Never a cue that reports a statement (a
    clause: "who argued that ...")."""
    verb = cue
    steps = 0
    while verb.dep_ in _CUE_FUNCTION_DEPS and verb.head.i != verb.i and steps < 3:
        verb = verb.head
        steps += 1
    if any(c.dep_ == "ccomp" for c in verb.children):
        return False  # "..., who have argued that ...": a statement, whoever it hangs on
    if verb.dep_ == "relcl" and verb.head.dep_ == "pobj" and verb.head.head.lower_ in _AFFECTED:
        holder = verb.head.head.head
        while holder.dep_ in ("prep", "pobj", "attr", "dobj") and holder.head.i != holder.i:
            holder = holder.head
        return not is_cue(holder, probs)
    if verb.tag_ == "VBG":
        tok = verb
        for _ in range(3):
            if tok.dep_ not in ("xcomp", "conj", "advcl", "oprd", "ccomp") or tok.head.i == tok.i:
                break
            tok = tok.head
            if tok.lemma_.lower() in _PERCEIVED and any(c.dep_ in ("auxpass", "nsubjpass") for c in tok.children):
                return True
    return False


def _as_reference(cue, quoted) -> int | None:
    """Where the "as" of an "as X said" clause is ("20 million euros, not 12 million as the
    council's engineer said"), if the cue sits in one: a side reference to someone's words. "even as
    he says" is a time, not a reference."""
    verb = cue
    steps = 0
    while verb.dep_ in _CUE_FUNCTION_DEPS and verb.head.i != verb.i and steps < 3:
        verb = verb.head
        steps += 1
    if verb.pos_ not in ("VERB", "AUX"):
        return None
    doc = verb.doc
    at = next((c.i for c in verb.children if c.dep_ == "mark" and c.lower_ == "as"), None)
    if at is None:
        subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and not quoted[c.i]), None)
        if subj is None or subj.left_edge.i == 0 or doc[subj.left_edge.i - 1].lower_ != "as":
            return None
        at = subj.left_edge.i - 1
    if quoted[at] or (at > 0 and doc[at - 1].lower_ == "even"):
        return None
    return at


def _yields(cue, ranked, quoted) -> bool:
    """Whether a cue is an "as X said" reference that follows a speech verb of the sentence's own:
    who asserts is who says it ("Leclerc said ... as the engineer said"), not who is cited."""
    at = _as_reference(cue, quoted)
    return at is not None and any(lexicon_cue(other) and other.i < at for _, other, _ in ranked)


def _dash_speaker(unit, ctx: Context) -> Speaker | None:
    """“A quotation.” ― Name Surname: the name after a dash that follows a closing quote."""
    m = DASH_SOURCE.search(unit.text)
    if not m:
        return None
    name = clean_name(m.group(1).replace("\u00a0", " "))
    return Speaker(ctx.full_name(name), PERSON) if name else None


# Which candidate source speaks for a unit: a second logistic regression, trained on the same
# split, over each (cue, source) pair a unit offers: how the source was found (subject, agent,
# "according to", possessive, ...), what it is (person, organisation, pronoun, noun), the cue's
# probability, lemma and place in the sentence.
SOURCE_MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "attribution_sources.json"
CANDIDATE_MIN = 0.15


def _load_source_model():
    return json_model(SOURCE_MODEL_PATH)


def source_candidates(unit, quoted, probs, skip_before: int = 0) -> list[tuple]:
    """(cue token, source head token, how found) for every plausible cue of a unit."""
    out = []
    for tok in unit:
        if quoted[tok.i] or (probs[tok.i] < CANDIDATE_MIN and not lexicon_cue(tok)):
            continue
        head, how = source_head(tok, quoted)
        if head is not None and head.idx < skip_before and head.dep_ in ("nsubj", "nsubjpass"):
            # "Port Alder (Reuters) — Mayor Okafor said": spaCy may make the dateline a second subject
            head = next((c for c in head.head.children if c.dep_ in ("nsubj", "nsubjpass")
                         and c.idx >= skip_before and not quoted[c.i]), None)
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
    if lexicon_cue(cue):
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


def attribute(unit, quoted, probs, ctx: Context, prev_direct: Speaker | None, skip_before: int = 0):
    """(attribution, speaker) for one claim unit; ``quoted`` and ``probs`` are per token of the doc;
    nothing before character ``skip_before`` (a dateline) can be a source."""
    quoted_words = sum(1 for tok in unit if quoted[tok.i] and tok.is_alpha)
    has_quote = quoted_words >= 3

    dashed = _dash_speaker(unit, ctx) if has_quote else None
    if dashed is not None:
        return DIRECT, dashed

    attributed = any(not quoted[t.i] and is_cue(t, probs) and not is_aside(t, probs) for t in unit)
    if attributed:
        ranked = _rank_sources(unit, quoted, probs, skip_before)
        yields = [_yields(r[1], ranked, quoted) for r in ranked]
        # stable: an "as X said" reference goes after the sentence's own cues, the rest as ranked
        for (_, cue, head), _ in sorted(zip(ranked, yields), key=lambda pair: pair[1]):
            # who asserts is the source of a cue, not of a word that merely might be one, and not
            # someone a side clause describes
            if not is_cue(cue, probs) or is_aside(cue, probs):
                continue
            passive_hearsay = (
                head.dep_ == "nsubjpass"
                and cue.lemma_.lower() in ("say", "believe", "report", "think", "understand")
                and (head.lower_ == "it" or any(c.dep_ == "xcomp" for c in cue.children))
            )
            if passive_hearsay:
                return ANONYMOUS, Speaker("anonymous source", ANONYMOUS_KIND)
            speaker, anon = speaker_from_head(head, ctx, unit, quoted)
            if speaker is None and not anon:
                continue
            if anon:
                return ANONYMOUS, speaker
            return (DIRECT if has_quote else REPORTED), speaker

    if has_quote and prev_direct is not None and opener_at(unit.text.lstrip(), 0):
        # a quotation with no attribution of its own continues the previous speaker's quote
        return DIRECT, prev_direct
    if attributed:
        return (DIRECT if has_quote else REPORTED), None
    return NONE, None


_TURN = re.compile(r"^\s*[\"“”]?\s*((?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*)\s*:\s+\S")


def turn_speaker(doc, ctx: Context) -> Speaker | None:
    """The speaker of a transcript turn ("PENCE: Well, look, ..."): the label must be a person spaCy
    recognises or the surname of someone the article has named."""
    m = _TURN.match(doc.text)
    if not m:
        return None
    label = clean_name(m.group(1))
    if not label:
        return None
    probe = label.title() if label.isupper() else label
    full = ctx.full_name(probe)
    if full != probe:
        return Speaker(full, PERSON)
    span = doc.char_span(m.start(1), m.end(1), alignment_mode="expand")
    if span is not None and span and all(t.ent_type_ == "PERSON" for t in span if t.is_alpha):
        return Speaker(probe, PERSON)
    return None


def introducer(unit, quoted, ctx: Context) -> Speaker | None:
    """Who speaks in the quotation a unit ending with a colon introduces: its main subject."""
    roots = [t for t in unit if t.head.i == t.i]
    if not roots:
        return None
    head, _ = _subject(roots[-1], quoted=quoted)
    if head is None or quoted[head.i]:
        return None
    speaker, _ = speaker_from_head(head, ctx, unit, quoted)
    return speaker


