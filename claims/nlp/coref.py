"""Who a source is: a name, a pronoun ("he", "it", "they"), a description ("the billionaire", "the
ministry", "the report") or an anonymous source, resolved against what the article named before."""

from __future__ import annotations

import re

from .context import Context, clean_name, entity_of, had_title, noun_phrase, title_before
from .types import ANONYMOUS_KIND, ORGANISATION, PERSON, Speaker

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
# who speaks on an organisation's behalf: with the organisation named, a named source, never anonymous
_SPOKES = {"spokesperson", "spokesman", "spokeswoman", "spokespeople", "spokesmen", "spokeswomen"}
# heads of a described source that are anonymous unless the description places them: "municipal
# officials", "Pentagon officials", "officials at the ministry" speak on record for a body
_OFFICIALS = {"official", "officer", "representative", "authority"}
# words that describe an official without placing them anywhere
_UNPLACED = {
    "senior", "top", "high", "ranking", "high-ranking", "former", "current", "other", "several", "some",
    "many", "few", "two", "three", "four", "unnamed", "anonymous", "knowledgeable", "informed", "an",
    "a", "the", "one", "both", "all", "various", "numerous", "government", "administration", "western",
    "elected",
}
_PERSON_PRONOUNS = {"he", "she", "him", "her"}
_ORG_PRONOUNS = {"it", "they"}


def _person_before(head, unit, quoted, ctx: Context) -> Speaker | None:
    """The nearest person named before ``head`` in the same unit, outside quotations
    ("The minister, Mr. Guajardo, argues ... ‘...,’ he told me")."""
    for ent in reversed(unit.ents):
        if ent.end > head.i or quoted[ent.start] or ent.label_ not in ("PERSON", "ORG", "GPE"):
            continue
        name = clean_name(ent.text)
        if not name:
            continue
        full = ctx.full_name(name)
        # spaCy's small model often calls "Trump" an organisation: a name known as a person counts
        if ent.label_ == "PERSON" or full != name:
            return Speaker(full, PERSON)
    return None


def _with_conjuncts(head, name: str, ctx: Context) -> str:
    """"Mr. King and Mr. Schultz say": every named conjunct of the subject speaks."""
    others = []
    for conj in head.children:
        if conj.dep_ == "conj" and conj.pos_ == "PROPN" and len(others) < 3:
            ent = entity_of(conj)
            other = clean_name(ent.text if ent is not None else noun_phrase(conj).text)
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


def _spokesperson_for(head, ctx: Context) -> Speaker | None:
    """The organisation a spokesperson speaks for: "the ministry's spokeswoman", "a Kremlin
    spokesman", "a spokesperson for the city council", "its spokesman" (the last one quoted)."""
    for child in head.children:
        if child.dep_ == "poss":
            if child.pos_ == "PRON":
                return ctx.last(ORGANISATION)
            return _body(child, ctx)
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in ("for", "of", "at", "from"):
            objs = [c for c in child.children if c.dep_ == "pobj"]
            if objs:
                return _body(objs[0], ctx)
    compounds = [c for c in head.children if c.dep_ in ("compound", "amod", "nmod") and c.pos_ in ("PROPN", "NOUN")]
    if compounds:
        name = clean_name(head.doc[compounds[0].left_edge.i : compounds[-1].i + 1].text)
        return Speaker(name, ORGANISATION) if name else None
    return None


def _body(tok, ctx: Context) -> Speaker | None:
    """The organisation a token names: its entity, or its noun phrase ("the city council"), or the
    organisation named before that holds it ("the ministry")."""
    ent = entity_of(tok)
    name = clean_name(ent.text if ent is not None else noun_phrase(tok).text)
    name = re.sub(r"^(the|a|an)\s+", "", name, flags=re.I)
    if not name:
        return None
    if ent is None and tok.pos_ == "NOUN":
        known = ctx.organisation_named(tok.lemma_.lower())
        if known is not None:
            return known
    return Speaker(name, ORGANISATION)


def _placed(head) -> bool:
    """Whether an official-like source is described by the body they speak for: "Bakhmut municipal
    officials", "Pentagon officials", "officials at the ministry", "the city's officials"."""
    for child in head.children:
        if child.dep_ in ("amod", "compound", "nmod", "poss") and child.lower_ not in _UNPLACED and child.is_alpha:
            return True
        if child.dep_ == "prep" and child.lower_ in ("at", "from", "of", "in", "with"):
            if any(c.dep_ == "pobj" for c in child.children):
                return True
    return False


_AGENTIVE = ("er", "or", "ist", "ian", "ant", "ent")


def _apposed_name(head, unit, quoted):
    """(head token, name span) of a name in apposition to a described source: the parse's
    apposition ("the council's engineer, Marta Leclerc, said"), or, where the parse lost it, a
    run of proper nouns between commas right after the description ("According to the council's
    engineer, Marta Leclerc, the ...")."""
    for child in head.children:
        if child.dep_ == "appos" and (child.ent_type_ == "PERSON" or child.pos_ == "PROPN") and not quoted[child.i]:
            return child, noun_phrase(child)
    doc = head.doc
    comma = head.i + 1
    if comma >= unit.end or doc[comma].text != "," or head.right_edge.i > head.i:
        return None
    end = comma + 1
    while end < unit.end and (doc[end].pos_ == "PROPN" or (doc[end].text in "-'’." and end > comma + 1)):
        end += 1
    if end == comma + 1 or end >= unit.end or doc[end].text != "," or quoted[comma + 1]:
        return None
    while doc[end - 1].pos_ != "PROPN":
        end -= 1
    return doc[end - 1], doc[comma + 1 : end]


