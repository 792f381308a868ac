"""schema.org ClaimReview as fact-check aggregators read it: the document, and its rules as data.

The rules follow the required and recommended properties of ClaimReview, Claim and Rating in
schema.org and Google's fact-check markup documentation. Required ones must hold; a recommended
property may be missing, but when present it must be well formed. ``validate`` names every rule a
document breaks, so the exporter can say why it refused one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

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
    from .errors import InvalidInput

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
