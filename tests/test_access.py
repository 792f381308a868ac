"""One access gate: every door (admin page, workflow step, admin action, /reports/, API endpoint)
against every role, with the exact answer. One row per (door, role).

Roles: anonymous; ``norole`` (a staff user in no group); viewer; reviewer (not assigned); assignee
(the reviewer the claims are assigned to); editor; proposer (the editor who proposed the verdict
of the claim awaiting second review, who may not approve it).
"""

import io

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from claims import workflow
from claims.models import Article, AuditRecord, Claim, ClaimMatch

from .factories import (
    EVIDENCE,
    ArticleFactory,
    ClaimFactory,
    EditorFactory,
    ReviewerFactory,
    UserFactory,
    ViewerFactory,
    publish_verdict,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "norole", "viewer", "reviewer", "assignee", "editor", "proposer"]
PASSWORD = "pw-for-tests-1"  # tests/factories.py


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hundreds of rows, each with its own people: the default hasher would take most of the time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk():
    """The people, an article, a claim in review (with a carried-over suggestion and a match) and a
    claim awaiting second review, both assigned to ``assignee``."""
    users = {
        "norole": UserFactory(username="norole", is_staff=True),
        "viewer": ViewerFactory(username="viewer"),
        "reviewer": ReviewerFactory(username="reviewer"),
        "assignee": ReviewerFactory(username="assignee"),
        "editor": EditorFactory(username="editor"),
        "proposer": EditorFactory(username="proposer"),
    }
    earlier = publish_verdict(ClaimFactory())
    work = ClaimFactory()
    workflow.claim_assign(claim=work, user=users["editor"], assignee=users["assignee"])
    Claim.objects.filter(pk=work.pk).update(suggested_verdict="verified", suggested_from=earlier)
    match = ClaimMatch.objects.create(claim=work, earlier=earlier, score=0.95, kind="same")
    proposed = ClaimFactory()
    workflow.claim_assign(claim=proposed, user=users["editor"], assignee=users["assignee"])
    workflow.claim_propose(claim=proposed, user=users["proposer"], verdict="disputed", rationale="Minutes differ",
                           evidence=EVIDENCE)
    return {"users": users, "article": ArticleFactory(), "work": work, "proposed": proposed, "match": match,
            "earlier": earlier, "record": AuditRecord.objects.filter(object_type="claim").first()}


def _expect(**by_role):
    """Expected answer per role; ``desk`` stands for viewer, reviewer, assignee, editor and proposer,
    ``editors`` for editor and proposer, ``workers`` for assignee, editor and proposer."""
    groups = {"desk": ["viewer", "reviewer", "assignee", "editor", "proposer"], "editors": ["editor", "proposer"],
              "workers": ["assignee", "editor", "proposer"]}
    out = {}
    for key in ("desk", "workers", "editors"):
        if key in by_role:
            out.update(dict.fromkeys(groups[key], by_role.pop(key)))
    out.update(by_role)
    assert set(out) == set(ROLES), f"every role needs an answer: {sorted(set(ROLES) - set(out))}"
    return out


def _rows(table):
    return [pytest.param(door, role, expected[role], id=f"{door}-{role}")
            for door, expected in table.items() for role in ROLES]


def _client(desk, role, api=False):
    client = APIClient() if api else Client()
    if role != "anonymous":
        client.force_login(desk["users"][role])
    return client


# --- admin pages -------------------------------------------------------------------------------------

# The admin's gate is a desk role: anyone without one is sent to the sign-in page (302).
LOGIN = {"anonymous": 302, "norole": 302}

def _feed():
    from claims import sources

    return sources.feed_add(url="https://news.example/feed.xml", queue=False)[0]


def _link():
    from claims import sources

    return sources.link_add(url="https://news.example/story", queue=False)[0]


