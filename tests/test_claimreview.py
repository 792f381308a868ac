"""ClaimReview: every rule of claims.claimreview.RULES with a test, and exports aggregators accept."""

import copy
import json

import pytest
from django.core.management import call_command

from claims import articles, claimreview, exports
from claims.models import Claim

from .factories import ClaimFactory, SpeakerFactory, publish_verdict

VALID = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example.org/claims/7/",
    "claimReviewed": "Twelve bridges will close",
    "author": {"@type": "Organization", "name": "Desk"},
    "datePublished": "2026-03-01",
    "itemReviewed": {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Tomas Brandt"},
        "datePublished": "2026-02-27",
        "appearance": {"@type": "CreativeWork", "url": "https://news.example.org/a", "headline": "Bridges"},
    },
    "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1,
                     "alternateName": "Disputed"},
}


def _set(path, value):
    def mutate(doc):
        *parents, last = path
        for key in parents:
            doc = doc[key]
        if value is KeyError:
            del doc[last]
        else:
            doc[last] = value
    return mutate


# One document per rule that breaks exactly that rule.
BREAKS = {
    "ClaimReview.@type": _set(["@type"], "Review"),
    "ClaimReview.url": _set(["url"], KeyError),
    "ClaimReview.claimReviewed": _set(["claimReviewed"], " "),
    "ClaimReview.claimReviewed.short": _set(["claimReviewed"], "The council said that twelve bridges in the "
                                                               "harbour district would close next spring"),
    "ClaimReview.claimReviewed.no_rating": _set(["claimReviewed"], "Disputed: twelve bridges will close"),
    "ClaimReview.reviewRating": _set(["reviewRating", "@type"], "AggregateRating"),
    "ClaimReview.author": _set(["author"], {"@type": "Organization"}),
    "ClaimReview.datePublished": _set(["datePublished"], "yesterday"),
    "ClaimReview.itemReviewed": _set(["itemReviewed", "@type"], "Article"),
    "Claim.author": _set(["itemReviewed", "author"], {"@type": "Person", "name": "anonymous source"}),
    "Claim.appearance": _set(["itemReviewed", "appearance"], {"@type": "CreativeWork", "url": "not a url"}),
    "Claim.datePublished": _set(["itemReviewed", "datePublished"], "2026-13-45"),
    "Rating.alternateName": _set(["reviewRating", "alternateName"], ""),
    "Rating.values": _set(["reviewRating", "ratingValue"], 9),
}


def test_the_valid_document_breaks_no_rule():
    assert claimreview.validate(VALID) == []


def test_every_rule_has_a_test():
    assert set(BREAKS) == {rule.id for rule in claimreview.RULES}


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_a_document_breaking_a_rule_is_refused_naming_it(rule_id):
    doc = copy.deepcopy(VALID)
    BREAKS[rule_id](doc)
    problems = claimreview.validate(doc)
    assert [p.split(":")[0] for p in problems] == [rule_id]


@pytest.mark.parametrize("rule_id", [r.id for r in claimreview.RULES if r.level == "recommended"])
def test_a_recommended_property_may_be_missing(rule_id):
    doc = copy.deepcopy(VALID)
    for key in ("author", "datePublished", "itemReviewed"):
        doc.pop(key)
    assert rule_id not in " ".join(claimreview.validate(doc))


def test_summary_default_cuts_at_a_word_boundary():
    text = "The council's chief engineer said the repairs to Harbour Bridge would cost twelve million euros."
    summary = claimreview.summary_default(text)
    assert len(summary) < 75 and summary.endswith("…")
    assert text.startswith(summary[:-1]) and text[len(summary) - 1] == " "
    assert claimreview.summary_default("Short claim.") == "Short claim."


