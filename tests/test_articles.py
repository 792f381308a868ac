"""Services: ingestion, processing, review, audit, on the configured database."""

import datetime

import pytest
from django.db import connection, transaction

from claims import articles, speakers, workflow
from claims.audit import audit_door, audit_verify
from claims.errors import InvalidInput
from claims.models import Article, AuditRecord, Claim, ClaimMatch
from claims.processing import extraction, matching, sender

from .factories import ClaimFactory, EditorFactory

pytestmark = pytest.mark.django_db

BODY = "Bridge closes\n\nThe council closed the Harbour Bridge on Tuesday after finding corrosion in 14 cables."


def test_ingest_stores_article_and_audits_it():
    editor = EditorFactory()
    with audit_door("api"):
        result = articles.article_ingest(body=BODY, source="Gazette", user=editor, queue=False)
    assert result.created
    article = result.article
    assert article.title == "Bridge closes"
    assert article.status == Article.Status.QUEUED
    rec = AuditRecord.objects.get(object_type="article", object_id=str(article.pk))
    assert (rec.actor_username, rec.door, rec.action) == (editor.username, "api", "article.ingest")
    assert rec.changes["source"] == [None, "Gazette"]


def test_same_body_twice_is_one_article_reported_as_duplicate():
    first = articles.article_ingest(body=BODY, queue=False)
    again = articles.article_ingest(body="  " + BODY.upper() + "\n\n", title="Other title", queue=False)
    assert again.duplicate
    assert again.article.pk == first.article.pk
    assert Article.objects.count() == 1


@pytest.mark.parametrize("body", ["", "   ", "<div></div>"])
def test_empty_body_is_refused_and_nothing_is_written(body):
    with pytest.raises(InvalidInput, match="empty"):
        articles.article_ingest(body=body, queue=False)
    assert Article.objects.count() == 0
    assert AuditRecord.objects.count() == 0


def test_bad_date_and_url_are_refused():
    with pytest.raises(InvalidInput, match="published must be a date"):
        articles.article_ingest(body=BODY, published="last Tuesday", queue=False)
    with pytest.raises(InvalidInput, match="url must be an http"):
        articles.article_ingest(body=BODY, url="javascript:alert(1)", queue=False)
    assert Article.objects.count() == 0


