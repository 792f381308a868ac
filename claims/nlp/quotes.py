"""Quotations and the claim units around them: the regions a paragraph quotes (every quote style),
its sentences merged across a quotation, and a sentence of two attributed assertions cut in two."""

from __future__ import annotations

from .cues import CUE_THRESHOLD

_DOUBLE_CLOSERS = {"“": ("”", '"', "“"), "«": ("»",), "„": ("“", "”"), '"': ('"', "”"), "''": ("''", "”", '"'),
                   "”": ("”", '"')}


def opener_at(text: str, i: int) -> str | None:
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
        opener = opener_at(text, i)
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


def sentence_units(doc, regions):
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


def _trailing_according(span, quoted) -> int:
    """Where a closing ", according to X." of ``span`` starts (the comma's token index), or the
    span's end when it has none."""
    doc = span.doc
    for tok in span:
        if tok.text != "," or quoted[tok.i] or tok.i + 2 >= span.end:
            continue
        if doc[tok.i + 1].lower_ == "according" and doc[tok.i + 2].lower_ == "to":
            rest = doc[tok.i + 3 : span.end]
            if not any(t.text in (",", ";") or quoted[t.i] for t in rest):
                return tok.i
    return span.end


def split_unit(unit, quoted, probs) -> list:
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
        # "A happened and B happened, according to the report": an "according to" that closes the
        # sentence after a comma speaks for every clause before it, not for the last one alone
        tail = _trailing_according(second, quoted)
        has_cue = any(probs[t.i] >= CUE_THRESHOLD and not quoted[t.i] for t in second if t.i < tail)
        words_first = sum(1 for t in doc[start:end] if t.is_alpha)
        words_second = sum(1 for t in second if t.is_alpha)
        if not has_cue or words_first < 4 or words_second < 4:
            continue
        parts.append(doc[start:end])
        start = cut
    parts.append(doc[start : unit.end])
    return parts
