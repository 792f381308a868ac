"""Bad input, found by machine: Hypothesis throws random and hostile input at ingestion and at every
write endpoint. Each example must end in a stored result or a clear refusal (a 4xx with a JSON
``{"detail": ...}`` on the API), never a 500 and never a half-written article.

Counts come from a settings profile: ``CLAIMDESK_FUZZ_PROFILE=quick|default|thorough`` (CI can raise
them); each test multiplies the profile's base by its own weight. Run with
``--hypothesis-show-statistics`` to see how many examples each test ran; the counts are also written
to ``test-artifacts/fuzz-examples.json``.
"""

import json
import os
import threading
from collections import Counter
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import articles, workflow
from claims.errors import InvalidInput
from claims.models import Article, AuditRecord, Claim, ClaimMatch, Comment, Evidence
from claims.processing import sender

from .conftest import ARTIFACTS
from .factories import ClaimFactory, EditorFactory, ReviewerFactory

settings.register_profile("quick", max_examples=8)
settings.register_profile("default", max_examples=40)
settings.register_profile("thorough", max_examples=400)
BASE = settings.get_profile(os.environ.get("CLAIMDESK_FUZZ_PROFILE", "default")).max_examples


def fuzz(weight=1.0):
    """Per-test Hypothesis settings: the profile's count times ``weight``, no deadline (the first
    example loads models, and databases vary), function-scoped fixtures allowed (each example rolls
    its own writes back)."""
    return settings(
        max_examples=max(3, int(BASE * weight)),
        deadline=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


RAN = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_counts():
    yield
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "fuzz-examples.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(previous | dict(RAN), indent=1, sort_keys=True))


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Each example's writes vanish afterwards, so the next one starts from the same database."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


# --- strategies -------------------------------------------------------------------------------

CONTROL = st.sampled_from(["\x00", "\r", "\r\n", "\x0b", "\x0c", "\x1b", "\x7f", "\u200f", "\u202e", "\u2028",
                           "\ufeff", "\u0085", "\t", "\u00a0", "\ud800", "\udfff"])
WORDS = st.sampled_from(["The", "council", "said", "that", "14", "bridges", "would", "close", "on", "Monday",
                         "“quoted”", "\"he", "said\"", "€12.1m", "Zelenskyy", "أعلن", "שלום", "中文", "🚀", "—",
                         "<p>", "</p>", "<br>", "<script>alert(1)</script>", "&amp;", "&nbsp;", "\n\n", "."])
# any code point, lone surrogates included (a JSON "\ud800" escape decodes to one)
ANY_CHAR_TEXT = st.text(st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
                        max_size=300)
WORDY = st.lists(st.one_of(WORDS, CONTROL, st.text(max_size=8)), max_size=80).map(" ".join)


def _html(parts):
    return "<html><body>" + "".join(f"<p>{p}</p>" for p in parts) + "<script>x()</script></body></html>"


BODY = st.one_of(
    WORDY,
    ANY_CHAR_TEXT,
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=12), st.integers(500, 30_000)),  # huge paragraph
    st.builds(lambda w, n: " ".join([w] * n), st.sampled_from(["word", "Bridge", "и"]), st.integers(1, 5000)),
    st.lists(WORDY, min_size=1, max_size=6).map(_html),
    st.just("x" * 25_001),  # over the (lowered) limit
    st.just(""),
    st.just("<p>&nbsp;</p>"),
)
WRONG_TYPE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                       st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))
STRINGISH = st.one_of(ANY_CHAR_TEXT, WORDY, st.builds(lambda n: "y" * n, st.integers(400, 5000)))
VALUE = st.one_of(STRINGISH, WRONG_TYPE)
DATE = st.one_of(st.dates().map(str), st.just("2023-02-30"), st.just("2023-13-01"), st.just("0000-00-00"),
                 st.just("9999-12-31T23:59:59-23:59"), st.just("0001-01-01T00:00:00+14:00"), st.just("2023-03-13T25:00"),
                 st.datetimes().map(str), VALUE)
URL_TEXT = st.one_of(st.just("https://example.org/a"), st.just("javascript:alert(1)"), st.just("ftp://x.org/"),
                     st.just("http://"), st.just("https://example.org/" + "a" * 2030), st.just("https://[::1"),
                     st.builds(lambda s: "https://example.org/" + quote(s), st.text(max_size=40)), STRINGISH)
URL = st.one_of(URL_TEXT, WRONG_TYPE)
IDS = st.one_of(st.just(None), st.integers(-5, 10**30).map(str), st.text(
    st.characters(exclude_characters="/?#%", exclude_categories=("Cs",)), min_size=1, max_size=20))