def test_processing_extracts_claims_and_is_safe_to_run_twice():
    article = articles.article_ingest(body=BODY, queue=False).article
    assert extraction.article_extract(article_id=article.pk)
    assert not extraction.article_extract(article_id=article.pk)  # redelivered: nothing to do
    assert matching.article_match(article_id=article.pk)
    assert not matching.article_match(article_id=article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.DONE
    claim = article.claims.get()
    assert claim.text.startswith("The council closed the Harbour Bridge")
    assert len(bytes(claim.match_embedding)) == 768


def test_matching_records_carry_both_vectors_and_the_article_headline():
    from claims import selectors
    from claims.nlp.embeddings import decode_embedding, match_vectors

    article = articles.article_ingest(body=BODY, title="Harbour Bridge shut for repairs", published="2026-03-02",
                                      queue=False).article
    extraction.article_extract(article_id=article.pk)
    article.refresh_from_db()
    headline = decode_embedding(article.headline_embedding)
    assert float(headline @ match_vectors(["Harbour Bridge shut for repairs"])[0]) > 0.999
    (record,) = selectors.claim_records_for_article(article_id=article.pk)
    assert record.context == "Harbour Bridge shut for repairs"
    assert record.published == datetime.date(2026, 3, 2)
    assert float(record.context_embedding @ headline) > 0.999
    claim = article.claims.get()
    assert float(record.match_embedding @ match_vectors([claim.text])[0]) > 0.999
    assert [r.id for r in selectors.claim_records_after(after_id=0)] == [claim.pk]


def test_failure_marks_the_article_failed_and_writes_no_claims(monkeypatch):
    article = articles.article_ingest(body=BODY, queue=False).article

    def broken(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(extraction, "extract_claims", broken)
    assert not extraction.article_extract(article_id=article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED
    assert "model exploded" in article.error
    assert not article.claims.exists()


def test_seed_articles_match_each_other(seeds):
    matching.matching_index_reset()
    first = articles.article_ingest(body=seeds[0], queue=False).article
    articles.article_process_sync(article_id=first.pk)
    second = articles.article_ingest(body=seeds[1], queue=False).article
    articles.article_process_sync(article_id=second.pk)
    same = ClaimMatch.objects.filter(kind="same", claim__article=second).select_related("claim", "earlier")
    pairs = [(m.claim.text, m.earlier.text) for m in same]

    def matched(new_fragment, old_fragment):
        return any(new_fragment in a and old_fragment in b for a, b in pairs)

    assert matched("A visit by Xi to Russia", "A visit by Mr Xi to Russia")
    assert matched("Wagner assault units are advancing", "assault units are advancing from several directions")
    assert matched("planning to seek the arrests of Russian officials", "approve arrest warrants")
    assert all(m.earlier.article_id == first.pk for m in same)


def test_audit_chain_verifies_and_detects_tampering():
    editor = EditorFactory()
    claim = ClaimFactory()
    for text in ("Called the council", "No answer yet", "Minutes received"):
        workflow.claim_comment(claim=claim, user=editor, text=text)
    result = audit_verify()
    assert result.broken is None and result.checked == 3
    victim = AuditRecord.objects.order_by("id")[1]
    _tamper(victim.pk, '{"comment": [null, "Nothing to see here"]}')
    result = audit_verify()
    assert result.broken.pk == victim.pk
    assert result.checked == 1


def _tamper(pk, changes_json):
    """Edit an audit row behind the application's back (triggers switched off, as an attacker would)."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE claims_audit_record DISABLE TRIGGER USER")
            cur.execute("UPDATE claims_audit_record SET changes = %s::jsonb WHERE id = %s", [changes_json, pk])
            cur.execute("ALTER TABLE claims_audit_record ENABLE TRIGGER USER")
        else:
            cur.execute("UPDATE claims_audit_record SET changes = %s WHERE id = %s", [changes_json, pk])


def test_database_refuses_update_and_delete_of_audit_records(require_postgres):
    editor = EditorFactory()
    workflow.claim_comment(claim=ClaimFactory(), user=editor, text="Checked")
    rec = AuditRecord.objects.get()
    for sql in ("UPDATE claims_audit_record SET action = 'x' WHERE id = %s", "DELETE FROM claims_audit_record WHERE id = %s"):
        with pytest.raises(Exception, match="append-only"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql, [rec.pk])
    assert AuditRecord.objects.get().action == "claim.comment"


def test_audit_record_requires_the_change_transaction():
    from claims.audit import audit_record

    claim = ClaimFactory()
    with pytest.raises(RuntimeError):
        # outside any atomic block (pytest-django wraps tests in one, so leave it explicitly)
        transaction.get_connection().in_atomic_block = False
        try:
            audit_record(actor=None, action="x", obj=claim, changes={})
        finally:
            transaction.get_connection().in_atomic_block = True


def test_requeue_resets_a_failed_article(monkeypatch):
    article = articles.article_ingest(body=BODY, queue=False).article
    Article.objects.filter(pk=article.pk).update(status=Article.Status.FAILED, error="boom")
    queued = []
    monkeypatch.setattr(sender, "article_queue", lambda *, article_id: queued.append(article_id) or "")
    articles.article_requeue(article=article, user=EditorFactory())
    article.refresh_from_db()
    assert (article.status, article.error, queued) == ("queued", "", [article.pk])


def test_claims_keep_reading_order(seeds):
    article = articles.article_ingest(body=seeds[1], queue=False).article
    articles.article_process_sync(article_id=article.pk)
    starts = list(Claim.objects.filter(article=article).values_list("start", flat=True))
    assert starts == sorted(starts) and len(starts) > 10


@pytest.mark.parametrize(
    "first, second",
    [("Volodymyr Zelensky", "Zelenskyy"), ("Xi Jinping", "Xi"), ("Zelenskyy", "Volodymyr Zelensky"),
     ("Yevgeny Prigozhin", "Yevgeniy Prigozhin")],
)
def test_one_person_is_one_speaker_however_spelled(first, second):
    a = speakers.speaker_resolve(name=first, kind="person")
    b = speakers.speaker_resolve(name=second, kind="person")
    assert a.pk == b.pk
    b.refresh_from_db()
    assert {first, second} <= {b.name, *b.aliases}
    assert len(b.name.split()) == 2  # the fuller spelling is the display name


def test_different_people_with_one_family_name_stay_apart():
    a = speakers.speaker_resolve(name="Joe Biden", kind="person")
    b = speakers.speaker_resolve(name="Hunter Biden", kind="person")
    assert a.pk != b.pk
    org = speakers.speaker_resolve(name="Zelensky", kind="organisation")
    assert org.kind == "organisation" and org.pk not in (a.pk, b.pk)


def test_upgrade_backfills_the_matching_vectors_of_claims_stored_before_minilm(monkeypatch):
    """Claims stored before matching used MiniLM (they had only the e5 vector) get theirs in the
    0006 migration, so none of them drops out of matching."""
    import importlib

    from django.apps import apps

    from claims.nlp.embeddings import decode_embedding, match_vectors

    migration = importlib.import_module("claims.migrations.0006_matching_minilm_backfill")
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches
    olds = [ClaimFactory(text=f"The Harbour Bridge was closed for {n} months.") for n in (2, 4, 6, 8, 10)]
    for old in olds:
        Claim.objects.filter(pk=old.pk).update(match_embedding=None)
    Article.objects.update(headline_embedding=None)
    migration.backfill(apps, None)
    for old in olds:
        old.refresh_from_db()
        old.article.refresh_from_db()
        assert float(decode_embedding(old.match_embedding) @ match_vectors([old.text])[0]) > 0.999
        assert float(decode_embedding(old.article.headline_embedding) @ match_vectors([old.article.title])[0]) > 0.999


def test_a_fresh_worker_reuses_the_graph_another_worker_saved(seeds, settings, monkeypatch):
    from claims.nlp.matching.ann import DenseIndex

    settings.CLAIMDESK_MATCH_EXACT_LIMIT = 5  # an HNSW graph from the sixth claim on
    matching.matching_index_reset()
    article = articles.article_ingest(body=seeds[0], queue=False).article
    articles.article_process_sync(article_id=article.pk)
    matching.matching_index_reset()  # a new worker process
    index = matching.matching_index_refresh()
    graph = settings.VAR_DIR / "match-index" / "graph.usearch"
    assert index.dense.approximate and graph.exists() and index.saved_rows == len(index) == article.claims.count()

    def refuse(self):
        raise AssertionError("rebuilt instead of reusing the saved graph")

    monkeypatch.setattr(DenseIndex, "build", refuse)
    matching.matching_index_reset()  # and another one
    second = articles.article_ingest(body=seeds[1], queue=False).article
    articles.article_process_sync(article_id=second.pk)
    assert Article.objects.get(pk=second.pk).status == Article.Status.DONE
    assert ClaimMatch.objects.filter(claim__article=second, kind="same").exists()
    matching.matching_index_reset()


def test_claims_stored_without_a_matching_vector_get_one_before_indexing():
    matching.matching_index_reset()
    claim = ClaimFactory(text="The Harbour Bridge was closed for eight months.")
    Claim.objects.filter(pk=claim.pk).update(match_embedding=None)
    index = matching.matching_index_refresh()
    claim.refresh_from_db()
    assert claim.match_embedding is not None and index.get(claim.pk).text == claim.text
    matching.matching_index_reset()


def test_a_claim_committed_after_later_ones_still_reaches_the_index():
    """Two workers extracting at once: the transaction holding the lower ids may commit last."""
    matching.matching_index_reset()
    claims = [ClaimFactory(text=f"The Harbour Bridge was closed for {n} months.") for n in (2, 4, 6)]
    from claims.nlp.embeddings import encode_embedding, match_vectors

    for claim in claims:
        Claim.objects.filter(pk=claim.pk).update(match_embedding=encode_embedding(match_vectors([claim.text])[0]))
    late = Claim.objects.get(pk=claims[1].pk)
    Claim.objects.filter(pk=late.pk).delete()  # "not committed yet"
    index = matching.matching_index_refresh()
    assert late.pk not in index and claims[2].pk in index
    late.save(force_insert=True)  # now it commits, with its lower id
    index = matching.matching_index_refresh()
    assert late.pk in index and len(index) == 3
    matching.matching_index_reset()
