"""Issue 22's findings about getting articles in and reports out: the link and feed forms and actions of
the admin, retrying links and pausing or removing feeds (admin and API), dates and HTML in pasted
pages, the ClaimReview export without its public URL, the summary's limit, the demo's dates and
``bench/eval_pairs.py`` on a fresh clone."""

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import articles, sources
from claims.models import Article, AuditRecord, Claim, Feed, FeedItem, Link
from claims.processing import fetching, sender

from .factories import ArticleFactory, ClaimFactory, EditorFactory, ReviewerFactory, ViewerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What would reach the broker: links queued for fetching and feeds queued for a poll."""
    out = {"links": [], "feeds": []}

    def link_queue(*, link_id):
        out["links"].append(link_id)
        Link.objects.filter(pk=link_id, status=Link.Status.QUEUED).update(queued_at=timezone.now())
        return ""

    monkeypatch.setattr(sender, "link_queue", link_queue)
    monkeypatch.setattr(sender, "feed_queue", lambda *, feed_id: out["feeds"].append(feed_id))
    return out


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def _action(client, model, action, pks):
    return client.post(reverse(f"admin:claims_{model}_changelist"),
                       {"action": action, "_selected_action": [str(pk) for pk in pks]}, follow=True)


def _feed(url="https://news.example.org/feed.xml", **kwargs):
    return Feed.objects.create(url=url, url_key=sources.web.url_key(url), **kwargs)


def _link(url, **kwargs):
    return Link.objects.create(url=url, url_key=sources.web.url_key(url), **kwargs)


# --- 1. the admin's link and feed forms --------------------------------------------------------------


def test_adding_links_in_the_admin_queues_each_and_says_so(client, sent, django_capture_on_commit_callbacks):
    client.force_login(EditorFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:claims_link_add"),
                               {"urls": "https://a.example.org/one\n\n  https://b.example.org/two  \n"}, follow=True)
    assert response.status_code == 200
    links = list(Link.objects.order_by("id"))
    assert [link.url for link in links] == ["https://a.example.org/one", "https://b.example.org/two"]
    assert sorted(sent["links"]) == [link.pk for link in links]
    assert links[0].batch and links[0].batch == links[1].batch
    assert "2 link(s) queued for fetching." in _messages(response)
    assert response.redirect_chain[-1][0].endswith(f"?batch={links[0].batch}")


def test_a_bad_link_is_refused_by_line_and_the_typed_links_are_shown_again(client, sent):
    client.force_login(EditorFactory())
    typed = "https://a.example.org/one\nnot a link\nftp://files.example.org/x"
    response = client.post(reverse("admin:claims_link_add"), {"urls": typed})
    assert response.status_code == 200  # the form again, not a redirect
    page = response.content.decode()
    assert "line 2: url must be an http(s) address, got &#x27;not a link&#x27;" in page
    assert "line 3: url must be an http(s) address" in page
    assert typed in page.replace("\r\n", "\n")  # nothing the editor typed is lost
    assert not Link.objects.exists() and sent["links"] == []


def test_an_empty_link_form_asks_for_a_link(client, sent):
    client.force_login(EditorFactory())
    response = client.post(reverse("admin:claims_link_add"), {"urls": "  \n "})
    assert response.status_code == 200 and "give at least one link" in response.content.decode()


def test_poll_now_queues_the_active_feeds_and_leaves_paused_ones(client, sent, django_capture_on_commit_callbacks):
    client.force_login(EditorFactory())
    on, off = _feed(), _feed("https://other.example.org/rss", active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(client, "feed", "poll_now", [on.pk, off.pk])
    assert response.status_code == 200
    assert sent["feeds"] == [on.pk]
    assert "1 feed(s) sent for polling. 1 paused feed(s) left alone: resume them first." in _messages(response)


# --- 2. retrying links; links in the API --------------------------------------------------------------


def test_retry_requeues_only_failed_links_audited(client, sent, django_capture_on_commit_callbacks):
    editor = EditorFactory()
    failed = _link("https://a.example.org/x", status=Link.Status.FAILED, error="HTTP 503", attempts=3)
    done = _link("https://a.example.org/y", status=Link.Status.DONE, article=ArticleFactory())
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(client, "link", "retry", [failed.pk, done.pk])
    assert "1 failed link(s) queued for fetching again. 1 not failed, left as they are." in _messages(response)
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.error, failed.attempts) == (Link.Status.QUEUED, "", 0)
    assert done.status == Link.Status.DONE and done.article_id
    assert sent["links"] == [failed.pk]
    record = AuditRecord.objects.get(action="link.retry")
    assert (record.object_id, record.actor_username, record.door) == (str(failed.pk), editor.username, "admin")
    assert record.changes["error"] == ["HTTP 503", ""]


def test_reviewers_and_viewers_are_not_offered_retry(client):
    link = _link("https://a.example.org/x", status=Link.Status.FAILED)
    for user in (ReviewerFactory(), ViewerFactory()):
        client.force_login(user)
        page = client.get(reverse("admin:claims_link_changelist"))
        assert page.status_code == 200 and 'value="retry"' not in page.content.decode()
    with pytest.raises(Exception, match="only editors"):
        sources.links_retry(link_ids=[link.pk], user=ReviewerFactory())


def test_the_api_lists_links_for_every_role_with_filters(client):
    feed = _feed()
    failed = _link("https://a.example.org/x", status=Link.Status.FAILED, error="timeout", feed=feed, batch="b1")
    _link("https://a.example.org/y", status=Link.Status.DONE)
    client.force_login(ViewerFactory())
    everything = client.get("/api/links/")
    assert everything.status_code == 200 and everything.json()["count"] == 2
    page = client.get("/api/links/?status=failed").json()
    assert [row["id"] for row in page["results"]] == [failed.pk] and page["results"][0]["error"] == "timeout"
    assert client.get(f"/api/links/?feed={feed.pk}").json()["count"] == 1
    assert client.get("/api/links/?batch=b1").json()["count"] == 1
    assert client.get(f"/api/links/{failed.pk}/").json()["status"] == "failed"
    bad = client.get("/api/links/?status=lost")
    assert bad.status_code == 400 and "status must be one of" in bad.json()["detail"]
    assert client.get("/api/links/?feed=x").status_code == 400
    client.logout()
    assert client.get("/api/links/").status_code in (401, 403)


def test_the_api_retries_a_failed_link_and_refuses_others(client, sent, django_capture_on_commit_callbacks):
    failed = _link("https://a.example.org/x", status=Link.Status.FAILED, error="timeout")
    done = _link("https://a.example.org/y", status=Link.Status.DONE)
    client.force_login(ViewerFactory())
    assert client.post(f"/api/links/{failed.pk}/retry/").status_code == 403
    client.force_login(EditorFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/links/{failed.pk}/retry/")
    assert response.status_code == 200 and response.json()["status"] == "queued"
    assert sent["links"] == [failed.pk]
    refused = client.post(f"/api/links/{done.pk}/retry/")
    assert refused.status_code == 409 and "only a failed link is retried" in refused.json()["detail"]
    assert client.post("/api/links/abc/retry/").status_code == 404


# --- 3. pausing and removing feeds ----------------------------------------------------------------------


def test_pause_and_resume_in_the_admin_audited_and_a_paused_feed_is_never_polled(client):
    feed = _feed()
    client.force_login(EditorFactory())
    response = _action(client, "feed", "pause", [feed.pk])
    assert "1 feed(s) paused; their articles and links stay." in _messages(response)
    feed.refresh_from_db()
    assert not feed.active
    assert feed.pk not in fetching.feeds_poll_due()
    assert not fetching.feed_poll(feed_id=feed.pk, force=True).polled
    _action(client, "feed", "resume", [feed.pk])
    feed.refresh_from_db()
    assert feed.active and feed.pk in fetching.feeds_poll_due()
    assert list(AuditRecord.objects.filter(object_type="feed").order_by("id").values_list("action", flat=True)) \
        == ["feed.pause", "feed.resume"]


def test_removing_a_feed_keeps_its_links_articles_and_claims(client):
    feed = _feed()
    article = ArticleFactory()
    ClaimFactory(article=article)
    link = _link("https://news.example.org/story", status=Link.Status.DONE, article=article, feed=feed,
                 batch=f"feed-{feed.pk}")
    FeedItem.objects.create(feed=feed, key="k" * 64, guid="story", link=link)
    client.force_login(EditorFactory())
    response = _action(client, "feed", "remove", [feed.pk])
    assert (f"Feed {feed.url} removed; its 1 link(s) and the articles they brought in stay."
            in _messages(response))
    assert not Feed.objects.exists() and not FeedItem.objects.exists()
    link.refresh_from_db()
    assert (link.feed_id, link.article_id, link.batch, link.status) == (None, article.pk, f"feed-{feed.pk}", "done")
    assert Article.objects.filter(pk=article.pk).exists() and Claim.objects.filter(article=article).count() == 1
    record = AuditRecord.objects.get(action="feed.remove")
    assert record.object_id == str(feed.pk) and record.changes["url"] == [None, feed.url]
    assert record.changes["links_kept"] == [None, 1]


def test_a_feed_being_polled_is_not_removed(client):
    feed = _feed(lease_owner="w1", lease_expires=timezone.now() + timezone.timedelta(minutes=5))
    client.force_login(EditorFactory())
    response = _action(client, "feed", "remove", [feed.pk])
    assert f"feed {feed.pk} is being polled right now; remove it once the poll is done" in _messages(response)
    assert Feed.objects.filter(pk=feed.pk).exists()


def test_feeds_are_paused_resumed_and_removed_through_the_api_by_editors_only(client):
    feed = _feed()
    link = _link("https://news.example.org/story", feed=feed, status=Link.Status.DONE)
    client.force_login(ViewerFactory())
    assert client.post(f"/api/feeds/{feed.pk}/pause/").status_code == 403
    assert client.delete(f"/api/feeds/{feed.pk}/").status_code == 403
    client.force_login(EditorFactory())
    assert client.post(f"/api/feeds/{feed.pk}/pause/").json()["active"] is False
    assert client.post(f"/api/feeds/{feed.pk}/resume/").json()["active"] is True
    removed = client.delete(f"/api/feeds/{feed.pk}/")
    assert removed.status_code == 200 and removed.json()["links_kept"] == 1
    assert Link.objects.filter(pk=link.pk, feed=None).exists()
    assert client.get(f"/api/feeds/{feed.pk}/").status_code == 404
    assert client.post("/api/feeds/abc/pause/").status_code == 404


# --- 4. a published date is one the page states -----------------------------------------------------------

_STORY = "".join(f"<p>Paragraph {n}: the council said the harbour bridge repairs would cost twelve million euros "
                 "over three years, and that the work would start in the spring.</p>" for n in range(1, 5))


def _page(head="", footer="<footer>Copyright 2026 Port Alder Gazette. All rights reserved.</footer>"):
    return (f"<!doctype html><html><head><title>Bridge repairs</title>{head}</head><body><article>"
            f"<h1>Bridge repairs</h1>{_STORY}</article>{footer}</body></html>")


def test_a_copyright_year_is_never_a_published_date():

    fields = articles.article_validate(body=_page())
    assert "Paragraph 4" in fields["body"]
    assert fields["published"] is None  # was 2026-01-01, from the footer


def test_a_bare_year_in_the_text_is_not_a_date_either():
    from claims.nlp.html import extract_page

    page = _page(footer="<footer>&copy; 2019 Gazette</footer>").replace("<h1>", "<p>Since 2021 the bridge</p><h1>")
    assert extract_page(page).published == ""


def test_the_pages_own_published_time_is_kept():

    fields = articles.article_validate(
        html=_page('<meta property="article:published_time" content="2024-03-12T08:00:00Z">'))
    assert str(fields["published"]) == "2024-03-12"


def test_a_dated_byline_is_kept():
    from claims.nlp.html import extract_page

    page = _page().replace("<h1>Bridge repairs</h1>", '<h1>Bridge repairs</h1><p class="byline">By Mira Tanaka, '
                                                     "12 March 2024</p>")
    assert extract_page(page).published == "2024-03-12"


# --- 5. text that mentions tags is text ------------------------------------------------------------------

PLAIN_WITH_TAGS = (
    "Hackers hit the council's website\n\n"
    "The attackers slipped a <script> tag into the comment form, the council said on Monday, and the "
    "injected code loaded an <img> from a server abroad.\n\n"
    "Repairs to the site will cost 40,000 euros, the mayor said, and the form stays closed until March.\n\n"
    "\"We were told the <script> was harmless,\" the mayor said.")


@pytest.mark.parametrize("text", [PLAIN_WITH_TAGS, "Reading list: <b>bold</b> ideas, <a href=x>one link</a>, and "
                                                   "the <br> tag explained in three paragraphs of prose."])
def test_plain_text_that_mentions_tags_is_kept_whole(text):
    from claims.ingestion import looks_like_html

    assert not looks_like_html(text)
    assert articles.article_validate(body=text)["body"] == text


@pytest.mark.parametrize("markup", [
    "<!DOCTYPE html><html><body><p>One.</p></body></html>",
    "  <!-- saved --> <html><p>One.</p></html>",
    "<p>The council closed the bridge.</p><p>Repairs cost 12m.</p>",
    "Bridge closed\n<p>The council closed it.</p>\n<p>Repairs cost 12m.</p>\n<p>Work starts in May.</p>",
    "<span><b><i>x</i></b></span>",
])
def test_documents_and_fragments_are_html_by_their_shape(markup):
    from claims.ingestion import looks_like_html

    assert looks_like_html(markup)


def test_pasted_markup_whose_extraction_loses_most_words_is_refused_with_the_reason():
    from claims.errors import InvalidInput

    menu = "".join(f"<li><a href='/s{n}'>Section number {n} of the site menu</a></li>" for n in range(60))
    markup = f"<html><body><nav><ul>{menu}</ul></nav><article>{_STORY}</article></body></html>"
    with pytest.raises(InvalidInput, match=r"article body looks like HTML, but only \d+ of its \d+ words were found"):
        articles.article_validate(body=markup)
    # a page sent as a page (a fetched link, the API's html) is still reduced to its article
    assert "Paragraph 4" in articles.article_validate(html=markup)["body"]


# --- 6. ClaimReview without the public claim URL -------------------------------------------------------


@pytest.mark.parametrize("pattern", ["", "https://factcheck.example.org/claims/"])
def test_the_claimreview_api_says_which_setting_is_missing(client, settings, pattern):
    settings.CLAIMDESK_PUBLIC_CLAIM_URL = pattern
    from .factories import publish_verdict

    publish_verdict(ClaimFactory())
    client.force_login(EditorFactory())
    response = client.get("/api/export/claimreview/")
    assert response.status_code == 409  # was 200 []
    assert "CLAIMDESK_PUBLIC_CLAIM_URL" in response.json()["detail"]
    assert client.get("/api/export/json/").status_code == 200  # the other formats need no such setting


def test_the_claimreview_command_fails_naming_the_setting(settings, tmp_path):
    from django.core.management import CommandError, call_command

    settings.CLAIMDESK_PUBLIC_CLAIM_URL = ""
    out = tmp_path / "reviews.jsonld"
    with pytest.raises(CommandError, match="CLAIMDESK_PUBLIC_CLAIM_URL"):
        call_command("export", "--format", "claimreview", "-o", str(out))
    assert not out.exists()


def test_the_claimreview_command_exits_non_zero(settings):
    import subprocess
    import sys

    from django.conf import settings as live

    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings",
           "CLAIMDESK_PUBLIC_CLAIM_URL": "", "CLAIMDESK_VAR_DIR": str(live.VAR_DIR)}
    done = subprocess.run([sys.executable, "manage.py", "export", "--format", "claimreview"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=str(live.BASE_DIR))
    assert done.returncode != 0 and "CLAIMDESK_PUBLIC_CLAIM_URL" in done.stderr and done.stdout == ""


# --- 7. one limit for the ClaimReview summary -----------------------------------------------------------


def test_the_summary_form_shows_the_services_limit_and_refuses_in_its_words(client):
    from claims import claimreview, corrections
    from claims.admin.claim_forms import ReviewSummaryForm
    from claims.errors import InvalidInput

    too_long = "Repairs to the harbour bridge will cost twelve million euros over three years"
    assert len(too_long) == 77
    with pytest.raises(InvalidInput) as refused:
        corrections.claim_set_review_summary(claim=ClaimFactory(), user=EditorFactory(), summary=too_long)
    assert refused.value.message == "the summary must be under 75 characters (74 at most), got 77"
    form = ReviewSummaryForm(data={"summary": too_long})
    assert not form.is_valid() and form.errors["summary"] == [refused.value.message]  # the form took 200
    html = str(ReviewSummaryForm()["summary"])
    assert f'maxlength="{claimreview.SUMMARY_LIMIT}"' in html
    assert "74 characters at most" in str(ReviewSummaryForm()["summary"].help_text)
    assert ReviewSummaryForm(data={"summary": "  Repairs  cost 12 million "}).is_valid()

    claim = ClaimFactory()
    client.force_login(EditorFactory())
    page = client.post(reverse("admin:claims_claim_workflow", args=[claim.pk, "summary"]), {"summary": too_long},
                       follow=True)
    assert page.status_code == 200 and refused.value.message in page.content.decode()
    claim.refresh_from_db()
    assert claim.review_summary == ""


def test_the_summary_api_documents_the_limit_and_refuses_in_the_services_words(client):
    from claims.models import Claim as ClaimModel

    claim = ClaimFactory()
    client.force_login(EditorFactory())
    response = client.post(f"/api/claims/{claim.pk}/review-summary/", {"summary": "x" * 78},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "summary: the summary must be under 75 characters (74 at most), got 78"
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    field = schema["components"]["schemas"]["ReviewSummaryInRequest"]["properties"]["summary"]
    assert field["maxLength"] == 74 == ClaimModel._meta.get_field("review_summary").max_length


# --- 8. the demo's dates -------------------------------------------------------------------------------


def test_every_demo_article_has_a_fixed_date_in_the_readmes_march_2026():
    from claims.management.commands import demo

    files = sorted(p.name for p in demo.DEMO_DIR.glob("*.txt"))
    assert files and sorted(demo.PUBLISHED) == files
    assert all("2026-03-01" <= day <= "2026-03-31" for day in demo.PUBLISHED.values())


def test_the_readmes_march_report_finds_the_demo_claims(tmp_path, capsys):
    from django.core.management import call_command

    call_command("demo", "--password", "demo-pass-123")  # queued, not processed: claims stand in below
    articles = list(Article.objects.order_by("published"))
    assert [str(a.published) for a in articles] == ["2026-03-03", "2026-03-04", "2026-03-05"]
    for article in articles:
        ClaimFactory(article=article)
    ClaimFactory(article=ArticleFactory())  # dated today (no published date): outside March 2026
    capsys.readouterr()
    out = tmp_path / "march.html"
    call_command("report", "--from", "2026-03-01", "--to", "2026-03-31", "-o", str(out))  # as the README says
    assert f"wrote {out}: 3 claims" in capsys.readouterr().err  # was 0 claims: the demo was dated today
    assert "Harbour Bridge" in out.read_text(encoding="utf-8")


# --- 9. bench/eval_pairs.py on a fresh clone -------------------------------------------------------------

_MRPC_ROWS = [(1, "A1", "B1", "The council closed the bridge on Tuesday.", "On Tuesday the council shut the bridge."),
              (0, "A2", "B2", "Repairs will cost 12 million euros.", "The ferry adds crossings from Monday."),
              (1, "A3", "B3", "The mayor resigned on Friday.", "On Friday the mayor stepped down."),
              (0, "A4", "B4", "Traffic fell by a third.", "The bridge opened in 1962.")]
_MRPC_ROWS += [(n % 2, f"C{n}", f"D{n}", f"Sentence number {n} about the bridge.", f"Sentence {n} on the bridge.")
               for n in range(40)]


@pytest.fixture
def fresh_clone(tmp_path, monkeypatch):
    """bench/eval_pairs.py with MRPC's train file in a shared folder and no var/pairs yet."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import eval_pairs
    import train_pairs

    mrpc = tmp_path / "shared/data/pairs/mrpc/train.tsv"
    mrpc.parent.mkdir(parents=True)
    mrpc.write_text("label\tid1\tid2\ttext1\ttext2\n" + "".join("\t".join(map(str, r)) + "\n" for r in _MRPC_ROWS),
                    encoding="utf-8")
    monkeypatch.setattr(train_pairs, "MRPC", mrpc)
    monkeypatch.setattr(train_pairs, "SPLITS", tmp_path / "clone/var/pairs")
    return eval_pairs, train_pairs


