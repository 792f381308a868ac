"""Every door walked, for every role: a walk generated from the URL configuration and the admin
registry, so a page, endpoint or action added later is walked without anyone listing it here.

For anonymous, viewer, reviewer and editor: every URL pattern (admin and API alike) with a real id, a
non-numeric id, an unknown id and an id past the 64-bit range; a GET, an empty POST and junk POSTs
(every field the page's forms or the API schema name, filled with junk); every changelist searched with
junk and opened with each filter link it offers (and junk in each filter's parameter); every admin
action on a selected object, with its intermediate form applied empty and with junk.

What must hold: never a 500, never a traceback in the body; anonymous is sent to the sign-in (admin)
or refused (401/403, API) except on the few public doors; a malformed or unknown id in the admin is a
404. A parameter the walk cannot fill fails the walk, so a new kind of URL is noticed.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.authtoken.models import Token

from claims import exports, sources, workflow
from claims.admin.access import DeskAccess
from claims.models import Claim, ClaimMatch

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

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("anonymous", "viewer", "reviewer", "editor")
# Doors open to anyone (sign-in, the API token, the schema and its docs, health for load balancers).
PUBLIC_NAMES = {"admin:login", "admin:logout", "admin:password_reset", "api-token", "schema", "api-docs",
                "healthz", "health"}
PUBLIC_ROUTES = {"", "healthz", "healthz/", "health/"}
BAD_ID = "abc"
UNKNOWN_ID = "999999"
HUGE_ID = "9223372036854775808"  # one past the largest bigint
JUNK_TEXT = "junk\x00<script>x</script>' OR 1=1 --"
JUNK_NUMBER = "99999999999999999999999"
JUNK_QUERY = {"q": JUNK_TEXT, "o": "9.x", "p": "abc", "page": "abc", "page_size": "-1", "from": "2026-13-45",
              "to": "yesterday", "article": "abc", "format": "junk", "e": "1", "all": ""}
# good: the first real object; other: one more per state; then ids that must not be found.
KINDS = ["good", "other", "bad", "unknown", "huge"]
MODEL_ALIASES = {"match": ClaimMatch, "content_type": ContentType}
WALK = Counter()  # requests per role, printed at the end of the module


@pytest.fixture(scope="module", autouse=True)
def _report_count(request):
    yield
    if WALK:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        line = (f"door walk: {sum(WALK.values())} requests over {len(WALK)} roles ("
                + ", ".join(f"{role} {n}" for role, n in WALK.items()) + ")")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():  # shown without -s too
            reporter.write_line(line)


@pytest.fixture
def desk(settings):
    """Two articles, claims in every state (one matched to a published one), a feed, links, audit records."""
    settings.CLAIMDESK_FETCH_TIMEOUT_SECONDS = 0.5
    users = {"viewer": ViewerFactory(username="d-viewer"), "reviewer": ReviewerFactory(username="d-reviewer"),
             "editor": EditorFactory(username="d-editor"), "editor2": EditorFactory(username="d-editor2")}
    older = ArticleFactory(title="Harbour Bridge closed", body=BODY)
    newer = ArticleFactory(title="Bridge still shut", body=BODY + "\n\nA ferry runs every hour.")
    speaker = SpeakerFactory(name="Tomas Brandt")
    spans = [_span(i) for i in range(4)]
    published = publish_verdict(ClaimFactory(article=older, speaker=speaker, **spans[0]), reviewer=users["reviewer"],
                                assigner=users["editor"], approver=users["editor2"])
    in_review = ClaimFactory(article=older, **spans[1])
    workflow.claim_assign(claim=in_review, user=users["editor"], assignee=users["reviewer"])
    proposed = ClaimFactory(article=older, **spans[2])
    workflow.claim_assign(claim=proposed, user=users["editor"], assignee=users["reviewer"])
    workflow.claim_propose(claim=proposed, user=users["reviewer"], verdict="disputed", rationale="Minutes differ",
                           evidence=[{"url": "https://example.org/minutes"}])
    later = ClaimFactory(article=newer, speaker=speaker, **spans[0])
    ClaimMatch.objects.create(claim=later, earlier=published, score=0.97, kind="same")
    Claim.objects.filter(pk=later.pk).update(suggested_verdict=published.verdict, suggested_from=published)
    ClaimFactory(article=newer, **spans[3])  # unreviewed
    sources.feed_add(url="https://feeds.example.invalid/rss", title="Gazette", queue=False)
    sources.link_add(url="https://news.example.invalid/story", queue=False)
    Token.objects.create(user=users["editor"])
    return users


SENTENCES = ["The council said 14 bridges would close on Monday.", "Repairs will cost 12 million euros.",
             "The mayor said the ferry carried 3,000 people a day.", "Inspections last took place in 2019."]
BODY = "Harbour Bridge closed\n\n" + " ".join(SENTENCES)


def _span(i):
    start = BODY.index(SENTENCES[i])
    return {"start": start, "end": start + len(SENTENCES[i]), "text": SENTENCES[i]}


# --- the URL configuration as a list of doors ---

def _patterns(patterns=None, prefix="", names=()):
    """(route, full name, pattern) for every URL pattern, included URL confs walked recursively."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = (*names, p.namespace) if p.namespace else names
            yield from _patterns(p.url_patterns, prefix + _route(p.pattern), ns)
        elif isinstance(p, URLPattern):
            full = ":".join((*names, p.name)) if p.name else ""
            yield prefix + _route(p.pattern), full, p


