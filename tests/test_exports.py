"""Exports: streamed, only the columns they need, CSV safe to open in a spreadsheet."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims import exports, selectors
from claims.models import ClaimMatch

from .factories import ArticleFactory, ClaimFactory, EditorFactory, SpeakerFactory, publish_verdict

pytestmark = pytest.mark.django_db

JSON_FIELDS = ["id", "article", "text", "start", "end", "speaker", "speaker_kind", "attribution", "checkworthiness",
               "checkworthiness_reasons", "quantities", "verdict", "verdict_note", "state", "assignee", "matches"]


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(EditorFactory())
    return client


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_every_column_of_the_json_contract():
    assert set(JSON_FIELDS) <= set(exports.CSV_COLUMNS)


def test_json_export_is_streamed_with_every_contract_field(api):
    earlier = ClaimFactory(checkworthiness=0.5)
    later = ClaimFactory(checkworthiness=0.7, quantities=[{"text": "12", "value": 12, "unit": None}])
    ClaimMatch.objects.create(claim=later, earlier=earlier, score=0.42, kind="related")
    ClaimMatch.objects.create(claim=later, earlier=ClaimFactory(checkworthiness=0.1), score=0.91, kind="same")
    response = api.get("/api/export/json/")
    assert response.status_code == 200 and response.streaming
    data = json.loads(b"".join(response.streaming_content))
    assert [list(item) for item in data] == [JSON_FIELDS] * 3
    row = next(item for item in data if item["id"] == later.pk)
    assert [m["score"] for m in row["matches"]] == [0.91, 0.42]
    assert row["quantities"] == [{"text": "12", "value": 12, "unit": None}]


def test_empty_exports_are_valid():
    assert json.loads("".join(exports.export_stream("json"))) == []
    assert json.loads("".join(exports.export_stream("claimreview"))) == []
    assert "".join(exports.export_stream("csv")).splitlines() == [",".join(exports.CSV_COLUMNS)]


def test_export_reads_no_article_body_and_no_embedding():
    article = ArticleFactory(body="The body " * 1000)
    for i in range(5):
        ClaimFactory(article=article, start=i * 10, end=i * 10 + 5, checkworthiness=0.3)
    with CaptureQueriesContext(connection) as queries:
        for fmt in exports.FORMATS:
            "".join(exports.export_stream(fmt))
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "claims_claim" in sql
    assert '"body"' not in sql and "embedding" not in sql


def test_matches_are_read_once_per_chunk_not_once_per_claim(monkeypatch):
    for _ in range(7):
        ClaimFactory(checkworthiness=0.2)
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.claim_export_rows(chunk_size=3))
    assert len(rows) == 7
    match_queries = [q for q in queries.captured_queries if "claims_claimmatch" in q["sql"]]
    assert len(match_queries) == 3


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_csv_cells_never_start_a_formula(payload):
    speaker = SpeakerFactory(name=payload)
    claim = ClaimFactory(text=payload, speaker=speaker, checkworthiness=0.4,
                         checkworthiness_reasons=[payload], article=ArticleFactory(title=payload))
    publish_verdict(claim, "disputed", "=" + payload)  # the workflow strips a rationale's whitespace
    row = _csv("".join(exports.export_stream("csv")))[0]
    for column in ("text", "speaker", "article_title", "checkworthiness_reasons"):
        assert row[column] == "'" + payload, column
    assert row["verdict_note"] == "'=" + payload


def test_csv_cells_of_plain_text_are_unchanged():
    assert exports.csv_cell("The council said 12") == "The council said 12"
    assert exports.csv_cell("a=b") == "a=b"
    assert exports.csv_cell(None) == ""


def test_export_command_streams_to_a_file(tmp_path):
    claims = [ClaimFactory(checkworthiness=0.1 * i) for i in range(3)]
    out = tmp_path / "report.csv"
    call_command("export", "--format", "csv", "-o", str(out))
    rows = _csv(out.read_text(encoding="utf-8"))
    assert [int(r["id"]) for r in rows] == [c.pk for c in claims]
    assert rows[0]["speaker_kind"] == "person" and rows[0]["state"] == "unreviewed"


def test_unknown_format_and_article_are_refused_before_streaming(api):
    assert api.get("/api/export/pdf/").json()["detail"].startswith("format must be one of")
    response = api.get("/api/export/json/?article=424242")
    assert response.status_code == 404 and not response.streaming


def test_json_rows_are_written_exactly_as_the_json_encoder_writes_them():
    speaker = SpeakerFactory(name='Zoë "Z" Müller\\', kind="person")
    article = ArticleFactory()
    odd = ClaimFactory(article=article, start=0, end=5, speaker=speaker, checkworthiness=1e-07,
                       checkworthiness_reasons=["número", "tab\there", "line\nbreak", "\u2028"],
                       quantities=[{"text": "½ million €", "value": 500000.5, "unit": None},
                                   {"text": "3", "value": 3, "unit": "people"}])
    plain = ClaimFactory(article=article, start=10, end=15, speaker=None, checkworthiness=1.0,
                         checkworthiness_reasons=[], quantities=[])
    ClaimMatch.objects.create(claim=odd, earlier=plain, score=0.1 + 0.2, kind="related")
    rows = list(selectors.claim_export_rows())
    assert len(rows) == 2
    for row in rows:
        assert exports.claim_json(row) == json.dumps(exports.claim_to_dict(row), ensure_ascii=False)
    data = json.loads("".join(exports.export_stream("json")))
    assert data[0]["checkworthiness_reasons"] == ["número", "tab\there", "line\nbreak", "\u2028"]
    assert data[0]["quantities"][0] == {"text": "½ million €", "value": 500000.5, "unit": None}
    assert data[0]["matches"] == [{"claim": plain.pk, "score": 0.1 + 0.2, "kind": "related"}]
    assert (data[1]["speaker"], data[1]["checkworthiness"], data[1]["quantities"]) == (None, 1.0, [])
