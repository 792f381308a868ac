"""What an article has said so far, for coreference: the speakers and people named, their roles and
titles, the organisations; names cleaned of titles; the noun phrase a source heads."""

from __future__ import annotations

import re

from .speakers import fold
from .titles import TITLE_PREFIX, TITLE_WORDS
from .types import ORGANISATION, PERSON, Speaker


def clean_name(name: str) -> str:
    name = name.strip(" ,.;:'\"“”‘’")
    name = re.sub(r"['’]s$", "", name)
    prev = None
    while prev != name:
        prev = name
        name = TITLE_PREFIX.sub("", name)
    return name.strip()


def title_before(ent) -> bool:
    """"Mayor [Ines Okafor]": a personal title just before a name NER called something else."""
    return ent.start > 0 and bool(TITLE_PREFIX.match(ent.doc[ent.start - 1].text + " ")) and ent.doc[ent.start - 1].lower_ != "the"


def had_title(text: str) -> bool:
    """"Councillor Marta Leclerc": a personal title in front means a person, whatever NER says."""
    text = re.sub(r"^the\s+", "", text.strip(), flags=re.I)
    return bool(TITLE_PREFIX.match(text)) and len(text.split()) >= 2


# plural nouns for a people or a body of people, which a following "they" can mean
_GROUP_NOUNS = {
    "voter", "official", "resident", "leader", "supporter", "critic", "lawmaker", "legislator",
    "soldier", "troop", "worker", "protester", "protestor", "citizen", "farmer", "democrat",
    "republican", "activist", "prosecutor", "investigator", "negotiator", "diplomat", "ally",
}


class Context:
    """What the article has said so far: the speakers and people mentioned, for coreference."""

    def __init__(self):
        self.speakers: list[Speaker] = []
        self.people: list[str] = []  # full PERSON names seen, most recent last
        self.roles: dict[str, set[str]] = {}  # person -> role words used with the name
        self.orgs: list[str] = []  # organisations named, most recent last
        self.groups: list[Speaker] = []  # plural subjects ("the Ukrainians", "officials"), for "they"
        # the plural groups the last unit named, its subjects first: "a coup for the Ukrainians. They want …"
        self.last_unit_groups: list[Speaker] = []
        self.described: dict[str, Speaker] = {}  # "report" -> who the report was by, for "the report"

    def see_entities(self, span):
        subjects, others = [], []
        for tok in span:
            if tok.pos_ == "PRON":
                continue
            if tok.dep_ in ("nsubj", "nsubjpass") and (tok.tag_ in ("NNS", "NNPS") or tok.ent_type_ == "NORP"):
                group = Speaker(clean_name(noun_phrase(tok).text) or tok.text, ORGANISATION)
                self.groups.append(group)
                subjects.append(group)
            elif tok.tag_ in ("NNS", "NNPS") and (tok.ent_type_ == "NORP" or tok.lemma_.lower() in _GROUP_NOUNS):
                # a people named outside the subject ("a coup for the Ukrainians"), for a "they" next
                others.append(Speaker(clean_name(noun_phrase(tok).text) or tok.text, ORGANISATION))
        self.last_unit_groups = subjects + others[::-1]
        for ent in span.ents:
            # "Councillor Marta Leclerc" that NER took for an organisation is a person, for a later
            # "Leclerc"; a given name and a surname after the title, so "General Assembly" is not
            titled = ent.label_ == "ORG" and had_title(ent.text) and len(clean_name(ent.text).split()) >= 2
            if ent.label_ == "ORG" and not titled:
                name = clean_name(ent.text)
                if name and self.full_name(name) == name:
                    self.orgs.append(name)
            if ent.label_ == "PERSON" or titled:
                name = clean_name(ent.text)
                if name:
                    full = self.full_name(name)
                    self.people.append(full)
                    self.roles.setdefault(full, set()).update(role_words(ent))
        # "Mayor Ines Okafor" that NER missed: a title word followed by proper nouns
        doc = span.doc
        for tok in span:
            if tok.lower_ not in TITLE_WORDS or tok.ent_type_ == "PERSON":
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

    def person_with_role(self, role: str) -> Speaker | None:
        for name in reversed(self.people):
            if role in self.roles.get(name, ()):
                return Speaker(name, PERSON)
        return None

    def add_speaker(self, speaker: Speaker):
        self.speakers.append(speaker)
        if speaker.kind == PERSON:
            # "Mr. King and Mr. Schultz": each is a person mentioned
            self.people.extend(speaker.name.split(" and "))

    def full_name(self, name: str) -> str:
        """A bare surname resolves to the fuller name mentioned before (``Prigozhin`` → ``Yevgeny Prigozhin``),
        however it is spelled (``Zelenskyy`` → ``Volodymyr Zelensky``)."""
        if " " in name:
            return name
        # however it is spelled: "Zelenskyy" is the "Volodymyr Zelensky" named before
        key = fold(name)
        for full in reversed(self.people):
            parts = full.split()
            if len(parts) > 1 and fold(parts[-1]) == key:
                return full
        for sp in reversed(self.speakers):
            parts = sp.name.split()
            if sp.kind == PERSON and len(parts) > 1 and fold(parts[-1]) == key:
                return sp.name
        return name

    def organisation_named(self, noun: str) -> Speaker | None:
        """The organisation last quoted, or else last named, whose name holds ``noun``."""
        for sp in reversed(self.speakers):
            if sp.kind == ORGANISATION and noun in sp.name.lower():
                return sp
        for name in reversed(self.orgs):
            if noun in name.lower():
                return Speaker(name, ORGANISATION)
        return None

    def last(self, kind: str, word: str | None = None) -> Speaker | None:
        for sp in reversed(self.speakers):
            if sp.kind != kind:
                continue
            if word is None or word.lower() in sp.name.lower():
                return sp
        return None

    def last_person_any(self) -> Speaker | None:
        """The most recent person, spoken or merely mentioned ("he highlighted" after "Karim Khan")."""
        if self.people:
            return Speaker(self.people[-1], PERSON)
        return None


def role_words(ent) -> set[str]:
    """Nouns naming a person's role around a PERSON entity: "Mayor Ines Okafor",
    "Tomas Brandt, the chief engineer", "the council's chief engineer, Tomas Brandt"."""
    words = {t.lemma_.lower() for t in ent if t.pos_ == "NOUN" or t.lower_ in TITLE_WORDS}
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
        if tok.lower_ in TITLE_WORDS:
            words.add(tok.lower_)
    return words


def entity_of(token):
    doc = token.doc
    for ent in doc.ents:
        if ent.start <= token.i < ent.end:
            return ent
    return None


def noun_phrase(head):
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