def _route(pattern):
    if isinstance(pattern, RoutePattern):
        return str(pattern._route)
    assert isinstance(pattern, RegexPattern), pattern
    return str(pattern._regex).lstrip("^").rstrip("$")


PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?P<regex>[^)]*)\)")


def _admin_of(route):
    """The ModelAdmin whose URLs ``route`` belongs to, or None."""
    for model, model_admin in admin.site._registry.items():
        if route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model_admin
    return None


def _template_literals(url_name):
    """The literal arguments the templates pass to ``{% url 'url_name' ... %}`` (the workflow steps)."""
    found = set()
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("claims/**/templates/**/*.html")]:
        for args in re.findall(r"{%\s*url\s+['\"]" + re.escape(url_name) + r"['\"]([^%]*)%}", path.read_text()):
            found.update(re.findall(r"['\"]([^'\"]+)['\"]", args))
    return found


def _model_for(param, model_admin, route):
    if param in ("object_id", "id", "pk"):
        if model_admin is None and "<path:content_type_id>" in route:  # view on site: a claim's content type
            return Claim
        return model_admin.model if model_admin else None
    stem = param.removesuffix("_id")
    if stem in MODEL_ALIASES:
        return MODEL_ALIASES[stem]
    for model in apps.get_models():
        if model._meta.model_name == stem:
            return model
    return None


def _representatives(model):
    """One object per state or status the data set holds (a claim in each workflow state), else the first."""
    manager = model._default_manager.order_by("pk")
    for field in ("state", "status"):
        if any(f.name == field for f in model._meta.concrete_fields):
            first = {}
            for pk, value in manager.values_list("pk", field):
                first.setdefault(value, pk)
            return list(first.values())
    return list(manager.values_list("pk", flat=True)[:1])


def _values(param, conv, regex, route, name, model_admin):
    """[(kind, value)] for one URL parameter: real ids, malformed and unknown ones, or named values."""
    model = _model_for(param, model_admin, route)
    if model is not None:
        pks = _representatives(model)
        if param == "content_type_id":
            pks = [ContentType.objects.get_for_model(Claim).pk]
        if not pks:
            return None
        return ([("good", str(pks[0]))] + [("other", str(pk)) for pk in pks[1:]]
                + [("bad", BAD_ID), ("unknown", UNKNOWN_ID), ("huge", HUGE_ID)])
    if regex and re.fullmatch(r"[\w|]+", regex):  # alternatives: (?P<app_label>auth|claims)
        return [("good", v) for v in regex.split("|")] + [("bad", "junk")]
    if param == "url":  # the admin's catch-all
        return [("bad", "junk/"), ("bad", "claims/nothing/")]
    if param == "step":
        steps = _template_literals(name) | set(getattr(model_admin, "STEP_FORMS", {}))
        return [("good", s) for s in sorted(steps)] + [("bad", "junk")]
    if param == "fmt":
        return [("good", f) for f in exports.FORMATS] + [("bad", "junk")]
    return None


