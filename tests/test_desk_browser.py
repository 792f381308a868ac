"""Issue 12 in a real browser (headless Chromium via Playwright, a live server): forms that keep their
input, safe defaults, corrections, live progress, role-aware screens, a list that fits at 1,366 px.

Screenshots land in test-artifacts/."""

import pytest

from claims import articles, workflow
from claims.models import Article, AuditRecord, Claim

from .factories import ArticleFactory, ClaimFactory, EditorFactory, ReviewerFactory, publish_verdict

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("flushable_db")]

BODY = ("Harbour Bridge closed\n\nThe council closed the Harbour Bridge on Monday. Chief engineer Tomas Brandt "
        "said the repairs would cost 12 million euros. The council did not respond to questions.")


@pytest.fixture
def desk():
    editor, reviewer = EditorFactory(username="editor"), ReviewerFactory(username="reviewer")
    article = ArticleFactory(body=BODY, title="Harbour Bridge closed")
    start = BODY.index("Chief engineer")
    end = BODY.index("The council did not") - 1
    claim = ClaimFactory(article=article, start=start, end=end, text=BODY[start:end],
                         quantities=[{"text": "12 million euros", "value": 12e6, "unit": "money"}])
    return {"editor": editor, "reviewer": reviewer, "claim": claim, "article": article}


def _claim_url(base, claim):
    return f"{base}/admin/claims/claim/{claim.pk}/change/"


