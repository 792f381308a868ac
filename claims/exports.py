"""Verdict reports: JSON (the public contract), CSV, schema.org ClaimReview JSON-LD.

Each exporter takes claims from ``selectors.claims_for_export`` and returns text, so the command
line, the API and the printable report produce the same content.
"""

from __future__ import annotations

import csv
import io
import json

from django.conf import settings

from .errors import InvalidInput
from .models import Claim

FORMATS = ("json", "csv", "claimreview")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "claimreview": "application/ld+json",
}
_RATINGS = {
    Claim.Verdict.VERIFIED: (5, "Verified"),
    Claim.Verdict.UNATTRIBUTED: (3, "Unattributed"),
    Claim.Verdict.DISPUTED: (1, "Disputed"),
}


def claim_to_dict(claim: Claim) -> dict:
    """One claim in the public JSON contract (see README, "The JSON export")."""
    return {
        "id": claim.pk,
        "article": claim.article_id,
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "speaker": claim.speaker.name if claim.speaker else None,
        "speaker_kind": claim.speaker.kind if claim.speaker else None,
        "attribution": claim.attribution,
        "checkworthiness": claim.checkworthiness,
        "checkworthiness_reasons": claim.checkworthiness_reasons,
        "quantities": claim.quantities,
        "verdict": claim.verdict,
        "verdict_note": claim.verdict_note,
        "state": claim.state,
        "assignee": claim.assignee.username if claim.assignee else None,
        "matches": [
            {"claim": m.earlier_id, "score": m.score, "kind": m.kind}
            for m in sorted(claim.matches.all(), key=lambda m: (-m.score, m.earlier_id))
        ],
    }


def export_json(claims) -> str:
    return json.dumps([claim_to_dict(c) for c in claims], ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = [
    "id", "article", "article_title", "start", "end", "text", "speaker", "attribution",
    "checkworthiness", "verdict", "verdict_note", "assignee", "matches",
]


def export_csv(claims) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for claim in claims:
        d = claim_to_dict(claim)
        writer.writerow([
            d["id"], d["article"], claim.article.title, d["start"], d["end"], d["text"], d["speaker"] or "",
            d["attribution"], f"{d['checkworthiness']:.4f}", d["verdict"], d["verdict_note"], d["assignee"] or "",
            "; ".join(f"{m['claim']}:{m['kind']}:{m['score']:.3f}" for m in d["matches"]),
        ])
    return out.getvalue()


def claim_review(claim: Claim) -> dict | None:
    """schema.org ClaimReview for a reviewed claim with a known claimant, else ``None``."""
    if claim.verdict not in _RATINGS or claim.speaker is None or claim.speaker.kind == "anonymous":
        return None
    value, label = _RATINGS[claim.verdict]
    article = claim.article
    appearance = {"@type": "CreativeWork", "headline": article.title}
    if article.url:
        appearance["url"] = article.url
    if article.published:
        appearance["datePublished"] = article.published.isoformat()
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "itemReviewed": {
            "@type": "Claim",
            "author": {
                "@type": "Person" if claim.speaker.kind == "person" else "Organization",
                "name": claim.speaker.name,
            },
            "appearance": appearance,
        },
        "author": {"@type": "Organization", "name": settings.CLAIMDESK_ORGANISATION},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": label,
        },
    }
    if claim.published_at:
        review["datePublished"] = claim.published_at.date().isoformat()
    if claim.verdict_note:
        review["reviewBody"] = claim.verdict_note
    return review


def export_claimreview(claims) -> str:
    reviews = [r for r in (claim_review(c) for c in claims) if r is not None]
    return json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"


def export(fmt: str, claims) -> str:
    """Render ``claims`` in one of FORMATS; an unknown format is a clear error."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return {"json": export_json, "csv": export_csv, "claimreview": export_claimreview}[fmt](claims)
