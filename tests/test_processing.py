"""Leases, the sweep and re-extraction, in one process (the real processes are in test_faults.py)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims import articles, speakers
from claims.audit import audit_verify
from claims.models import Article, AuditRecord, Claim, Comment
from claims.nlp.types import ExtractedClaim
from claims.processing import extraction, leases, sender, sweep
from claims.processing.leases import ARTICLES

from .factories import EditorFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

BODY = ("Bridge closed\n\nThe council closed the Harbour Bridge on Tuesday, the mayor said. "
        "Repairs will cost 12 million euros, according to the engineer. "
        "\"We had no choice,\" the mayor said.")


def _article(**fields):
    article = articles.article_ingest(body=BODY, queue=False).article
    if fields:
        Article.objects.filter(pk=article.pk).update(**fields)
        article.refresh_from_db()
    return article


def _past(seconds=1):
    return timezone.now() - dt.timedelta(seconds=seconds)


def test_a_live_lease_is_never_taken_twice():
    article = _article()
    assert ARTICLES.take(article.pk, waiting="queued", owner="host-a:1:x")
    assert not ARTICLES.take(article.pk, waiting="queued", owner="host-b:2:y")
    article.refresh_from_db()
    assert (article.status, article.lease_owner, article.attempts) == ("extracting", "host-a:1:x", 1)
    assert article.lease_expires > timezone.now()


def test_an_expired_lease_is_taken_over_and_audited():
    article = _article()
    assert ARTICLES.take(article.pk, waiting="queued", owner="host-a:1:x")
    Article.objects.filter(pk=article.pk).update(lease_expires=_past())
    assert ARTICLES.take(article.pk, waiting="queued", owner="host-b:2:y")
    article.refresh_from_db()
    assert (article.lease_owner, article.attempts) == ("host-b:2:y", 2)
    record = AuditRecord.objects.get(action="article.lease_takeover")
    assert record.changes["lease_owner"] == ["host-a:1:x", "host-b:2:y"]


def test_a_lease_whose_process_on_this_machine_is_gone_is_taken_at_once(monkeypatch):
    import socket

    article = _article()
    dead = f"{socket.gethostname()}:999999999:x"  # no such pid
    assert ARTICLES.take(article.pk, waiting="queued", owner=dead)
    assert ARTICLES.take(article.pk, waiting="queued", owner="me")
    other_host = "elsewhere:999999999:x"  # never judged from here: only its expiry counts
    Article.objects.filter(pk=article.pk).update(lease_owner=other_host)
    assert not ARTICLES.take(article.pk, waiting="queued", owner="me-again")


def test_a_killed_child_that_is_not_reaped_yet_counts_as_gone():
    import os
    import subprocess

    child = subprocess.Popen(["sleep", "30"])
    try:
        assert leases._pid_alive(child.pid)
        os.kill(child.pid, 9)
        import time

        time.sleep(0.3)  # not waited for: a zombie
        assert not leases._pid_alive(child.pid)
    finally:
        child.wait()


def test_the_final_write_is_refused_when_the_lease_was_lost(monkeypatch):
    article = _article()
    real = extraction.extract_claims

    def slow_and_overtaken(body, title=None):
        # Another worker took the article over while this one was still working.
        Article.objects.filter(pk=article.pk).update(lease_owner="someone-else")
        return real(body, title=title)

    monkeypatch.setattr(extraction, "extract_claims", slow_and_overtaken)
    assert not extraction.article_extract(article_id=article.pk)
    article.refresh_from_db()
    assert (article.status, article.lease_owner) == ("extracting", "someone-else")
    assert not article.claims.exists()
    assert not AuditRecord.objects.filter(action="article.extract").exists()


def test_a_failure_after_the_lease_was_lost_does_not_fail_the_other_workers_article(monkeypatch):
    article = _article()

    def overtaken_then_broken(body, title=None):
        Article.objects.filter(pk=article.pk).update(lease_owner="someone-else")
        raise RuntimeError("boom")

    monkeypatch.setattr(extraction, "extract_claims", overtaken_then_broken)
    assert not extraction.article_extract(article_id=article.pk)
    article.refresh_from_db()
    assert article.status == "extracting" and article.error == ""


def test_sweep_hands_an_expired_lease_back_and_sends_it_again():
    article = _article(status="extracting", lease_owner="dead:1:x", lease_expires=_past(), attempts=1)
    sent = []
    result = sweep.processing_sweep(send=lambda *, article_id, countdown: sent.append((article_id, countdown)))
    article.refresh_from_db()
    assert (article.status, article.lease_owner, article.lease_expires) == ("queued", "", None)
    assert result.returned == [article.pk] and sent == [(article.pk, sweep.backoff_seconds(2))]
    record = AuditRecord.objects.get(action="article.lease_expired")
    assert record.changes["status"] == ["extracting", "queued"] and record.door == "command"


def test_sweep_returns_matching_to_extracted():
    article = _article(status="matching", lease_owner="dead:1:x", lease_expires=_past(), attempts=1)
    sent = []
    sweep.processing_sweep(send=lambda *, article_id, countdown: sent.append(article_id))
    article.refresh_from_db()
    assert article.status == "extracted" and sent == [article.pk]


def test_sweep_gives_up_after_the_last_attempt_with_the_reason(settings):
    settings.CLAIMDESK_MAX_ATTEMPTS = 3
    article = _article(status="extracting", lease_owner="dead:1:x", lease_expires=_past(), attempts=3)
    sent = []
    result = sweep.processing_sweep(send=lambda *, article_id, countdown: sent.append(article_id))
    article.refresh_from_db()
    assert article.status == "failed" and result.failed == [article.pk] and sent == []
    assert "gave up after 3 attempts" in article.error and "dead:1:x" in article.error


def test_a_take_past_the_last_attempt_fails_the_article(settings):
    settings.CLAIMDESK_MAX_ATTEMPTS = 2
    article = _article(attempts=2)
    assert not ARTICLES.take(article.pk, waiting="queued", owner="me")
    article.refresh_from_db()
    assert article.status == "failed" and "gave up after 2 attempts" in article.error


def test_backoff_grows_and_is_bounded():
    assert [sweep.backoff_seconds(n) for n in (1, 2, 3, 4)] == [0, 10, 20, 40]
    assert sweep.backoff_seconds(50) == 300


def test_sweep_resends_articles_never_sent_and_lost_ones_only_when_the_queue_is_empty(monkeypatch, settings):
    settings.CLAIMDESK_RESEND_AFTER_SECONDS = 60
    never = _article()
    Article.objects.filter(pk=never.pk).update(queued_at=None)
    recent = articles.article_ingest(body=BODY + " Again.", queue=False).article
    Article.objects.filter(pk=recent.pk).update(queued_at=_past(5))
    stale = articles.article_ingest(body=BODY + " Once more.", queue=False).article
    Article.objects.filter(pk=stale.pk).update(queued_at=_past(120), status="extracted")
    done = articles.article_ingest(body=BODY + " Done.", queue=False).article
    Article.objects.filter(pk=done.pk).update(queued_at=None, status="done")

    def swept(pending):
        monkeypatch.setattr(sweep, "broker_pending", lambda: pending)
        sent = []
        sweep.processing_sweep(send=lambda *, article_id, countdown: sent.append(article_id) or "")
        return sorted(sent)

    assert swept(pending=0) == sorted([never.pk, stale.pk])
    assert swept(pending=7) == [never.pk]  # messages are waiting: the stale one may be among them
    assert swept(pending=None) == sorted([never.pk, stale.pk])  # the broker cannot say: send, tasks are idempotent


def test_sweep_reports_articles_it_could_not_send():
    article = _article()
    result = sweep.processing_sweep(send=lambda *, article_id, countdown: "broker down")
    assert result.unsent == {article.pk: "broker down"}


def test_requeue_is_refused_while_a_worker_holds_the_article():
    article = _article()
    assert ARTICLES.take(article.pk, waiting="queued", owner="busy:1:x")
    with pytest.raises(Exception, match="being processed right now"):
        articles.article_requeue(article=article, user=EditorFactory())
    Article.objects.filter(pk=article.pk).update(lease_expires=_past())  # its worker died
    articles.article_requeue(article=article, user=EditorFactory())
    article.refresh_from_db()
    assert (article.status, article.attempts, article.lease_owner) == ("queued", 0, "")


def test_the_database_refuses_two_claims_over_one_span():
    article = _article()
    articles.article_process_sync(article_id=article.pk)
    claim = article.claims.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(article=article, start=claim.start, end=claim.end, text=claim.text, checkworthiness=0.5)


def test_requeue_twice_over_keeps_claim_ids_and_never_duplicates(monkeypatch):
    monkeypatch.setattr(sender, "article_queue", lambda *, article_id, countdown=0: "")
    article = _article()
    articles.article_process_sync(article_id=article.pk)
    before = sorted(article.claims.values_list("pk", "start", "end"))
    for _ in range(2):
        articles.article_requeue(article=article, user=EditorFactory())
        articles.article_process_sync(article_id=article.pk)
    article.refresh_from_db()
    assert article.status == "done"
    assert sorted(article.claims.values_list("pk", "start", "end")) == before


def test_reextraction_keeps_worked_on_claims_replaces_untouched_ones_and_audits_it(monkeypatch):
    from claims import workflow

    monkeypatch.setattr(sender, "article_queue", lambda *, article_id, countdown=0: "")
    article = _article()
    articles.article_process_sync(article_id=article.pk)
    claims = list(article.claims.order_by("start"))
    assert len(claims) >= 2
    worked, untouched = claims[0], claims[1]
    editor, reviewer = EditorFactory(), ReviewerFactory()
    workflow.claim_assign(claim=worked, user=editor, assignee=reviewer)
    workflow.claim_comment(claim=worked, user=editor, text="Check the tender documents.")

    # The extractor now cuts the text differently: one claim per half of the body.
    body = article.body
    half = len(body) // 2
    real = extraction.extract_claims

    def recut(text, title=None):
        extraction = real(text, title=title)
        template = extraction.claims[0]
        extraction.claims[:] = [
            ExtractedClaim(**{**template.__dict__, "start": start, "end": end, "text": text[start:end]})
            for start, end in ((worked.start, worked.end + 5), (half, len(text)))
        ]
        return extraction

    monkeypatch.setattr(extraction, "extract_claims", recut)
    articles.article_requeue(article=article, user=editor)
    articles.article_process_sync(article_id=article.pk)

    article.refresh_from_db()
    assert article.status == "done"
    kept = Claim.objects.get(pk=worked.pk)  # kept, with its assignment and comment
    assert (kept.start, kept.end, kept.assignee) == (worked.start, worked.end, reviewer)
    assert Comment.objects.filter(claim=kept).exists() and kept.assignments.exists()
    assert not Claim.objects.filter(pk=untouched.pk).exists()  # replaced
    spans = sorted(article.claims.values_list("start", "end"))
    assert (half, len(body)) in spans and (worked.start, worked.end + 5) not in spans  # overlapped the kept one
    assert len(spans) == len(set(spans))
    record = AuditRecord.objects.filter(action="article.extract", object_id=str(article.pk)).last()
    assert record.changes["kept"] == [None, [worked.pk]]
    assert untouched.pk in [c["id"] for c in record.changes["replaced"][0]]
    assert audit_verify().broken is None


# --- the audit chain: no fork, and a cut tail is detected ---------------------------------------------


def _comments(n):
    from claims import workflow

    from .factories import ClaimFactory

    editor, claim = EditorFactory(), ClaimFactory()
    for i in range(n):
        workflow.claim_comment(claim=claim, user=editor, text=f"note {i}")


def _delete_behind_the_apps_back(pk):
    from django.db import connection

    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE claims_audit_record DISABLE TRIGGER USER")
        cur.execute("DELETE FROM claims_audit_record WHERE id >= %s", [pk])
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE claims_audit_record ENABLE TRIGGER USER")


def test_the_database_refuses_two_records_after_one(db):
    _comments(1)
    first = AuditRecord.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditRecord.objects.create(at=timezone.now(), door="api", action="x", object_type="claim", object_id="1",
                                   prev_hash=first.prev_hash, hash="f" * 64)


def test_verify_with_a_kept_head_detects_deleted_newest_records(capsys):
    from django.core.management import CommandError, call_command

    _comments(3)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    head = out.split("head: ")[1].split()[0]
    assert head == AuditRecord.objects.order_by("-id").first().hash
    call_command("audit", "verify", "--expect-head", head)  # nothing lost yet
    _delete_behind_the_apps_back(AuditRecord.objects.order_by("-id").first().pk)
    assert audit_verify().broken is None  # the chain that is left still links up...
    with pytest.raises(CommandError, match="audit trail truncated"):
        call_command("audit", "verify", "--expect-head", head)  # ...but the kept head is gone


# --- one lock order; race-free speakers (PostgreSQL) -----------------------------------------------------


def test_a_claim_row_lock_comes_after_the_audit_chain_lock(require_postgres):
    from django.db import connection

    from claims import workflow

    from .factories import ClaimFactory

    claim = ClaimFactory()
    with transaction.atomic():
        workflow._lock(claim)
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            assert cur.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_resolving_spellings_of_one_person_at_once_make_one_record(require_postgres, flushable_db):
    import threading

    from django.db import connection

    from claims.models import Speaker

    barrier = threading.Barrier(4)
    errors = []

    def resolve(name):
        try:
            barrier.wait(5)
            speakers.speaker_resolve(name=name, kind="person")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    names = ["Zelensky", "Volodymyr Zelensky", "Zelenskyy", "President Zelensky"]
    threads = [threading.Thread(target=resolve, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    people = list(Speaker.objects.filter(kind="person"))
    assert len(people) == 1, [(p.name, p.aliases) for p in people]
    assert {"Zelensky", "Volodymyr Zelensky", "Zelenskyy"} <= {people[0].name, *people[0].aliases}


def test_sweep_recovers_an_article_stranded_without_a_lease_by_an_earlier_release():
    article = _article(status="extracting", lease_owner="", lease_expires=None, attempts=0)
    sent = []
    sweep.processing_sweep(send=lambda *, article_id, countdown: sent.append(article_id) or "")
    article.refresh_from_db()
    assert article.status == "queued" and sent == [article.pk]


def test_audit_csv_export_neutralises_formulas_from_untrusted_text():
    import csv
    import io

    from claims import workflow
    from claims.audit import audit_export

    from .factories import ClaimFactory

    workflow.claim_comment(claim=ClaimFactory(), user=EditorFactory(username="=cmd|' /C calc'!A0"), text="x")
    content, _ = audit_export(AuditRecord.objects.all(), "csv")
    (row,) = list(csv.DictReader(io.StringIO(content)))
    assert row["actor"].startswith("'=") and row["id"].isdigit()


def test_audit_filter_with_an_offset_postgresql_cannot_store_is_read_in_utc(client):
    """Found by the contract test: ?since=...+21:34 was a 500 (PostgreSQL refuses the offset)."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=EditorFactory())
    response = client.get("/api/audit/", {"since": "2020-08-16T08:37:43+21:34", "until": "2031-01-01T00:00:00+03:30"},
                          HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
