"""One claim per statement: a sentence that reports two sources' statements ("X claimed A, while Y
said B"; "X said A; Y said B"; "While X said A, Y said B") is cut in two at the connective, each side
keeping its own cue and its own source. Never inside a quotation, never where one side has no cue
of its own ("Prices rose while the mayor was away, the report said" stays whole)."""

from __future__ import annotations

from .attribution import is_aside, source_head
from .cues import CUE_THRESHOLD, lexicon_cue

# connectives that, after a comma, join two reported statements of different sources
_CONTRAST = {"while", "whereas"}
_MIN_WORDS = 4


# how a statement names its own source: the subject or agent of its speech verb, "according to X"
_OWN_SOURCE = {"nsubj", "agent", "according"}


def _speaking_sources(side, quoted, probs) -> set[str]:
    """The sources (lower-cased head words) that a speech cue inside ``side`` credits as its own
    subject, agent or "according to" object, named inside ``side``."""
    out = set()
    for tok in side:
        if quoted[tok.i] or is_aside(tok, probs):
            continue
        speech = lexicon_cue(tok) or (tok.pos_ == "VERB" and probs[tok.i] >= CUE_THRESHOLD)
        if not speech and tok.lower_ != "according":
            continue
        head, how = source_head(tok, quoted)
        # a pronoun ("they only learned ...") most often is the other side's source again
        if how in _OWN_SOURCE and side.start <= head.i < side.end and not quoted[head.i] and head.pos_ != "PRON":
            out.add(head.lower_)
    return out


def _words(span) -> int:
    return sum(1 for t in span if t.is_alpha)


def _separators(unit, quoted):
    """(end of the left side, start of the right side) for each place a unit may be cut: ", while",
    ", whereas", a semicolon, and the comma closing a leading "While X said A," clause."""
    doc = unit.doc
    out = []
    for tok in unit:
        if quoted[tok.i] or tok.i == unit.start:
            continue
        prev = doc[tok.i - 1]
        if tok.lower_ in _CONTRAST and prev.text == "," and not quoted[prev.i]:
            out.append((prev.i, tok.i + 1))
        elif tok.text == ";" and tok.i + 1 < unit.end and not quoted[tok.i + 1] and doc[tok.i + 1].lower_ not in ("and", "or"):
            # "...; and John Bentel, a ...": the last item of a list, not a statement
            out.append((tok.i, tok.i + 1))
    first = doc[unit.start]
    if first.lower_ in _CONTRAST and first.dep_ == "mark" and not quoted[first.i]:
        edge = first.head.right_edge.i
        if edge + 1 < unit.end and doc[edge + 1].text == ",":
            out.append((edge + 1, edge + 2))
    return sorted(out)


def split_statements(unit, quoted, probs) -> list:
    """The unit cut into one part per reported statement (spaCy spans, in reading order), where each
    part has a cue crediting a source inside it and the sources differ; the unit itself otherwise."""
    doc = unit.doc
    parts = []
    start = unit.start
    lead = doc[unit.start].lower_ in _CONTRAST and doc[unit.start].dep_ == "mark"
    for left_end, right_start in _separators(unit, quoted):
        if left_end <= start:
            continue
        left_start = start + 1 if lead and start == unit.start else start
        left = doc[left_start:left_end]
        right = doc[right_start : unit.end]
        if _words(left) < _MIN_WORDS or _words(right) < _MIN_WORDS:
            continue
        said_left = _speaking_sources(left, quoted, probs)
        said_right = _speaking_sources(right, quoted, probs)
        if not said_left or not said_right or said_left == said_right:
            continue
        parts.append(left)
        start = right_start
    if not parts:
        return [unit]
    parts.append(doc[start : unit.end])
    return parts