ADMIN_PAGES = {
    # door: (url maker, expected status per role)
    "admin-index": (lambda d: reverse("admin:index"), _expect(**LOGIN, desk=200)),
    "admin-app-claims": (lambda d: reverse("admin:app_list", args=["claims"]), _expect(**LOGIN, desk=200)),
    "admin-article-list": (lambda d: reverse("admin:claims_article_changelist"), _expect(**LOGIN, desk=200)),
    "admin-article-add": (lambda d: reverse("admin:claims_article_add"),
                          _expect(**LOGIN, viewer=403, reviewer=403, assignee=403, editors=200)),
    "admin-article-change": (lambda d: reverse("admin:claims_article_change", args=[d["work"].article_id]),
                             _expect(**LOGIN, desk=200)),
    "admin-article-progress": (lambda d: reverse("admin:claims_article_progress", args=[d["work"].article_id]),
                               _expect(**LOGIN, desk=200)),
    "admin-claim-approval-queue": (lambda d: reverse("admin:claims_claim_changelist") + "?mine=approve",
                                   _expect(**LOGIN, desk=200)),
    "admin-article-delete": (lambda d: reverse("admin:claims_article_delete", args=[d["work"].article_id]),
                             _expect(**LOGIN, desk=403)),
    "admin-claim-list": (lambda d: reverse("admin:claims_claim_changelist"), _expect(**LOGIN, desk=200)),
    "admin-claim-queue": (lambda d: reverse("admin:claims_claim_changelist") + "?mine=1",
                          _expect(**LOGIN, desk=200)),
    "admin-claim-change": (lambda d: reverse("admin:claims_claim_change", args=[d["work"].pk]),
                           _expect(**LOGIN, desk=200)),
    "admin-claim-add": (lambda d: reverse("admin:claims_claim_add"), _expect(**LOGIN, desk=403)),
    "admin-claim-delete": (lambda d: reverse("admin:claims_claim_delete", args=[d["work"].pk]),
                           _expect(**LOGIN, desk=403)),
    "admin-claim-overview": (lambda d: reverse("admin:claims_claim_overview"), _expect(**LOGIN, desk=200)),
    "admin-speaker-list": (lambda d: reverse("admin:claims_speaker_changelist"), _expect(**LOGIN, desk=200)),
    "admin-speaker-change": (lambda d: reverse("admin:claims_speaker_change", args=[d["work"].speaker_id]),
                             _expect(**LOGIN, desk=200)),
    "admin-speaker-add": (lambda d: reverse("admin:claims_speaker_add"), _expect(**LOGIN, desk=403)),
    # The whole audit trail is the editors'; one claim's history (the claim page's link) is everyone's.
    "admin-audit-list": (lambda d: reverse("admin:claims_auditrecord_changelist"),
                         _expect(**LOGIN, viewer=403, reviewer=403, assignee=403, editors=200)),
    "admin-audit-claim-history": (
        lambda d: reverse("admin:claims_auditrecord_changelist") + f"?claim={d['work'].pk}",
        _expect(**LOGIN, desk=200)),
    # A record of a claim is part of that claim's history, which every role reads (issue 22).
    "admin-audit-change": (lambda d: reverse("admin:claims_auditrecord_change", args=[d["record"].pk]),
                           _expect(**LOGIN, desk=200)),
    "admin-audit-add": (lambda d: reverse("admin:claims_auditrecord_add"), _expect(**LOGIN, desk=403)),
    "admin-audit-delete": (lambda d: reverse("admin:claims_auditrecord_delete", args=[d["record"].pk]),
                           _expect(**LOGIN, desk=403)),
    # Articles from the web: everyone reads feeds and links, editors add them.
    "admin-feed-list": (lambda d: reverse("admin:claims_feed_changelist"), _expect(**LOGIN, desk=200)),
    "admin-feed-add": (lambda d: reverse("admin:claims_feed_add"),
                       _expect(**LOGIN, viewer=403, reviewer=403, assignee=403, editors=200)),
    "admin-feed-change": (lambda d: reverse("admin:claims_feed_change", args=[_feed().pk]),
                          _expect(**LOGIN, desk=200)),
    "admin-feed-delete": (lambda d: reverse("admin:claims_feed_delete", args=[_feed().pk]),
                          _expect(**LOGIN, desk=403)),
    "admin-link-list": (lambda d: reverse("admin:claims_link_changelist"), _expect(**LOGIN, desk=200)),
    "admin-link-add": (lambda d: reverse("admin:claims_link_add"),
                       _expect(**LOGIN, viewer=403, reviewer=403, assignee=403, editors=200)),
    "admin-link-change": (lambda d: reverse("admin:claims_link_change", args=[_link().pk]),
                          _expect(**LOGIN, desk=200)),
    # Django's own User and Group pages keep Django's permissions: superusers only.
    "admin-auth-users": (lambda d: reverse("admin:auth_user_changelist"), _expect(**LOGIN, desk=403)),
    "admin-auth-groups": (lambda d: reverse("admin:auth_group_changelist"), _expect(**LOGIN, desk=403)),
    "admin-auth-app": (lambda d: reverse("admin:app_list", args=["auth"]), _expect(**LOGIN, desk=404)),
    # Signed in with a role, the sign-in page sends you on to the index; without one it is shown.
    "admin-login": (lambda d: reverse("admin:login"), _expect(anonymous=200, norole=200, desk=302)),
    "reports": (lambda d: reverse("report"),
                _expect(anonymous=302, norole=403, viewer=403, reviewer=403, assignee=403, editors=200)),
    "reports-article": (lambda d: reverse("report") + f"?article={d['work'].article_id}",
                        _expect(anonymous=302, norole=403, viewer=403, reviewer=403, assignee=403, editors=200)),
    "reports-range-pdf": (lambda d: reverse("report") + "?from=2026-01-01&to=2026-12-31&format=pdf",
                          _expect(anonymous=302, norole=403, viewer=403, reviewer=403, assignee=403, editors=200)),
}


