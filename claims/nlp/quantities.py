"""Numbers with their units and what they count, per claim ("1,100 deaths", "220 soldiers")."""

from __future__ import annotations

import re

_NUMERIC_LABELS = {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}
_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "dozen": 12, "dozens": 24, "hundred": 100, "hundreds": 200, "half": 0.5,
}
_SCALES = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12, "k": 1e3}
_PERCENT = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)
_NUM = re.compile(r"\d+(?:[.,]\d+)*")


def parse_value(text: str) -> float | None:
    """The numeric value of a phrase like "more than 1,100", "4.5 million", "sixty"."""
    lower = text.lower().replace("’", "'")
    value = None
    m = _NUM.search(lower)
    if m:
        raw = m.group(0)
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw):
            raw = raw.replace(",", "")
        else:
            raw = raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw and len(raw.split(",")[1]) != 3 else raw.replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            value = None
    else:
        for word in re.findall(r"[a-z]+", lower):
            if word in _WORDS:
                value = (value or 0) + _WORDS[word]
    if value is None:
        return None
    for word in re.findall(r"[a-z]+", lower):
        if word in _SCALES:
            value *= _SCALES[word]
            break
    return value


_TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade", "century"}


def _duration(ent) -> tuple[float, str] | None:
    """(value, unit) of a span of time with a number ("60 days", "the last 24 hours", "four years");
    None for calendar dates ("1995", "March 2023", "Sunday")."""
    units = [t.lemma_.lower() for t in ent if t.lemma_.lower() in _TIME_UNITS]
    numbers = [t for t in ent if t.like_num and not (t.shape_ == "dddd" and not units)]
    if not units or not numbers:
        return None
    value = parse_value(" ".join(t.text for t in ent if t.like_num or t.lower_ in _SCALES))
    return (value, units[-1]) if value is not None else None


def _counted_noun(ent, span) -> str:
    """The noun a number counts: "220 Ukrainian soldiers" -> soldier, "dozens of states" -> state."""
    num_tok = ent[-1]
    head = num_tok.head
    if num_tok.dep_ in ("nummod", "quantmod", "compound", "npadvmod") and head.pos_ in ("NOUN", "PROPN"):
        return head.lemma_.lower()
    if ent.label_ == "QUANTITY" and len(ent) > 1:
        return ent[-1].lemma_.lower()
    doc = span.doc
    for tok in doc[ent.end : min(ent.end + 3, span.end)]:
        if tok.pos_ == "NOUN":
            return tok.lemma_.lower()
        if tok.lower_ == "of":
            objs = [c for c in tok.children if c.dep_ == "pobj" and c.pos_ in ("NOUN", "PROPN")]
            if objs:
                return objs[0].lemma_.lower()
        if tok.pos_ not in ("ADJ", "ADP") and tok.lower_ not in ("of",):
            break
    return ""


def extract_quantities(span) -> list[dict]:
    """Quantities in a spaCy span: ``[{"text", "value", "unit"}]``, in reading order.

    The unit is what the number counts (a noun's lemma: "death", "soldier"), "percent", "money",
    or a unit of time for durations ("60 days" -> day); "" when nothing says.
    """
    out = []
    seen = set()
    for ent in span.ents:
        if ent.label_ in ("DATE", "TIME"):
            found = _duration(ent)
            if found is None:
                continue
            value, unit = found
            if (value, unit) not in seen:
                seen.add((value, unit))
                out.append({"text": ent.text, "value": value, "unit": unit})
            continue
        if ent.label_ not in _NUMERIC_LABELS:
            continue
        value = parse_value(ent.text)
        if value is None:
            continue
        unit = ""
        if ent.label_ == "PERCENT" or _PERCENT.search(ent.text):  # "8.5 per cent" is sometimes tagged MONEY
            unit = "percent"
        elif ent.label_ == "MONEY":
            unit = "money"
        else:
            unit = _counted_noun(ent, span)
        key = (value, unit)
        if key in seen:
            continue
        seen.add(key)
        out.append({"text": ent.text, "value": value, "unit": unit})
    return out
