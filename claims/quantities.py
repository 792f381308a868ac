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


def extract_quantities(span) -> list[dict]:
    """Quantities in a spaCy span: ``[{"text", "value", "unit"}]``, in reading order."""
    out = []
    seen = set()
    for ent in span.ents:
        if ent.label_ not in _NUMERIC_LABELS:
            continue
        value = parse_value(ent.text)
        if value is None:
            continue
        unit = ""
        if ent.label_ == "PERCENT":
            unit = "percent"
        elif ent.label_ == "MONEY":
            unit = "money"
        else:
            # the noun the number counts: "220 Ukrainian soldiers" -> soldier
            num_tok = ent[-1]
            head = num_tok.head
            if num_tok.dep_ in ("nummod", "quantmod", "compound", "npadvmod") and head.pos_ in ("NOUN", "PROPN"):
                unit = head.lemma_.lower()
            elif ent.label_ == "QUANTITY" and len(ent) > 1:
                unit = ent[-1].lemma_.lower()
            else:
                for tok in span.doc[ent.end : min(ent.end + 3, span.end)]:
                    if tok.pos_ == "NOUN":
                        unit = tok.lemma_.lower()
                        break
                    if tok.pos_ not in ("ADJ", "ADP") and tok.lower_ not in ("of",):
                        break
        key = (value, unit)
        if key in seen:
            continue
        seen.add(key)
        out.append({"text": ent.text, "value": value, "unit": unit})
    return out
