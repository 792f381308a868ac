"""Claim text as matching reads it (links, hashtags, a pasted tweet's trailer; content words), the
pair features the scorer sees, and the ``semantic`` figure shown to reviewers."""

from __future__ import annotations

import datetime
import re

import numpy as np

# The ``semantic`` figure shown to reviewers: MiniLM cosine rescaled from [0.50, 0.95] to [0, 1] (on
# MRPC's news pairs, paraphrases sit mostly above 0.80 and unrelated claims of one story near 0.5).
COS_FLOOR = 0.50
COS_CEIL = 0.95

_STOP = set(
    """a an the and or but if of to in on at by for with from as is are was were be been being has
    have had do does did this that these those it its it's he she they them his her their we our
    you your i me my not no so than then there here which who whom whose what when where why how
    all any both each few more most other some such only own same too very can will just should
    now also would could may might must said says say told tell according about into over after
    before under again further once while during out up down off per via""".split()
)
TOKEN = re.compile(r"[\w’']+", re.U)
_URL = re.compile(r"(?:https?://|pic\.twitter\.com/|www\.)\S+")
# A pasted tweet ends with "— Name (@handle) Month D, YYYY": who posted it (kept: fact-checks name
# the people whose posts they check), then a handle and a date (dropped).
_TWEET_TRAILER = re.compile(r"\s*[—–]\s*([^—–]{0,80}?)\s*\(@\w+\)\s*\w+\.? \d{1,2}, \d{4}\s*$")
_HASHTAG = re.compile(r"#(\w+)")
_MENTION = re.compile(r"@(\w*)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def clean_claim_text(text: str) -> str:
    """The claim without what is not part of it: links, a pasted tweet's handle and date, ``#`` and ``@``.

    Hashtags and mentions are split into words (``#DefundTheCBC`` → ``Defund The CBC``,
    ``@HillaryClinton`` → ``Hillary Clinton``).
    """
    text = _TWEET_TRAILER.sub(lambda m: f" ({m.group(1)})" if m.group(1) else "", text)
    text = _URL.sub(" ", text)
    text = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)) + " ", text)
    text = _MENTION.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)) + " ", text)
    return re.sub(r"\s+", " ", text).strip()


def content_tokens(text: str) -> list[str]:
    """Lower-cased content words, with a light plural/possessive folding."""
    out = []
    for raw in TOKEN.findall(text.lower()):
        tok = raw.replace("’", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        tok = tok.strip("'")
        if not tok or tok in _STOP:
            continue
        if len(tok) > 4 and tok.endswith("ies"):
            tok = tok[:-3] + "y"
        elif len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out

def semantic_scale(cosine: float) -> float:
    return min(max((cosine - COS_FLOOR) / (COS_CEIL - COS_FLOOR), 0.0), 1.0)


# Base features of a (new claim, stored candidate) pair; a name "a*b" in the scorer file is a product.
FEATURES = ("mini", "mini_gap", "rank_mini", "mini_ctx", "mini_ctx_gap", "cov_stored", "cov_new", "cov_new_own",
            "dice", "bm25_rel", "rank_lex", "date_near", "dated")
COLUMN = {name: i for i, name in enumerate(FEATURES)}
# Days without a date, in the index's day column.
NO_DATE = np.iinfo(np.int32).min


def ordinal_day(value: datetime.date | None) -> int:
    return value.toordinal() if value else NO_DATE


