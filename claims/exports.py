"""Verdict reports: JSON (the public contract), CSV, schema.org ClaimReview JSON-LD, streamed.

Each format is a generator of text chunks over the plain rows of ``selectors.claim_export_rows``
(small columns, a server-side cursor, matches fetched per chunk), so the command line and the API
write the same bytes in constant memory whatever the number of claims.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import math
from collections.abc import Iterable, Iterator

from . import claimreview, selectors
from .errors import InvalidInput

logger = logging.getLogger(__name__)

FORMATS = ("json", "csv", "claimreview")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "claimreview": "application/ld+json",
}
EXTENSIONS = {"json": "json", "csv": "csv", "claimreview": "jsonld"}
# Rows per chunk of text handed to the response or the file.
CHUNK_ROWS = 500


@functools.lru_cache(maxsize=4096)
def json_list(raw: str | None) -> list:
    """A JSON list column from its stored text (``[]`` for none); decoded once per distinct text, so
    the list is shared: read it, never change it."""
    return (json.loads(raw) or []) if raw is not None else []


def claim_to_dict(row: dict) -> dict:
    """One claim in the public JSON contract (see README, "The JSON export")."""
    return {
        "id": row["id"],
        "article": row["article_id"],
        "text": row["text"],
        "start": row["start"],
        "end": row["end"],
        "speaker": row["speaker__name"],
        "speaker_kind": row["speaker__kind"],
        "attribution": row["attribution"],
        "checkworthiness": row["checkworthiness"],
        "checkworthiness_reasons": json_list(row["checkworthiness_reasons_json"]),
        "quantities": json_list(row["quantities_json"]),
        "verdict": row["verdict"],
        "verdict_note": row["verdict_note"],
        "state": row["state"],
        "assignee": row["assignee__username"],
        "matches": row["matches"],
    }


_encode = json.JSONEncoder(ensure_ascii=False).encode
_string = json.encoder.encode_basestring  # what that encoder writes for a str (ensure_ascii=False)


def _value(value) -> str:
    """``_encode(value)`` for a scalar, without the encoder's set-up per call."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    return _encode(value)


def _text_or_null(value) -> str:
    return "null" if value is None else _string(value)


@functools.lru_cache(maxsize=4096)
def _json_list_text(raw: str | None) -> str:
    return _encode(json_list(raw))


def claim_json(row: dict) -> str:
    """``_encode(claim_to_dict(row))``, byte for byte, built field by field: the columns' types are
    known (ids and offsets int, texts str, names str or null), and the two JSON columns are encoded
    once per distinct value."""
    s, n, v = _string, _text_or_null, _value
    matches = ", ".join(f'{{"claim": {v(m["claim"])}, "score": {v(m["score"])}, "kind": {s(m["kind"])}}}'
                        for m in row["matches"])
    return (
        f'{{"id": {v(row["id"])}, "article": {v(row["article_id"])}, "text": {s(row["text"])}, '
        f'"start": {v(row["start"])}, "end": {v(row["end"])}, "speaker": {n(row["speaker__name"])}, '
        f'"speaker_kind": {n(row["speaker__kind"])}, "attribution": {s(row["attribution"])}, '
        f'"checkworthiness": {v(row["checkworthiness"])}, '
        f'"checkworthiness_reasons": {_json_list_text(row["checkworthiness_reasons_json"])}, '
        f'"quantities": {_json_list_text(row["quantities_json"])}, "verdict": {s(row["verdict"])}, '
        f'"verdict_note": {s(row["verdict_note"])}, "state": {s(row["state"])}, '
        f'"assignee": {n(row["assignee__username"])}, "matches": [{matches}]}}'
    )


def _json_array(items: Iterable[dict], encode=_encode) -> Iterator[str]:
    """A JSON array, one object per line, yielded ``CHUNK_ROWS`` objects at a time."""
    yield "["
    first = True
    buffer = []
    for item in items:
        buffer.append(("\n" if first else ",\n") + encode(item))
        first = False
        if len(buffer) >= CHUNK_ROWS:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer) + "\n]\n"


def stream_json(rows: Iterable[dict]) -> Iterator[str]:
    return _json_array(rows, encode=claim_json)


# The JSON contract's columns in its order, plus the article's title; lists are flattened (see README).
CSV_COLUMNS = [
    "id", "article", "article_title", "start", "end", "text", "speaker", "speaker_kind", "attribution",
    "checkworthiness", "checkworthiness_reasons", "quantities", "verdict", "verdict_note", "state",
    "assignee", "matches",
]
# OWASP CSV injection: a cell starting with one of these is a formula (or becomes one) in a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell that no spreadsheet evaluates: text starting with = + - @ tab or CR gets a leading
    apostrophe (OWASP's rule; numbers we format ourselves never start with one)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


@functools.lru_cache(maxsize=4096)
def _csv_reasons(raw: str | None) -> str:
    return csv_cell("; ".join(json_list(raw)))


@functools.lru_cache(maxsize=4096)
def _csv_quantities(raw: str | None) -> str:
    return csv_cell("; ".join(
        f"{q.get('text', '')}={q.get('value', '')} {q.get('unit') or ''}".rstrip() for q in json_list(raw)))


# Titles, speakers and usernames repeat from row to row (an article's claims come together).
_csv_name = functools.lru_cache(maxsize=4096)(csv_cell)


def _csv_row(row: dict) -> list:
    return [
        row["id"], row["article_id"], _csv_name(row["article__title"]), row["start"], row["end"],
        csv_cell(row["text"]), _csv_name(row["speaker__name"]), row["speaker__kind"] or "", row["attribution"],
        f"{row['checkworthiness']:.4f}", _csv_reasons(row["checkworthiness_reasons_json"]),
        _csv_quantities(row["quantities_json"]), row["verdict"], csv_cell(row["verdict_note"]), row["state"],
        _csv_name(row["assignee__username"]),
        "; ".join(f"{m['claim']}:{m['kind']}:{m['score']:.3f}" for m in row["matches"]),
    ]


def stream_csv(rows: Iterable[dict]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(rows, 1):
        writer.writerow(_csv_row(row))
        if n % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _refused_to_log(claim_id, problems):
    logger.warning("ClaimReview for claim %s refused: %s", claim_id, "; ".join(problems))


def stream_claimreview(rows: Iterable[dict], on_refused=_refused_to_log) -> Iterator[str]:
    """Valid ClaimReview documents only (``claimreview.valid_reviews``): each one is checked against
    ``claimreview.RULES`` and a refused one is reported to ``on_refused(claim_id, broken_rules)``, never
    written."""
    return _json_array(claimreview.valid_reviews(rows, on_refused))


def stream(fmt: str, rows: Iterable[dict], on_refused=_refused_to_log) -> Iterator[str]:
    """``rows`` rendered in one of FORMATS, as chunks of text; an unknown format is refused at once."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "claimreview":
        return stream_claimreview(rows, on_refused)
    return {"json": stream_json, "csv": stream_csv}[fmt](rows)


def export_stream(fmt: str, *, user=None, article_id=None, on_refused=_refused_to_log) -> Iterator[str]:
    """The export of every claim ``user`` may see (or of one article) in ``fmt``: format and article
    are checked before the first chunk; a ClaimReview that breaks a rule goes to ``on_refused``.
    ClaimReview is refused (``NotConfigured``) while ``CLAIMDESK_PUBLIC_CLAIM_URL`` cannot make its urls."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "claimreview":
        claimreview.claim_url_check()
    rows = selectors.claim_export_rows(user=user, article_id=article_id, reviewed_only=fmt == "claimreview")
    return stream(fmt, rows, on_refused)
