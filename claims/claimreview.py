"""schema.org ClaimReview as fact-check aggregators read it: the summary (``claimReviewed``), the
document built from a claim's export row, and its rules as data.

The rules follow the required and recommended properties of ClaimReview, Claim and Rating in
schema.org and Google's fact-check markup documentation. Required ones must hold; a recommended
property may be missing, but when present it must be well formed. ``validate`` names every rule a
document breaks, so the exporter can say why it refused one. ``claims.exports`` writes the
documents ``valid_reviews`` yields as the ClaimReview export.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from .errors import InvalidInput, NotConfigured

# Google's fact-check markup guidance for claimReviewed: "a short summary of the claim being evaluated.
# Try to keep this less than 75 characters to minimize wrapping when displayed on a mobile device."
# The one limit of the form, the API, the model column and the service.
SUMMARY_LIMIT = 74
RATINGS = {"verified": (5, "Verified"), "unattributed": (3, "Unattributed"), "disputed": (1, "Disputed")}
BEST, WORST = 5, 1


def summary_default(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """The claim as ``claimReviewed``: whole when short enough, else cut at a word boundary with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def claim_reviewed(*, summary: str, text: str) -> str:
    """What a claim's ClaimReview says as ``claimReviewed``: the editor's summary, else ``summary_default``
    of the claim's text (the export, the API and the claim page all show this)."""
    return summary or summary_default(text)


# The refusal of a summary too long, word for word wherever it is given (the parameters are those of
# Django's MaxLengthValidator, so a form or serializer field gives it too).
SUMMARY_TOO_LONG = "the summary must be under 75 characters (%(limit_value)d at most), got %(show_value)d"


def summary_too_long(length: int) -> str:
    return SUMMARY_TOO_LONG % {"limit_value": SUMMARY_LIMIT, "show_value": length}


def summary_problem(text: str) -> str:
    """Why ``text`` (stripped, as typed) cannot be a summary, or "": past ``SUMMARY_LIMIT`` characters
    (what a form field's counter counts), or naming a rating (aggregators refuse a claimReviewed that
    states the verdict)."""
    if len(text) > SUMMARY_LIMIT:
        return summary_too_long(len(text))
    for _, label in RATINGS.values():
        if re.search(rf"\b{re.escape(label.lower())}\b", text.lower()):
            return f"the summary must not state a verdict: it says {label.lower()!r}"
    return ""


