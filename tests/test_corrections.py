"""Corrections: a claim's speaker, attribution, span and "not a claim"; an article's title and date.
Each one audited, refused with a clear message, and matching redone for a changed claim."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from claims import articles, corrections, selectors, workflow
from claims.errors import InvalidInput, NotAllowed
from claims.models import AuditRecord, Claim, ClaimMatch, Speaker
from claims.processing import sender

from .factories import ArticleFactory, ClaimFactory, EditorFactory, ReviewerFactory, ViewerFactory, publish_verdict

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
        articles.article_correct(article=claim.article, user=reviewer, title="New")


def test_not_a_claim_hides_it_from_lists_and_exports_without_deleting_it(claim):
    corrections.claim_correct(claim=claim, user=EditorFactory(), not_a_claim=True, rematch=False)
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert claim not in selectors.claim_list()
    assert all(row["id"] != claim.pk for row in selectors.claim_export_rows())


def test_article_title_and_date_corrected_and_audited(claim):
    articles.article_correct(article=claim.article, user=EditorFactory(), title="  Harbour  Bridge closed ",
                                published=dt.date(2026, 3, 2))
    claim.article.refresh_from_db()
    assert (claim.article.title, claim.article.published) == ("Harbour Bridge closed", dt.date(2026, 3, 2))
    assert AuditRecord.objects.get(action="article.correct").changes["published"][1] == "2026-03-02"


def test_unchanged_correction_writes_nothing(claim):
    corrections.claim_correct(claim=claim, user=EditorFactory(), attribution=claim.attribution, rematch=False)
    assert not AuditRecord.objects.exists()


def _seeds_matched(seeds) -> ClaimMatch:
    """Both seed articles ingested and processed here, in order; a match of the second to the first."""
    for body in seeds[:2]:
        second = articles.article_ingest(body=body, queue=False).article
        articles.article_process_sync(article_id=second.pk)
    return ClaimMatch.objects.filter(claim__article=second).select_related("claim").first()


def test_matching_is_redone_for_a_corrected_span(seeds, tasks_here):
    matched = _seeds_matched(seeds)
    claim = matched.claim
    start, end = claim.start, claim.end
    # Cut the claim down to its first word: nothing matches a single word.
    word_end = claim.start + len(claim.text.split()[0])
    with tasks_here():
        corrections.claim_correct(claim=claim, user=EditorFactory(), start=claim.start, end=word_end)
    claim.refresh_from_db()
    assert not ClaimMatch.objects.filter(claim=claim).exists()
    # Back to its sentence: the match is found again.
    with tasks_here():
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


# --- split and merge ---------------------------------------------------------------------------------

SPLIT_BODY = ("Bridge closed\n\nThe council closed the bridge on Monday and the repairs will cost 12 million euros. "
              "Brandt said so. The council did not respond.")


@pytest.fixture
def long_claim():
    article = ArticleFactory(body=SPLIT_BODY)
    start, end = SPLIT_BODY.index("The council closed"), SPLIT_BODY.index(" Brandt said")
    return ClaimFactory(article=article, start=start, end=end, text=SPLIT_BODY[start:end])


def test_split_keeps_the_id_and_work_and_makes_a_second_claim_with_the_same_speaker(long_claim):
    editor = EditorFactory()
    workflow.claim_assign(claim=long_claim, user=editor, assignee=editor)
    at = corrections.split_offset(long_claim.text, first_part="The council closed the  bridge on Monday")
    first, second = corrections.claim_split(claim=long_claim, user=editor, at=at, rematch=False)
    assert first.pk == long_claim.pk and first.text == "The council closed the bridge on Monday"
    assert first.assignee == editor and first.state == Claim.State.IN_REVIEW
    assert second.text == "and the repairs will cost 12 million euros." and second.start == first.end + 1
    assert (second.speaker_id, second.attribution, second.assignee) == (first.speaker_id, first.attribution, editor)
    recs = AuditRecord.objects.filter(action="claim.split").order_by("id")
    assert [r.object_id for r in recs] == [str(first.pk), str(second.pk)]
    assert recs[0].changes["split_off"] == [None, second.pk] and recs[1].changes["split_from"] == [None, first.pk]


@pytest.mark.parametrize("words,first_part,message", [(0, None, "between 1 and"), (15, None, "between 1 and"),
                                                      (None, "The bridge", "not how the claim begins"),
                                                      (None, "  ", "give the number of words")])
def test_split_offset_refuses_a_cut_that_leaves_a_part_empty_or_a_first_part_not_typed_from_the_claim(
        long_claim, words, first_part, message):
    with pytest.raises(InvalidInput, match=message):
        corrections.split_offset(long_claim.text, words=words, first_part=first_part)


def test_split_at_the_edge_or_onto_another_claims_span_is_refused(long_claim):
    editor = EditorFactory()
    with pytest.raises(InvalidInput, match="inside the claim"):
        corrections.claim_split(claim=long_claim, user=editor, at=0, rematch=False)
    at = corrections.split_offset(long_claim.text, words=3)
    taken = ClaimFactory(article=long_claim.article, start=long_claim.start, end=long_claim.start + at,
                         not_a_claim=True)
    with pytest.raises(InvalidInput, match=f"already claim {taken.pk}"):
        corrections.claim_split(claim=long_claim, user=editor, at=at, rematch=False)
    assert Claim.objects.count() == 2 and not AuditRecord.objects.filter(action="claim.split").exists()


def test_split_by_a_reviewer_not_assigned_is_refused(long_claim):
    with pytest.raises(NotAllowed, match="not assigned"):
        corrections.claim_split(claim=long_claim, user=ReviewerFactory(), at=5, rematch=False)


def _three(article_body=SPLIT_BODY):
    article = ArticleFactory(body=article_body)
    spans = [("The council closed", " and the repairs"), ("and the repairs", " Brandt"), ("Brandt said", " The council did")]
    return [ClaimFactory(article=article, start=article_body.index(a), end=article_body.index(b),
                         text=article_body[article_body.index(a):article_body.index(b)]) for a, b in spans]


def test_merge_keeps_the_claim_with_work_and_deletes_the_others_audited():
    a, b, c = _three()
    editor = EditorFactory()
    workflow.claim_assign(claim=b, user=editor, assignee=editor)
    merged = corrections.claim_merge(claims=[c, a, b], user=editor, rematch=False)
    assert merged.pk == b.pk and (merged.start, merged.end) == (a.start, c.end)
    assert merged.text == SPLIT_BODY[a.start:c.end] and merged.assignee == editor
    assert set(Claim.objects.values_list("pk", flat=True)) == {b.pk}
    rec = AuditRecord.objects.get(action="claim.merge", object_id=str(b.pk))
    assert rec.changes["merged"] == [None, [a.pk, c.pk]] and rec.changes["start"] == [b.start, a.start]
    assert AuditRecord.objects.filter(action="claim.merge", object_id=str(a.pk)).get().changes["merged_into"] == \
        [None, b.pk]


def test_merge_without_work_keeps_the_first_in_reading_order():
    a, b, _ = _three()
    assert corrections.claim_merge(claims=[b, a], user=EditorFactory(), rematch=False).pk == a.pk


def test_merge_of_two_claims_with_work_is_refused_naming_them():
    a, b, c = _three()
    editor = EditorFactory()
    workflow.claim_assign(claim=a, user=editor, assignee=editor)
    workflow.claim_comment(claim=c, user=editor, text="Look at this")
    with pytest.raises(InvalidInput, match=f"claims {a.pk}, {c.pk} all carry review work"):
        corrections.claim_merge(claims=[a, b, c], user=editor, rematch=False)
    assert Claim.objects.count() == 3 and not AuditRecord.objects.filter(action="claim.merge").exists()


def test_merge_of_claims_not_adjacent_or_of_two_articles_is_refused():
    a, b, c = _three()
    editor = EditorFactory()
    with pytest.raises(InvalidInput, match=f"claim {b.pk} lies between them"):
        corrections.claim_merge(claims=[a, c], user=editor, rematch=False)
    other = ClaimFactory()
    with pytest.raises(InvalidInput, match="one article"):
        corrections.claim_merge(claims=[a, other], user=editor, rematch=False)
    corrections.claim_correct(claim=b, user=editor, not_a_claim=True, rematch=False)
    # A sentence marked "not a claim" between them does not stop it, and stays.
    assert corrections.claim_merge(claims=[a, c], user=editor, rematch=False).pk == a.pk
    assert Claim.objects.filter(pk=b.pk).exists()


def test_merge_needs_the_correct_permission_on_every_claim():
    a, b, _ = _three()
    reviewer = ReviewerFactory()
    Claim.objects.filter(pk=a.pk).update(assignee=reviewer)
    with pytest.raises(NotAllowed, match=f"claim {b.pk} is not assigned"):
        corrections.claim_merge(claims=[a, b], user=reviewer, rematch=False)


def test_split_then_merge_redoes_matching_for_every_claim_touched(seeds, tasks_here):
    claim = _seeds_matched(seeds).claim
    text = claim.text
    at = corrections.split_offset(claim.article.body[claim.start:claim.end], words=1)
    with tasks_here():
        kept, new = corrections.claim_split(claim=claim, user=EditorFactory(), at=at)
    new.refresh_from_db()
    assert not ClaimMatch.objects.filter(claim=kept).exists()  # one word matches nothing
    assert new.match_embedding is not None
    with tasks_here():
        merged = corrections.claim_merge(claims=[kept, new], user=EditorFactory())
    assert merged.text == text and ClaimMatch.objects.filter(claim=merged).exists()


def test_a_correction_queues_its_rematch_by_name_and_runs_it_here_when_the_broker_is_down(seeds, monkeypatch,
                                                                                          django_capture_on_commit_callbacks):
    matched = _seeds_matched(seeds)
    claim = matched.claim
    word_end = claim.start + len(claim.text.split()[0])
    sent = []
    monkeypatch.setattr(sender, "task_send", lambda name, **kw: sent.append((name, kw["args"])))
    with django_capture_on_commit_callbacks(execute=True):
        corrections.claim_correct(claim=claim, user=EditorFactory(), start=claim.start, end=word_end)
    assert sent == [("claims.rematch_claim", [claim.pk, True])]
    assert ClaimMatch.objects.filter(claim=claim).exists()  # the worker has not run it yet

    def down(name, **kw):
        raise ConnectionError("broker down")

    monkeypatch.setattr(sender, "task_send", down)
    with django_capture_on_commit_callbacks(execute=True):
        corrections.claim_correct(claim=claim, user=EditorFactory(), not_a_claim=True)
    assert not ClaimMatch.objects.filter(claim=claim).exists()  # redone here: "not a claim" keeps no matches


def test_split_form_on_the_claim_page_and_merge_action_in_the_list(client, long_claim):
    editor = EditorFactory()
    client.force_login(editor)
    url = reverse("admin:claims_claim_workflow", args=[long_claim.pk, "split"])
    refused = client.post(url, {"first_part": "The bridge"})
    assert refused.status_code == 200 and "not how the claim begins" in " ".join(
        refused.context["split_form"].errors["first_part"])
    assert refused.context["split_form"].data["first_part"] == "The bridge"
    response = client.post(url, {"words": "7"})
    assert response.status_code == 302
    new = Claim.objects.exclude(pk=long_claim.pk).get()
    assert new.text == "and the repairs will cost 12 million euros."
    response = client.post(reverse("admin:claims_claim_changelist"),
                           {"action": "merge_claims", "_selected_action": [long_claim.pk, new.pk]})
    assert response.status_code == 302 and list(Claim.objects.values_list("pk", flat=True)) == [long_claim.pk]


# --- the carried-over suggestion on an unassigned claim ---------------------------------------------------


def test_editor_accepts_a_suggestion_on_an_unassigned_claim_which_becomes_theirs_and_goes_to_second_review(client):
    earlier = publish_verdict(ClaimFactory())
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(suggested_verdict="verified", suggested_from=earlier)
    editor, reviewer = EditorFactory(), ReviewerFactory()
    client.force_login(reviewer)
    assert 'id="accept-suggestion"' not in client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    client.force_login(editor)
    page = reverse("admin:claims_claim_change", args=[claim.pk])
    assert 'id="accept-suggestion"' in client.get(page).content.decode()
    response = client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, "accept-suggestion"]))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.assignee, claim.state, claim.proposed_verdict, claim.proposed_by) == (
        editor, Claim.State.PROPOSED, "verified", editor)
    actions = list(AuditRecord.objects.filter(object_id=str(claim.pk)).values_list("action", flat=True))
    assert "claim.assign" in actions and actions[-1] == "claim.propose"
    with pytest.raises(NotAllowed, match="cannot also approve"):
        workflow.claim_approve(claim=claim, user=editor)


def test_a_reviewer_cannot_take_an_unassigned_claim_by_accepting_its_suggestion():
    earlier = publish_verdict(ClaimFactory())
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(suggested_verdict="verified", suggested_from=earlier)
    claim.refresh_from_db()
    with pytest.raises(NotAllowed, match="not assigned"):
        workflow.claim_accept_suggestion(claim=claim, user=ReviewerFactory())
    claim.refresh_from_db()
    assert claim.assignee is None and claim.state == Claim.State.UNREVIEWED


# --- the API ----------------------------------------------------------------------------------------------


def test_api_corrects_speaker_and_span_and_answers_the_claim(claim):
    api = APIClient()
    api.force_authenticate(EditorFactory())
    start = BODY.index("The council did not")
    response = api.post(f"/api/claims/{claim.pk}/correct/", {"speaker": None, "attribution": "none",
                                                             "start": start, "end": len(BODY)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["text"] == "The council did not respond to questions."
    claim.refresh_from_db()
    assert claim.speaker is None and AuditRecord.objects.get(action="claim.correct").door == "api"


@pytest.mark.parametrize("body,message", [({"start": 5, "end": 100_000}, "within the article"),
                                          ({"speaker": 999_999}, "no speaker with id 999999"),
                                          ({"attribution": "rumour"}, "attribution")])
def test_api_correction_refused_with_a_detail(claim, body, message):
    api = APIClient()
    api.force_authenticate(EditorFactory())
    response = api.post(f"/api/claims/{claim.pk}/correct/", body, format="json")
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not AuditRecord.objects.filter(action="claim.correct").exists()


def test_api_reopens_a_published_claim_with_a_reason_and_refuses_without_one():
    claim = publish_verdict(ClaimFactory())
    api = APIClient()
    api.force_authenticate(EditorFactory())
    assert api.post(f"/api/claims/{claim.pk}/reopen/", {"reason": " "}, format="json").status_code == 400
    response = api.post(f"/api/claims/{claim.pk}/reopen/", {"reason": "New figures"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "unreviewed"
    assert AuditRecord.objects.get(action="claim.reopen").changes["reason"] == [None, "New figures"]
    assert api.post(f"/api/claims/{claim.pk}/reopen/", {"reason": "Again"}, format="json").status_code == 409


def test_the_rematch_task_of_a_claim_gone_meanwhile_does_nothing(claim):
    from claims.tasks import rematch_claim

    gone = claim.pk
    Claim.objects.filter(pk=gone).delete()
    assert rematch_claim(gone, True) == 0
