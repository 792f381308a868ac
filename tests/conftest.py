import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("CLAIMDESK_REQUIRE_SERVICES") == "1"
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
ARTIFACTS = ROOT / "test-artifacts"


def unavailable(reason):
    """Skip locally; fail in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service not available: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_sessionfinish(session, exitstatus):
    if REQUIRE_SERVICES and exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
        if skipped:
            session.exitstatus = 1
            if reporter:
                reporter.write_line(f"FAILED: {skipped} test(s) skipped while CLAIMDESK_REQUIRE_SERVICES=1", red=True)


@pytest.fixture(scope="session")
def seeds():
    """The two seed articles from ../shared/seeds, in order (000_ first)."""
    files = sorted(SEEDS.glob("*.txt"))
    if len(files) < 2:
        unavailable(f"seed articles not found in {SEEDS}")
    return [f.read_text(encoding="utf-8") for f in files]


@pytest.fixture(scope="session")
def seed_paths():
    files = sorted(SEEDS.glob("*.txt"))
    if len(files) < 2:
        unavailable(f"seed articles not found in {SEEDS}")
    return files


def _port_open(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def require_postgres(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        unavailable("this test needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def require_redis(settings):
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        unavailable("this test needs the Redis broker (set CELERY_BROKER_URL=redis://...)")
    parsed = urlparse(url)
    if not _port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        unavailable(f"Redis is not reachable at {url}")


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        unavailable("headless Chromium not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _fresh_match_index():
    """Each test starts with an empty in-process index (rolled-back claims must not linger)."""
    from claims.processing import matching

    matching.matching_index_reset()
    yield
    matching.matching_index_reset()


@pytest.fixture
def flushable_db(transactional_db):
    """A transactional test database whose audit table may be truncated at teardown (PostgreSQL
    refuses TRUNCATE of the audit trail unless the session asks for it). The flush after an earlier
    transactional test also removed the roles the migrations created: put them back."""
    from claims.roles import ensure_roles

    ensure_roles()
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET claimdesk.allow_truncate = 'on'")


@pytest.fixture
def tasks_here(monkeypatch, django_capture_on_commit_callbacks):
    """Do a worker's part in this process: ``with tasks_here():`` runs the tasks queued inside the block
    (by name, ``claims.processing.sender``) eagerly once its transaction commits, errors raised."""
    from celery import current_app

    monkeypatch.setitem(current_app.conf, "task_always_eager", True)
    monkeypatch.setitem(current_app.conf, "task_eager_propagates", True)
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- a real browser (Debian's headless Chromium, driven by Playwright) ------------------------------

FACTORY_PASSWORD = "pw-for-tests-1"  # tests/factories.py


@pytest.fixture
def browser(chromium_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # undone after the test
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def login(browser, live_server):
    """``login(username)``: a page of a fresh browser context, signed in to the admin as that person."""
    contexts = []

    def _login(username, *, password=FACTORY_PASSWORD, width=1400, height=1000, timeout=15000):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout)
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_selector("#site-name")
        return page

    yield _login
    for context in contexts:
        context.close()
