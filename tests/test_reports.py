"""The verdict report (claims/reports.py): what it counts and selects, the HTML every door renders,
the PDF, and the three doors' answers to bad input."""

import datetime
import re
import zlib

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from claims import reports
from claims.models import Article, Claim, ClaimMatch

from .factories import ArticleFactory, ClaimFactory, EditorFactory, SpeakerFactory, publish_verdict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk():
    """Two March articles and one from April: two disputed claims by the mayor, one verified claim
    that matched an earlier one, and an unreviewed claim with no speaker and no attribution."""
    march = ArticleFactory(title="Harbour Bridge closes", published=datetime.date(2026, 3, 2))
    march2 = ArticleFactory(title="Council answers", published=datetime.date(2026, 3, 30))
    april = ArticleFactory(title="Ferries return", published=datetime.date(2026, 4, 5))
    mayor, engineer = SpeakerFactory(name="Mayor Ines Holt"), SpeakerFactory(name="Tomas Brandt")
    first = publish_verdict(ClaimFactory(article=march, text="The bridge carries 40,000 cars a day.",
                                         speaker=mayor, start=0), "disputed", "Counts show 31,000.")
    second = publish_verdict(ClaimFactory(article=march2, text="Repairs will take two years.", speaker=mayor,
                                          start=0, end=28), "disputed", "The tender says 14 months.")
    third = publish_verdict(ClaimFactory(article=march2, text="The bridge opened in 1962.", speaker=engineer,
                                         start=40, end=66), "verified", "Opening ceremony reported in 1962.")
    ClaimMatch.objects.create(claim=third, earlier=first, score=0.9, kind="related")
    bare = ClaimFactory(article=march2, text="Traffic moved to the ring road.", speaker=None,
                        attribution=Claim.Attribution.NONE, start=80, end=111)
    ClaimFactory(article=april, text="Ferries run every 20 minutes.", speaker=engineer)
    return {"march": march, "march2": march2, "april": april, "claims": [first, second, third, bare],
            "editor": EditorFactory(username="report-editor")}


def _counts(report):
    return {c.verdict: c.count for c in report.counts}


def test_date_range_selects_by_article_publication_date_inclusive(desk):
    report = reports.report_build(date_from="2026-03-02", date_to="2026-03-30")
    assert [r.text for r in report.rows] == [c.text for c in desk["claims"]]
    assert _counts(report) == {"verified": 1, "disputed": 2, "unattributed": 0, "unreviewed": 1}
    assert report.total == 4


def test_article_without_publication_date_counts_by_its_ingest_day(desk):
    pasted = ArticleFactory(title="Pasted", published=None)
    ClaimFactory(article=pasted, text="Pasted claim.")
    Article.objects.filter(pk=pasted.pk).update(created_at=datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC))
    texts = [r.text for r in reports.report_build(date_from="2026-03-10", date_to="2026-03-10").rows]
    assert texts == ["Pasted claim."]


def test_a_set_of_articles_selects_their_claims_only(desk):
    report = reports.report_build(article_ids=[desk["april"].pk, desk["march"].pk])
    assert sorted(r.text for r in report.rows) == ["Ferries run every 20 minutes.",
                                                    "The bridge carries 40,000 cars a day."]


def test_empty_range_is_a_valid_empty_report(desk):
    report = reports.report_build(date_from="2020-01-01", date_to="2020-01-31")
    assert report.total == 0 and report.matched_earlier == 0 and not report.top_disputed_speakers
    assert "No claims in this report." in reports.report_html(report)


@pytest.mark.parametrize("kwargs,message", [
    ({"date_from": "2026-13-01"}, "from must be a date as YYYY-MM-DD, got '2026-13-01'"),
    ({"date_to": "yesterday"}, "to must be a date as YYYY-MM-DD, got 'yesterday'"),
    ({"date_from": "2026-04-01", "date_to": "2026-03-01"}, "from (2026-04-01) is after to (2026-03-01)"),
])
def test_bad_dates_are_refused_with_the_reason(desk, kwargs, message):
    with pytest.raises(reports.InvalidInput) as exc:
        reports.report_build(**kwargs)
    assert exc.value.message == message


def test_speakers_with_most_disputed_claims_and_matches_with_earlier_claims(desk):
    report = reports.report_build(date_from="2026-03-01", date_to="2026-03-31")
    assert [(s.name, s.disputed, s.claims) for s in report.top_disputed_speakers] == [("Mayor Ines Holt", 2, 2)]
    assert report.matched_earlier == 1