def _fill(route, values):
    parts = iter(values)
    return PARAM.sub(lambda _m: next(parts), route)


def doors():
    """Every concrete URL to walk: (url, kind, url name, route, ModelAdmin or None), and the routes
    whose parameters the walk does not know how to fill."""
    out, unknown = [], []
    for route, name, _ in _patterns():
        model_admin = _admin_of(route)
        urls = [("", "good")]
        for m in PARAM.finditer(route):
            param = m["name"] or m["rname"]
            values = _values(param, m["conv"], m["regex"], route, name, model_admin)
            if values is None:
                unknown.append(f"{route}: no values for <{param}>")
                urls = []
                break
            urls = [(u + "\0" + v, max(k, kind, key=KINDS.index)) for u, kind in urls for k, v in values]
        for filled, kind in urls:
            url = "/" + _fill(route, filled.split("\0")[1:])
            out.append((url, kind, name, route, model_admin))
    return out, unknown


# --- the API's own description: the fields and query parameters each operation takes ---

_SCHEMA = {}


def _api_schema():
    if not _SCHEMA:
        from drf_spectacular.generators import SchemaGenerator

        _SCHEMA.update(SchemaGenerator().get_schema(request=None, public=True))
    return _SCHEMA


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node or {}


def _api_operation(route, method):
    schema = _api_schema()
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return schema, (schema.get("paths", {}).get(path) or {}).get(method) or {}


def api_fields(route):
    schema, op = _api_operation(route, "post")
    body = _resolve(schema, ((op.get("requestBody") or {}).get("content") or {}).get("application/json", {})
                    .get("schema"))
    props = {}
    for variant in [body, *body.get("oneOf", []), *body.get("anyOf", [])]:
        props.update(_resolve(schema, variant).get("properties", {}))
    return props


def api_query(route):
    _, op = _api_operation(route, "get")
    return [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]


# --- one role's walk ---

FORM_FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)


