"""The forms a desk submits, in a real browser (Debian's headless Chromium via Playwright, a live server),
each asserting what the person sees afterwards: add links, add a feed, poll it, merge claims, split a
claim, confirm and reject a match.

Adding an article, correcting, proposing and approving are driven in tests/test_browser.py and
tests/test_desk_browser.py. Links and feeds are fetched from a local HTTP server (tests/webserver.py),
never the internet; no worker runs, so the test does the worker's part (``fetching.link_fetch``,
``fetching.feed_poll``) and the page shows the result. Screenshots land in test-artifacts/.
"""

import re

import pytest

from claims.models import Claim, ClaimMatch, Feed, Link
from claims.processing import fetching

from .factories import ArticleFactory, ClaimFactory, EditorFactory, ReviewerFactory, publish_verdict
from .webserver import LocalServer, article_html, rss

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("flushable_db")]

SENTENCES = ["Chief engineer Tomas Brandt said the repairs would cost 12 million euros.",
             "The mayor said the bridge would reopen in the spring.",
             "The council said 3,000 people crossed the bridge every day before it closed."]
BODY = "Harbour Bridge closed\n\n" + " ".join(SENTENCES)


@pytest.fixture
def login(login):
    # merging and splitting redo the matching here (the models load once): a longer wait
    return lambda username: login(username, timeout=30000)


@pytest.fixture
def web(settings):
    """A local site the desk may fetch from (and nothing else on this machine)."""
    settings.CLAIMDESK_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.CLAIMDESK_FETCH_TIMEOUT_SECONDS = 5
    with LocalServer() as srv:
        yield srv


def _span(i):
    start = BODY.index(SENTENCES[i])
    return {"start": start, "end": start + len(SENTENCES[i]), "text": SENTENCES[i]}


def _messages(page):
    page.wait_for_selector(".messagelist li")
    return page.locator(".messagelist li").all_inner_texts()


def _run_action(page, label, *pks):
    for pk in pks:
        page.check(f"#result_list input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", label=label)
    page.click("button[name=index]")


def test_adding_links_queues_them_and_the_list_shows_each_fetched_or_failed(login, live_server, web, artifacts):
    web.page("/bridge", article_html(1))
    EditorFactory(username="editor")
    page = login("editor")
    page.goto(f"{live_server.url}/admin/claims/link/add/")
    # A line that is no web address: refused by its line number, the links as typed kept.
    typed = f"{web.url('/bridge')}\nnot a link\n{web.url('/gone')}"
    page.fill("textarea[name=urls]", typed)
    page.click("input[name=_save]")
    assert "line 2" in page.inner_text(".errorlist")
    assert page.input_value("textarea[name=urls]") == typed
    assert not Link.objects.exists()

    page.fill("textarea[name=urls]", f"{web.url('/bridge')}\n{web.url('/gone')}")
    page.click("input[name=_save]")
    assert _messages(page) == ["2 link(s) queued for fetching."]
    assert "?batch=" in page.url
    rows = page.inner_text("#result_list")
    assert web.url("/bridge") in rows and web.url("/gone") in rows and "Queued" in rows

    for link in Link.objects.all():  # the worker's part
        fetching.link_fetch(link_id=link.pk)
    page.reload()
    good = page.locator("#result_list tr", has_text=web.url("/bridge"))
    gone = page.locator("#result_list tr", has_text=web.url("/gone"))
    assert "Ingested" in good.inner_text() and "Harbour Bridge closed 1" in good.inner_text()
    assert "Failed" in gone.inner_text() and "404" in gone.inner_text()
    page.screenshot(path=str(artifacts / "22-links-added.png"), full_page=True)