def test_each_refused_workflow_form_keeps_its_input_and_no_verdict_is_preselected(login, live_server, desk,
                                                                                  artifacts):
    claim = desk["claim"]
    page = login("editor")
    page.goto(_claim_url(live_server.url, claim))
    # Assign: a due time in the past is refused beside the field, the chosen assignee kept.
    page.select_option("#assign-form select[name=assignee]", label="reviewer")
    page.fill("#assign-form input[name=due]", "2001-01-01T09:00")
    page.click("#assign-form input[type=submit]")
    assert "is in the past" in page.inner_text("#assign-form .errorlist")
    assert page.input_value("#assign-form select[name=assignee]") == str(desk["reviewer"].pk)
    page.fill("#assign-form input[name=due]", "2031-05-01T17:00")
    page.select_option("#assign-form select[name=assignee]", label="editor")
    page.click("#assign-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    # Propose: no verdict preselected; without evidence, the rationale and the verdict stay.
    assert page.input_value("#propose-form select[name=verdict]") == ""
    page.select_option("#propose-form select[name=verdict]", "disputed")
    page.fill("#propose-form textarea[name=rationale]", "The tender says 9.4 million euros.")
    page.click("#propose-form input[type=submit]")
    assert "at least one evidence link" in page.inner_text("#propose-form .errorlist")
    assert page.input_value("#propose-form select[name=verdict]") == "disputed"
    assert page.input_value("#propose-form textarea[name=rationale]") == "The tender says 9.4 million euros."
    page.screenshot(path=str(artifacts / "12-refused-proposal-keeps-input.png"), full_page=True)
    # Evidence: a bad URL keeps its title and note.
    page.fill("#id_ev_url", "javascript:alert(1)")  # a URL to the browser, refused by the desk
    page.fill("#id_ev_title", "Council tender")
    page.fill("#id_ev_note", "page 4")
    page.click("#evidence input[type=submit]")
    page.wait_for_selector("#evidence .errorlist")
    assert (page.input_value("#id_ev_title"), page.input_value("#id_ev_note")) == ("Council tender",
                                                                                                 "page 4")
    # Comment with a NUL character: refused, the text kept.
    page.evaluate("document.querySelector('#comments textarea[name=comment]').value = 'Called\\u0000 them'")
    page.click("#comments input[type=submit]")
    page.wait_for_selector("#comments .errorlist")
    assert "Called" in page.input_value("#comments textarea[name=comment]")
    assert not AuditRecord.objects.filter(action__in=["claim.propose", "claim.evidence", "claim.comment"]).exists()


def test_send_back_without_comment_is_refused_and_unchanged_save_of_published_claim_does_not_reopen(
        login, live_server, desk):
    claim, other = desk["claim"], EditorFactory(username="editor2")
    workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["reviewer"])
    workflow.claim_propose(claim=claim, user=desk["reviewer"], verdict="verified", rationale="ok",
                           evidence=[{"url": "https://example.org/t"}])
    page = login("editor2")
    page.goto(_claim_url(live_server.url, claim))
    page.click("#send-back")
    assert "comment is required" in page.inner_text("#review-form .errorlist")
    page.click("#approve")
    page.wait_for_selector(".messagelist .success")
    claim.refresh_from_db()
    assert claim.state == "published" and claim.published_by == other
    # No assignment form on a published claim: saving it unchanged cannot reopen it; reopening needs a reason.
    assert page.locator("#assign-form").count() == 0
    page.fill("#reopen-form textarea[name=reason]", "   ")
    page.click("#reopen-form input[type=submit]")
    page.wait_for_selector("#reopen-form .errorlist")
    assert Claim.objects.get(pk=claim.pk).state == "published"
    page.fill("#reopen-form textarea[name=reason]", "New council figures")
    page.click("#reopen-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert Claim.objects.get(pk=claim.pk).state == "unreviewed"
    assert AuditRecord.objects.get(action="claim.reopen").changes["reason"] == [None, "New council figures"]


def test_correcting_speaker_and_span_is_audited(login, live_server, desk, artifacts):
    claim = desk["claim"]
    page = login("editor")
    page.goto(_claim_url(live_server.url, claim))
    page.click("#corrections summary")
    start = BODY.index("The council did not")
    page.fill("#id_correct_speaker_name", "Port Alder council")
    page.select_option("#id_correct_speaker_kind", "organisation")
    page.select_option("#id_correct_attribution", "none")
    page.fill("#id_correct_start", str(start))
    page.fill("#id_correct_end", str(len(BODY)))
    page.click("#correct-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert "The council did not respond to questions." in page.inner_text("#claim-top .cd-claim")
    claim.refresh_from_db()
    assert (claim.text, claim.speaker.name) == ("The council did not respond to questions.", "Port Alder council")
    rec = AuditRecord.objects.get(action="claim.correct")
    assert rec.door == "admin" and rec.actor_username == "editor"
    assert rec.changes["speaker"][1] == "Port Alder council (organisation)"
    assert rec.changes["text"][1] == claim.text and rec.changes["start"][1] == start
    page.screenshot(path=str(artifacts / "12-claim-corrected.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/claims/auditrecord/?claim={claim.pk}")  # the claim page's "Audit trail" link
    assert "claim.correct" in page.inner_text("#result_list")


def test_a_reviewer_sees_no_editor_action(login, live_server, desk):
    claim = desk["claim"]
    workflow.claim_assign(claim=claim, user=desk["editor"], assignee=desk["reviewer"])
    page = login("reviewer")
    page.goto(_claim_url(live_server.url, claim))
    for editor_only in ("#assign-form", "#reopen-form", "#review-form"):
        assert page.locator(editor_only).count() == 0, editor_only
    assert page.locator("#propose-form").count() == 1
    page.goto(f"{live_server.url}/admin/claims/claim/")
    actions = page.locator("select[name=action] option").all_inner_texts()
    assert not any("Assign" in a or "Approve" in a or "Take" in a for a in actions), actions
    page.goto(f"{live_server.url}/admin/")
    assert page.locator("#approval-queue").count() == 0
    page.goto(f"{live_server.url}/admin/claims/article/{desk['article'].pk}/change/")
    assert page.locator("input[name=title]").count() == 0


def test_claim_list_fits_at_1366_px(login, live_server, desk, artifacts):
    article = desk["article"]
    for i in range(8):
        ClaimFactory(article=ArticleFactory(title=f"A rather long article title about the bridge number {i}"),
                     text=f"Mayor Ines Okafor said that {i} of the city's bridges would stay closed until "
                          "the end of the year while engineers inspect every pillar and cable.")
    page = login("editor", width=1366, height=768)
    page.goto(f"{live_server.url}/admin/claims/claim/")
    widths = page.evaluate("""() => ({doc: document.documentElement.scrollWidth, win: window.innerWidth,
        claim: document.querySelector('#result_list .field-short_text').getBoundingClientRect().width,
        state: document.querySelector('#result_list .field-state_display').getBoundingClientRect().width})""")
    page.screenshot(path=str(artifacts / "12-claim-list-1366.png"), full_page=True)
    assert widths["doc"] <= widths["win"], widths  # no horizontal scrolling
    assert widths["claim"] >= 3 * widths["state"], widths  # the claim column has the room
    assert article.claims.count() == 1


def test_live_status_after_adding_an_article(login, live_server, artifacts):
    """The add flow lands on the article, which polls its status; the test processes the article
    synchronously (no worker: the page's polling is what is under test) and the claims appear."""
    EditorFactory(username="editor")
    page = login("editor")
    page.goto(f"{live_server.url}/admin/claims/article/add/")
    page.fill("#id_body", BODY)
    page.click("input[name=_save]")
    page.wait_for_selector("#article-progress")
    article = Article.objects.get()
    assert page.url.endswith(f"/admin/claims/article/{article.pk}/change/")
    assert page.inner_text("#article-status") == "Queued" and "updating live" in page.inner_text("#article-live")
    assert page.locator(".messagelist li").count() == 1
    page.screenshot(path=str(artifacts / "12-article-queued.png"), full_page=True)
    articles.article_process_sync(article_id=article.pk)
    page.wait_for_function("document.getElementById('article-status').textContent === 'Done'", timeout=20000)
    page.wait_for_selector("a.claim-mark")
    assert page.locator("a.claim-mark").count() == article.claims.count() > 0
    page.screenshot(path=str(artifacts / "12-article-done.png"), full_page=True)
    # The same text again: one message, on the existing article.
    page.goto(f"{live_server.url}/admin/claims/article/add/")
    page.fill("#id_body", BODY)
    page.click("input[name=_save]")
    page.wait_for_selector("#article-progress")
    assert page.url.endswith(f"/admin/claims/article/{article.pk}/change/")
    assert page.locator(".messagelist li").all_inner_texts() == [
        f"This body was already ingested as article #{article.pk}: showing that article, nothing new was stored."]


def test_published_claim_page_reads_right(login, live_server, desk, artifacts):
    claim = publish_verdict(desk["claim"])
    page = login("editor")
    page.goto(_claim_url(live_server.url, claim))
    assert claim.text in page.inner_text("#claim-top .cd-claim")
    assert "The council closed the Harbour Bridge on Monday." in page.inner_text("#claim-context")
    assert "12,000,000" in page.inner_text("#quantities")
    assert "Needs re-review: no" in page.inner_text("#flags")
    assert "times in utc" in page.inner_text("#user-tools").lower()
    page.screenshot(path=str(artifacts / "12-claim-page.png"), full_page=True)
