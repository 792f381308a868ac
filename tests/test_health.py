"""Health an operator can see: ``GET /healthz``, the admin home's banner, the workers' heartbeats, the
sweep's record, and a worker that sweeps once as it starts (the real processes are at the end)."""

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.utils import timezone

from claims import articles, health
from claims.models import Article, AuditRecord, Heartbeat
from claims.processing import sweep

from .factories import EditorFactory

BODY = ("Bridge closed\n\nThe council closed the Harbour Bridge on Tuesday, the mayor said. "
        "Repairs will cost 12 million euros, according to the engineer.")


def _ago(seconds):
    return timezone.now() - dt.timedelta(seconds=seconds)


def _healthy_background():
    health.worker_beat(name="celery@desk")
    health.sweep_record(reason="beat", returned=0, failed=0, resent=0, unsent=0)


@pytest.mark.django_db
def test_healthz_without_a_worker_is_503_and_says_what_to_start(client):
    health.sweep_record(reason="beat", returned=0, failed=0, resent=0, unsent=0)
    response = client.get("/healthz")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"] and body["checks"]["sweep"]["ok"]
    assert body["checks"]["workers"] == {"ok": False, "seen": 0, "within_seconds": 30.0, "last_seen_seconds_ago": None}
    assert [p for p in body["problems"] if "celery -A factcheck worker" in p] == body["problems"]


@pytest.mark.django_db
def test_healthz_with_a_worker_and_a_recent_sweep_is_200_without_signing_in(client):
    _healthy_background()
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["checks"]["workers"]["seen"] == 1 and body["checks"]["sweep"]["run_by"] == "beat"
    assert "celery@desk" not in response.content.decode()  # node names (host names) stay private
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_a_worker_whose_heartbeat_is_three_beats_old_is_no_longer_seen(settings):
    settings.CLAIMDESK_HEARTBEAT_SECONDS = 10
    health.worker_beat(name="celery@old")
    health.worker_beat(name="celery@new")
    Heartbeat.objects.filter(name="celery@old").update(seen_at=_ago(31))
    Heartbeat.objects.filter(name="celery@new").update(seen_at=_ago(29))
    assert [w["name"] for w in health.operations_read().workers] == ["celery@new"]
    Heartbeat.objects.filter(name="celery@new").update(seen_at=_ago(31))
    assert "No worker has been seen in the last 30 s" in health.operations_read().problems[0].what


@pytest.mark.django_db
def test_a_sweep_that_has_not_run_for_three_intervals_is_late_and_beat_is_named(settings, client):
    settings.CLAIMDESK_SWEEP_SECONDS = 30
    _healthy_background()
    Heartbeat.objects.filter(kind="sweep").update(seen_at=_ago(89))
    assert health.operations_read().problems == []
    Heartbeat.objects.filter(kind="sweep").update(seen_at=_ago(91))
    (problem,) = health.operations_read().problems
    assert problem.what.startswith("The sweep last ran 91 s ago (it should run every 30 s)")
    assert problem.command == "celery -A factcheck beat --loglevel=INFO"
    response = client.get("/healthz")
    assert response.status_code == 503 and not response.json()["checks"]["sweep"]["ok"]


@pytest.mark.django_db
def test_a_sweep_that_never_ran_is_reported():
    health.worker_beat(name="celery@desk")
    (problem,) = health.operations_read().problems
    assert problem.what.startswith("The sweep has never run") and problem.program == "Celery beat"


@pytest.mark.django_db
def test_healthz_with_the_broker_down_is_503_within_a_second_and_shows_no_url(client, settings):
    _healthy_background()
    settings.CELERY_BROKER_URL = "redis://desk:s3cret-password@127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    body = response.json()
    assert not body["checks"]["broker"]["ok"] and body["checks"]["database"]["ok"]
    assert body["problems"][0].startswith("the broker is unavailable (OperationalError)")
    text = response.content.decode()
    assert "s3cret" not in text and "127.0.0.1" not in text and "redis://" not in text


@pytest.mark.django_db
def test_healthz_with_the_filesystem_brokers_folder_gone_is_503(client, settings, tmp_path):
    _healthy_background()
    for folder in ("queue", "control"):
        (tmp_path / folder).mkdir()
    settings.CELERY_BROKER_URL = "filesystem://localhost//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone"),
                                                "data_folder_out": str(tmp_path / "queue"),
                                                "control_folder": str(tmp_path / "control")}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["the broker's folder data folder in is missing or not writable"]