def test_eval_pairs_makes_the_mrpc_split_when_it_is_missing(fresh_clone):
    eval_pairs, train_pairs = fresh_clone
    fit_path, dev_path = eval_pairs.split_paths()
    assert not fit_path.exists()
    assert eval_pairs.ensure_pairs(fit_path) == fit_path
    fit, dev = train_pairs.read_pairs(fit_path), train_pairs.read_pairs(dev_path)
    assert len(fit) + len(dev) == len(_MRPC_ROWS) and dev  # every row once, some in dev
    assert all(train_pairs.is_dev(r) for r in dev) and not any(train_pairs.is_dev(r) for r in fit)


def test_eval_pairs_imports_no_torch():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'bench'); import eval_pairs; "
                           "print('torch' in sys.modules)"], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "False"


def test_eval_pairs_cosine_runs_on_a_fresh_clone_and_names_what_is_missing(fresh_clone, monkeypatch, capsys, tmp_path):
    import numpy as np

    import claims.nlp.encoders.minilm as minilm

    eval_pairs, train_pairs = fresh_clone

    class Words:  # a stand-in encoder: bag of words, unit length (no model run)
        def encode(self, texts):
            vocab = sorted({w for r in _MRPC_ROWS for t in r[3:] for w in t.lower().split()})
            out = np.array([[t.lower().split().count(w) for w in vocab] for t in texts], dtype=float)
            return out / np.linalg.norm(out, axis=1, keepdims=True)

    monkeypatch.setattr(minilm, "MiniLM", Words)
    pairs = tmp_path / "my-pairs.tsv"
    pairs.write_text("label\tid1\tid2\ttext1\ttext2\n" + "".join("\t".join(map(str, r)) + "\n" for r in _MRPC_ROWS[:4]),
                     encoding="utf-8")
    assert eval_pairs.main(["--pairs", str(pairs), "--system", "cosine", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert "made the MRPC split" in out and out.strip().splitlines()[-1].startswith("F1 ")
    monkeypatch.setattr(train_pairs, "MRPC", tmp_path / "nowhere/train.tsv")
    (train_pairs.SPLITS / "mrpc-fit.tsv").unlink()
    with pytest.raises(SystemExit, match="MRPC's train file"):
        eval_pairs.main(["--pairs", str(pairs), "--system", "cosine"])
    with pytest.raises(SystemExit, match="no such file"):
        eval_pairs.main(["--pairs", str(tmp_path / "typo.tsv")])


def test_pasted_markup_with_control_characters_is_measured_not_a_server_error():
    """Found by the fuzz test in CI: a control character in a pasted page reached lxml's tree edit
    (dropping a <script> moves its tail) and raised ValueError instead of an answer."""
    from claims.nlp.html import page_text

    markup = ("<html><body><p>Repairs will cost 12 million euros, the engineer said.</p>"
              "<script>x()</script>\x01\x0b tail text<p>Ferries will run from Monday.</p></body></html>")
    text = page_text(markup)
    assert "Repairs will cost 12 million euros" in text and "tail text" in text and "x()" not in text
    assert "\x01" not in text and "\x0b" not in text
