"""Served as in production: gunicorn on the embedded default (SQLite in a fresh CLAIMDESK_VAR_DIR,
migrated, static files collected), DEBUG off, static files from WhiteNoise."""

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from .conftest import ROOT

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args):
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.fixture
def gunicorn(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DEBUG", "CLAIMDESK_ENV")}
    env.update(CLAIMDESK_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="factcheck.settings")
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    port = _free_port()
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "factcheck.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/admin/login/", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):  # a worker still booting on a busy machine
                assert server.poll() is None, server.communicate()[0][-3000:]
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()


def test_gunicorn_serves_the_login_page_and_admin_static_files(gunicorn):
    login = requests.get(f"{gunicorn}/admin/login/", timeout=10)
    assert login.status_code == 200 and 'name="username"' in login.text
    assert login.headers["Server"].startswith("gunicorn")
    css = requests.get(f"{gunicorn}/static/admin/css/base.css", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert "Cache-Control" in css.headers  # WhiteNoise, not Django's DEBUG-only static view
    assert css.headers.get("Content-Encoding") == "gzip"  # the copy compressed at collectstatic
    assert "body" in css.text
    assert requests.get(f"{gunicorn}/static/admin/css/nope.css", timeout=10).status_code == 404