class Walk:
    def __init__(self, client, role, users):
        self.client, self.role, self.users = client, role, users
        self.client.raise_request_exception = False  # a view's exception is a 500 to look at, not a crash
        self.failures, self.count, self.seen = [], 0, set()
        self._login()

    def _login(self):
        if self.role != "anonymous":
            self.client.force_login(self.users[self.role])

    def request(self, method, url, data=None, *, kind="good", name="", model_admin=None, json_body=None, raw=None):
        key = (method, url, repr(data), repr(json_body), raw)
        if key in self.seen:
            return None
        self.seen.add(key)
        self.count += 1
        if method == "GET":
            response = self.client.get(url, data)
        elif raw is not None:
            response = self.client.post(url, raw, content_type="application/json")
        elif json_body is not None:
            response = self.client.post(url, json.dumps(json_body), content_type="application/json")
        else:
            response = self.client.post(url, data or {})
        try:
            body = b"".join(response.streaming_content) if response.streaming else response.content
        except Exception as exc:  # noqa: BLE001 (an error while streaming is a failure like a 500)
            self.fail(method, url, data or json_body, response.status_code, f"streaming raised {exc!r}")
            return response
        response.body_text = body.decode("utf-8", "replace")
        self.check(method, url, data or json_body or raw, response, kind, name, model_admin)
        if name == "admin:logout" and method == "POST":
            self._login()  # the walk goes on signed in
        return response

    def fail(self, method, url, data, status, why):
        shown = url if not data else f"{url} {str(data)[:160]}"
        self.failures.append(f"{self.role:9} {method:4} {shown} -> {status}: {why}")

    def check(self, method, url, data, response, kind, name, model_admin):
        status = response.status_code
        if status >= 500 and not (status == 503 and name in PUBLIC_NAMES):  # 503: health says "not ready"
            exc = getattr(response, "exc_info", None)
            self.fail(method, url, data, status, repr(exc[1]) if exc else "server error")
            return
        if "Traceback" in response.body_text or "Exception Value" in response.body_text:
            self.fail(method, url, data, status, "a traceback in the body")
        public = name in PUBLIC_NAMES or url.strip("/") in PUBLIC_ROUTES
        if self.role == "anonymous" and not public:
            location = response.get("Location", "")
            if not (status in (401, 403) or (status in (301, 302) and "/admin/login/" in location)):
                self.fail(method, url, data, status, f"anonymous not sent to sign in (Location {location!r})")
        if (self.role != "anonymous" and kind not in ("good", "other") and isinstance(model_admin, DeskAccess)
                and re.search(r"/(change|history|delete)/$", url) and status not in (403, 404)):
            self.fail(method, url, data, status, "a malformed or unknown id in the admin must be a 404")

    # --- the pieces of the walk ---

    def junk_form(self, text, value=JUNK_TEXT):
        names = {html.unescape(n) for n in FORM_FIELD.findall(text or "")}
        names -= {"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "action", ACTION_CHECKBOX_NAME,
                  "select_across", "index", "q"}
        return {**{n: value for n in sorted(names)}, "junk": value}

    def door(self, url, kind, name, route, model_admin):
        response = self.request("GET", url, kind=kind, name=name, model_admin=model_admin)
        public = name in PUBLIC_NAMES or url.strip("/") in PUBLIC_ROUTES
        if kind == "huge" or (self.role == "anonymous" and not public and kind != "good"):
            return  # anonymous is turned away before any id is read
        text = response.body_text if response is not None else ""
        self.request("POST", url, {}, kind=kind, name=name, model_admin=model_admin)
        if self.role == "anonymous" and not public:
            return
        if url.startswith("/api/"):
            props = api_fields(route)
            if kind in ("good", "other"):
                self.request("POST", url, kind=kind, name=name, model_admin=model_admin,
                             json_body={**{p: JUNK_TEXT for p in props}, "junk": JUNK_TEXT})
            if kind == "good":
                self.request("POST", url, kind=kind, name=name, model_admin=model_admin,
                             json_body={p: [JUNK_NUMBER] if i % 2 else int(JUNK_NUMBER) for i, p in enumerate(props)})
                self.request("POST", url, kind=kind, name=name, model_admin=model_admin, raw="{not json")
                query = {p: JUNK_TEXT for p in api_query(route)}
                if query:
                    self.request("GET", url, {**query, "page": "abc"}, kind=kind, name=name, model_admin=model_admin)
            return
        if kind in ("good", "other"):
            self.request("POST", url, self.junk_form(text), kind=kind, name=name, model_admin=model_admin)
        if kind == "good":
            self.request("POST", url, self.junk_form(text, JUNK_NUMBER), kind=kind, name=name, model_admin=model_admin)
        if kind == "good" and not route.startswith("admin/") and "<" not in route:
            self.request("GET", url, JUNK_QUERY, kind=kind, name=name, model_admin=model_admin)

    def changelist(self, url, model_admin):
        """Searched with junk, each filter and date link the page offers, junk in each filter parameter."""
        response = self.request("GET", url)
        self.request("GET", url, {"q": JUNK_TEXT})
        self.request("GET", url, {"p": "abc", "o": "9.x", "all": "", "e": "1"})
        if response is None or response.status_code != 200:
            return
        text = response.body_text
        links = set()
        for block in re.findall(r'<nav id="changelist-filter".*?</nav>|<nav class="toplinks".*?</nav>',
                                text, re.S):
            links.update(html.unescape(h) for h in re.findall(r'href="(\?[^"]*)"', block))
        assert links or not (model_admin.list_filter or model_admin.date_hierarchy), f"no filter links on {url}"
        params = set()
        for link in sorted(links):
            query = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
            params.update(query)
            self.request("GET", url, query)
        for param in sorted(params):
            self.request("GET", url, {param: JUNK_TEXT})
            self.request("GET", url, {param: JUNK_NUMBER})

    def actions(self, url, model_admin, pk):
        """Every action the ModelAdmin declares (offered to this role or not), on one selected object."""
        names = {n for n in (model_admin.actions or [])} | {n for n, _ in admin.site.actions}
        names = {n if isinstance(n, str) else n.__name__ for n in names}
        for action in sorted(names) + ["junk"]:
            base = {"action": action, ACTION_CHECKBOX_NAME: [pk], "index": "0", "select_across": "0"}
            response = self.request("POST", url, base)
            if response is not None and response.status_code == 200:  # an intermediate form: apply it
                self.request("POST", url, {**base, "apply": "1"})
                self.request("POST", url, {**self.junk_form(response.body_text), **base, "apply": "1"})
        self.request("POST", url, {"action": "", ACTION_CHECKBOX_NAME: ["abc", UNKNOWN_ID]})

    def run(self):
        found, unknown = doors()
        self.failures.extend(f"cannot walk {u}" for u in unknown)
        for url, kind, name, route, model_admin in found:
            if name.endswith("_changelist") and model_admin is not None:
                self.changelist(url, model_admin)
            self.door(url, kind, name, route, model_admin)
        for model, model_admin in admin.site._registry.items():  # actions last: they change the data
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
                self.actions(url, model_admin, first.pk)
        return self