@pytest.mark.django_db
def test_healthz_with_the_database_down_is_503_and_says_so(client, monkeypatch):
    monkeypatch.setattr(health, "_check_database", lambda: "the database is unavailable (OperationalError)")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["workers"]["seen"] is None and body["checks"]["sweep"]["last_run"] is None
    assert body["problems"] == ["the database is unavailable (OperationalError)"]


@pytest.mark.django_db
def test_the_database_check_reports_the_error_class_only(monkeypatch):
    from django.db import OperationalError, connection

    def broken(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" failed: password authentication failed')

    monkeypatch.setattr(connection, "cursor", broken)
    assert health._check_database() == "the database is unavailable (OperationalError)"


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_each_sweep_records_when_it_ran_and_who_ran_it():
    sweep.processing_sweep(send=lambda *, article_id, countdown: "", reason="worker start")
    row = Heartbeat.objects.get(kind="sweep")
    assert row.detail["reason"] == "worker start" and (timezone.now() - row.seen_at).total_seconds() < 5
    assert health.operations_read().sweep_reason == "worker start"


@pytest.mark.django_db
def test_the_sweep_forgets_workers_gone_for_a_day():
    health.worker_beat(name="celery@gone")
    health.worker_beat(name="celery@here")
    Heartbeat.objects.filter(name="celery@gone").update(seen_at=_ago(86400 + 60))
    sweep.processing_sweep(send=lambda *, article_id, countdown: "")
    assert set(Heartbeat.objects.filter(kind="worker").values_list("name", flat=True)) == {"celery@here"}


@pytest.mark.django_db
def test_a_worker_that_stops_cleanly_is_no_longer_counted():
    health.worker_beat(name="celery@desk")
    health.worker_beat(name="celery@desk")  # a second beat updates the row
    assert Heartbeat.objects.filter(kind="worker").count() == 1
    health.worker_gone(name="celery@desk")
    assert health.operations_read().workers == []


@pytest.mark.django_db
def test_the_sweep_hands_back_a_live_lease_whose_worker_process_here_is_gone():
    """A worker killed and started again at once: its start-up sweep must not wait out the lease."""
    article = articles.article_ingest(body=BODY, queue=False).article
    dead = f"{socket.gethostname()}:999999999:x"  # no such pid on this machine
    elsewhere = "another-host:1:y"  # a live lease on another machine is never judged from here
    other = articles.article_ingest(body=BODY + " Again.", queue=False).article
    future = timezone.now() + dt.timedelta(seconds=60)
    Article.objects.filter(pk=article.pk).update(status="extracting", lease_owner=dead, lease_expires=future,
                                                 attempts=1)
    Article.objects.filter(pk=other.pk).update(status="extracting", lease_owner=elsewhere, lease_expires=future,
                                               attempts=1)
    sent = []
    result = sweep.processing_sweep(send=lambda *, article_id, countdown: sent.append(article_id) or "")
    article.refresh_from_db()
    other.refresh_from_db()
    assert result.returned == [article.pk] and sent == [article.pk]
    assert (article.status, article.lease_owner) == ("queued", "")
    assert (other.status, other.lease_owner) == ("extracting", elsewhere)
    record = AuditRecord.objects.get(action="article.lease_expired")
    assert record.changes["because"] == [None, "its worker process is gone"]


def test_a_ready_worker_queues_one_sweep(monkeypatch):
    from factcheck import celery

    sent = []
    monkeypatch.setattr(celery.app, "send_task", lambda name, **kw: sent.append((name, kw)))
    celery.sweep_on_start(sender=None)
    assert sent == [("claims.sweep_processing", {"kwargs": {"reason": "worker start"}})]


def test_a_worker_that_cannot_queue_its_start_up_sweep_still_starts(monkeypatch, caplog):
    from factcheck import celery

    def down(name, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(celery.app, "send_task", down)
    celery.sweep_on_start(sender=None)  # does not raise
    assert "could not queue the start-up sweep" in caplog.text


class _Timer:
    def __init__(self):
        self.calls = []

    def call_repeatedly(self, secs, fun, args=(), kwargs=None, priority=0):
        self.calls.append((secs, fun))
        return self

    def cancel(self):
        self.calls.append("cancelled")


@pytest.mark.usefixtures("flushable_db")  # the step closes its connections, as a worker's main process must
def test_the_heartbeat_step_writes_the_row_every_beat_and_removes_it_on_a_clean_stop(settings):
    from types import SimpleNamespace

    from factcheck.celery import Heartbeat as HeartbeatStep

    settings.CLAIMDESK_HEARTBEAT_SECONDS = 7
    worker = SimpleNamespace(hostname="celery@step-test", timer=_Timer())
    step = HeartbeatStep(worker)
    step.start(worker)
    assert [w["name"] for w in health.operations_read().workers] == ["celery@step-test"]
    (secs, beat), = worker.timer.calls
    Heartbeat.objects.update(seen_at=_ago(60))
    beat()
    assert secs == 7 and health.operations_read().workers[0]["seconds_ago"] < 5
    step.stop(worker)
    assert worker.timer.calls[-1] == "cancelled" and not Heartbeat.objects.exists()


@pytest.mark.usefixtures("flushable_db")
def test_a_heartbeat_that_cannot_be_written_does_not_stop_the_worker(monkeypatch, caplog):
    from types import SimpleNamespace

    from factcheck.celery import Heartbeat as HeartbeatStep

    def down(*, name):
        raise RuntimeError("database down")

    monkeypatch.setattr(health, "worker_beat", down)
    monkeypatch.setattr(health, "worker_gone", down)
    worker = SimpleNamespace(hostname="celery@x", timer=_Timer())
    step = HeartbeatStep(worker)
    step.start(worker)
    step.stop(worker)
    assert "worker heartbeat not written: database down" in caplog.text
    assert "worker heartbeat not removed: database down" in caplog.text


@pytest.mark.django_db
def test_the_admin_home_shows_what_to_start_until_a_worker_and_the_sweep_are_seen(client):
    client.force_login(EditorFactory())
    page = client.get("/admin/").content.decode()
    assert 'id="operations-banner"' in page
    assert "<code>celery -A factcheck worker --loglevel=INFO</code>" in page
    assert "<code>celery -A factcheck beat --loglevel=INFO</code>" in page
    _healthy_background()
    page = client.get("/admin/").content.decode()
    assert 'id="operations-banner"' not in page and 'id="desk-links"' in page


@pytest.mark.django_db
def test_the_admin_home_still_renders_when_the_heartbeats_cannot_be_read(client, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("no table")

    monkeypatch.setattr(health, "operations_read", broken)
    client.force_login(EditorFactory())
    response = client.get("/admin/")
    assert response.status_code == 200 and 'id="operations-banner"' not in response.content.decode()


# --- real processes: a worker killed mid-article, articles stored while the broker was down, and a fresh
# worker started WITHOUT beat that finishes them all because it sweeps once as it starts ------------------

def _faults():
    from .conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    import faults

    return faults


class _Site:
    """A web server of the desk, read the way a monitor and an operator read it."""

    def __init__(self, desk, port):
        self.desk, self.base = desk, f"http://127.0.0.1:{port}"

    def healthz(self):
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def wait_up(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return self.healthz()
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        pytest.fail("the web server did not answer\n" + self.desk.log_tail())

    def admin_home(self, username, password):
        import requests

        with requests.Session() as session:
            login = self.base + "/admin/login/?next=/admin/"
            session.get(login, timeout=10)
            response = session.post(login, timeout=10, headers={"Referer": login}, data={
                "username": username, "password": password, "next": "/admin/",
                "csrfmiddlewaretoken": session.cookies["csrftoken"]})
            assert response.status_code == 200 and 'id="desk-links"' in response.text, response.text[:2000]
            return response.text


def _wait_for(predicate, timeout, what, desk):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"{what} within {timeout} s\n{desk.log_tail()}")


def _long_article(folder):
    """An article long enough that the worker is still extracting it when it is killed."""
    from .conftest import ROOT

    texts = [p.read_text(encoding="utf-8").strip() for p in sorted((ROOT / "claims" / "demo").glob("*.txt"))]
    path = folder / "long.txt"
    path.write_text("Harbour Bridge, the whole story\n\n" + "\n\n".join(
        f"{text}\n\nPart {i + 1} of the desk's running file on the bridge." for i, text in
        enumerate(texts * 6)), encoding="utf-8")
    return path


def _stuck_then_recovered(tmp_path, broker_url):
    """The operations finding, end to end; returns the desk's statuses once the fresh worker is done."""
    faults = _faults()

    class Desk(faults.Desk):
        def env(self):
            # Heartbeats every second (a killed worker is unseen after 3 s); the lease is long, so only
            # the start-up sweep can hand the killed worker's article back within the test's bound.
            return {**super().env(), "CLAIMDESK_HEARTBEAT_SECONDS": "1"}

    desk = Desk("sqlite://", broker_url, tmp_path, lease=300, sweep=30, resend_after=120, concurrency=1)
    desk.manage("migrate", "--noinput")
    desk.manage("shell", "-c", "from claims.roles import ensure_roles; ensure_roles(); "
                "from django.contrib.auth.models import Group, User; "
                "u = User.objects.create_user('operator', password='pw-for-the-operator', is_staff=True); "
                "u.groups.add(Group.objects.get(name='editor'))")
    port = faults.free_port()
    try:
        desk._spawn("web", [faults.PYTHON, "manage.py", "runserver", "--noreload", "--insecure",
                            f"127.0.0.1:{port}"])
        site = _Site(desk, port)
        status, report = site.wait_up()
        assert status == 503 and report["checks"]["workers"]["seen"] == 0, report
        assert report["checks"]["sweep"]["last_run"] is None

        first = desk.start_worker()
        desk.manage("ingest", str(_long_article(tmp_path)))
        busy = _wait_for(desk.working, 180, "no worker took the article", desk)
        desk.kill_group(first)  # kill -9, the whole worker: its article stays "extracting" under a live lease
        ((stuck_id, owner),) = busy
        short = []
        for i in range(2):
            path = tmp_path / f"short-{i}.txt"
            path.write_text(f"Ferry {i}\n\nThe harbour ferry number {i} will stop on Sunday, the operator said. "
                            f"Tickets will cost {i + 3} euros, according to the council.", encoding="utf-8")
            short.append(path)
        # The broker is down while these are posted: stored, "queued", never sent.
        env = {**desk.env(), "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
        posted = subprocess.run([faults.PYTHON, "manage.py", "ingest", *map(str, short)], cwd=faults.ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert posted.returncode == 0 and posted.stderr.count("stored but not queued") == 2, posted.stderr
        assert sorted(desk.statuses().values()) == ["extracting", "queued", "queued"]

        # The operator's view of it: no worker (its heartbeat ages out), and the banner says what to start.
        status, report = _wait_for(lambda: (lambda r: r if r[0] == 503 and r[1]["checks"]["workers"]["seen"] == 0
                                            else None)(site.healthz()), 30, "/healthz never said no worker", desk)
        assert any("celery -A factcheck worker" in p for p in report["problems"])
        page = site.admin_home("operator", "pw-for-the-operator")
        assert 'id="operations-banner"' in page and "<code>celery -A factcheck worker --loglevel=INFO</code>" in page

        fresh = desk.start_worker()  # still no beat
        started = time.monotonic()

        def all_done():
            statuses = desk.statuses()
            return statuses if set(statuses.values()) == {"done"} else None

        statuses = _wait_for(all_done, 240, "the fresh worker did not finish every article", desk)
        recovered_s = time.monotonic() - started
        status, report = site.healthz()
        assert status == 200, report
        assert report["checks"]["sweep"]["run_by"] == "worker start" and report["checks"]["workers"]["seen"] == 1
        page = site.admin_home("operator", "pw-for-the-operator")
        assert 'id="operations-banner"' not in page
        # Handed back by the start-up sweep, or taken over by the killed task's redelivery (Redis may
        # hand it to the fresh worker first): either way because the owner is gone, not by lease expiry.
        because = desk.query("SELECT changes FROM claims_audit_record WHERE action IN "
                             "('article.lease_expired', 'article.lease_takeover') AND object_id = %s",
                             (str(stuck_id),))
        assert because and all("its worker process is gone" in str(row[0]) for row in because), because

        # A clean stop takes the worker's row with it: at once, no worker. TERM to the worker's main
        # process only, as factcheck/run.py stops it: TERM to its whole group also kills the pool child
        # at whatever it is doing, and one killed while it held the pool's result lock left the warm
        # shutdown waiting for that lock (seen 4 times in 5 runs on a busy 2-core machine).
        os.kill(fresh.pid, signal.SIGTERM)
        fresh.wait(60)
        status, report = site.healthz()
        assert status == 503 and report["checks"]["workers"]["seen"] == 0, report
        return statuses, recovered_s, owner
    finally:
        desk.stop()


@pytest.mark.slow
def test_a_worker_started_without_beat_finishes_what_a_killed_worker_and_a_broker_outage_left(tmp_path):
    """The embedded default (SQLite and the filesystem broker)."""
    statuses, recovered_s, _ = _stuck_then_recovered(tmp_path, "filesystem://localhost//")
    assert len(statuses) == 3 and recovered_s < 240


@pytest.mark.slow
@pytest.mark.services
def test_a_worker_started_without_beat_finishes_them_on_redis_too(require_redis, settings, tmp_path):
    """Redis keeps the killed worker's message unacknowledged until its visibility timeout (20 minutes):
    only the start-up sweep can finish the article in time."""
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL) as conn:
        conn.default_channel.queue_purge("celery")  # nothing left over from an earlier run
    statuses, recovered_s, _ = _stuck_then_recovered(tmp_path, settings.CELERY_BROKER_URL)
    assert len(statuses) == 3 and recovered_s < 240
