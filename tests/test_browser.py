"""The desk's screens in a real browser (Debian's headless Chromium, driven by Playwright).

Screenshots land in test-artifacts/.
"""


import pytest
from django.core.management import call_command

from claims.models import Article, AuditRecord, Claim

from .factories import EditorFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("flushable_db")]

PASSWORD = "demo-pass-123"


@pytest.fixture
def login(login):
    # the demo's accounts, with the password the demo was given
    return lambda username, password=PASSWORD: login(username, password=password)


def test_assign_propose_and_second_review_across_three_people(login, live_server, artifacts):
    call_command("demo", "--sync", "--password", PASSWORD)
    base = live_server.url
    claim = Claim.objects.get(text__startswith="The council's chief engineer, Tomas Brandt")

    # 1. An editor reads the article with its claims highlighted, then assigns a claim to the reviewer.
    editor = login("editor")
    editor.goto(f"{base}/admin/claims/article/{claim.article_id}/change/")
    assert editor.locator("a.claim-mark").count() == claim.article.claims.count()
    editor.screenshot(path=str(artifacts / "1-article-highlighted.png"), full_page=True)
    editor.goto(f"{base}/admin/claims/claim/{claim.pk}/change/")
    editor.select_option("#assign-form select[name=assignee]", label="reviewer")
    editor.fill("#assign-form input[name=due]", "2031-05-01T17:00")
    editor.click("#assign-form input[type=submit]")
    editor.wait_for_selector(".messagelist .success")
    claim.refresh_from_db()
    assert (claim.state, claim.assignee.username) == ("in_review", "reviewer")

    # 2. The reviewer finds it in their queue and proposes a verdict with evidence.
    reviewer = login("reviewer")
    reviewer.goto(f"{base}/admin/claims/claim/?mine=1")
    assert claim.text[:40] in reviewer.inner_text("#result_list")
    reviewer.screenshot(path=str(artifacts / "2-reviewer-queue.png"), full_page=True)
    reviewer.goto(f"{base}/admin/claims/claim/{claim.pk}/change/")
    assert reviewer.locator("#assign-form").count() == 0  # reviewers do not assign
    reviewer.select_option("#propose-form select[name=verdict]", "verified")
    reviewer.fill("#propose-form textarea[name=rationale]", "The tender documents give 12.1 million euros.")
    reviewer.fill("#propose-form input[name=evidence_url]", "https://example.org/tender")
    reviewer.fill("#propose-form input[name=evidence_title]", "Council tender documents")
    reviewer.click("#propose-form input[type=submit]")
    reviewer.wait_for_selector(".messagelist .success")
    reviewer.screenshot(path=str(artifacts / "3-proposed.png"), full_page=True)
    claim.refresh_from_db()
    assert (claim.state, claim.proposed_verdict) == ("proposed", "verified")

    # 3. A second editor approves it; the matched later claim now carries the verdict as a suggestion.
    second = login("editor2")
    second.goto(f"{base}/admin/claims/claim/{claim.pk}/change/")
    assert "Council tender documents" in second.inner_text("#evidence")
    second.click("#approve")
    second.wait_for_selector(".messagelist .success")
    second.screenshot(path=str(artifacts / "4-published.png"), full_page=True)
    claim.refresh_from_db()
    assert (claim.state, claim.verdict, claim.published_by.username) == ("published", "verified", "editor2")
    actors = list(AuditRecord.objects.filter(object_id=str(claim.pk), object_type="claim")
                  .values_list("actor_username", "action", "door"))
    assert actors == [("editor", "claim.assign", "admin"), ("reviewer", "claim.evidence", "admin"),
                      ("reviewer", "claim.propose", "admin"), ("editor2", "claim.approve", "admin")]

    later = Claim.objects.get(matches__earlier=claim, matches__kind="same")
    second.goto(f"{base}/admin/claims/claim/{later.pk}/change/")
    assert "Suggested verdict: Verified" in second.inner_text("#suggestion")
    assert second.locator("#matches mark").count() > 0  # differing words are marked side by side
    second.screenshot(path=str(artifacts / "5-matched-claim.png"), full_page=True)

    # 4. The desk overview and the printable report.
    second.goto(f"{base}/admin/claims/claim/overview/")
    assert "Median time from ingest to published verdict" in second.inner_text("#median")
    assert "reviewer" in second.inner_text("#reviewers")
    second.screenshot(path=str(artifacts / "6-desk-overview.png"), full_page=True)
    second.goto(f"{base}/reports/?article={claim.article_id}")
    assert "The tender documents give 12.1 million euros." in second.inner_text("body")


def test_editor_cannot_approve_own_proposal_in_the_admin(login, live_server):
    call_command("demo", "--sync", "--password", PASSWORD)
    claim = Claim.objects.filter(article__title__startswith="Port Alder council").first()
    page = login("editor")
    base = live_server.url
    page.goto(f"{base}/admin/claims/claim/{claim.pk}/change/")
    page.select_option("#assign-form select[name=assignee]", label="editor")
    page.click("#assign-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    page.select_option("#propose-form select[name=verdict]", "disputed")
    page.fill("#propose-form textarea[name=rationale]", "Wrong count")
    page.fill("#propose-form input[name=evidence_url]", "https://example.org/count")
    page.click("#propose-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert page.locator("#approve").count() == 0
    assert "another editor must approve it" in page.inner_text("#workflow")


def test_adding_an_empty_article_in_the_admin_shows_the_error(login, live_server):
    EditorFactory(username="editor9", password=PASSWORD)
    page = login("editor9")
    page.goto(f"{live_server.url}/admin/claims/article/add/")
    page.fill("#id_body", "   <p> </p>  ")
    page.click("input[name=_save]")
    assert "article body is empty" in page.inner_text(".errorlist")
    assert not Article.objects.exists()