def maybe(strategy):
    return st.one_of(strategy, st.just(_MISSING))


_MISSING = object()


def payload(**fields):
    """A JSON object with each field missing, wrong-typed or hostile, or a top-level non-object."""
    obj = st.fixed_dictionaries({k: maybe(v) for k, v in fields.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not _MISSING})
    return st.one_of(obj, obj, obj, WRONG_TYPE, STRINGISH)


def post_json(client, url, data):
    """POST ``data`` as JSON; ``ensure_ascii`` keeps lone surrogates as ``\\udXXX`` escapes, as any JSON
    client may send them."""
    return client.post(url, data=json.dumps(data), content_type="application/json")


def assert_clear(response):
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        detail = response.json().get("detail")
        assert isinstance(detail, str) and detail, response.content[:500]
    return response


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Users are made in many examples; the production hasher would spend most of the run hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def small_limit(settings):
    settings.CLAIMDESK_MAX_ARTICLE_CHARS = 25_000


@pytest.fixture
def editor(db):
    return EditorFactory(username="fuzz-editor")


@pytest.fixture
def api(editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


def _counts():
    return Article.objects.count(), AuditRecord.objects.count()


# --- ingestion, directly ----------------------------------------------------------------------


# title and source without NUL or lone surrogates: every door refuses those (DRF's and Django's form
# fields), and the service trusts its callers for them
FIELD_TEXT = st.one_of(STRINGISH, st.none()).map(
    lambda s: s if s is None else s.replace("\x00", "").encode("utf-8", "replace").decode())


@fuzz(3)
@given(body=st.one_of(BODY, st.binary(max_size=300)), title=maybe(FIELD_TEXT), source=maybe(FIELD_TEXT), url=maybe(URL_TEXT),
       published=maybe(DATE))
def test_article_ingest_stores_the_validated_body_or_refuses_cleanly(small_limit, db, body, title, source, url,
                                                                      published):
    RAN["ingest (services)"] += 1
    fields = {k: v for k, v in {"title": title, "source": source, "url": url, "published": published}.items()
              if v is not _MISSING}
    with rolled_back():
        before = _counts()
        try:
            expected = articles.article_validate(body=body, **fields)
        except InvalidInput as exc:
            assert exc.message
            expected = None
        try:
            result = articles.article_ingest(body=body, queue=False, **fields)
        except InvalidInput:
            assert expected is None, "article_validate accepted what article_ingest refused"
            assert _counts() == before
            return
        assert expected is not None, "article_ingest stored what article_validate refused"
        article = Article.objects.get(pk=result.article.pk)
        assert article.body == expected["body"]
        assert article.title == expected["title"]
        assert _counts() == (before[0] + 1, before[1] + 1)


# Regression tests for what the fuzzing found (each was a 500 or an unhandled exception before).


def test_impossible_published_date_is_refused_not_an_exception(db):
    for published in ("2023-02-30", "2023-03-13T25:00"):
        with pytest.raises(InvalidInput, match="published must be a date"):
            articles.article_validate(body="The council said so.", published=published)


@pytest.mark.parametrize("step", ["comment", "send-back", "approve"])
def test_admin_comment_with_a_nul_character_is_refused_with_a_message(client, editor, step):
    # Django's forms refuse NUL, but these steps read request.POST directly; PostgreSQL cannot store it
    client.force_login(editor)
    claim = _claim_in("proposed" if step != "comment" else "in_review", editor, None)
    comments, audits = Comment.objects.count(), AuditRecord.objects.count()
    response = client.post(f"/admin/claims/claim/{claim.pk}/workflow/{step}/", {"comment": "a\x00b"})
    # refused: the claim page again (200) with the message, the typed text kept
    assert response.status_code == 200
    page = response.content.decode()
    assert "Null characters are not allowed" in page or "the comment contains a NUL character" in page
    assert (Comment.objects.count(), AuditRecord.objects.count()) == (comments, audits)


def test_body_with_a_lone_surrogate_is_refused_before_anything_is_stored(db):
    with pytest.raises(InvalidInput, match="lone surrogate U\\+D800 at position 4"):
        articles.article_ingest(body="Some\ud800 words in a body.", queue=False)
    assert _counts() == (0, 0)


# --- the API ----------------------------------------------------------------------------------


@fuzz(3)
@given(data=payload(body=st.one_of(BODY, BODY, VALUE), title=VALUE, source=VALUE, url=URL, published=DATE))
def test_post_article_stores_or_answers_a_clear_4xx(small_limit, api, data):
    RAN["POST /api/articles/"] += 1
    with rolled_back():
        before = _counts()
        response = assert_clear(post_json(api, "/api/articles/", data))
        if response.status_code >= 400:
            assert response.status_code == 400
            assert _counts() == before
            return
        assert response.status_code == 202
        if "link" in response.json():  # no body, only a url: a link for a worker to fetch
            from claims.models import Link

            assert "body" not in data and Link.objects.filter(pk=response.json()["link"]).exists()
            assert _counts()[0] == before[0]  # no article until the page is fetched
            return
        article = Article.objects.get(pk=response.json()["id"])
        # (DRF's CharField takes a number as its text, so the body is compared as text)
        assert article.body == articles.article_validate(body=str(data["body"]))["body"]
        assert _counts() == (before[0] + 1, before[1] + 1)


CREDENTIALS = st.fixed_dictionaries({
    "username": maybe(st.one_of(st.just("fuzz-editor"), WRONG_TYPE, st.text(max_size=400), STRINGISH)),
    "password": maybe(st.one_of(st.just("pw-for-tests-1"), WRONG_TYPE, st.text(), STRINGISH.map(
        lambda s: s.encode("utf-8", "replace").decode()))),
}).map(lambda d: {k: v for k, v in d.items() if v is not _MISSING})


@fuzz(1)
@given(data=CREDENTIALS)
def test_token_endpoint_answers_a_token_or_a_clear_4xx(editor, data):
    RAN["POST /api/auth/token/"] += 1
    with rolled_back():
        response = assert_clear(post_json(APIClient(), "/api/auth/token/", data))
        if response.status_code == 200:
            assert response.json()["token"] == Token.objects.get(user=editor).key


@pytest.mark.parametrize("body", [None, [], ["editor"], 5, "editor"])
def test_token_endpoint_refuses_a_body_that_is_not_an_object_with_400(db, body):
    response = post_json(APIClient(), "/api/auth/token/", body)
    assert response.status_code == 400 and response.json()["detail"]


def test_token_endpoint_refuses_an_overlong_username_with_400(db, require_postgres):
    response = post_json(APIClient(), "/api/auth/token/", {"username": "u" * 300, "password": "x"})
    assert response.status_code in (400, 401) and response.json()["detail"]


def test_token_endpoint_refuses_a_username_with_a_lone_surrogate_with_400(db):
    response = post_json(APIClient(), "/api/auth/token/", {"username": "ed\ud800", "password": "x"})
    assert response.status_code in (400, 401) and response.json()["detail"]


@pytest.mark.parametrize("due, message", [("2023-02-30T10:00", "ISO 8601"), ("2023-03-13T25:00", "ISO 8601"),
                                           ("9999-12-31T23:59:59-23:59", "out of range"),
                                           ("0001-01-01T00:00:00+14:00", "out of range")])
def test_assign_with_an_impossible_due_time_answers_400(api, editor, due, message):
    claim = ClaimFactory()
    response = post_json(api, f"/api/claims/{claim.pk}/assign/", {"assignee": editor.username, "due": due})
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not AuditRecord.objects.exists()


def test_evidence_url_longer_than_its_column_answers_400(api, editor):
    claim = _claim_in("in_review", editor, None)
    url = "https://example.org/" + "a" * 2010  # URLValidator allows up to 2,048 characters
    response = post_json(api, f"/api/claims/{claim.pk}/evidence/", {"url": url})
    assert response.status_code == 400 and "url is too long: 2,030 characters" in response.json()["detail"]
    assert not Evidence.objects.exists()


def _claim_in(state, editor, reviewer):
    claim = ClaimFactory()
    other = EditorFactory(username="fuzz-other-editor")
    if state in ("in_review", "proposed", "published"):
        workflow.claim_assign(claim=claim, user=other, assignee=editor)
    if state in ("proposed", "published"):
        workflow.claim_propose(claim=claim, user=other, verdict="disputed", rationale="r",
                               evidence=[{"url": "https://example.org/e"}])
    if state == "published":
        workflow.claim_approve(claim=claim, user=EditorFactory(username="fuzz-third-editor"))
    if state == "suggested":
        workflow.claim_assign(claim=claim, user=other, assignee=reviewer)
        Claim.objects.filter(pk=claim.pk).update(suggested_verdict="verified", suggested_from=ClaimFactory())
    claim.refresh_from_db()
    return claim


STATES = st.sampled_from(["unreviewed", "in_review", "proposed", "published", "suggested"])
CLAIM_ENDPOINTS = {
    "assign": payload(assignee=st.one_of(st.sampled_from(["fuzz-editor", "fuzz-reviewer", "nobody", ""]), VALUE),
                      due=DATE),
    "propose": payload(verdict=st.one_of(st.sampled_from(["verified", "disputed", "unattributed", "published"]), VALUE),
                       rationale=STRINGISH, no_evidence_found=st.one_of(st.booleans(), VALUE),
                       evidence=st.one_of(st.lists(payload(url=URL, title=STRINGISH, note=STRINGISH), max_size=3),
                                          VALUE)),
    "approve": payload(comment=VALUE),
    "send-back": payload(comment=VALUE),
    "accept-suggestion": payload(anything=VALUE),
    "comments": payload(text=VALUE),
    "evidence": payload(url=URL, title=STRINGISH, note=VALUE),
}


@fuzz(6)
@given(step=st.sampled_from(sorted(CLAIM_ENDPOINTS)), state=STATES, as_reviewer=st.booleans(),
       other_id=st.one_of(st.none(), IDS), data=st.data())
def test_claim_write_endpoints_store_or_answer_a_clear_4xx(api, editor, step, state, as_reviewer, other_id, data):
    RAN[f"POST /api/claims/{{id}}/{step}/"] += 1
    payload_ = data.draw(CLAIM_ENDPOINTS[step], label="payload")
    with rolled_back():
        reviewer = ReviewerFactory(username="fuzz-reviewer")
        claim = _claim_in(state, editor, reviewer)
        client = api
        if as_reviewer:
            client = APIClient()
            client.force_authenticate(reviewer)
        claim_id = quote(other_id, safe="") if other_id is not None else claim.pk
        audits = AuditRecord.objects.count()
        response = assert_clear(post_json(client, f"/api/claims/{claim_id}/{step}/", payload_))
        if response.status_code >= 400:
            assert AuditRecord.objects.count() == audits
            if other_id is None:
                fresh = Claim.objects.get(pk=claim.pk)
                assert (fresh.state, fresh.verdict, fresh.proposed_verdict) == (
                    claim.state, claim.verdict, claim.proposed_verdict)
        else:
            assert response.status_code in (200, 201)
            if step == "comments":
                assert Comment.objects.get(pk=response.json()["id"]).text == str(payload_["text"]).strip()
            if step == "evidence":
                assert Evidence.objects.filter(pk=response.json()["id"]).exists()


@fuzz(1)
@given(match_id=st.one_of(st.none(), IDS), data=payload(decision=st.one_of(st.sampled_from(["confirm", "reject"]),
                                                                            VALUE)))
def test_match_decision_stores_or_answers_a_clear_4xx(api, editor, match_id, data):
    RAN["POST /api/matches/{id}/decision/"] += 1
    with rolled_back():
        claim = _claim_in("in_review", editor, None)
        match = ClaimMatch.objects.create(claim=claim, earlier=ClaimFactory(), score=0.5, kind="related")
        target = quote(match_id, safe="") if match_id is not None else match.pk
        audits = AuditRecord.objects.count()
        response = assert_clear(post_json(api, f"/api/matches/{target}/decision/", data))
        if response.status_code >= 400:
            assert AuditRecord.objects.count() == audits
        else:
            assert response.json()["decision"] == data["decision"]


ADMIN_STEPS = ["assign", "propose", "approve", "send-back", "comment", "evidence", "accept-suggestion",
               "confirm-match", "reject-match", "unknown"]
FORM_TEXT = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=200), WORDY.map(
    lambda s: s.encode("utf-8", "replace").decode("utf-8", "replace")), st.just("\x00"))
