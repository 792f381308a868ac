"""Management commands: ingest, export, audit verify, demo."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims import claimreview, workflow
from claims.models import Article, AuditRecord, Claim

from .factories import ClaimFactory, EditorFactory, publish_verdict

pytestmark = pytest.mark.django_db


def test_ingest_sync_processes_the_seeds_in_order(seed_paths, capsys):
    call_command("ingest", *map(str, seed_paths), "--sync", "--source", "Seed")
    out = capsys.readouterr().out
    assert out.count(" done, ") == 2
    first, second = Article.objects.order_by("id")
    assert first.title.startswith("Watch Casualties mount")
    assert second.status == "done" and second.source == "Seed"
    assert Claim.objects.filter(article=second, matches__kind="same").exists()
    assert AuditRecord.objects.filter(action="article.ingest", door="command").count() == 2


def test_ingest_twice_reports_duplicate(tmp_path, capsys):
    path = tmp_path / "a.txt"
    path.write_text("Bridge closes\n\nThe council closed the bridge on Tuesday after an inspection.", encoding="utf-8")
    call_command("ingest", str(path), "--sync")
    call_command("ingest", str(path), "--sync")
    assert "duplicate of article #" in capsys.readouterr().out
    assert Article.objects.count() == 1


def test_invalid_utf8_file_is_refused_and_nothing_is_stored(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Title\n\nThe council closed the bridge on Tuesday.", encoding="utf-8")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Titre\n\nLe conseil a fermé le pont mardi.".encode("latin-1"))
    with pytest.raises(CommandError, match=r"latin1.txt is not valid UTF-8: byte 0xe9 at position \d+"):
        call_command("ingest", str(good), str(bad), "--sync")
    assert not Article.objects.exists()


def test_empty_binary_and_missing_files_are_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n  ")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CommandError) as err:
        call_command("ingest", str(empty), str(binary), str(tmp_path / "missing.txt"))
    message = str(err.value)
    assert "empty" in message and "binary" in message and "no such file" in message
    assert not Article.objects.exists()


def test_title_option_and_metadata(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("First line\n\nThe council closed the bridge on Tuesday after an inspection.", encoding="utf-8")
    call_command("ingest", str(path), "--title", "Given title", "--url", "https://example.org/x",
                 "--published", "2023-03-14", "--sync")
    article = Article.objects.get()
    assert (article.title, article.url, str(article.published)) == ("Given title", "https://example.org/x", "2023-03-14")


def test_export_writes_each_format_to_a_file(tmp_path, seed_paths):
    call_command("ingest", str(seed_paths[0]), "--sync")
    article = Article.objects.get()
    claim = article.claims.filter(speaker__kind="person").first()
    publish_verdict(claim)
    for fmt in ("json", "csv", "claimreview"):
        out = tmp_path / f"report.{fmt}"
        call_command("export", "--format", fmt, "--article", str(article.pk), "-o", str(out))
        assert out.stat().st_size > 0
    data = json.loads((tmp_path / "report.json").read_text())
    assert len(data) == article.claims.count()
    reviews = json.loads((tmp_path / "report.claimreview").read_text())
    assert [r["claimReviewed"] for r in reviews] == [claimreview.summary_default(claim.text)]
    with pytest.raises(CommandError, match="no article with id 999"):
        call_command("export", "--format", "json", "--article", "999")


def test_audit_verify_exit_codes(capsys):
    editor = EditorFactory()
    claim = ClaimFactory()
    workflow.claim_comment(claim=claim, user=editor, text="first")
    workflow.claim_comment(claim=claim, user=editor, text="second")
    call_command("audit", "verify")
    assert "2 record(s) checked" in capsys.readouterr().out
    from .test_articles import _tamper

    first = AuditRecord.objects.order_by("id").first()
    _tamper(first.pk, "{}")
    with pytest.raises(CommandError, match=f"broken at record #{first.pk}"):
        call_command("audit", "verify")


def test_demo_creates_an_editor_and_the_demo_articles(capsys):
    call_command("demo", "--sync", "--password", "demo-pass-123")
    out = capsys.readouterr().out
    assert "username 'editor', password 'demo-pass-123'" in out
    assert Article.objects.filter(status="done").count() == 3
    assert Claim.objects.filter(matches__kind="conflict").exists()
    assert Claim.objects.filter(matches__kind="same").exists()
    # the README's promise: councillor Leclerc's 20 million euros contradicts the engineer's 12 million,
    # by its numbers (her claim names the 12 million only to deny it)
    leclerc = Claim.objects.get(text__contains="20 million euros")
    assert leclerc.speaker.name == "Marta Leclerc"
    conflicts = leclerc.matches.filter(kind="conflict", earlier__text__contains="12 million euros")
    assert conflicts.exists()
    assert all("numbers" in m.reason for m in conflicts)


def test_printable_report_lists_claims_with_verdicts(client):
    editor = EditorFactory()
    claim = ClaimFactory(text="The council said 12 bridges would close.")
    publish_verdict(claim, "disputed", "Only three will close")
    client.force_login(editor)
    response = client.get(f"/reports/?article={claim.article_id}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The council said 12 bridges would close." in html and "Only three will close" in html
    assert "verdict-disputed" in html
    assert client.get("/reports/?article=98765").status_code == 404
