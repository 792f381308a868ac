"""The schema is the contract: schemathesis generates requests for every operation of the live
``/api/schema/`` and sends them, as an editor, through the WSGI app on real PostgreSQL. No answer may
be a server error, carry a status code or content type the schema does not list, or a body that breaks
the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .factories import ArticleFactory, ClaimFactory, EditorFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 12  # per operation and phase: the whole module stays around a minute on two cores
TOKEN = "c0ffee" * 6 + "c0ff"
CASES = {"count": 0}


@pytest.fixture
def editor_with_claims(require_postgres, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    editor = EditorFactory(username="contract-editor")
    claim = ClaimFactory(article=ArticleFactory())
    # As Django's test client does: the app runs inside the test's transaction, so a finished request
    # must not close the connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"editor": editor, "claim": claim}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _report_cases():
    yield
    print(f"\nschemathesis: {CASES['count']} cases sent")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_keeps_the_schema(case, editor_with_claims):
    # A generated DELETE of the token signs the editor out; the next case signs in again.
    Token.objects.get_or_create(user=editor_with_claims["editor"], defaults={"key": TOKEN})
    key = Token.objects.get(user=editor_with_claims["editor"]).key
    # Half the ids name the stored claim, so the answers are not only 404s.
    for name in ("claim_id", "article_id"):
        value = (case.path_parameters or {}).get(name)
        if isinstance(value, int) and value % 2:
            case.path_parameters[name] = (editor_with_claims["claim"].pk if name == "claim_id"
                                          else editor_with_claims["claim"].article_id)
    CASES["count"] += 1
    case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)


def test_schema_validates_and_lists_every_url():
    """Every API route is in the schema with a response body: nothing skipped as 'unable to guess'."""
    from django.urls import get_resolver

    paths = schema.raw_schema["paths"]
    for operation in schema.get_all_operations():
        op = operation.ok()
        responses = op.definition.raw["responses"]
        assert any(code.startswith("2") for code in responses), op.label
        assert all("application/json" in r.get("content", {}) for code, r in responses.items()
                   if code.startswith("4")), op.label
    api_routes = [p for p in get_resolver().reverse_dict.getlist("api-claim-audit")]
    assert api_routes
    for route in ("/api/claims/", "/api/claims/{claim_id}/propose/", "/api/audit/", "/api/export/{fmt}/",
                  "/api/auth/token/", "/api/feeds/", "/api/links/{link_id}/"):
        assert route in paths, route