FORM = st.dictionaries(
    st.sampled_from(["assignee", "due", "verdict", "rationale", "evidence_url", "evidence_title", "no_evidence_found",
                     "comment", "url", "title", "note"]),
    st.one_of(FORM_TEXT, st.sampled_from(["verified", "disputed", "unattributed", "https://example.org/x",
                                          "javascript:alert(1)", "2023-02-30", "2031-05-01T17:00", "on", "1"])),
    max_size=6,
)


@fuzz(4)
@given(step=st.sampled_from(ADMIN_STEPS), state=STATES, form=FORM, wrong_id=st.booleans(),
       match=st.one_of(st.none(), st.integers(-3, 10**6), FORM_TEXT))
def test_admin_workflow_posts_redirect_with_a_message_never_500(client, editor, step, state, form, wrong_id, match):
    RAN["POST /admin/claims/claim/<id>/workflow/<step>/"] += 1
    client.force_login(editor)
    with rolled_back():
        claim = _claim_in(state, editor, ReviewerFactory(username="fuzz-reviewer"))
        if match is not None:
            made = ClaimMatch.objects.create(claim=claim, earlier=ClaimFactory(), score=0.5, kind="related")
            form["match"] = str(made.pk if match == 0 else match)
        if "assignee" in form and form["assignee"] == "1":
            form["assignee"] = str(editor.pk)
        audits = AuditRecord.objects.count()
        claim_id = claim.pk + 10_000 if wrong_id else claim.pk
        response = client.post(f"/admin/claims/claim/{claim_id}/workflow/{step}/", form)
        # done: a redirect with a success message; refused: the claim page again (200) with the error
        # beside the form and nothing written; an unknown claim: 404. Never a 500.
        assert response.status_code in (200, 302, 404), response.content[:500]
        if response.status_code in (200, 302):
            # only what this request said (earlier examples' messages wait unread in the same session)
            levels = {m.level_tag for m in get_messages(response.wsgi_request)._queued_messages}
            if response.status_code == 302:
                assert levels == {"success"}, levels
            else:
                assert "success" not in levels, levels
            if response.status_code == 200:
                assert AuditRecord.objects.count() == audits


