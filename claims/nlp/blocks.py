"""An article cut into paragraphs, each a body paragraph, a heading or boilerplate (bylines, captions,
share buttons, editor's notes); the dateline that opens a paragraph; the "― Name" after a quotation."""

from __future__ import annotations

import re

from .types import Block

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
        r"^[\s(\-–—]*(reporting|writing|editing|additional reporting) (by|from)\b",
        r"\bcontributed reporting\b",
        r"^[\"“]?follow\s+(@?[\w.]+\s+){1,3}on (twitter|x|facebook|instagram)\b",
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

_TERMINAL = re.compile(r"[.!?…](?:['’\"”»)\]]|\s(?=['’\"”»]))*$")
_WORD = re.compile(r"\w+", re.U)

# “A quotation.” ― Name Surname: a paragraph ending so is no heading; attribution reads the name.
DASH_SOURCE = re.compile(r"(?:[”\"]|'')\s*(?:―|—|–|--?)\s*([A-Z][\w'’.-]*(?:[ \u00a0]+[A-Z][\w'’.-]*){0,3})")
_AGENCIES = ("AP", "AFP", "Reuters", "UPI", "Bloomberg", "dpa", "DPA", "Xinhua", "EFE", "ANSA", "PA", "TASS",
             "Interfax", "IANS", "PTI", "CP", "Kyodo", "Yonhap", "Anadolu", "ANI", "Ukrinform", "CNN")
# "WASHINGTON —", "KYIV, Ukraine (Reuters) -": a dateline opens the paragraph, it is no claim text
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’-]{2,}(?:[ ,]+[A-Z][A-Za-z.'’-]+){0,3}\s*(?:\([^)\n]{1,40}\)\s*)?"
    # "Philadelphia (AFP) –": a place in mixed case only with a news agency in brackets after it
    r"|[A-Z][a-z.'’-]+(?:[ ,]+[A-Z][A-Za-z.'’-]+){0,3}\s*\((?:" + "|".join(_AGENCIES) + r")\)\s*)"
    r"(?:―|—|–|--|-|:)\s+(?=\S)"
)


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _is_boilerplate(text: str) -> bool:
    return any(p.search(text) for p in _BOILERPLATE)


def _is_heading(text: str, title_norm: str | None) -> bool:
    if title_norm and _norm(text) == title_norm:
        return True
    if DASH_SOURCE.search(text) or text.endswith(":"):
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
