"""The editors' screens in a real browser (Debian's headless Chromium, driven by Playwright)."""

import os

import pytest
from django.core.management import call_command

from claims.models import Article, AuditRecord, Claim

from .factories import EditorFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("flushable_db")]

PASSWORD = "demo-pass-123"


@pytest.fixture
def page(chromium_path, live_server, artifacts):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def _login(page, base, username, password):
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def test_editor_reviews_a_claim_from_article_to_report(page, live_server, artifacts):
    call_command("demo", "--sync", "--password", PASSWORD)
    base = live_server.url
    _login(page, base, "editor", PASSWORD)

    # The article page shows its body with every claim highlighted in place.
    article_claims = Claim.objects.filter(article__title__startswith="Port Alder council closes")
    article_id = article_claims.first().article_id
    page.goto(f"{base}/admin/claims/article/{article_id}/change/")
    assert page.locator("a.claim-mark").count() == article_claims.count()
    page.screenshot(path=str(artifacts / "article-highlighted.png"), full_page=True)

    # Claims list: filter by attribution, select one, assign it to me with the bulk action.
    target = Claim.objects.get(text__startswith="The council's chief engineer, Tomas Brandt")
    page.goto(f"{base}/admin/claims/claim/?attribution__exact=reported")
    page.check(f"input[name=_selected_action][value='{target.pk}']")
    page.select_option("select[name=action]", "assign_to_me")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    page.screenshot(path=str(artifacts / "claims-list.png"), full_page=True)
    target.refresh_from_db()
    assert target.assignee.username == "editor"

    # The later claim shows the earlier matched claim and its verdict; set a verdict with a note.
    later = Claim.objects.filter(matches__earlier=target, matches__kind="same").get()
    page.goto(f"{base}/admin/claims/claim/{later.pk}/change/")
    assert target.text in page.inner_text("body")
    page.select_option("#id_verdict", "verified")
    page.fill("#id_verdict_note", "Matches the council's published tender documents.")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    later.refresh_from_db()
    assert later.verdict == "verified"
    assert AuditRecord.objects.filter(object_id=str(later.pk), action="claim.verdict", door="admin",
                                      actor_username="editor").exists()

    # The printable report shows it.
    page.goto(f"{base}/reports/?article={later.article_id}")
    assert "Matches the council's published tender documents." in page.inner_text("body")
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)


def test_adding_an_empty_article_in_the_admin_shows_the_error(page, live_server):
    EditorFactory(username="editor2", password=PASSWORD)
    _login(page, live_server.url, "editor2", PASSWORD)
    page.goto(f"{live_server.url}/admin/claims/article/add/")
    page.fill("#id_body", "   <p> </p>  ")
    page.click("input[name=_save]")
    assert "article body is empty" in page.inner_text(".errorlist")
    assert not Article.objects.exists()
