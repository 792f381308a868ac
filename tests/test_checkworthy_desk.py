"""Check-worthy first: the desk threshold decides what the article view highlights and what the claim
list shows under "check-worthy"; the others stay one click away."""

import re

import pytest
from django.urls import reverse

from claims.models import Claim
from claims.nlp.checkworthiness import DESK_THRESHOLD

from .factories import ArticleFactory, EditorFactory

pytestmark = pytest.mark.django_db

BODY = "Council news\n\nRepairs will cost 12 million euros. The weather was nice. Officials met on Monday."


def _article_with_two_claims():
    article = ArticleFactory(body=BODY)
    first = BODY.index("Repairs")
    second = BODY.index("The weather")
    worthy = Claim.objects.create(article=article, start=first, end=BODY.index(" The weather"),
                                  text="Repairs will cost 12 million euros.", checkworthiness=0.93)
    plain = Claim.objects.create(article=article, start=second, end=BODY.index(" Officials"),
                                 text="The weather was nice.", checkworthiness=0.31)
    return article, worthy, plain


def _marks(html):
    return {int(pk): cls for cls, pk in re.findall(r'class="claim-mark verdict-\w+ (\w+)" title="#(\d+)', html)}


def test_the_settings_default_is_the_measured_desk_threshold(settings):
    from factcheck import settings as project_settings

    assert project_settings.CLAIMDESK_CHECKWORTHY_THRESHOLD == DESK_THRESHOLD


def test_article_view_highlights_only_claims_above_the_threshold_and_says_so(client, settings):
    settings.CLAIMDESK_CHECKWORTHY_THRESHOLD = 0.6
    article, worthy, plain = _article_with_two_claims()
    client.force_login(EditorFactory())
    html = client.get(reverse("admin:claims_article_change", args=[article.pk])).content.decode()
    assert _marks(html) == {worthy.pk: "worthy", plain.pk: "below"}
    assert "check-worthiness ≥ <strong>0.60</strong>" in html
    assert 'id="show-all-claims"' in html and "show the 1 other claim too" in html


def test_a_reviewed_claim_is_highlighted_whatever_its_score(client, settings):
    settings.CLAIMDESK_CHECKWORTHY_THRESHOLD = 0.6
    article, _, plain = _article_with_two_claims()
    Claim.objects.filter(pk=plain.pk).update(verdict="disputed", state="published")
    client.force_login(EditorFactory())
    html = client.get(reverse("admin:claims_article_change", args=[article.pk])).content.decode()
    assert _marks(html)[plain.pk] == "worthy"


def test_claim_list_filters_by_the_desk_threshold(client, settings):
    settings.CLAIMDESK_CHECKWORTHY_THRESHOLD = 0.6
    _, worthy, plain = _article_with_two_claims()
    client.force_login(EditorFactory())
    url = reverse("admin:claims_claim_changelist")
    shown = {c.pk for c in client.get(url, {"worth": "desk"}).context["cl"].result_list}
    assert shown == {worthy.pk}
    shown = {c.pk for c in client.get(url, {"worth": "below"}).context["cl"].result_list}
    assert shown == {plain.pk}
    column = client.get(url).context["cl"].list_display.index("worth_display")
    ordered = [c.pk for c in client.get(url, {"o": f"-{column}"}).context["cl"].result_list]
    assert ordered == [worthy.pk, plain.pk]  # most check-worthy first
    ordered = [c.pk for c in client.get(url, {"o": f"{column}"}).context["cl"].result_list]
    assert ordered == [plain.pk, worthy.pk]
