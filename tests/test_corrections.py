"""Corrections: a claim's speaker, attribution, span and "not a claim"; an article's title and date.
Each one audited, refused with a clear message, and matching redone for a changed claim."""

import datetime as dt

import pytest
from django.urls import reverse

from claims import corrections, selectors, services
from claims.errors import InvalidInput, NotAllowed
from claims.models import AuditRecord, Claim, ClaimMatch, Speaker

from .factories import ArticleFactory, ClaimFactory, EditorFactory, ReviewerFactory, ViewerFactory

pytestmark = pytest.mark.django_db

BODY = ("Bridge closed\n\nThe council closed the bridge on Monday. Chief engineer Tomas Brandt said the repairs "
        "would cost 12 million euros. The council did not respond to questions.")


@pytest.fixture
def claim():
    article = ArticleFactory(body=BODY)
    start = BODY.index("Chief engineer")
    end = BODY.index("The council did not")
    return ClaimFactory(article=article, start=start, end=end, text=BODY[start:end].strip())


def test_editor_corrects_speaker_by_creating_one_and_the_audit_has_before_and_after(claim):
    editor = EditorFactory()
    old = claim.speaker.name
    corrections.claim_correct(claim=claim, user=editor, speaker_name="Port Alder council", speaker_kind="organisation",
                              attribution="none", rematch=False)
    claim.refresh_from_db()
    assert (claim.speaker.name, claim.speaker.kind, claim.attribution) == ("Port Alder council", "organisation", "none")
    rec = AuditRecord.objects.get(action="claim.correct")
    assert rec.changes["speaker"][0].startswith(old) and rec.changes["speaker"][1] == "Port Alder council (organisation)"
    assert rec.changes["attribution"] == ["reported", "none"] and rec.actor_username == editor.username


def test_span_correction_takes_the_text_from_the_body_trimmed(claim):
    start = BODY.index("The council did not")
    corrections.claim_correct(claim=claim, user=EditorFactory(), start=start - 1, end=len(BODY), rematch=False)
    claim.refresh_from_db()
    assert claim.text == "The council did not respond to questions." and claim.start == start
    rec = AuditRecord.objects.get(action="claim.correct")
    assert rec.changes["start"][1] == start and rec.changes["text"][1] == claim.text


@pytest.mark.parametrize("start,end,message", [(10, 5, "within the article"), (0, 10_000, "within the article"),
                                                (13, 15, "only whitespace")])
def test_span_outside_the_text_or_empty_is_refused(claim, start, end, message):
    with pytest.raises(InvalidInput, match=message):
        corrections.claim_correct(claim=claim, user=EditorFactory(), start=start, end=end, rematch=False)
    assert not AuditRecord.objects.exists()


def test_span_of_another_claim_is_refused(claim):
    other = ClaimFactory(article=claim.article, start=15, end=55, text=BODY[15:55])
    with pytest.raises(InvalidInput, match=f"already claim {other.pk}"):
        corrections.claim_correct(claim=claim, user=EditorFactory(), start=15, end=56, rematch=False)


def test_only_the_assignee_or_an_editor_corrects_a_claim_and_only_editors_an_article(claim):
    reviewer, other = ReviewerFactory(), ReviewerFactory()
    Claim.objects.filter(pk=claim.pk).update(assignee=reviewer)
    claim.refresh_from_db()
    corrections.claim_correct(claim=claim, user=reviewer, attribution="direct", rematch=False)
    with pytest.raises(NotAllowed, match="not assigned"):
        corrections.claim_correct(claim=claim, user=other, attribution="none", rematch=False)
    with pytest.raises(NotAllowed, match="viewer"):
        corrections.claim_correct(claim=claim, user=ViewerFactory(), attribution="none", rematch=False)
    with pytest.raises(NotAllowed, match="only editors can correct articles"):
        corrections.article_correct(article=claim.article, user=reviewer, title="New")


def test_not_a_claim_hides_it_from_lists_and_exports_without_deleting_it(claim):
    corrections.claim_correct(claim=claim, user=EditorFactory(), not_a_claim=True, rematch=False)
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert claim not in selectors.claim_list()
    assert all(row["id"] != claim.pk for row in selectors.claim_export_rows())


def test_article_title_and_date_corrected_and_audited(claim):
    corrections.article_correct(article=claim.article, user=EditorFactory(), title="  Harbour  Bridge closed ",
                                published=dt.date(2026, 3, 2))
    claim.article.refresh_from_db()
    assert (claim.article.title, claim.article.published) == ("Harbour Bridge closed", dt.date(2026, 3, 2))
    assert AuditRecord.objects.get(action="article.correct").changes["published"][1] == "2026-03-02"


def test_unchanged_correction_writes_nothing(claim):
    corrections.claim_correct(claim=claim, user=EditorFactory(), attribution=claim.attribution, rematch=False)
    assert not AuditRecord.objects.exists()


def test_matching_is_redone_for_a_corrected_span(seeds):
    first = services.article_ingest(body=seeds[0], queue=False).article
    services.article_process_sync(article_id=first.pk)
    second = services.article_ingest(body=seeds[1], queue=False).article
    services.article_process_sync(article_id=second.pk)
    matched = ClaimMatch.objects.filter(claim__article=second).select_related("claim").first()
    claim = matched.claim
    start, end = claim.start, claim.end
    # Cut the claim down to its first word: nothing matches a single word.
    word_end = claim.start + len(claim.text.split()[0])
    corrections.claim_correct(claim=claim, user=EditorFactory(), start=claim.start, end=word_end)
    claim.refresh_from_db()
    assert not ClaimMatch.objects.filter(claim=claim).exists()
    # Back to its sentence: the match is found again.
    corrections.claim_correct(claim=claim, user=EditorFactory(), start=start, end=end)
    assert ClaimMatch.objects.filter(claim=claim, earlier_id=matched.earlier_id).exists()


def test_claim_page_correction_form_keeps_input_when_refused(client, claim):
    client.force_login(EditorFactory())
    url = reverse("admin:claims_claim_workflow", args=[claim.pk, "correct"])
    response = client.post(url, {"attribution": "direct", "start": 5, "end": 100_000, "speaker_name": "Ines Okafor",
                                 "speaker_kind": "person"})
    assert response.status_code == 200
    form = response.context["correct_form"]
    assert "within the article" in " ".join(form.errors["start"]) and form.data["speaker_name"] == "Ines Okafor"
    assert not Speaker.objects.filter(name="Ines Okafor").exists()


def test_editor_fixes_an_article_title_in_the_admin_and_a_reviewer_cannot(client, claim):
    url = reverse("admin:claims_article_change", args=[claim.article_id])
    client.force_login(ReviewerFactory())
    assert 'name="title"' not in client.get(url).content.decode()
    client.force_login(EditorFactory())
    page = client.get(url)
    assert 'name="title"' in page.content.decode()
    data = {"title": "Harbour Bridge closed", "published": "2026-03-02", "claims-TOTAL_FORMS": "1",
            "claims-INITIAL_FORMS": "1", "claims-MIN_NUM_FORMS": "0", "claims-MAX_NUM_FORMS": "1000",
            "claims-0-id": claim.pk, "claims-0-article": claim.article_id, "_continue": "1"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    claim.article.refresh_from_db()
    assert claim.article.title == "Harbour Bridge closed"
    assert AuditRecord.objects.get(action="article.correct").door == "admin"
