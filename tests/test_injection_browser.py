"""Script injection in a real browser: payloads stored the way a user would store them (article
body and title, a speaker name, a comment, an evidence title and URL, a rationale) must show as text on
every admin page and the report, and never run."""


import pytest

from claims import articles, workflow
from claims.models import AuditRecord

from .factories import ClaimFactory, EditorFactory, ReviewerFactory, SpeakerFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("flushable_db")]

PASSWORD = "demo-pass-123"
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '"><img src=x onerror="window.__pwned=1">'
SVG = "</textarea><svg onload=window.__pwned=1>"
TEMPLATE = "{{ request.user.password }} {% csrf_token %}"
JS_URL = "javascript:window.__pwned=1"

TITLE = f"Bridge {IMG} {SCRIPT} closes"
# Two or more tags would make ingestion read the body as HTML (and drop the script); these stay literal.
BODY = (f"Harbour news {IMG}\n\n"
        f"The council said {SVG} that 14 bridges would close on Monday.\n\n"
        f"The mayor told reporters {TEMPLATE} the repairs would cost {JS_URL} 12 million euros.")
SPEAKER = f"Tomas {SCRIPT} Brandt {IMG}"
COMMENT = f"Checked {SVG} {SCRIPT} with the council"
RATIONALE = f"Minutes say 14 {IMG} {TEMPLATE}"
EVIDENCE_TITLE = f"Council minutes {SCRIPT} {SVG}"
EVIDENCE_URL = 'https://example.org/minutes?q="><img/src=x/onerror=window.__pwned=1>'  # URLValidator lets it pass


@pytest.fixture
def planted(settings):
    """An article with two claims, worked through the services as the desk would."""
    editor = EditorFactory(username="inj-editor", password=PASSWORD)
    second = EditorFactory(username="inj-editor2")
    reviewer = ReviewerFactory(username="inj-reviewer")
    article = articles.article_ingest(body=BODY, title=TITLE, source=JS_URL, user=editor, queue=False).article
    assert article.title == TITLE and IMG in article.body and SVG in article.body
    claims = []
    for sentence in article.body.split("\n\n")[1:]:
        start = article.body.index(sentence)
        claims.append(ClaimFactory(article=article, start=start, end=start + len(sentence), text=sentence,
                                   speaker=SpeakerFactory(name=SPEAKER)))
    published, open_ = claims
    workflow.claim_assign(claim=published, user=editor, assignee=reviewer)
    workflow.claim_comment(claim=published, user=reviewer, text=COMMENT)
    workflow.claim_add_evidence(claim=published, user=reviewer, url=EVIDENCE_URL, title=EVIDENCE_TITLE, note=SVG)
    workflow.claim_propose(claim=published, user=reviewer, verdict="verified", rationale=RATIONALE)
    workflow.claim_approve(claim=published, user=second, comment=COMMENT)
    workflow.claim_assign(claim=open_, user=editor, assignee=editor)
    workflow.claim_comment(claim=open_, user=editor, text=COMMENT)
    return {"article": article, "published": published, "open": open_,
            "audit": AuditRecord.objects.filter(action="claim.propose").get()}


@pytest.fixture
def page(login):
    page = login("inj-editor", password=PASSWORD)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    return page


def visit(page, url, *texts):
    """Load ``url``; no payload may have run, and each of ``texts`` must be on the page as text."""
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined", f"a payload ran on {url}"
    assert page.dialogs == [], f"a dialog opened on {url}: {page.dialogs}"
    assert page.locator("a[href^='javascript:' i], [src^='javascript:' i]").count() == 0, url
    shown = page.inner_text("body")
    for text in texts:
        assert text in shown, f"{text!r} is not shown as text on {url}"
    return shown


def test_planted_payloads_show_as_text_and_never_run(planted, page, live_server):
    base = live_server.url
    # Control: unescaped, these payloads do run in this browser, so the checks below can see one run.
    for markup in (SCRIPT, f'<input value="{IMG}', f"<textarea>{SVG}"):
        page.set_content(markup)
        page.wait_for_function("typeof window.__pwned !== 'undefined'")
    article, published, open_ = planted["article"], planted["published"], planted["open"]
    visit(page, f"{base}/admin/claims/article/", TITLE)
    visit(page, f"{base}/admin/claims/article/{article.pk}/change/", TITLE, IMG, SVG, TEMPLATE, JS_URL)
    assert page.locator("a.claim-mark").count() == 2  # the highlights are still there, around escaped text
    visit(page, f"{base}/admin/claims/claim/", SVG)
    visit(page, f"{base}/admin/claims/claim/{published.pk}/change/", SPEAKER, COMMENT, RATIONALE, EVIDENCE_TITLE)
    visit(page, f"{base}/admin/claims/claim/{open_.pk}/change/", TEMPLATE, COMMENT)
    visit(page, f"{base}/admin/claims/speaker/", SPEAKER)
    visit(page, f"{base}/admin/claims/auditrecord/", "claim.propose", "Minutes say 14")
    visit(page, f"{base}/admin/claims/auditrecord/{planted['audit'].pk}/change/", "claim.propose", "Minutes say 14")
    visit(page, f"{base}/admin/claims/claim/overview/", "inj-reviewer")
    visit(page, f"{base}/reports/", RATIONALE)
    visit(page, f"{base}/reports/?article={article.pk}", TITLE, RATIONALE, SVG)