def summary_clean(summary) -> str:
    """A ClaimReview summary as it is stored: stripped, inner whitespace collapsed; ``InvalidInput``
    with ``summary_problem``'s reason."""
    text = (summary or "").strip()
    problem = summary_problem(text)
    if problem:
        raise InvalidInput(problem)
    return " ".join(text.split())


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _url(value) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _date(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _absent_or(check: Callable) -> Callable:
    return lambda value: value is None or check(value)


def _party(value) -> bool:
    return (isinstance(value, dict) and value.get("@type") in ("Person", "Organization") and _text(value.get("name"))
            and value.get("name", "").strip().lower() not in ("anonymous source", "unknown", "anonymous"))


def _appearance(value) -> bool:
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(
        _url(item) or (isinstance(item, dict) and item.get("@type") == "CreativeWork"
                       and (_url(item.get("url")) or _text(item.get("headline")))
                       and (item.get("url") is None or _url(item["url"])))
        for item in items)


def _claim(doc):
    item = doc.get("itemReviewed")
    return item if isinstance(item, dict) else {}


def _rating(doc):
    rating = doc.get("reviewRating")
    return rating if isinstance(rating, dict) else {}


def _rating_bounds(rating) -> bool:
    best, worst, value = rating.get("bestRating", BEST), rating.get("worstRating", WORST), rating.get("ratingValue")
    if value is None:
        return True
    return _number(best) and _number(worst) and _number(value) and worst < best and worst <= value <= best


def _no_verdict_in_summary(doc) -> bool:
    label, summary = _rating(doc).get("alternateName"), doc.get("claimReviewed")
    if not (_text(label) and _text(summary)):
        return True
    return re.search(rf"\b{re.escape(label.lower())}\b", summary.lower()) is None


@dataclass(frozen=True)
class Rule:
    id: str
    level: str  # "required" or "recommended" (absent is fine, present must be well formed)
    text: str
    check: Callable[[dict], bool]


RULES: tuple[Rule, ...] = (
    Rule("ClaimReview.@type", "required", "the document is a schema.org ClaimReview",
         lambda d: d.get("@type") == "ClaimReview" and d.get("@context") in ("https://schema.org", "http://schema.org")),
    Rule("ClaimReview.url", "required", "url: the absolute link of the fact-check's page on the desk's site "
         "(set CLAIMDESK_PUBLIC_CLAIM_URL)", lambda d: _url(d.get("url"))),
    Rule("ClaimReview.claimReviewed", "required", "claimReviewed: a short summary of the claim being evaluated",
         lambda d: _text(d.get("claimReviewed"))),
    Rule("ClaimReview.claimReviewed.short", "required", "claimReviewed is under 75 characters",
         lambda d: not isinstance(d.get("claimReviewed"), str) or len(d["claimReviewed"]) <= SUMMARY_LIMIT),
    Rule("ClaimReview.claimReviewed.no_rating", "required", "claimReviewed does not state the verdict",
         _no_verdict_in_summary),
    Rule("ClaimReview.reviewRating", "required", "reviewRating: a Rating",
         lambda d: isinstance(d.get("reviewRating"), dict) and d["reviewRating"].get("@type") == "Rating"),
    Rule("ClaimReview.author", "recommended", "author: the publisher of the fact-check, an Organization or Person "
         "with a name", lambda d: _absent_or(_party)(d.get("author"))),
    Rule("ClaimReview.datePublished", "recommended", "datePublished: an ISO 8601 date",
         lambda d: _absent_or(_date)(d.get("datePublished"))),
    Rule("ClaimReview.itemReviewed", "recommended", "itemReviewed: the Claim",
         lambda d: d.get("itemReviewed") is None or (isinstance(d["itemReviewed"], dict)
                                                     and d["itemReviewed"].get("@type") == "Claim")),
    Rule("Claim.author", "recommended", "Claim author: a named Person or Organization, omitted when the claimant "
         "is unknown (never an invented or anonymous one)", lambda d: _absent_or(_party)(_claim(d).get("author"))),
    Rule("Claim.appearance", "recommended", "Claim appearance/firstAppearance: a URL or a CreativeWork with a URL "
         "or headline", lambda d: all(_absent_or(_appearance)(_claim(d).get(k)) for k in ("appearance",
                                                                                          "firstAppearance"))),
    Rule("Claim.datePublished", "recommended", "Claim datePublished: an ISO 8601 date",
         lambda d: _absent_or(_date)(_claim(d).get("datePublished"))),
    Rule("Rating.alternateName", "required", "Rating alternateName: the verdict in words",
         lambda d: _text(_rating(d).get("alternateName"))),
    Rule("Rating.values", "recommended", "Rating ratingValue, bestRating, worstRating: numbers, worst < best, "
         "value between them", lambda d: _rating_bounds(_rating(d))),
)


def validate(doc: dict) -> list[str]:
    """Every rule ``doc`` breaks, as "rule id: what it asks"; empty when an aggregator would take it."""
    return [f"{rule.id}: {rule.text}" for rule in RULES if not rule.check(doc)]


# --- the document: one per claim with a published verdict ---------------------------------------------


def claim_url_check() -> str:
    """``CLAIMDESK_PUBLIC_CLAIM_URL``, the pattern of a claim's public page, once it can make one:
    ``NotConfigured`` when it is unset or has no ``{id}``. ClaimReview requires each document's url,
    so without it every document would be refused and the export an empty list that says nothing."""
    pattern = settings.CLAIMDESK_PUBLIC_CLAIM_URL or ""
    if not pattern.strip():
        raise NotConfigured("the ClaimReview export needs CLAIMDESK_PUBLIC_CLAIM_URL, the address of a claim's "
                            "fact-check page on your site with {id} for the claim's id (for example "
                            "https://factcheck.example.org/claims/{id}/); it is not set on this server")
    if "{id}" not in pattern:
        raise NotConfigured(f"CLAIMDESK_PUBLIC_CLAIM_URL must contain {{id}} for the claim's id (every "
                            f"ClaimReview needs its own page), got {pattern!r}")
    return pattern


def claim_review(row: dict) -> dict | None:
    """schema.org ClaimReview for a claim with a published verdict, else ``None``; ``row`` is one of
    ``selectors.claim_export_rows``. The claimant is the Claim's author only when known (a named person
    or organisation); otherwise there is no author. Not validated: ``valid_reviews`` does that."""
    if row["verdict"] not in RATINGS:
        return None
    value, label = RATINGS[row["verdict"]]
    appearance = {"@type": "CreativeWork", "headline": row["article__title"]}
    if row["article__url"]:
        appearance["url"] = row["article__url"]
    if row["article__published"]:
        appearance["datePublished"] = row["article__published"].isoformat()
    claim = {"@type": "Claim"}
    if row["speaker__name"] and row["speaker__kind"] in ("person", "organisation"):
        claim["author"] = {"@type": "Person" if row["speaker__kind"] == "person" else "Organization",
                           "name": row["speaker__name"]}
    if row["article__published"]:
        claim["datePublished"] = row["article__published"].isoformat()
    claim["appearance"] = appearance
    author = {"@type": "Organization", "name": settings.CLAIMDESK_ORGANISATION}
    if settings.CLAIMDESK_ORGANISATION_URL:
        author["url"] = settings.CLAIMDESK_ORGANISATION_URL
    pattern = settings.CLAIMDESK_PUBLIC_CLAIM_URL
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": pattern.replace("{id}", str(row["id"])) if pattern else None,
        "claimReviewed": claim_reviewed(summary=row["review_summary"], text=row["text"]),
        "itemReviewed": claim,
        "author": author,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": BEST,
            "worstRating": WORST,
            "alternateName": label,
        },
    }
    if review["url"] is None:
        del review["url"]
    if row["published_at"]:
        review["datePublished"] = row["published_at"].date().isoformat()
    if row["verdict_note"]:
        review["reviewBody"] = row["verdict_note"]
    return review


def valid_reviews(rows: Iterable[dict], on_refused: Callable[[int, list[str]], object]) -> Iterator[dict]:
    """The ClaimReview documents of ``rows`` that break no rule of ``RULES``: a claim without a published
    verdict has none, and a document that breaks a rule goes to ``on_refused(claim_id, broken_rules)``,
    never out."""
    for row in rows:
        review = claim_review(row)
        if review is None:
            continue
        problems = validate(review)
        if problems:
            on_refused(row["id"], problems)
            continue
        yield review
