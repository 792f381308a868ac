"""Issue 22, what a desk found in use: merge and split keep the review honest, a claim's audit trail is
that claim's, the way on after a verdict, one message per refusal, reasons on 403 pages, the history
of audited objects, the claim search, the article page that keeps what is typed, editable speakers."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import articles, corrections, speakers, workflow
from claims.models import Assignment, AuditRecord, Claim, Comment

from .factories import (
    EVIDENCE,
    ArticleFactory,
    ClaimFactory,
    EditorFactory,
    ReviewerFactory,
    ViewerFactory,
    publish_verdict,
)

pytestmark = pytest.mark.django_db

BODY = ("Bridge closed\n\nThe council closed the bridge on Monday and the repairs will cost 12 million euros. "
        "Brandt said so. The council did not respond.")


def _pair(body=BODY):
    """Two adjacent claims of one article: the first sentence, cut in two."""
    article = ArticleFactory(body=body)
    a0, a1 = body.index("The council closed"), body.index(" and the repairs")
    b0, b1 = body.index("and the repairs"), body.index(" Brandt")
    return (ClaimFactory(article=article, start=a0, end=a1, text=body[a0:a1]),
            ClaimFactory(article=article, start=b0, end=b1, text=body[b0:b1]))


# --- 1. a merge into a reviewed claim reopens it ------------------------------------------------------

def test_merging_an_unreviewed_claim_into_a_published_one_reopens_it_for_rereview_keeping_the_verdict():
    published, unreviewed = _pair()
    reviewer = ReviewerFactory()
    publish_verdict(published, "verified", "The tender says 12 million", reviewer=reviewer)
    heir = ClaimFactory(inherited_from=published, state=Claim.State.PUBLISHED, verdict="verified")
    editor = EditorFactory()
    merged = corrections.claim_merge(claims=[published, unreviewed], user=editor, rematch=False)
    assert merged.pk == published.pk and "and the repairs" in merged.text
    # No verdict stands over text nobody reviewed; the earlier one is the proposal, flagged for re-review.
    assert (merged.state, merged.verdict, merged.needs_rereview) == ("in_review", "unreviewed", True)
    assert (merged.proposed_verdict, merged.proposed_rationale) == ("verified", "The tender says 12 million")
    assert merged.assignee == reviewer and merged.evidence.count() == len(EVIDENCE)
    rec = AuditRecord.objects.get(action="claim.merge", object_id=str(merged.pk))
    assert rec.changes["reason"] == [None, f"merged with #{unreviewed.pk}"]
    assert rec.changes["verdict"] == ["verified", "unreviewed"] and rec.changes["state"] == ["published", "in_review"]
    assert rec.changes["verdict_note"] == ["The tender says 12 million", ""]
    assert Comment.objects.filter(claim=merged, text__contains=f"merged with #{unreviewed.pk}").exists()
    heir.refresh_from_db()
    assert heir.needs_rereview  # it inherited a verdict that no longer stands


def test_merging_into_a_claim_awaiting_second_review_sends_it_back_to_review_with_its_proposal():
    proposed, unreviewed = _pair()
    editor, reviewer = EditorFactory(), ReviewerFactory()
    workflow.claim_assign(claim=proposed, user=editor, assignee=reviewer)
    workflow.claim_propose(claim=proposed, user=reviewer, verdict="disputed", rationale="Minutes say 9",
                           evidence=EVIDENCE)
    merged = corrections.claim_merge(claims=[unreviewed, proposed], user=editor, rematch=False)
    assert (merged.state, merged.proposed_verdict, merged.proposed_rationale) == ("in_review", "disputed", "Minutes say 9")
    assert merged.needs_rereview and merged.verdict == "unreviewed"
    with pytest.raises(Exception, match="no proposed verdict"):  # a second review of unreviewed text is refused
        workflow.claim_approve(claim=merged, user=editor)


def test_a_reviewer_cannot_withdraw_a_published_verdict_by_merging():
    published, unreviewed = _pair()
    reviewer = ReviewerFactory()
    publish_verdict(published, reviewer=reviewer)
    with pytest.raises(Exception, match="only editors can reopen"):
        corrections.claim_merge(claims=[published, unreviewed], user=reviewer, rematch=False)
    published.refresh_from_db()
    assert published.state == "published" and Claim.objects.count() == 2


def test_merging_unreviewed_claims_reopens_nothing():
    a, b = _pair()
    merged = corrections.claim_merge(claims=[a, b], user=EditorFactory(), rematch=False)
    assert (merged.state, merged.needs_rereview) == ("unreviewed", False)
    assert "reason" not in AuditRecord.objects.get(action="claim.merge", object_id=str(merged.pk)).changes


# --- 3. the new part of a split stays with its reviewer ---------------------------------------------

def test_the_new_part_of_a_split_keeps_the_assignee_and_due_time_so_the_reviewer_can_correct_it():
    start, end = BODY.index("The council closed"), BODY.index(" Brandt said")
    claim = ClaimFactory(article=ArticleFactory(body=BODY), start=start, end=end, text=BODY[start:end])
    editor, reviewer = EditorFactory(), ReviewerFactory()
    due = timezone.now() + dt.timedelta(days=2)
    workflow.claim_assign(claim=claim, user=editor, assignee=reviewer, due=due)
    at = corrections.split_offset(claim.text, words=7)
    first, second = corrections.claim_split(claim=claim, user=reviewer, at=at, rematch=False)
    assert (second.assignee, second.due, second.state) == (reviewer, due, "in_review")
    assert Assignment.objects.filter(claim=second, assignee=reviewer).exists()
    corrections.claim_correct(claim=second, user=reviewer, attribution="direct", rematch=False)  # allowed now
    rec = AuditRecord.objects.get(action="claim.split", object_id=str(second.pk))
    assert rec.changes["assignee"] == [None, reviewer.username] and rec.changes["state"] == ["unreviewed", "in_review"]


# --- 2. a claim's audit trail is that claim's, and reviewers may read it ----------------------------

def _as(client, user):
    client.force_login(user)
    return client


def test_a_claims_audit_trail_lists_its_own_records_only_not_those_of_claims_whose_id_contains_it(client):
    editor = EditorFactory()
    claims = {pk: ClaimFactory(id=pk) for pk in (4, 14, 40, 41)}
    for claim in claims.values():
        workflow.claim_comment(claim=claim, user=editor, text=f"about claim {claim.pk}")
    workflow.claim_add_evidence(claim=claims[4], user=editor, url="https://example.org/4")
    page = _as(client, editor).get(reverse("admin:claims_claim_change", args=[4])).content.decode()
    assert 'href="/admin/claims/auditrecord/?claim=4"' in page
    response = client.get(reverse("admin:claims_auditrecord_changelist"), {"claim": "4"})
    listed = list(response.context["cl"].result_list)
    assert {(r.object_type, r.object_id) for r in listed} == {("claim", "4")}
    assert {r.action for r in listed} == {"claim.comment", "claim.evidence"}


def test_a_reviewer_reads_the_audit_trail_of_a_claim_but_not_the_whole_trail(client):
    claim = ClaimFactory()
    workflow.claim_comment(claim=claim, user=EditorFactory(), text="checked")
    other = ClaimFactory()
    workflow.claim_comment(claim=other, user=EditorFactory(), text="elsewhere")
    reviewer = ReviewerFactory()
    page = _as(client, reviewer).get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "Audit trail of this claim" in page
    response = client.get(reverse("admin:claims_auditrecord_changelist"), {"claim": str(claim.pk)})
    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert [r.object_id for r in listed] == [str(claim.pk)]
    record = listed[0]
    assert client.get(reverse("admin:claims_auditrecord_change", args=[record.pk])).status_code == 200
    whole = client.get(reverse("admin:claims_auditrecord_changelist"))
    assert whole.status_code == 403 and "Only editors can read the audit trail" in whole.content.decode()
    foreign = AuditRecord.objects.get(object_id=str(other.pk))
    assert client.get(reverse("admin:claims_auditrecord_changelist"), {"claim": "abc"}).status_code == 403
    assert client.get(reverse("admin:claims_auditrecord_change", args=[foreign.pk])).status_code == 200


# --- 4. after a verdict, the way on to the next claim -----------------------------------------------

def _propose_step(client, claim):
    return client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, "propose"]), {
        "verdict": "verified", "rationale": "The minutes say so", "evidence_url": "https://example.org/m"},
        follow=True)


def test_after_proposing_the_message_links_the_next_claim_of_the_queue_in_queue_order(client):
    editor, reviewer = EditorFactory(), ReviewerFactory()
    now = timezone.now()
    current, later, sooner, undated = (ClaimFactory(checkworthiness=w) for w in (0.5, 0.9, 0.2, 0.99))
    for claim, due in ((current, now + dt.timedelta(hours=1)), (later, now + dt.timedelta(days=3)),
                       (sooner, now + dt.timedelta(days=1)), (undated, None)):
        workflow.claim_assign(claim=claim, user=editor, assignee=reviewer, due=due)
    ClaimFactory()  # not assigned: never "next"
    response = _propose_step(_as(client, reviewer), current)
    html = response.content.decode()
    assert f'<a href="/admin/claims/claim/{sooner.pk}/change/" id="next-claim">Next claim in your queue: #{sooner.pk}</a>' in html


def test_after_the_last_claim_of_the_queue_the_message_says_there_is_none(client):
    editor, reviewer = EditorFactory(), ReviewerFactory()
    claim = ClaimFactory()
    workflow.claim_assign(claim=claim, user=editor, assignee=reviewer)
    assert "No more claims in your queue." in _propose_step(_as(client, reviewer), claim).content.decode()


def test_after_approving_the_message_links_the_next_claim_waiting_for_approval(client):
    editor, approver, reviewer = EditorFactory(), EditorFactory(), ReviewerFactory()
    first, second = ClaimFactory(), ClaimFactory()
    for claim in (first, second):
        workflow.claim_assign(claim=claim, user=editor, assignee=reviewer)
        workflow.claim_propose(claim=claim, user=reviewer, verdict="verified", rationale="x", evidence=EVIDENCE)
    response = _as(client, approver).post(reverse("admin:claims_claim_workflow", args=[first.pk, "approve"]),
                                          {"comment": ""}, follow=True)
    assert f"Next claim waiting for your approval: #{second.pk}" in response.content.decode()


# --- 5. a refusal is said once ----------------------------------------------------------------------

def test_a_refused_proposal_says_why_once_beside_the_field_and_not_again_as_a_message(client):
    editor, reviewer = EditorFactory(), ReviewerFactory()
    claim = ClaimFactory()
    workflow.claim_assign(claim=claim, user=editor, assignee=reviewer)
    response = _as(client, reviewer).post(reverse("admin:claims_claim_workflow", args=[claim.pk, "propose"]),
                                          {"verdict": "disputed", "rationale": "no link"})
    html = response.content.decode()
    assert html.count("at least one evidence link is required") == 1
    assert not [str(m) for m in response.context["messages"]]


def test_a_refusal_about_the_claims_state_is_a_message_once(client):
    editor = EditorFactory()
    claim = publish_verdict(ClaimFactory())
    response = _as(client, editor).post(reverse("admin:claims_claim_workflow", args=[claim.pk, "propose"]),
                                        {"verdict": "disputed", "rationale": "x", "evidence_url": "https://e.org/"},
                                        follow=True)
    html = response.content.decode()
    assert html.count("is published; an editor must reopen it") == 1
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


# --- 6. a 403 says why ------------------------------------------------------------------------------

def test_a_403_in_the_admin_shows_the_reason_from_the_permissions_module(client):
    _as(client, ViewerFactory(username="vera"))
    response = client.get(reverse("admin:claims_article_add"))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="reason"' in html and "Only editors can add articles; vera is a viewer." in html
    delete = client.get(reverse("admin:claims_claim_delete", args=[ClaimFactory().pk]))
    assert delete.status_code == 403 and "Nothing is deleted through the admin" in delete.content.decode()


# --- 7. the History button shows the audit records --------------------------------------------------

def test_the_history_page_of_a_claim_and_of_an_article_lists_their_audit_records(client):
    editor = EditorFactory()
    claim = ClaimFactory()
    workflow.claim_comment(claim=claim, user=editor, text="first look")
    articles.article_correct(article=claim.article, user=editor, title="Bridge closed for repairs")
    _as(client, editor)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert 'class="historylink"' in page
    html = client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
    assert "claim.comment" in html and "first look" in html and "doesn’t have a change history" not in html
    html = client.get(reverse("admin:claims_article_history", args=[claim.article_id])).content.decode()
    assert "article.correct" in html and "Bridge closed for repairs" in html
    assert client.get(reverse("admin:claims_claim_history", args=["abc"])).status_code == 404


def test_a_reviewer_reads_a_claims_history_but_is_not_offered_an_articles(client):
    claim = ClaimFactory()
    workflow.claim_comment(claim=claim, user=EditorFactory(), text="first look")
    _as(client, ReviewerFactory())
    assert "claim.comment" in client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
    page = client.get(reverse("admin:claims_article_change", args=[claim.article_id])).content.decode()
    assert 'class="historylink"' not in page
    response = client.get(reverse("admin:claims_article_history", args=[claim.article_id]))
    assert response.status_code == 403 and "Only editors can read the audit trail" in response.content.decode()


# --- 9. the claim search looks in claims, not article titles ----------------------------------------

def test_claim_search_matches_text_and_speaker_not_the_article_title_unless_asked(client):
    icc_article = ArticleFactory(title="ICC prosecutor visits Kyiv")
    about = ClaimFactory(text="The ICC issued two warrants on Friday.")
    by_title = ClaimFactory(article=icc_article, text="Nine people were detained.")
    _as(client, EditorFactory())
    url = reverse("admin:claims_claim_changelist")
    found = set(client.get(url, {"q": "ICC"}).context["cl"].result_list)
    assert found == {about}
    found = set(client.get(url, {"q": "article: ICC"}).context["cl"].result_list)
    assert found == {by_title}


# --- 11. a speaker's name and kind can be corrected -------------------------------------------------

def test_an_editor_corrects_a_speakers_name_and_kind_audited_and_the_old_name_kept_as_an_alias(client):
    from claims.models import Speaker

    from .factories import SpeakerFactory

    speaker = SpeakerFactory(name="Yevgenia Pozharskaya", kind="person", aliases=["Pozharskaya"])
    claim = ClaimFactory(speaker=speaker)
    response = _as(client, EditorFactory(username="ed")).post(
        reverse("admin:claims_speaker_change", args=[speaker.pk]),
        {"name": "  Port Alder   council ", "kind": "organisation"}, follow=True)
    assert response.status_code == 200
    speaker.refresh_from_db()
    assert (speaker.name, speaker.kind) == ("Port Alder council", "organisation")
    assert speaker.aliases == ["Pozharskaya", "Yevgenia Pozharskaya"]
    rec = AuditRecord.objects.get(action="speaker.update")
    assert rec.changes["name"] == ["Yevgenia Pozharskaya", "Port Alder council"] and rec.actor_username == "ed"
    assert rec.changes["kind"] == ["person", "organisation"]
    assert AuditRecord.objects.get(action="claim.speaker_update", object_id=str(claim.pk)).changes["speaker"] == [
        "Yevgenia Pozharskaya (person)", "Port Alder council (organisation)"]
    # An organisation is found again by its exact name only, never by the person's aliases.

    assert speakers.speaker_resolve(name="Pozharskaya", kind="organisation").pk != speaker.pk
    assert Speaker.objects.filter(pk=speaker.pk).exists()


def test_a_speaker_rename_onto_another_record_is_refused_pointing_to_merge_and_reviewers_cannot_edit(client):
    from .factories import SpeakerFactory

    one, other = SpeakerFactory(name="Tomas Brandt"), SpeakerFactory(name="T. Brandt")
    response = _as(client, EditorFactory()).post(reverse("admin:claims_speaker_change", args=[other.pk]),
                                                 {"name": "Tomas Brandt", "kind": "person"})
    html = response.content.decode()
    assert response.status_code == 200 and html.count(f"Speaker #{one.pk} is already Tomas Brandt") == 1
    other.refresh_from_db()
    assert other.name == "T. Brandt" and not AuditRecord.objects.exists()
    _as(client, ReviewerFactory())
    assert client.post(reverse("admin:claims_speaker_change", args=[other.pk]),
                       {"name": "X", "kind": "person"}).status_code == 403
    with pytest.raises(Exception, match="only editors can edit speakers"):

        speakers.speaker_update(speaker=other, user=ReviewerFactory(), name="X")


# --- in Chromium: the article page keeps what is typed (10), the claim list at 1,366 px (8) ----------

PASSWORD = "demo-pass-123"


@pytest.fixture
def page_as(chromium_path, live_server, monkeypatch, flushable_db):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop; the ORM stays synchronous
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])

        def _page(user, width=1400, height=1000):
            user.set_password(PASSWORD)
            user.save()
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            page.set_default_timeout(40000)  # a loaded two-core CI machine
            page.goto(f"{live_server.url}/admin/login/?next=/admin/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_selector("#site-name")
            return page

        yield _page
        browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_the_article_page_does_not_reload_over_what_the_editor_is_typing_when_processing_ends(page_as, live_server):
    from claims.models import Article

    typing, idle = ArticleFactory(status="extracting"), ArticleFactory(status="extracting")
    page = page_as(EditorFactory())
    page.goto(f"{live_server.url}/admin/claims/article/{typing.pk}/change/")
    page.wait_for_selector("#article-live:has-text('updating live')")
    page.fill("#id_title", "A title being typed")
    Article.objects.filter(pk=typing.pk).update(status="done")
    page.wait_for_selector("#article-reload")
    assert page.input_value("#id_title") == "A title being typed"
    assert "claims are ready" in page.inner_text("#article-live")

    page.goto(f"{live_server.url}/admin/claims/article/{idle.pk}/change/")
    page.wait_for_selector("#article-live:has-text('updating live')")
    with page.expect_navigation():  # nothing typed: the page reloads itself to show the claims
        Article.objects.filter(pk=idle.pk).update(status="done")
    assert page.inner_text("#article-status") == "Done" and page.locator("#article-reload").count() == 0


@pytest.mark.browser
@pytest.mark.slow
def test_the_claim_list_at_1366_px_shows_check_worthiness_verdict_and_speaker_whole(page_as, live_server, artifacts):
    from .factories import SpeakerFactory

    editor = EditorFactory()
    long_name = SpeakerFactory(name="Yevgenia Pozharskaya")
    article = ArticleFactory(title="Port Alder council closes the Hollins bridge for repairs until spring")
    for i in range(6):
        claim = ClaimFactory(article=article, speaker=long_name, checkworthiness=0.8347, start=i * 10,
                             end=i * 10 + 5,
                             text=f"The council said {i} bridges would close for repairs costing 12 million euros.")
        if i % 2:
            workflow.claim_assign(claim=claim, user=editor, assignee=editor,
                                  due=timezone.now() + dt.timedelta(days=2))
    page = page_as(editor, width=1366, height=900)
    page.goto(f"{live_server.url}/admin/claims/claim/")
    page.screenshot(path=str(artifacts / "claim-list-1366.png"), full_page=False)
    clipped = page.evaluate("""() => {
        const out = [];
        for (const td of document.querySelectorAll(
                '#result_list td.field-worth_display, #result_list td.field-verdict_display, '
                + '#result_list td.field-state_display, #result_list td.field-speaker_display, #result_list thead th:not(.action-checkbox-column)')) {
            if (td.scrollWidth > td.clientWidth + 1) out.push(td.className + ': ' + td.innerText + ' '
                + td.scrollWidth + '>' + td.clientWidth);
        }
        return out;
    }""")
    assert clipped == []
    assert "0.83" in page.inner_text("#result_list td.field-worth_display")
    assert "Yevgenia Pozharskaya" in page.inner_text("#result_list td.field-speaker_display")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling


@pytest.mark.browser
@pytest.mark.slow
def test_a_403_page_in_the_browser_says_why_and_leads_back(page_as, live_server, artifacts):
    page = page_as(ViewerFactory(username="vera"))
    response = page.goto(f"{live_server.url}/admin/claims/article/add/")
    page.screenshot(path=str(artifacts / "403-viewer-add-article.png"))
    assert response.status == 403
    assert page.inner_text("#reason") == "Only editors can add articles; vera is a viewer."
    page.click("text=back to the desk")
    page.wait_for_selector("#site-name")