def test_adding_a_feed_and_polling_it_brings_its_items_in(login, live_server, web, artifacts):
    web.page("/story-1", article_html(1))
    web.page("/story-2", article_html(2))
    web.page("/rss", rss([("g1", "Bridge closed", web.url("/story-1")), ("g2", "Bridge repairs", web.url("/story-2"))]),
             content_type="application/rss+xml")
    EditorFactory(username="editor")
    page = login("editor")
    page.goto(f"{live_server.url}/admin/claims/feed/add/")
    page.fill("input[name=url]", web.url("/rss"))
    page.fill("input[name=title]", "Port Alder Gazette")
    page.click("input[name=_save]")
    assert _messages(page)[0] == "Feed added; its first poll is on its way."
    feed = Feed.objects.get()
    assert feed.url == web.url("/rss")

    page.goto(f"{live_server.url}/admin/claims/feed/")
    assert "Port Alder Gazette" in page.inner_text("#result_list")
    _run_action(page, "Poll the selected feeds now", feed.pk)
    assert _messages(page) == ["1 feed(s) sent for polling."]

    fetching.feed_poll(feed_id=feed.pk, force=True)  # the worker's part: the poll, then its links
    for link in Link.objects.filter(feed=feed):
        fetching.link_fetch(link_id=link.pk)
    page.reload()
    row = page.inner_text("#result_list tbody tr")
    assert re.search(r"\b2\s+2\b", row), row  # items seen, items ingested
    assert "2/2" in row  # the progress bar's count
    page.screenshot(path=str(artifacts / "22-feed-polled.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/claims/article/")
    assert "Harbour Bridge closed 1" in page.inner_text("#result_list")
    assert "Harbour Bridge closed 2" in page.inner_text("#result_list")


def test_merging_two_adjacent_claims_from_the_claim_list(login, live_server, artifacts):
    EditorFactory(username="editor")
    article = ArticleFactory(title="Harbour Bridge closed", body=BODY)
    first, second = ClaimFactory(article=article, **_span(0)), ClaimFactory(article=article, **_span(1))
    page = login("editor")
    page.goto(f"{live_server.url}/admin/claims/claim/?article__id__exact={article.pk}")
    _run_action(page, "Merge selected claims (adjacent, one article)", first.pk, second.pk)
    (message,) = _messages(page)
    merged = Claim.objects.get(article=article)
    assert message == f"Merged into claim #{merged.pk}; matching was redone."
    assert merged.text == f"{SENTENCES[0]} {SENTENCES[1]}"
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and SENTENCES[1] in rows.inner_text()
    page.click(".messagelist a")  # the message links the merged claim
    assert merged.text in page.inner_text("#claim-top .cd-claim")
    page.screenshot(path=str(artifacts / "22-claims-merged.png"), full_page=True)


def test_a_single_claim_is_not_merged_and_the_list_says_why(login, live_server):
    EditorFactory(username="editor")
    claim = ClaimFactory(article=ArticleFactory(body=BODY), **_span(0))
    page = login("editor")
    page.goto(f"{live_server.url}/admin/claims/claim/")
    _run_action(page, "Merge selected claims (adjacent, one article)", claim.pk)
    assert _messages(page) == ["Not merged: select at least two claims to merge"]
    assert Claim.objects.get().text == SENTENCES[0]


def test_splitting_a_claim_on_its_page(login, live_server, artifacts):
    EditorFactory(username="editor")
    body = "Bridge\n\n" + SENTENCES[0]
    claim = ClaimFactory(article=ArticleFactory(body=body), start=len("Bridge\n\n"), end=len(body), text=SENTENCES[0])
    page = login("editor")
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")
    page.click("#corrections summary")
    page.fill("#id_split_first_part", "Chief engineer Tomas Brandt said")
    page.click("#split-form input[type=submit]")
    (message,) = _messages(page)
    new = Claim.objects.exclude(pk=claim.pk).get()
    assert message == f"Claim split: the second part is claim #{new.pk}; matching was redone for both."
    assert page.inner_text("#claim-top .cd-claim").strip() == "Chief engineer Tomas Brandt said"
    assert new.text == "the repairs would cost 12 million euros."
    page.screenshot(path=str(artifacts / "22-claim-split.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/claims/claim/{new.pk}/change/")
    assert page.inner_text("#claim-top .cd-claim").strip() == new.text


def test_confirming_one_match_and_rejecting_another_on_the_claim_page(login, live_server, artifacts):
    editor = EditorFactory(username="editor")
    reviewer = ReviewerFactory(username="reviewer")
    older = ArticleFactory(title="Bridge closed", body=BODY)
    earlier = publish_verdict(ClaimFactory(article=older, **_span(0)), reviewer=reviewer, assigner=editor)
    related = ClaimFactory(article=older, **_span(1))
    claim = ClaimFactory(article=ArticleFactory(title="Bridge still shut", body=BODY + "\n\nFerries run."),
                         **_span(0))
    same = ClaimMatch.objects.create(claim=claim, earlier=earlier, score=0.97, kind="same")
    other = ClaimMatch.objects.create(claim=claim, earlier=related, score=0.62, kind="related")
    page = login("editor")
    page.goto(f"{live_server.url}/admin/claims/claim/{claim.pk}/change/")
    assert page.locator("#matches input[value='Confirm match']").count() == 2

    page.locator(f"#matches form:has(input[name=match][value='{same.pk}']) input[value='Confirm match']").click()
    (message,) = _messages(page)
    assert re.fullmatch(rf"Match with claim #{earlier.pk} confirmed by editor on .+\.", message), message
    block = page.locator("#matches > div", has_text=f"#{earlier.pk}")
    assert "Confirmed by editor" in block.inner_text()
    assert block.locator("input[value='Confirm match']").count() == 0
    assert block.locator("input[value='Reject instead']").count() == 1

    page.locator(f"#matches form:has(input[name=match][value='{other.pk}']) input[value='Reject match']").click()
    (message,) = _messages(page)
    assert re.fullmatch(rf"Match with claim #{related.pk} rejected by editor on .+\.", message), message
    blocks = page.locator("#matches > div")
    assert f"#{related.pk}" in blocks.last.inner_text()  # the rejected match last, still listed
    assert "Rejected by editor" in blocks.last.inner_text()
    assert blocks.last.locator("input[value='Confirm instead']").count() == 1
    page.screenshot(path=str(artifacts / "22-matches-decided.png"), full_page=True)
    assert [d.decision for m in (same, other) for d in m.decisions.all()] == ["confirm", "reject"]
