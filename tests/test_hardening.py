"""Sign-in throttling (django-axes) on both doors, expiring and revocable API tokens, and the
production settings that must pass ``check --deploy``."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .factories import EditorFactory, ReviewerFactory

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pw-for-tests-1"


@pytest.fixture
def editor(db):
    return EditorFactory(username="editor-h")


@pytest.fixture
def colleague(db):
    return ReviewerFactory(username="reviewer-h")


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    return 5


def _token_post(username, password, ip="10.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post("/api/auth/token/", {"username": username, "password": password})


def _admin_post(username, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/admin/login/?next=/admin/", {"username": username, "password": password})


# --- throttling: the token endpoint -------------------------------------------------------------


def test_token_endpoint_refuses_the_nth_wrong_password_and_then_the_right_one(editor, limit):
    for _ in range(limit - 1):
        response = _token_post("editor-h", "wrong")
        assert response.status_code == 400
        assert response.json() == {"detail": "unable to sign in with that username and password"}
    locked = _token_post("editor-h", "wrong")
    assert locked.status_code == 429
    assert "too many failed sign-ins" in locked.json()["detail"]
    right = _token_post("editor-h", PASSWORD)
    assert right.status_code == 429
    assert "too many failed sign-ins" in right.json()["detail"]
    assert not Token.objects.filter(user=editor).exists()


def test_token_lockout_does_not_lock_out_another_user_or_another_address(editor, colleague, limit):
    for _ in range(limit):
        _token_post("editor-h", "wrong")
    assert _token_post("editor-h", PASSWORD).status_code == 429
    assert _token_post("reviewer-h", PASSWORD).status_code == 200
    assert _token_post("editor-h", PASSWORD, ip="10.0.0.2").status_code == 200


def test_a_successful_token_sign_in_clears_the_failure_count(editor, limit):
    for _ in range(limit - 1):
        _token_post("editor-h", "wrong")
    assert _token_post("editor-h", PASSWORD).status_code == 200
    for _ in range(limit - 1):
        assert _token_post("editor-h", "wrong").status_code == 400
    assert _token_post("editor-h", PASSWORD).status_code == 200


def test_lockout_ends_after_the_cool_off(editor, limit, settings):
    from axes.models import AccessAttempt

    for _ in range(limit):
        _token_post("editor-h", "wrong")
    assert _token_post("editor-h", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(hours=1))
    assert _token_post("editor-h", PASSWORD).status_code == 200


def test_token_endpoint_asks_for_both_fields(db):
    response = APIClient().post("/api/auth/token/", {"username": "someone"})
    assert response.status_code == 400
    assert response.json() == {"detail": "username and password are required"}


# --- throttling: the admin login form ------------------------------------------------------------


def test_admin_login_refuses_the_nth_wrong_password_and_then_the_right_one(editor, limit):
    for _ in range(limit - 1):
        response = _admin_post("editor-h", "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert b"Please enter the correct username and password" in response.content
    locked = _admin_post("editor-h", "wrong")
    assert locked.status_code == 429
    assert b"Sign-in blocked" in locked.content and b"too many failed sign-ins" in locked.content.lower()
    client = Client(REMOTE_ADDR="10.0.0.1")
    right = client.post("/admin/login/?next=/admin/", {"username": "editor-h", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_lockout_does_not_lock_out_another_user(editor, colleague, limit):
    for _ in range(limit):
        _admin_post("editor-h", "wrong")
    response = _admin_post("reviewer-h", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_failures_on_either_door_count_together(editor, limit):
    for _ in range(limit - 1):
        _admin_post("editor-h", "wrong")
    assert _token_post("editor-h", "wrong").status_code == 429
    assert _admin_post("editor-h", PASSWORD).status_code == 429


# --- tokens: expiry and revocation ---------------------------------------------------------------


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _age(token, hours):
    Token.objects.filter(pk=token.pk).update(created=token.created - timedelta(hours=hours))


def test_a_token_older_than_the_ttl_is_refused_with_a_clear_message(editor, settings):
    settings.CLAIMDESK_TOKEN_TTL_HOURS = 24
    token = Token.objects.create(user=editor)
    assert _client(token.key).get("/api/claims/").status_code == 200
    _age(token, 25)
    response = _client(token.key).get("/api/claims/")
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "token expired" in detail and "24 hours" in detail and "POST /api/auth/token/" in detail


def test_a_token_within_the_ttl_is_accepted(editor, settings):
    settings.CLAIMDESK_TOKEN_TTL_HOURS = 24
    token = Token.objects.create(user=editor)
    _age(token, 23)
    assert _client(token.key).get("/api/claims/").status_code == 200


def test_asking_again_after_expiry_gives_a_fresh_token(editor, settings):
    settings.CLAIMDESK_TOKEN_TTL_HOURS = 1
    first = _token_post("editor-h", PASSWORD).json()
    assert _token_post("editor-h", PASSWORD).json()["token"] == first["token"]  # still valid: the same
    _age(Token.objects.get(key=first["token"]), 2)
    # Sending the expired token along does not stand in the way of getting a new one.
    response = _client(first["token"]).post("/api/auth/token/", {"username": "editor-h", "password": PASSWORD})
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["token"] != first["token"]
    assert not Token.objects.filter(key=first["token"]).exists()
    assert _client(fresh["token"]).get("/api/claims/").status_code == 200
    assert _client(first["token"]).get("/api/claims/").status_code == 401


def test_token_answer_says_when_it_expires(editor, settings):
    settings.CLAIMDESK_TOKEN_TTL_HOURS = 48
    data = _token_post("editor-h", PASSWORD).json()
    token = Token.objects.get(key=data["token"])
    assert data["expires"].startswith((token.created + timedelta(hours=48)).strftime("%Y-%m-%dT%H:%M"))


def test_delete_revokes_the_callers_token(editor):
    key = _token_post("editor-h", PASSWORD).json()["token"]
    response = _client(key).delete("/api/auth/token/")
    assert response.status_code == 204
    assert not Token.objects.filter(user=editor).exists()
    refused = _client(key).get("/api/claims/")
    assert refused.status_code == 401 and refused.json()["detail"] == "Invalid token."
    assert _token_post("editor-h", PASSWORD).json()["token"] != key


def test_delete_revokes_only_the_callers_token(editor, colleague):
    mine, theirs = Token.objects.create(user=editor), Token.objects.create(user=colleague)
    assert _client(mine.key).delete("/api/auth/token/").status_code == 204
    assert Token.objects.filter(pk=theirs.pk).exists()


def test_delete_without_credentials_is_refused(db):
    assert APIClient().delete("/api/auth/token/").status_code == 401


# --- production settings -------------------------------------------------------------------------


def _manage(args, tmp_path, **env_vars):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "SECRET_KEY", "DEBUG",
                        "DJANGO_ALLOW_ASYNC_UNSAFE"}
           and not k.startswith("CLAIMDESK_")}
    env.update(DJANGO_SETTINGS_MODULE="factcheck.settings", CLAIMDESK_VAR_DIR=str(tmp_path), **env_vars)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _production(**extra):
    return {"CLAIMDESK_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "desk.example.org", **extra}


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **_production())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output and "security.W" not in output


def test_the_local_default_fails_check_deploy(tmp_path):
    # The control for the test above: the check does report what production switches on.
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], tmp_path)
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = _production()
    del env["SECRET_KEY"]
    result = _manage(["check"], tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("key", ["short-key", "a" * 60, "django-insecure-" + secrets.token_urlsafe(50)])
def test_production_refuses_a_weak_secret_key(tmp_path, key):
    result = _manage(["check"], tmp_path, **_production(SECRET_KEY=key))
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_settings_follow_the_environment(tmp_path):
    code = ("from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_PROXY_SSL_HEADER)")
    result = _manage(["shell", "-c", code], tmp_path,
                     **_production(CLAIMDESK_HSTS_SECONDS="600", CLAIMDESK_PROXY_SSL_HEADER="X-Forwarded-Proto"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "600 True True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"


def test_local_default_generates_and_keeps_a_key_in_the_var_dir(tmp_path):
    code = "from django.conf import settings as s; print(s.SECRET_KEY, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)"
    first = _manage(["shell", "-c", code], tmp_path)
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text().strip()
    assert first.stdout.split("\n")[-2] == f"{key} False False"
    assert _manage(["shell", "-c", code], tmp_path).stdout == first.stdout