# --- the real extraction ----------------------------------------------------------------------

SENTENCE = st.builds(
    lambda who, verb, what, end: f"{who} {verb} {what}{end}",
    st.sampled_from(["The council", "Tomas Brandt", "A spokesperson", "He", "“We", "They", "Officials"]),
    st.sampled_from(["said", "told reporters", "claimed", "denied", "announced", "will close"]),
    st.one_of(st.text(max_size=60), st.sampled_from(["14 bridges closed", "the cost rose to €12m", "“it is unsafe”"])),
    st.sampled_from([".", "", "!", "?”", "…", " —", "\n"]),
)
ARTICLE_BODY = st.one_of(
    st.lists(st.lists(SENTENCE, min_size=1, max_size=5).map(" ".join), min_size=1, max_size=5).map("\n\n".join),
    WORDY, ANY_CHAR_TEXT, st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=8), st.integers(200, 3000)),
)


@fuzz(0.65)
@given(body=ARTICLE_BODY)
def test_extraction_ends_done_with_exact_spans_or_failed_with_a_reason(db, body):
    RAN["article_process_sync"] += 1
    with rolled_back():
        try:
            article = articles.article_ingest(body=body, queue=False).article
        except InvalidInput:
            return
        article = articles.article_process_sync(article_id=article.pk)
        if article.status == Article.Status.FAILED:
            assert article.error
            return
        assert article.status == Article.Status.DONE
        for claim in article.claims.all():
            assert claim.text == article.body[claim.start:claim.end]