def test_html_numbers_rows_from_one_and_never_shows_database_ids(desk):
    report = reports.report_build(article_ids=[desk["march2"].pk])
    assert [r.number for r in report.rows] == [1, 2, 3]
    html = reports.report_html(report)
    numbers = re.findall(r'<td class="num">(\d+)</td>\s*<td>', html)
    assert numbers == ["1", "2", "3"]
    assert [r.claim_id for r in report.rows] != [1, 2, 3]  # the fixture's first claim is in another article


def test_html_has_counts_chart_rationale_and_evidence_link(desk):
    html = reports.report_html(reports.report_build(date_from="2026-03-01", date_to="2026-03-31"))
    assert '<td class="verdict verdict-disputed">Disputed</td><td class="num">2</td>' in html
    assert '<svg id="verdict-chart"' in html and "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "Counts show 31,000." in html
    assert '<a href="https://example.org/minutes">Council minutes</a>' in html
    assert "1 matched an earlier claim" in html


def test_html_shows_readable_labels_never_none(desk):
    html = reports.report_html(reports.report_build(article_ids=[desk["march2"].pk]))
    assert "None" not in html
    assert "no speaker named<br><span class=\"small\">not attributed</span>" in html


def test_html_prints_with_margins_repeated_header_and_dates_in_the_desk_time_zone(desk, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    html = reports.report_html(reports.report_build(article_ids=[desk["march"].pk]))
    assert "@page" in html and "margin: 18mm" in html
    assert "thead { display: table-header-group; }" in html
    assert "(Europe/Berlin)" in html
    assert re.search(r"Generated \d+ \w+ \d{4}, \d\d:\d\d CES?T", html)


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF with every compressed stream (page contents, object streams) inflated after it."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"\n".join(out)


def test_pdf_has_pages_the_title_and_the_chart(desk):
    client = APIClient()
    client.force_authenticate(desk["editor"])
    response = client.get("/api/reports/", {"from": "2026-03-01", "to": "2026-03-31", "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    objects = _pdf_objects(pdf)
    assert len(re.findall(rb"/Type\s*/Page\b", objects)) >= 1
    # The title, as the document's outline entry (the h1).
    assert b"(Verdict report, 1 March 2026 to 31 March 2026)" in objects
    # The chart: disputed (2 of max 2) is the full 260-unit bar, verified (1) half of it, in their colours.
    assert re.search(rb"0\.72549 0\.109804 0\.109804 rg\n(?:[^\n]*\n){0,5}110 4 260 18 re\nf", objects)
    assert re.search(rb"0\.082353 0\.501961 0\.239216 rg\n(?:[^\n]*\n){0,5}110 4 130 18 re\nf", objects)
    assert b"https://example.org/minutes" in objects  # the evidence link is a link in the PDF too


def test_api_html_report_and_bad_input_as_json(desk):
    client = APIClient()
    client.force_authenticate(desk["editor"])
    response = client.get(f"/api/reports/?article={desk['march'].pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert b"The bridge carries 40,000 cars a day." in response.content
    bad = client.get("/api/reports/?from=2026-02-30&format=pdf")
    assert bad.status_code == 400
    assert bad.json() == {"detail": "from must be a date as YYYY-MM-DD, got '2026-02-30'"}
    assert client.get("/api/reports/?format=docx").json() == {"detail": "format must be html or pdf, got 'docx'"}
    assert client.get("/api/reports/?article=98765").status_code == 404


def test_reports_page_answers_pdf_and_bad_dates(client, desk):
    client.force_login(desk["editor"])
    response = client.get("/reports/?from=2026-03-01&to=2026-03-31&format=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    bad = client.get("/reports/?to=31/03/2026")
    assert bad.status_code == 400 and bad.content == b"to must be a date as YYYY-MM-DD, got '31/03/2026'"
    empty = client.get("/reports/?from=2020-01-01&to=2020-01-02")
    assert empty.status_code == 200 and b"No claims in this report." in empty.content


def test_command_writes_pdf_and_html_and_refuses_bad_input(desk, tmp_path):
    call_command("report", "--from", "2026-03-01", "--to", "2026-03-31", "-o", str(tmp_path / "r.pdf"))
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    call_command("report", "--article", str(desk["march"].pk), "--article", str(desk["april"].pk),
                 "-o", str(tmp_path / "r.html"))
    html = (tmp_path / "r.html").read_text()
    assert "Ferries run every 20 minutes." in html and "Repairs will take two years." not in html
    with pytest.raises(CommandError, match="from must be a date as YYYY-MM-DD, got '2026-3-1x'"):
        call_command("report", "--from", "2026-3-1x", "-o", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match=r"the output must end in \.pdf or \.html"):
        call_command("report", "-o", str(tmp_path / "x.docx"))