@pytest.mark.django_db
def test_export_uses_the_url_pattern_the_summary_and_no_invented_author(settings):
    settings.CLAIMDESK_PUBLIC_CLAIM_URL = "https://desk.example.org/checks/{id}"
    anonymous = ClaimFactory(speaker=SpeakerFactory(name="anonymous source", kind="anonymous"), checkworthiness=0.2,
                             text="Officials said the bridge had been unsafe for years, and that nobody had acted "
                                  "on three inspection reports.")
    unknown = ClaimFactory(speaker=None, checkworthiness=0.3)
    summed = ClaimFactory(checkworthiness=0.4, review_summary="Bridge repairs cost 12 million")
    for claim in (anonymous, unknown, summed):
        publish_verdict(claim, "disputed")
    reviews = {r["url"]: r for r in json.loads("".join(exports.export_stream("claimreview")))}
    assert set(reviews) == {f"https://desk.example.org/checks/{c.pk}" for c in (anonymous, unknown, summed)}
    first = reviews[f"https://desk.example.org/checks/{anonymous.pk}"]
    assert "author" not in first["itemReviewed"] and len(first["claimReviewed"]) < 75
    assert "author" not in reviews[f"https://desk.example.org/checks/{unknown.pk}"]["itemReviewed"]
    assert reviews[f"https://desk.example.org/checks/{summed.pk}"]["claimReviewed"] == "Bridge repairs cost 12 million"


@pytest.mark.django_db
def test_the_command_names_the_rule_a_refused_document_broke(tmp_path, capsys):
    # Its default claimReviewed (the claim's text) states its verdict. (Without CLAIMDESK_PUBLIC_CLAIM_URL
    # the export is refused as a whole: tests/test_ingest_findings.py.)
    claim = publish_verdict(ClaimFactory(checkworthiness=0.5, text="Inspectors say the bridge is verified safe."),
                            "verified")
    out = tmp_path / "cr.jsonld"
    call_command("export", "--format", "claimreview", "-o", str(out))
    assert json.loads(out.read_text()) == []
    assert f"claim {claim.pk}: ClaimReview refused: ClaimReview.claimReviewed.no_rating" in capsys.readouterr().err


@pytest.mark.django_db
def test_seed_articles_export_valid_claimreview_after_verdicts(seeds):
    for body in seeds:
        article = articles.article_ingest(body=body, queue=False).article
        articles.article_process_sync(article_id=article.pk)
    claims = list(Claim.objects.order_by("pk")[:12])
    for claim, verdict in zip(claims, ["verified", "disputed", "unattributed"] * 4, strict=False):
        publish_verdict(claim, verdict)
    refused = []
    reviews = json.loads("".join(exports.export_stream("claimreview", on_refused=lambda i, p: refused.append((i, p)))))
    assert refused == []
    assert len(reviews) == len(claims)
    for review in reviews:
        assert claimreview.validate(review) == []


def test_claim_reviewed_is_the_summary_else_the_claim_cut():
    text = "The council will close twelve bridges across the city before the end of next year, officials said."
    assert claimreview.claim_reviewed(summary="Twelve bridges will close", text=text) == "Twelve bridges will close"
    assert claimreview.claim_reviewed(summary="", text=text) == claimreview.summary_default(text)


def test_valid_reviews_skips_unpublished_and_reports_what_a_refused_one_broke(settings):
    settings.CLAIMDESK_PUBLIC_CLAIM_URL = "https://desk.example.org/checks/{id}"
    row = {"id": 7, "verdict": "disputed", "article__title": "Bridges", "article__url": "", "article__published": None,
           "speaker__name": None, "speaker__kind": None, "review_summary": "", "text": "Twelve bridges will close",
           "published_at": None, "verdict_note": ""}
    refused = []
    out = list(claimreview.valid_reviews([row, {**row, "id": 8, "verdict": "unreviewed"},
                                          {**row, "id": 9, "text": "It is disputed"}],
                                         lambda i, p: refused.append((i, p))))
    assert [r["url"] for r in out] == ["https://desk.example.org/checks/7"]
    assert claimreview.validate(out[0]) == [] and out[0] == claimreview.claim_review(row)
    assert refused == [(9, ["ClaimReview.claimReviewed.no_rating: claimReviewed does not state the verdict"])]
