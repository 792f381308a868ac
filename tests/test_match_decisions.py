"""Match decisions a person can see and that count once; each pair of claims stored once; the report
says earlier or later by the articles' dates (issue 22, "Match decisions are invisible")."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from claims import articles, reports, workflow
from claims.models import Article, AuditRecord, ClaimMatch, MatchDecision
from claims.processing import extraction, matching
from claims.selectors import match_precision_by_threshold

from .factories import ArticleFactory, ClaimFactory, EditorFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return {"editor": EditorFactory(username="ed"), "editor2": EditorFactory(username="ed2"),
            "reviewer": ReviewerFactory(username="rev")}


def _pair(score=0.9, kind="same"):
    """A claim of an older article and one of a newer article, stored as their match."""
    earlier = ClaimFactory(article=ArticleFactory(published=datetime.date(2026, 3, 1)))
    later = ClaimFactory(article=ArticleFactory(published=datetime.date(2026, 3, 9)))
    return ClaimMatch.objects.create(claim=later, earlier=earlier, score=score, kind=kind)


def _audits(match, action):
    return AuditRecord.objects.filter(object_type="claim", object_id=str(match.claim_id), action=action).count()


# --- (b) deciding twice ---------------------------------------------------------------------------


def test_the_same_decision_twice_stores_one_decision_and_one_audit_record(users):
    match = _pair()
    first = workflow.match_decide(match=match, user=users["editor"], decision="confirm")
    again = workflow.match_decide(match=match, user=users["editor2"], decision="confirm")
    assert first.created and not again.created
    assert again.pk == first.pk and again.by == "ed"
    assert MatchDecision.objects.filter(match=match).count() == 1
    assert _audits(match, "match.confirm") == 1
    assert workflow.match_decision_text(again).startswith("confirmed by ed on ")


def test_a_changed_decision_is_recorded_and_the_earlier_one_stays_on_record(users):
    match = _pair(score=0.8)
    workflow.match_decide(match=match, user=users["editor"], decision="confirm")
    changed = workflow.match_decide(match=match, user=users["editor2"], decision="reject")
    assert changed.created
    assert list(MatchDecision.objects.filter(match=match).values_list("decision", "username")) == [
        ("confirm", "ed"), ("reject", "ed2")]
    record = AuditRecord.objects.get(object_id=str(match.claim_id), action="match.reject")
    assert record.changes["decision"] == ["confirm by ed", "reject"]
    # the decision that stands is the one the precision report counts
    row = match_precision_by_threshold(thresholds=[0.5])[0]
    assert (row["decided"], row["confirmed"]) == (1, 0)


def test_a_deleted_users_decision_still_says_who_took_it(users):
    match = _pair()
    workflow.match_decide(match=match, user=users["editor2"], decision="reject")
    users["editor2"].delete()
    assert MatchDecision.objects.get(match=match).by == "ed2"


def test_the_api_answers_a_repeated_decision_with_the_standing_one(users, client):
    from rest_framework.test import APIClient

    match = _pair(score=0.8)
    api = APIClient()
    api.force_authenticate(users["editor"])
    url = f"/api/matches/{match.pk}/decision/"
    first = api.post(url, {"decision": "confirm"}, format="json")
    assert first.status_code == 201 and first.json()["by"] == "ed"
    api.force_authenticate(users["editor2"])
    again = api.post(url, {"decision": "confirm"}, format="json")
    assert again.status_code == 200
    body = again.json()
    assert body["id"] == first.json()["id"] and body["detail"].startswith(f"match {match.pk} already confirmed by ed")
    assert MatchDecision.objects.filter(match=match).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_confirming_at_once_on_postgresql_record_one_decision(require_postgres, flushable_db):
    editors = [EditorFactory(username=f"race{n}") for n in range(4)]
    match = _pair()
    barrier, errors = threading.Barrier(len(editors)), []

    def confirm(user):
        try:
            barrier.wait(5)
            workflow.match_decide(match=match, user=user, decision="confirm")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(u,)) for u in editors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert MatchDecision.objects.filter(match=match).count() == 1
    assert _audits(match, "match.confirm") == 1


# --- (a) the claim page shows the decision --------------------------------------------------------


def _step(client, match, step):
    return client.post(reverse("admin:claims_claim_workflow", args=[match.claim_id, step]),
                       {"match": match.pk}, follow=True)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def _matches_block(response):
    html = response.content.decode()
    start = html.index('id="matches"')
    return html[start:html.index('id="evidence"', start)]


def test_a_rejected_match_shows_who_rejected_it_and_offers_only_the_change(client, users):
    match = _pair()
    client.force_login(users["editor"])
    response = _step(client, match, "reject-match")
    assert any(m.startswith(f"Match with claim #{match.earlier_id} rejected by ed on ") for m in _messages(response))
    block = _matches_block(response)
    assert "Rejected by ed on " in block
    assert 'value="Reject match"' not in block and 'value="Reject instead"' not in block
    assert 'value="Confirm instead"' in block


def test_confirming_again_on_the_claim_page_says_who_already_did(client, users):
    match = _pair()
    workflow.match_decide(match=match, user=users["editor"], decision="confirm")
    client.force_login(users["editor2"])
    response = _step(client, match, "confirm-match")
    assert any("already confirmed by ed on " in m and "nothing changed" in m for m in _messages(response))
    assert MatchDecision.objects.filter(match=match).count() == 1
    block = _matches_block(response)
    assert "Confirmed by ed on " in block and 'value="Confirm' not in block


def test_a_changed_decision_shows_the_one_before_it(client, users):
    match = _pair()
    workflow.match_decide(match=match, user=users["editor"], decision="reject")
    client.force_login(users["editor2"])
    block = _matches_block(_step(client, match, "confirm-match"))
    assert "Confirmed by ed2 on " in block
    assert "Before: rejected by ed on " in block
    assert 'value="Reject instead"' in block


def test_an_undecided_match_offers_both_decisions(client, users):
    match = _pair()
    client.force_login(users["editor"])
    block = _matches_block(client.get(reverse("admin:claims_claim_change", args=[match.claim_id])))
    assert 'value="Confirm match"' in block and 'value="Reject match"' in block


# --- (c) one row per pair -------------------------------------------------------------------------


def test_the_database_refuses_the_same_pair_the_other_way_round():
    match = _pair()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimMatch.objects.create(claim=match.earlier, earlier=match.claim, score=0.97, kind="same")


def test_a_pair_found_from_either_side_is_stored_once_as_later_to_earlier():
    older = ClaimFactory()
    newer = ClaimFactory(article=ArticleFactory())
    assert older.article_id < newer.article_id
    # The older article's worker finds the newer claim first (both were extracted)...
    matching.matches_store(rows=[ClaimMatch(claim_id=older.pk, earlier_id=newer.pk, score=0.95, kind="same")])
    # ...then the newer article's worker finds the same pair from its side.
    matching.matches_store(rows=[ClaimMatch(claim_id=newer.pk, earlier_id=older.pk, score=0.97, kind="same")])
    assert list(ClaimMatch.objects.values_list("claim_id", "earlier_id", "score")) == [(newer.pk, older.pk, 0.95)]


def _race_store(older, newer):
    """Two threads store the pair at once, one from each side, each in its own transaction."""
    barrier, errors = threading.Barrier(2), []

    def store(claim, other, score):
        try:
            with transaction.atomic():
                barrier.wait(5)
                matching.matches_store(rows=[ClaimMatch(claim_id=claim.pk, earlier_id=other.pk, score=score,
                                                        kind="same")])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=store, args=args) for args in [(older, newer, 0.95), (newer, older, 0.97)]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_workers_storing_one_pair_at_once_on_postgresql_store_one_row(require_postgres, flushable_db):
    older, newer = ClaimFactory(), ClaimFactory()
    assert _race_store(older, newer) == []
    assert list(ClaimMatch.objects.values_list("claim_id", "earlier_id")) == [(newer.pk, older.pk)]


_SQLITE_SETUP = """
import django
django.setup()
from tests.factories import ClaimFactory
print(ClaimFactory().pk, ClaimFactory().pk)
"""

_SQLITE_WORKER = """
import pathlib, sys, time
import django
django.setup()
from django.db import transaction
from claims.models import ClaimMatch
from claims.processing import matching
claim, other, score, go = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), pathlib.Path(sys.argv[4])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
with transaction.atomic():
    matching.matches_store(rows=[ClaimMatch(claim_id=claim, earlier_id=other, score=score, kind="same")])