@pytest.mark.parametrize("door,role,expected", _rows({k: v[1] for k, v in ADMIN_PAGES.items()}))
def test_admin_page_and_report_answer(desk, door, role, expected):
    url = ADMIN_PAGES[door][0](desk)
    response = _client(desk, role).get(url)
    assert response.status_code == expected, (url, response.status_code)
    if expected == 302 and role in LOGIN:
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_user_without_role_cannot_sign_in_to_the_admin(client, desk):
    response = client.post(reverse("admin:login"), {"username": "norole", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_viewer_without_staff_flag_signs_in_by_role(client, desk):
    viewer = ViewerFactory(username="plainviewer", is_staff=False)
    client.force_login(viewer)
    assert client.get(reverse("admin:index")).status_code == 200


def test_claim_history_list_shows_only_that_claims_records_to_a_viewer(client, desk):
    client.force_login(desk["users"]["viewer"])
    url = reverse("admin:claims_auditrecord_changelist") + f"?claim={desk['work'].pk}"
    shown = {r.object_id for r in client.get(url).context["cl"].result_list}
    assert shown == {str(desk["work"].pk)}


def test_viewer_index_lists_no_audit_records_but_editor_does(client, desk):
    client.force_login(desk["users"]["viewer"])
    assert b"Audit records" not in client.get(reverse("admin:index")).content
    client.force_login(desk["users"]["editor"])
    assert b"Audit records" in client.get(reverse("admin:index")).content


def test_index_offers_the_printable_report_only_to_those_who_may_export(client, desk):
    for role, offered in (("viewer", False), ("reviewer", False), ("editor", True)):
        client.force_login(desk["users"][role])
        assert (reverse("report").encode() in client.get(reverse("admin:index")).content) is offered, role


def test_article_page_lists_its_claims_without_model_permissions(client, desk):
    client.force_login(desk["users"]["viewer"])
    response = client.get(reverse("admin:claims_article_change", args=[desk["work"].article_id]))
    assert desk["work"].text in response.content.decode()


# --- admin workflow steps (POST from the claim page: done, a redirect back with a message; refused,
# the claim page again with the input kept and the error) ------------------------------------------

PROPOSE_FORM = {"verdict": "verified", "rationale": "Checked", "evidence_url": EVIDENCE[0]["url"]}
WORKERS = dict(viewer="refused", reviewer="refused", workers="done")
EDITORS = dict(viewer="refused", reviewer="refused", assignee="refused", editors="done")
STEPS = {
    # door: (claim key, step, form, expected outcome per role)
    "step-assign": ("work", "assign", lambda d: {"assignee": d["users"]["reviewer"].pk},
                    _expect(anonymous="login", norole="login", **EDITORS)),
    "step-propose": ("work", "propose", lambda d: PROPOSE_FORM, _expect(anonymous="login", norole="login", **WORKERS)),
    "step-reopen": ("earlier", "reopen", lambda d: {"reason": "New figures", "assignee": d["users"]["assignee"].pk},
                    _expect(anonymous="login", norole="login", **EDITORS)),
    "step-approve": ("proposed", "approve", lambda d: {},
                     _expect(anonymous="login", norole="login", viewer="refused", reviewer="refused",
                             assignee="refused", editor="done", proposer="refused")),
    "step-send-back": ("proposed", "send-back", lambda d: {"comment": "Check the date"},
                       _expect(anonymous="login", norole="login", viewer="refused", reviewer="refused",
                               assignee="refused", editor="done", proposer="refused")),
    "step-correct": ("work", "correct", lambda d: {"attribution": "direct", "start": d["work"].start,
                                                   "end": d["work"].end},
                     _expect(anonymous="login", norole="login", **WORKERS)),
    "step-summary": ("work", "summary", lambda d: {"summary": "Bridge repairs cost 12 million"},
                     _expect(anonymous="login", norole="login", **EDITORS)),
    "step-split": ("work", "split", lambda d: {"words": 1}, _expect(anonymous="login", norole="login", **WORKERS)),
    "step-comment": ("work", "comment", lambda d: {"comment": "Looking"},
                     _expect(anonymous="login", norole="login", **WORKERS)),
    "step-evidence": ("work", "evidence", lambda d: {"url": "https://example.org/e"},
                      _expect(anonymous="login", norole="login", **WORKERS)),
    "step-accept-suggestion": ("work", "accept-suggestion", lambda d: {},
                               _expect(anonymous="login", norole="login", **WORKERS)),
    "step-confirm-match": ("work", "confirm-match", lambda d: {"match": d["match"].pk},
                           _expect(anonymous="login", norole="login", **WORKERS)),
    "step-reject-match": ("work", "reject-match", lambda d: {"match": d["match"].pk},
                          _expect(anonymous="login", norole="login", **WORKERS)),
}


@pytest.mark.parametrize("door,role,expected", _rows({k: v[3] for k, v in STEPS.items()}))
def test_admin_workflow_step_answer(desk, door, role, expected):
    key, step, form, _ = STEPS[door]
    claim = desk[key]
    before = AuditRecord.objects.count()
    response = _client(desk, role).post(reverse("admin:claims_claim_workflow", args=[claim.pk, step]), form(desk))
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
        assert AuditRecord.objects.count() == before
        return
    levels = [m.level_tag for m in get_messages(response.wsgi_request)]
    if expected == "done":
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:claims_claim_change", args=[claim.pk])
        assert levels == ["success"] and AuditRecord.objects.count() > before
    else:  # the claim page again, with the input and the error
        assert response.status_code == 200 and response.context["original"].pk == claim.pk
        assert levels == ["error"] and AuditRecord.objects.count() == before


# --- admin actions: offered or not; posted anyway, refused -----------------------------------------------

ACTIONS = {
    # door: (admin, action, expected per role: True offered, False not offered, "login")
    "action-take-for-review": ("claim", "take_for_review",
                               _expect(anonymous="login", norole="login", viewer=False, reviewer=False,
                                       assignee=False, editors=True)),
    "action-bulk-assign": ("claim", "bulk_assign", _expect(anonymous="login", norole="login", viewer=False,
                                                           reviewer=False, assignee=False, editors=True)),
    "action-bulk-propose": ("claim", "bulk_propose", _expect(anonymous="login", norole="login", viewer=False,
                                                             reviewer=True, workers=True)),
    "action-bulk-approve": ("claim", "bulk_approve", _expect(anonymous="login", norole="login", viewer=False,
                                                             reviewer=False, assignee=False, editors=True)),
    "action-merge-claims": ("claim", "merge_claims", _expect(anonymous="login", norole="login", viewer=False,
                                                             reviewer=True, workers=True)),
    "action-claim-delete": ("claim", "delete_selected", _expect(anonymous="login", norole="login", desk=False)),
    "action-requeue": ("article", "requeue", _expect(anonymous="login", norole="login", viewer=False,
                                                     reviewer=False, assignee=False, editors=True)),
    "action-article-delete": ("article", "delete_selected", _expect(anonymous="login", norole="login",
                                                                    desk=False)),
    "action-merge-speakers": ("speaker", "merge_speakers", _expect(anonymous="login", norole="login", viewer=False,
                                                                   reviewer=False, assignee=False, editors=True)),
    "action-speaker-delete": ("speaker", "delete_selected", _expect(anonymous="login", norole="login", desk=False)),
}


def _offered(client, changelist):
    form = client.get(changelist).context.get("action_form")
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


@pytest.mark.parametrize("door,role,expected", _rows({k: v[2] for k, v in ACTIONS.items()}))
def test_admin_action_offered_and_refused_when_posted_anyway(desk, door, role, expected):
    model, action, _ = ACTIONS[door]
    changelist = reverse(f"admin:claims_{model}_changelist")
    target = {"claim": desk["work"], "speaker": desk["work"].speaker}.get(model) or \
        Article.objects.get(pk=desk["work"].article_id)
    client = _client(desk, role)
    if expected == "login":
        response = client.post(changelist, {"action": action, "_selected_action": [target.pk]})
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
        return
    offered = _offered(client, changelist)
    assert (action in offered) is expected, sorted(offered)
    if expected:
        return
    before = (AuditRecord.objects.count(), Claim.objects.count(), Article.objects.count())
    target_state = type(target).objects.filter(pk=target.pk).values().get()
    response = client.post(changelist, {"action": action, "_selected_action": [target.pk], "post": "yes",
                                        "apply": "1", "assignee": desk["users"]["reviewer"].pk})
    # With some action offered Django answers "no action selected" and redirects; with none the
    # posted form is ignored and the list shown again. Either way nothing happened.
    assert response.status_code == (302 if offered else 200)
    assert (AuditRecord.objects.count(), Claim.objects.count(), Article.objects.count()) == before
    assert type(target).objects.filter(pk=target.pk).values().get() == target_state


# --- the API -------------------------------------------------------------------------------------------

NOT_SIGNED_IN = {"anonymous": 401, "norole": 403}
PROPOSE_BODY = {"verdict": "verified", "rationale": "Checked", "evidence": EVIDENCE}
API = {
    # door: (method, url maker, body maker, expected status per role)
    "api-articles-get": ("get", lambda d: "/api/articles/", None, _expect(**NOT_SIGNED_IN, desk=200)),
    "api-articles-post": ("post", lambda d: "/api/articles/",
                          lambda d: {"body": "The council said on Monday that the bridge would close for a year."},
                          _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=202)),
    "api-articles-post-url": ("post", lambda d: "/api/articles/", lambda d: {"url": "https://news.example/a"},
                              _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=202)),
    "api-feeds-get": ("get", lambda d: "/api/feeds/", None, _expect(**NOT_SIGNED_IN, desk=200)),
    "api-feeds-post": ("post", lambda d: "/api/feeds/", lambda d: {"url": "https://news.example/rss"},
                       _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=201)),
    "api-feed-get": ("get", lambda d: f"/api/feeds/{_feed().pk}/", None, _expect(**NOT_SIGNED_IN, desk=200)),
    "api-link-get": ("get", lambda d: f"/api/links/{_link().pk}/", None, _expect(**NOT_SIGNED_IN, desk=200)),
    "api-article-get": ("get", lambda d: f"/api/articles/{d['work'].article_id}/", None,
                        _expect(**NOT_SIGNED_IN, desk=200)),
    "api-claims-get": ("get", lambda d: "/api/claims/", None, _expect(**NOT_SIGNED_IN, desk=200)),
    "api-claims-queue-get": ("get", lambda d: "/api/claims/?assignee=me", None, _expect(**NOT_SIGNED_IN, desk=200)),
    "api-claim-get": ("get", lambda d: f"/api/claims/{d['work'].pk}/", None, _expect(**NOT_SIGNED_IN, desk=200)),
    "api-claim-assign": ("post", lambda d: f"/api/claims/{d['work'].pk}/assign/",
                         lambda d: {"assignee": "assignee", "due": None},
                         _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=200)),
    "api-claim-propose": ("post", lambda d: f"/api/claims/{d['work'].pk}/propose/", lambda d: PROPOSE_BODY,
                          _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, workers=200)),
    "api-claim-approve": ("post", lambda d: f"/api/claims/{d['proposed'].pk}/approve/", lambda d: {},
                          _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editor=200,
                                  proposer=403)),
    "api-claim-send-back": ("post", lambda d: f"/api/claims/{d['proposed'].pk}/send-back/",
                            lambda d: {"comment": "Check the date"},
                            _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editor=200,
                                    proposer=403)),
    "api-claim-accept-suggestion": ("post", lambda d: f"/api/claims/{d['work'].pk}/accept-suggestion/",
                                    lambda d: {}, _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, workers=200)),
    "api-claim-correct": ("post", lambda d: f"/api/claims/{d['work'].pk}/correct/", lambda d: {"attribution": "direct"},
                          _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, workers=200)),
    "api-claim-reopen": ("post", lambda d: f"/api/claims/{d['earlier'].pk}/reopen/", lambda d: {"reason": "New figures"},
                         _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=200)),
    "api-claim-comments-get": ("get", lambda d: f"/api/claims/{d['work'].pk}/comments/", None,
                               _expect(**NOT_SIGNED_IN, desk=200)),
    "api-claim-comments-post": ("post", lambda d: f"/api/claims/{d['work'].pk}/comments/",
                                lambda d: {"text": "Looking"},
                                _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, workers=201)),
    "api-claim-evidence-get": ("get", lambda d: f"/api/claims/{d['work'].pk}/evidence/", None,
                               _expect(**NOT_SIGNED_IN, desk=200)),
    "api-claim-evidence-post": ("post", lambda d: f"/api/claims/{d['work'].pk}/evidence/",
                                lambda d: {"url": "https://example.org/e"},
                                _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, workers=201)),
    "api-claim-audit-get": ("get", lambda d: f"/api/claims/{d['work'].pk}/audit/", None,
                            _expect(**NOT_SIGNED_IN, desk=200)),
    "api-claim-review-summary": ("post", lambda d: f"/api/claims/{d['work'].pk}/review-summary/",
                                 lambda d: {"summary": "Bridge repairs cost 12 million"},
                                 _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=200)),
    "api-speakers-get": ("get", lambda d: "/api/speakers/", None, _expect(**NOT_SIGNED_IN, desk=200)),
    "api-speaker-get": ("get", lambda d: f"/api/speakers/{d['work'].speaker_id}/", None,
                        _expect(**NOT_SIGNED_IN, desk=200)),
    "api-match-decision": ("post", lambda d: f"/api/matches/{d['match'].pk}/decision/",
                           lambda d: {"decision": "confirm"},
                           _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, workers=201)),
    "api-audit-get": ("get", lambda d: "/api/audit/", None,
                      _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=200)),
    "api-audit-csv-get": ("get", lambda d: "/api/audit/?as=csv", None,
                          _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=200)),
    **{f"api-export-{fmt}-get": ("get", (lambda f: lambda d: f"/api/export/{f}/")(fmt), None,
                                 _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=200))
       for fmt in ("json", "csv", "claimreview")},
    **{f"api-reports-{fmt}-get": ("get", (lambda f: lambda d: f"/api/reports/?article={d['work'].article_id}"
                                                               f"&format={f}")(fmt), None,
                                  _expect(**NOT_SIGNED_IN, viewer=403, reviewer=403, assignee=403, editors=200))
       for fmt in ("html", "pdf")},
    # The schema describes the API, no data: open to anyone (drf-spectacular's default).
    "api-schema-get": ("get", lambda d: "/api/schema/", None, _expect(anonymous=200, norole=200, desk=200)),
    # Its documentation page (Swagger UI, assets from drf-spectacular-sidecar): as open as the schema.
    "api-docs-get": ("get", lambda d: "/api/docs/", None, _expect(anonymous=200, norole=200, desk=200)),
    # Signing in: any active account gets a token (a token without a role opens nothing: 403 above).
    "api-token-post": ("post", lambda d: "/api/auth/token/", "credentials",
                       _expect(anonymous=400, norole=200, desk=200)),
    "api-token-delete": ("delete", lambda d: "/api/auth/token/", None,
                         _expect(anonymous=401, norole=204, desk=204)),
}


