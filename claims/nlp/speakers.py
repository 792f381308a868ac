"""One person, one speaker record, however the name is spelled ("Zelensky"/"Zelenskyy",
"Mr Xi"/"Xi Jinping"). Plain text functions; the service ``speaker_resolve`` uses them."""

from __future__ import annotations

import re
import unicodedata

from .titles import NAME_TITLE


def fold(token: str) -> str:
    """A spelling-insensitive key for a name part: no accents or case, doubled letters and a final
    y/i collapsed (Zelenskyy, Zelensky, Zelenskiy -> zelensk)."""
    text = unicodedata.normalize("NFKD", token).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z]", "", text)
    text = re.sub(r"(.)\1+", r"\1", text)
    text = re.sub(r"(iy|yi|y|i|ij)$", "", text) if len(text) > 4 else text
    return text


def name_parts(name: str) -> list[str]:
    name = name.strip()
    prev = None
    while prev != name:
        prev = name
        name = NAME_TITLE.sub("", name)
    return [p for p in re.split(r"[\s\-]+", name) if p]


def speaker_key(name: str) -> str:
    """The key speakers are grouped by: the folded family name (last part)."""
    parts = name_parts(name)
    return fold(parts[-1]) if parts else ""


def same_person(a: str, b: str) -> bool:
    """Whether two person names plausibly name the same person.

    Equal folded family names, and given names that do not contradict (one is missing or they fold
    the same); a single name may also be the other's first part ("Xi" / "Xi Jinping").
    """
    pa, pb = [fold(p) for p in name_parts(a)], [fold(p) for p in name_parts(b)]
    if not pa or not pb:
        return False
    if pa == pb:
        return True
    if pa[-1] == pb[-1]:
        rest_a, rest_b = pa[:-1], pb[:-1]
        return not rest_a or not rest_b or rest_a[0] == rest_b[0]
    short, long_ = (pa, pb) if len(pa) < len(pb) else (pb, pa)
    return len(short) == 1 and short[0] == long_[0] and len(short[0]) >= 2