"""


@pytest.mark.django_db(databases=[])
def test_two_workers_storing_one_pair_at_once_on_sqlite_store_one_row(tmp_path):
    """Two worker processes on one SQLite file (WAL, IMMEDIATE transactions: the desk's embedded
    default), each storing the pair from its own side once both are ready."""
    import os
    import sqlite3
    import subprocess
    import sys

    db = tmp_path / "race.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": f"sqlite:///{db}",
           "CLAIMDESK_VAR_DIR": str(tmp_path)}

    def run(*args):
        done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("manage.py", "migrate", "-v0")
    older, newer = run("-c", _SQLITE_SETUP).split()
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", _SQLITE_WORKER, a, b, score, str(go)], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for a, b, score in [(older, newer, "0.95"), (newer, older, "0.97")]]
    for w in workers:
        assert w.stdout.readline().strip() == "ready", w.stderr.read()
    go.touch()
    for w in workers:
        _, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT claim_id, earlier_id FROM claims_claimmatch").fetchall()
    assert rows == [(int(newer), int(older))]


def test_two_articles_extracted_before_either_was_matched_store_each_pair_once(seeds):
    first = articles.article_ingest(body=seeds[0], queue=False).article
    second = articles.article_ingest(body=seeds[1], queue=False).article
    # Two workers: both articles extracted, then each matched against the other's claims.
    assert extraction.article_extract(article_id=first.pk) and extraction.article_extract(article_id=second.pk)
    assert matching.article_match(article_id=first.pk) and matching.article_match(article_id=second.pk)
    rows = list(ClaimMatch.objects.values_list("claim_id", "earlier_id", "claim__article_id"))
    assert rows, "the seed articles match each other"
    pairs = [frozenset(r[:2]) for r in rows]
    assert len(pairs) == len(set(pairs))
    assert {r[2] for r in rows} == {second.pk}
    assert Article.objects.filter(pk__in=[first.pk, second.pk], status="done").count() == 2


def test_matching_a_corrected_claim_again_keeps_the_decided_pairs_and_stores_no_second_row(users):
    match = _pair()
    workflow.match_decide(match=match, user=users["editor"], decision="confirm")
    matching.claim_rematch(claim_id=match.earlier_id)
    matching.claim_rematch(claim_id=match.claim_id)
    assert ClaimMatch.objects.filter(pk=match.pk).exists()
    assert MatchDecision.objects.filter(match=match).count() == 1


# --- the migration ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_pairs_stored_twice_and_keeps_every_decision(flushable_db):
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("claims", "0012_audit_actor_index")], [("claims", "0013_match_unordered_pair")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Match, Decision = apps.get_model("claims", "ClaimMatch"), apps.get_model("claims", "MatchDecision")
    User = apps.get_model("auth", "User")
    reviewer = User.objects.create(username="mig-reviewer")
    a, b, c, d = (ClaimFactory() for _ in range(4))
    # a~b twice: keep the row with a decision, though the other scored higher
    decided = Match.objects.create(claim_id=b.pk, earlier_id=a.pk, score=0.95, kind="same")
    Match.objects.create(claim_id=a.pk, earlier_id=b.pk, score=0.97, kind="same")
    Decision.objects.create(match=decided, user=reviewer, decision="confirm", score=0.95)
    # c~d twice, each with a decision: keep the higher score, and both decisions on it
    lower = Match.objects.create(claim_id=d.pk, earlier_id=c.pk, score=0.61, kind="related")
    best = Match.objects.create(claim_id=c.pk, earlier_id=d.pk, score=0.66, kind="related")
    Decision.objects.create(match=lower, user=reviewer, decision="reject", score=0.61)
    Decision.objects.create(match=best, user=None, decision="confirm", score=0.66)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes("claims"))

    rows = sorted(ClaimMatch.objects.values_list("pk", "claim_id", "earlier_id", "score"))
    assert rows == sorted([(decided.pk, b.pk, a.pk, 0.95), (best.pk, d.pk, c.pk, 0.66)])
    assert list(MatchDecision.objects.filter(match_id=decided.pk).values_list("decision", "username")) == [
        ("confirm", "mig-reviewer")]
    assert list(MatchDecision.objects.filter(match_id=best.pk).values_list("decision", "score", "username")) == [
        ("reject", 0.61, "mig-reviewer"), ("confirm", 0.66, "")]


# --- (d) the report says earlier or later by the articles' dates ------------------------------------


def test_the_report_says_earlier_or_later_by_the_articles_dates():
    # Ingested second but published first: the stored match's "earlier" claim is the later one.
    ingested_first = ArticleFactory(title="Ingested first", published=datetime.date(2026, 3, 20))
    ingested_second = ArticleFactory(title="Published first", published=datetime.date(2026, 3, 5))
    new = ClaimFactory(article=ingested_first, text="Claim published later.")
    old = ClaimFactory(article=ingested_second, text="Claim published earlier.")
    matching.matches_store(rows=[ClaimMatch(claim_id=old.pk, earlier_id=new.pk, score=0.9, kind="same")])
    report = reports.report_build(date_from="2026-03-01", date_to="2026-03-31")
    notes = {r.text: (r.matched_earlier, r.matched_later, r.match_note) for r in report.rows}
    assert notes["Claim published earlier."] == (False, True, "Matches a later claim.")
    assert notes["Claim published later."] == (True, False, "Matches an earlier claim.")
    assert (report.matched_earlier, report.matched_later) == (1, 1)
    html = reports.report_html(report)
    assert "Matches a later claim." in html and "1 matched a later claim" in html


def test_a_rejected_match_is_no_match_in_the_report(users):
    match = _pair()
    workflow.match_decide(match=match, user=users["editor"], decision="reject")
    report = reports.report_build(date_from="2026-03-01", date_to="2026-03-31")
    assert not any(r.match_note for r in report.rows) and report.matched_earlier == 0