def _proper_name(phrase) -> str:
    """The name a phrase in apposition spells: from its first proper noun, up to a parenthesis
    ("state Del. Marcia Price (D-Newport News)" → "Marcia Price"), without a title."""
    toks = list(phrase)
    while toks and toks[0].pos_ != "PROPN":
        toks = toks[1:]
    cut = next((k for k, t in enumerate(toks) if t.text == "("), len(toks))
    toks = toks[:cut]
    if not toks:
        return ""
    return clean_name(phrase.doc[toks[0].i : toks[-1].i + 1].text)


def _personal(description, phrase) -> bool:
    """Whether a name in apposition to ``description`` names a person though NER may call it an
    organisation: NER says so, or a title or a name known before, or the description is a person's
    role ("chief", "engineer", "treasurer") and the name reads as a personal one (no article, no
    organisation word, no place)."""
    if any(t.ent_type_ == "PERSON" for t in phrase) or had_title(phrase.text):
        return True
    if any(t.ent_type_ in ("GPE", "NORP", "LOC", "FAC") or t.lower_ in _ORG_NOUNS or t.dep_ == "det" for t in phrase):
        return False
    lemma = description.lemma_.lower()
    if lemma in _ORG_NOUNS or description.tag_ in ("NNS", "NNPS"):
        return False
    return lemma in _PERSON_ROLES or (len(lemma) > 4 and lemma.endswith(_AGENTIVE))


def speaker_from_head(head, ctx: Context, unit, quoted, nested: bool = False) -> tuple[Speaker | None, bool]:
    """(speaker, anonymous?) for the token heading the source of a cue."""
    head = _outside_parentheses(head)
    lower = head.lower_
    if head.pos_ == "PRON" or lower in _PERSON_PRONOUNS | _ORG_PRONOUNS:
        if lower in _PERSON_PRONOUNS:
            sp = _person_before(head, unit, quoted, ctx) or ctx.last_person_any()
            if sp is not None:
                # "He and Chairman Bob Goodlatte both condemned"
                sp = Speaker(_with_conjuncts(head, sp.name, ctx), PERSON)
            return sp, False
        if lower == "they" and ctx.last_unit_groups:
            return ctx.last_unit_groups[0], False
        if lower == "they" and ctx.groups:
            return ctx.groups[-1], False
        if lower in _ORG_PRONOUNS:
            return (ctx.last(ORGANISATION) or ctx.last(ANONYMOUS_KIND)), False
        return None, False

    ent = entity_of(head)
    if ent is not None and ent.label_ in ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC"):
        if ent.label_ == "NORP" and head.pos_ == "NOUN":
            # "the Ukrainian military": the adjective is an entity, the speaker is the phrase
            name = clean_name(noun_phrase(head).text)
            return Speaker(name, ORGANISATION), False
        name = clean_name(ent.text)
        if not name:
            return None, False
        full = ctx.full_name(name)
        if ent.label_ == "PERSON" or full != name or had_title(ent.text) or title_before(ent):
            return Speaker(_with_conjuncts(head, full, ctx), PERSON), False
        return Speaker(_with_conjuncts(head, name, ctx), ORGANISATION), False

    if head.pos_ == "PROPN" or (head.pos_ == "NOUN" and head.text[:1].isupper()):
        # a name the tagger took for a common noun ("Zelenskyy has called ...") is still the person
        # named before
        phrase_text = noun_phrase(head).text
        name = clean_name(phrase_text)
        full = ctx.full_name(name)
        if full != name or (name and had_title(phrase_text)):
            return Speaker(full, PERSON), False

    if head.pos_ == "NOUN" and not nested:
        # "another critic, Laurence H. Tribe,": the name in apposition is who speaks
        named = _apposed_name(head, unit, quoted)
        if named is not None:
            name_head, phrase = named
            if entity_of(name_head) is None or entity_of(name_head).label_ != "PERSON":
                name = _proper_name(phrase)
                if name and _personal(head, phrase):
                    return Speaker(_with_conjuncts(name_head, ctx.full_name(name), ctx), PERSON), False
            return speaker_from_head(name_head, ctx, unit, quoted, nested=True)

    phrase = noun_phrase(head)
    subtree_text = head.doc[head.left_edge.i : head.right_edge.i + 1].text
    lemma = head.lemma_.lower()
    has_proper = any(t.pos_ == "PROPN" or t.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") for t in phrase)

    if _ANON_MARKERS.search(subtree_text) and (lemma in _ANON_HEADS or lemma in _SPOKES):
        return Speaker("anonymous source", ANONYMOUS_KIND), True
    if lemma in _SPOKES:
        body = _spokesperson_for(head, ctx)
        if body is not None:
            return body, False
    if lemma in _OFFICIALS and _placed(head):
        name = re.sub(r"^(the|a|an)\s+", "", clean_name(phrase.text), flags=re.I)
        if name:
            return Speaker(name, ORGANISATION), False
    if lemma in _ANON_HEADS and not has_proper:
        return Speaker("anonymous source", ANONYMOUS_KIND), True

    # a named organisation or person inside the phrase: "a report by researchers at Yale University"
    inner = [e for e in head.doc.ents if head.left_edge.i <= e.start and e.end <= head.right_edge.i + 1]
    for label in ("PERSON", "ORG"):
        for e in inner:
            if e.label_ == label:
                name = clean_name(e.text)
                sp = Speaker(ctx.full_name(name), PERSON) if label == "PERSON" else Speaker(name, ORGANISATION)
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
    name = clean_name(phrase.text)
    if not name:
        return None, False
    singular = head.tag_ not in ("NNS", "NNPS")
    kind = PERSON if lemma in _PERSON_ROLES and lemma not in _ORG_NOUNS and singular else ORGANISATION
    return Speaker(name, kind), False