# --- the same article twice at once -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_same_article_posted_twice_at_once_is_stored_once(flushable_db, require_postgres, monkeypatch):
    # (the test run's SQLite is in memory with a shared cache, which answers "table is locked" at once
    # instead of waiting; the embedded default's file database waits, see test_embedded.py)
    monkeypatch.setattr(sender, "article_queue", lambda *, article_id: "")
    editor = EditorFactory(username="fuzz-racer")
    token = Token.objects.create(user=editor).key
    for round_ in range(5):
        RAN["same article posted twice at once"] += 1
        body = f"Race {round_}\n\nThe council said on Monday that {round_} bridges would close for repairs."
        barrier = threading.Barrier(2)
        answers = []

        def post(body=body, barrier=barrier, answers=answers):
            try:
                client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
                barrier.wait()
                response = client.post("/api/articles/", {"body": body}, format="json")
                answers.append((response.status_code, response.json()))
            except Exception as exc:  # reported below, with the thread's answer
                answers.append((500, repr(exc)))
            finally:
                connection.close()

        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(code for code, _ in answers) == [200, 202], answers
        (dup,) = [a for code, a in answers if code == 200]
        (new,) = [a for code, a in answers if code == 202]
        assert dup["duplicate"] is True and new["duplicate"] is False and dup["id"] == new["id"]
        assert Article.objects.filter(title=f"Race {round_}").count() == 1
        assert AuditRecord.objects.filter(action="article.ingest", object_id=str(new["id"])).count() == 1


@pytest.mark.parametrize("match", ["", "abc", "1.5"])
def test_admin_match_decision_with_a_non_numeric_match_id_is_refused_not_500(client, editor, match):
    client.force_login(editor)
    claim = _claim_in("in_review", editor, None)
    client.raise_request_exception = False
    response = client.post(f"/admin/claims/claim/{claim.pk}/workflow/confirm-match/", {"match": match})
    assert response.status_code in (200, 404)
