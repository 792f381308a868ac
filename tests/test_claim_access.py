"""One loader for every door (``claims.access``), thin doors (``claims.api``), the token service
(``claims.tokens``) and the demo accounts (``roles.demo_user_ensure``)."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims import permissions, roles, tokens, workflow
from claims.access import claim_for, match_for
from claims.errors import InvalidInput, NotAllowed, NotFound
from claims.models import ClaimMatch

from .factories import ClaimFactory, EditorFactory, ReviewerFactory, UserFactory, ViewerFactory, publish_verdict

pytestmark = pytest.mark.django_db

API = Path(__file__).resolve().parent.parent / "claims" / "api"


# --- claim_for and match_for ---------------------------------------------------------------------------


def test_claim_for_without_an_action_returns_the_claim_to_any_desk_role():
    claim = ClaimFactory()
    assert claim_for(ViewerFactory(), claim.pk) == claim
    assert claim_for(ViewerFactory(), str(claim.pk)) == claim


def test_claim_for_an_unknown_id_is_not_found_naming_it():
    with pytest.raises(NotFound, match="no claim with id 999999"):
        claim_for(EditorFactory(), "999999")


def test_claim_for_a_malformed_id_is_invalid_input_as_the_api_answered_before():
    with pytest.raises(InvalidInput, match="claim id must be a whole number, got 'abc'"):
        claim_for(EditorFactory(), "abc")


def test_claim_for_a_claim_the_user_may_not_see_is_not_found_as_an_unknown_one():
    claim = ClaimFactory()
    with pytest.raises(NotFound, match=f"no claim with id {claim.pk}"):
        claim_for(UserFactory(), claim.pk, permissions.PROPOSE)


def test_claim_for_refuses_an_action_with_the_permissions_message():
    claim = ClaimFactory()
    reviewer = ReviewerFactory(username="rev-a")
    with pytest.raises(NotAllowed, match=f"claim {claim.pk} is not assigned to rev-a"):
        claim_for(reviewer, claim.pk, permissions.PROPOSE)
    with pytest.raises(NotAllowed, match="only editors can assign claims; rev-a is a reviewer"):
        claim_for(reviewer, claim.pk, permissions.ASSIGN)
    assert claim_for(EditorFactory(), claim.pk, permissions.ASSIGN) == claim


def test_match_for_finds_a_match_and_checks_the_action_on_its_claim():
    earlier = publish_verdict(ClaimFactory())
    match = ClaimMatch.objects.create(claim=ClaimFactory(), earlier=earlier, score=0.9, kind="same")
    assert match_for(EditorFactory(), str(match.pk), permissions.DECIDE_MATCH) == match
    with pytest.raises(NotAllowed, match="viewer and can only read"):
        match_for(ViewerFactory(username="view-a"), match.pk, permissions.DECIDE_MATCH)
    for bad in ("abc", "999999"):
        with pytest.raises(NotFound, match=f"no match with id {bad}"):
            match_for(EditorFactory(), bad, permissions.DECIDE_MATCH)
    with pytest.raises(NotFound):
        match_for(UserFactory(), match.pk)


def test_the_admin_claim_page_and_its_workflow_steps_load_through_claim_for(client):
    claim = ClaimFactory()
    client.force_login(ViewerFactory())
    assert client.get(f"/admin/claims/claim/{claim.pk}/change/").status_code == 200
    for object_id in ("abc", "999999", "9223372036854775808"):
        assert client.get(f"/admin/claims/claim/{object_id}/change/").status_code == 404
        assert client.get(f"/admin/claims/claim/{object_id}/history/").status_code == 404
    assert client.post("/admin/claims/claim/999999/workflow/comment/", {"comment": "x"}).status_code == 404


# --- the services re-check under their lock only ------------------------------------------------------


def _count_checks(monkeypatch):
    asked = []
    check = permissions.check

    def counting(user, action, claim=None):
        asked.append(action)
        return check(user, action, claim)

    monkeypatch.setattr(permissions, "check", counting)
    return asked


def _suggested_claim(reviewer):
    earlier = publish_verdict(ClaimFactory(), "disputed")
    later = ClaimFactory()
    ClaimMatch.objects.create(claim=later, earlier=earlier, score=0.9, kind="same")
    workflow.carry_over_suggestions(article_id=later.article_id)
    workflow.claim_assign(claim=later, user=EditorFactory(), assignee=reviewer)
    later.refresh_from_db()
    return later


def test_accepting_a_suggestion_checks_propose_once_in_the_service_and_once_in_the_door(monkeypatch):
    reviewer = ReviewerFactory()
    claim = _suggested_claim(reviewer)
    asked = _count_checks(monkeypatch)
    workflow.claim_accept_suggestion(claim=claim, user=reviewer)
    assert asked.count(permissions.PROPOSE) == 1
    assert claim.state == "proposed"

    other = _suggested_claim(reviewer)
    asked.clear()
    client = APIClient()
    client.force_authenticate(reviewer)
    response = client.post(f"/api/claims/{other.pk}/accept-suggestion/")
    assert response.status_code == 200 and response.json()["state"] == "proposed"
    assert asked.count(permissions.PROPOSE) == 2  # the loader, before the input; the service, under the lock


def test_accepting_a_suggestion_on_a_claim_not_assigned_to_the_reviewer_is_refused_with_the_same_words():
    reviewer = ReviewerFactory(username="rev-b")
    claim = _suggested_claim(ReviewerFactory())
    with pytest.raises(NotAllowed, match=f"claim {claim.pk} is not assigned to rev-b"):
        workflow.claim_accept_suggestion(claim=claim, user=reviewer)
    claim.refresh_from_db()
    assert claim.state == "in_review"


def test_proposing_checks_propose_once_under_the_lock(monkeypatch):
    reviewer = ReviewerFactory()
    claim = ClaimFactory()
    workflow.claim_assign(claim=claim, user=EditorFactory(), assignee=reviewer)
    asked = _count_checks(monkeypatch)
    workflow.claim_propose(claim=claim, user=reviewer, verdict="verified", rationale="Minutes",
                           evidence=[{"url": "https://example.org/m"}])
    assert asked.count(permissions.PROPOSE) == 1
    with pytest.raises(NotAllowed, match="not assigned"):
        workflow.claim_propose(claim=ClaimFactory(), user=reviewer, verdict="verified", rationale="x",
                               evidence=[{"url": "https://example.org/m"}])


# --- the API's modules ----------------------------------------------------------------------------------


def test_no_api_module_imports_a_private_name_of_a_sibling_nor_imports_inside_a_function():
    found = []
    for path in sorted(API.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("claims.api")):
                found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name.startswith("_")]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [f"{path.name}:{inner.lineno} imports inside {node.name}" for inner in ast.walk(node)
                          if isinstance(inner, (ast.Import, ast.ImportFrom))]
    assert found == []


def test_the_api_views_module_is_gone_and_each_resource_has_its_own():
    names = {path.stem for path in API.glob("*.py")}
    assert "views" not in names and "authentication" not in names
    assert {"common", "articles", "claims", "matches", "audit", "exports", "auth"} <= names


# --- tokens ----------------------------------------------------------------------------------------------


def test_token_issue_keeps_a_live_token_and_replaces_an_expired_one():
    user = EditorFactory()
    first = tokens.token_issue(user=user)
    assert tokens.token_issue(user=user).key == first.key
    Token.objects.filter(pk=first.pk).update(created=timezone.now() - tokens.token_ttl() - dt.timedelta(seconds=1))
    fresh = tokens.token_issue(user=user)
    assert fresh.key != first.key and not tokens.token_is_expired(fresh)
    assert Token.objects.filter(user=user).count() == 1


def test_token_revoke_deletes_the_token_and_is_quiet_without_one():
    user = EditorFactory()
    tokens.token_issue(user=user)
    tokens.token_revoke(user=user)
    assert not Token.objects.filter(user=user).exists()
    tokens.token_revoke(user=user)


def test_signing_out_of_the_api_revokes_the_token():
    user = EditorFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.token_issue(user=user).key}")
    assert client.delete("/api/auth/token/").status_code == 204
    assert not Token.objects.filter(user=user).exists()


# --- demo accounts ---------------------------------------------------------------------------------------


def test_demo_user_ensure_creates_an_account_then_resets_its_password_and_role():
    user = roles.demo_user_ensure(username="demo-x", role="reviewer", password="first-pass-1")
    assert (user.email, user.is_staff, roles.user_role(user)) == ("demo-x@example.org", True, "reviewer")
    assert user.check_password("first-pass-1")
    user.groups.add(Group.objects.get(name="editor"))
    again = roles.demo_user_ensure(username="demo-x", role="viewer", password="second-pass-2")
    again.refresh_from_db()
    assert again.pk == user.pk and again.check_password("second-pass-2")
    assert list(again.groups.values_list("name", flat=True)) == ["viewer"]
