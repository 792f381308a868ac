"""Speakers: the page (admin and API) with claims and verdicts over time, and merging two records of
the same person (editors only, audited)."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from claims import selectors, speakers
from claims.errors import InvalidInput, NotAllowed
from claims.models import AuditRecord, Claim, Speaker

from .factories import (
    ArticleFactory,
    ClaimFactory,
    EditorFactory,
    ReviewerFactory,
    SpeakerFactory,
    ViewerFactory,
    publish_verdict,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def brandt():
    """Tomas Brandt with claims in March (one disputed, one verified) and May (one unreviewed), one
    marked "not a claim" (never counted), and an undated article's claim."""
    speaker = SpeakerFactory(name="Tomas Brandt", aliases=["T. Brandt"])
    march = ArticleFactory(published=dt.date(2026, 3, 12))
    may = ArticleFactory(published=dt.date(2026, 5, 2))
    claims = {
        "disputed": publish_verdict(ClaimFactory(speaker=speaker, article=march), "disputed"),
        "verified": publish_verdict(ClaimFactory(speaker=speaker, article=march, start=50, end=90), "verified"),
        "may": ClaimFactory(speaker=speaker, article=may),
        "hidden": ClaimFactory(speaker=speaker, article=may, start=60, end=80, not_a_claim=True),
    }
    return speaker, claims


def test_verdict_counts_skip_claims_marked_not_a_claim(brandt):
    speaker, _ = brandt
    got = selectors.speaker_get(speaker_id=speaker.pk, user=ViewerFactory())
    assert (got.claim_total, got.n_verified, got.n_disputed, got.n_unreviewed, got.n_unattributed) == (3, 1, 1, 1, 0)


def test_verdicts_by_month_newest_first(brandt):
    speaker, _ = brandt
    rows = selectors.speaker_verdicts_by_month(speaker_id=speaker.pk, user=ViewerFactory())
    assert [(r["month"], r["total"], r["verified"], r["disputed"], r["unreviewed"]) for r in rows] == [
        (dt.date(2026, 5, 1), 1, 0, 0, 1), (dt.date(2026, 3, 1), 2, 1, 1, 0)]


def test_speaker_reads_show_nothing_to_a_user_without_a_desk_role(brandt):
    from .factories import UserFactory

    speaker, _ = brandt
    nobody = UserFactory()
    assert not selectors.speaker_list(user=nobody).exists()
    assert not selectors.speaker_claims(speaker_id=speaker.pk, user=nobody).exists()