@pytest.mark.parametrize("door,role,expected", _rows({k: v[3] for k, v in API.items()}))
def test_api_endpoint_answer(desk, door, role, expected):
    method, url, body, _ = API[door]
    client = _client(desk, role, api=True)
    if body == "credentials":
        client = APIClient()
        data = {"username": role if role != "anonymous" else "nobody", "password": PASSWORD}
    else:
        data = body(desk) if body else None
    target = url(desk)  # may store the object it names (a feed, a link) before the count below
    before = AuditRecord.objects.count()
    response = getattr(client, method)(target, data, format="json") if data is not None else \
        getattr(client, method)(target)
    assert response.status_code == expected, (target, response.content[:300])
    if expected in (401, 403):
        assert AuditRecord.objects.count() == before


def test_refusal_comes_before_the_input_is_read(desk):
    """A viewer posting nonsense is told they may not, not what is wrong with the input."""
    client = _client(desk, "viewer", api=True)
    response = client.post(f"/api/claims/{desk['work'].pk}/propose/", {"verdict": "maybe"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "viewer is a viewer and can only read"


# --- commands run on someone's behalf ---------------------------------------------------------------------

COMMANDS = {
    # door: (argv before the user option, the option naming the user, expected per role)
    "cmd-ingest": (["ingest", "{file}"], "--user", "editors"),
    "cmd-export": (["export", "--format", "json", "-o", "{out}"], "--as-user", "editors"),
    "cmd-audit-export": (["audit", "export", "-o", "{out}"], "--as-user", "editors"),
    "cmd-audit-verify": (["audit", "verify"], "--as-user", "editors"),
    "cmd-matches-report": (["matches", "report"], "--as-user", "desk"),
    "cmd-report": (["report", "--from", "2026-01-01", "-o", "{out}.html"], "--as-user", "editors"),
}
CMD_ROLES = ["operator", "norole", "viewer", "reviewer", "assignee", "editor", "proposer"]


@pytest.mark.parametrize("door,role", [pytest.param(d, r, id=f"{d}-{r}") for d in COMMANDS for r in CMD_ROLES])
def test_command_checks_the_named_user(desk, tmp_path, door, role):
    from django.core.management import CommandError, call_command

    argv, option, who = COMMANDS[door]
    article = tmp_path / "a.txt"
    article.write_text("Harbour news\n\nThe council said on Monday that the bridge would close for a year.\n")
    args = [a.format(file=article, out=tmp_path / "out") for a in argv]
    if role != "operator":  # the server operator names nobody and is allowed, as before
        args += [option, role]
    allowed = role == "operator" or role in {"editors": ["editor", "proposer"],
                                             "desk": ["viewer", "reviewer", "assignee", "editor", "proposer"]}[who]
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    if allowed:
        call_command(*args, **quiet)
    else:
        with pytest.raises(CommandError, match="only editors can|you need a desk role"):
            call_command(*args, **quiet)