@pytest.mark.parametrize("role", ROLES)
def test_no_door_answers_a_server_error_or_a_traceback(role, desk, client):
    walk = Walk(client, role, desk).run()
    WALK[role] = walk.count
    assert walk.count > 300  # the walk really walked
    assert not walk.failures, f"{len(walk.failures)} of {walk.count} requests failed:\n" + "\n".join(walk.failures)


def test_the_walk_reaches_every_registered_screen_and_custom_admin_url(desk):
    found, unknown = doors()
    assert not unknown
    walked = {route for _, _, _, route, _ in found}
    for model, model_admin in admin.site._registry.items():
        for p in model_admin.get_urls():
            assert any(r.endswith(_route(p.pattern)) and r.startswith(f"admin/{model._meta.app_label}/")
                       for r in walked), (model, p)
    assert "admin/claims/claim/<int:claim_id>/workflow/<str:step>/" in walked
    steps = {url.rsplit("/", 2)[1] for url, kind, name, _, _ in found if name == "admin:claims_claim_workflow"}
    assert {"assign", "propose", "approve", "confirm-match", "reject-match", "split", "correct"} <= steps
    kinds = Counter(kind for url, kind, *_ in found if url.startswith("/api/claims/"))
    assert kinds["bad"] and kinds["unknown"] and kinds["good"]


def test_a_non_numeric_or_unknown_claim_id_in_the_admin_is_a_404(client, desk):
    client.force_login(desk["editor"])
    for object_id in (BAD_ID, UNKNOWN_ID, HUGE_ID):
        for page in ("change", "history", "delete"):
            response = client.get(f"/admin/claims/claim/{object_id}/{page}/")
            assert response.status_code in (404, 403), (object_id, page, response.status_code)
        assert client.get(f"/admin/claims/claim/{object_id}/change/").status_code == 404
    assert client.get(f"/admin/claims/article/{BAD_ID}/change/").status_code == 404
    assert client.get(f"/admin/claims/speaker/{UNKNOWN_ID}/change/").status_code == 404



def test_a_date_link_with_a_year_past_the_calendar_is_refused_not_a_server_error(client, desk):
    client.force_login(desk["editor"])
    for url, param in (("/admin/claims/article/", "created_at__year"), ("/admin/claims/auditrecord/", "at__year")):
        response = client.get(url, {param: JUNK_NUMBER})
        assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")


def test_a_nul_character_in_a_list_filter_is_refused_not_a_server_error(client, desk):
    # PostgreSQL refuses NUL in a text parameter (DataError: a 500 there, not on SQLite).
    client.force_login(desk["editor"])
    for url, param in (("/admin/claims/claim/", "state__exact"), ("/admin/claims/link/", "batch")):
        response = client.get(url, {param: "junk\x00"})
        assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")