def test_admin_speaker_page_shows_verdicts_per_month_and_claims_newest_first(client, brandt):
    speaker, claims = brandt
    client.force_login(ViewerFactory())
    response = client.get(reverse("admin:claims_speaker_change", args=[speaker.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="speaker-months"' in page
    assert "May 2026" in page and "March 2026" in page and page.index("May 2026") < page.index("March 2026")
    shown = [c.pk for c, _ in response.context["speaker_claims"]]
    assert shown[0] == claims["may"].pk and claims["hidden"].pk not in shown and len(shown) == 3
    assert [n for _, _, n, _ in response.context["verdicts"]] == [1, 1, 1, 0]


def test_api_speaker_list_and_detail(brandt):
    speaker, claims = brandt
    api = APIClient()
    api.force_authenticate(ReviewerFactory())
    listed = {s["name"]: s for s in api.get("/api/speakers/").json()["results"]}
    assert listed["Tomas Brandt"]["verdicts"] == {"unreviewed": 1, "verified": 1, "disputed": 1, "unattributed": 0}
    detail = api.get(f"/api/speakers/{speaker.pk}/").json()
    assert detail["claim_total"] == 3 and detail["aliases"] == ["T. Brandt"]
    assert [c["id"] for c in detail["claims"]][0] == claims["may"].pk
    assert detail["claims"][0]["said_on"] == "2026-05-02"
    assert [m["month"] for m in detail["by_month"]] == ["2026-05-01", "2026-03-01"]
    assert api.get("/api/speakers/999999/").status_code == 404
    assert api.get("/api/speakers/abc/").status_code == 400


# --- merging --------------------------------------------------------------------------------------


@pytest.fixture
def twin(brandt):
    speaker, claims = brandt
    other = SpeakerFactory(name="Tomas Brand", aliases=["Mr Brand", "T. Brandt"])
    moved = [ClaimFactory(speaker=other), ClaimFactory(speaker=other)]
    return speaker, other, moved


def test_merge_moves_claims_unions_aliases_and_deletes_the_merged_record(twin):
    keep, other, moved = twin
    editor = EditorFactory()
    speakers.speaker_merge(keep=keep, merge=other, user=editor)
    assert not Speaker.objects.filter(pk=other.pk).exists()
    assert set(Claim.objects.filter(pk__in=[c.pk for c in moved]).values_list("speaker_id", flat=True)) == {keep.pk}
    assert keep.aliases == ["T. Brandt", "Tomas Brand", "Mr Brand"]
    rec = AuditRecord.objects.get(action="speaker.merge")
    assert (rec.object_type, rec.object_id, rec.actor_username) == ("speaker", str(keep.pk), editor.username)
    assert rec.changes["merged"][0]["name"] == "Tomas Brand" and rec.changes["claims"] == [4, 6]
    per_claim = AuditRecord.objects.filter(action="claim.speaker_merge")
    assert sorted(int(r.object_id) for r in per_claim) == sorted(c.pk for c in moved)
    assert per_claim.first().changes == {"speaker": ["Tomas Brand (person)", "Tomas Brandt (person)"]}


@pytest.mark.parametrize("factory", [ReviewerFactory, ViewerFactory])
def test_merge_is_refused_to_non_editors_and_changes_nothing(twin, factory):
    keep, other, moved = twin
    with pytest.raises(NotAllowed, match="only editors can merge speakers"):
        speakers.speaker_merge(keep=keep, merge=other, user=factory())
    assert Speaker.objects.filter(pk=other.pk).exists() and not AuditRecord.objects.filter(
        action__in=["speaker.merge", "claim.speaker_merge"]).exists()


def test_merge_into_itself_is_refused(twin):
    keep, _, _ = twin
    with pytest.raises(InvalidInput, match="cannot be merged into itself"):
        speakers.speaker_merge(keep=keep, merge=keep, user=EditorFactory())


def test_merge_of_a_record_already_merged_is_refused(twin):
    keep, other, _ = twin
    editor = EditorFactory()
    stale = Speaker.objects.get(pk=other.pk)
    speakers.speaker_merge(keep=keep, merge=other, user=editor)
    with pytest.raises(InvalidInput, match="no longer exists"):
        speakers.speaker_merge(keep=keep, merge=stale, user=editor)


def test_admin_merge_action_asks_which_record_to_keep_then_merges(client, twin):
    keep, other, moved = twin
    client.force_login(EditorFactory())
    changelist = reverse("admin:claims_speaker_changelist")
    selected = {"action": "merge_speakers", "_selected_action": [keep.pk, other.pk]}
    response = client.post(changelist, selected)
    assert response.status_code == 200 and "Keep this record" in response.content.decode()
    response = client.post(changelist, {**selected, "apply": "1", "keep": other.pk})
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    assert not Speaker.objects.filter(pk=keep.pk).exists()
    assert Claim.objects.filter(speaker=other).count() == 6  # "not a claim" ones move too


def test_admin_merge_needs_two_speakers(client, twin):
    keep, _, _ = twin
    client.force_login(EditorFactory())
    response = client.post(reverse("admin:claims_speaker_changelist"),
                           {"action": "merge_speakers", "_selected_action": [keep.pk], "apply": "1", "keep": keep.pk})
    assert [m.message for m in get_messages(response.wsgi_request)] == ["Select at least two speakers to merge."]
    assert Speaker.objects.filter(pk=keep.pk).exists()
