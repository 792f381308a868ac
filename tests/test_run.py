"""``python -m factcheck.run`` (what `make run` execs) stops the web server, the worker and beat,
pool children included, within ten seconds of Ctrl-C or TERM, and when one of them dies; it prints the
URL and the demo password last, once everything is up."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STOP_WITHIN = 10.0


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _alive(pid):
    """Running (a zombie counts as gone: it holds no port and runs nothing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _descendants(pid):
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _sigint_ignored(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    ignored = int(re.search(r"^SigIgn:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
    return bool(ignored & (1 << (signal.SIGINT - 1)))


@pytest.fixture(scope="module")
def embedded_env(tmp_path_factory):
    """The embedded default (SQLite and the filesystem broker) in a fresh var folder, migrated."""
    var = tmp_path_factory.mktemp("run-var")
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CLAIMDESK_ENV"}}
    env["CLAIMDESK_VAR_DIR"] = str(var)
    env["PYTHONUNBUFFERED"] = "1"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    return env


class Running:
    def __init__(self, supervisor_pid, port, log):
        self.pid, self.port, self.log = supervisor_pid, port, log

    def text(self):
        # Started from a shell, the log appears only once the shell has set up the redirection.
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def started(self):
        return {name: int(pid) for name, pid in re.findall(r"\[run\] started (\w+) \(pid (\d+)\)", self.text())}

    def wait_until_up(self, timeout=200):
        """Port answering, worker with its pool child, the URL announced (a worker's heartbeat and a sweep
        seen); returns every pid."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            started = self.started()
            if (len(started) == 3 and _port_open(self.port) and _descendants(started["worker"])
                    and "Claimdesk is running:" in self.text()):
                return {self.pid, *started.values(), *_descendants(started["worker"])}
            assert _alive(self.pid), f"supervisor died while starting:\n{self.text()}"
            time.sleep(0.3)
        pytest.fail(f"not up within {timeout} s:\n{self.text()}")

    def assert_all_gone(self, pids, since):
        deadline = since + STOP_WITHIN
        while time.monotonic() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.1)
        left = [p for p in pids if _alive(p)]
        assert not left, f"still running {time.monotonic() - since:.1f} s after the signal: {left}\n{self.text()}"
        assert not _port_open(self.port)


def _start(env, tmp_path, *, via_shell=False, extra=()):
    port = _free_port()
    log = tmp_path / "run.log"
    argv = [sys.executable, "-m", "factcheck.run", "--port", str(port), "--concurrency", "1", *extra]
    if via_shell:
        # A script starting it in the background: without job control, sh starts background jobs
        # with SIGINT (and SIGQUIT) ignored, which is how the old web server came to ignore Ctrl-C.
        cmd = " ".join(argv) + f" >{log} 2>&1 & echo $!; wait"
        shell = subprocess.Popen(["sh", "-c", cmd], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        pid = int(shell.stdout.readline())
        return Running(pid, port, log), shell
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Running(proc.pid, port, log), proc


def _cleanup(running, proc):
    if proc.poll() is None:
        os.kill(running.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    for pid in running.started().values():
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_ends_web_worker_and_beat_within_ten_seconds(embedded_env, tmp_path, sig):
    running, proc = _start(embedded_env, tmp_path)
    try:
        pids = running.wait_until_up()
        assert len(pids) >= 5  # supervisor, web, worker, its pool child, beat
        sent = time.monotonic()
        os.kill(running.pid, sig)
        running.assert_all_gone(pids, sent)
        assert proc.wait(timeout=1) == 0
        assert f"{signal.Signals(sig).name} received; stopping" in running.text()
    finally:
        _cleanup(running, proc)


def test_sigint_stops_everything_when_a_shell_started_it_with_sigint_ignored(embedded_env, tmp_path):
    # The control: a background job of `sh -c` really does start with SIGINT ignored here.
    probe = subprocess.Popen(["sh", "-c", "sleep 30 & echo $!; wait"], stdout=subprocess.PIPE, text=True)
    sleeper = int(probe.stdout.readline())
    try:
        deadline = time.monotonic() + 10  # $! is known at fork; the dispositions count after exec
        while not Path(f"/proc/{sleeper}/cmdline").read_bytes().startswith(b"sleep") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _sigint_ignored(sleeper)
    finally:
        os.kill(sleeper, signal.SIGKILL)
        probe.wait(timeout=5)

    running, shell = _start(embedded_env, tmp_path, via_shell=True)
    try:
        pids = running.wait_until_up()
        assert not _sigint_ignored(running.pid)  # it installed its own handler
        assert not any(_sigint_ignored(p) for p in running.started().values())  # children start with the default
        sent = time.monotonic()
        os.kill(running.pid, signal.SIGINT)
        running.assert_all_gone(pids, sent)
        shell.wait(timeout=5)
    finally:
        _cleanup(running, shell)


def test_when_one_child_dies_the_others_are_stopped_and_it_exits_non_zero(embedded_env, tmp_path):
    running, proc = _start(embedded_env, tmp_path)
    try:
        pids = running.wait_until_up()
        sent = time.monotonic()
        os.killpg(running.started()["beat"], signal.SIGKILL)
        running.assert_all_gone(pids, sent)
        assert proc.wait(timeout=1) != 0
        assert "beat exited with status -9; stopping the others" in running.text()
    finally:
        _cleanup(running, proc)


def test_the_url_and_the_demo_password_come_last_once_everything_is_up(embedded_env, tmp_path):
    import requests

    env = {**embedded_env, "DEMO_PASSWORD": "demo-pass-for-the-run-test"}
    running, proc = _start(env, tmp_path, extra=["--demo"])
    try:
        running.wait_until_up()
        time.sleep(8)  # the worker processes the demo articles and beat sends its sweeps meanwhile
        text = running.text()
        banner = text[text.index("Claimdesk is running:"):]
        assert banner.splitlines() == [
            f"Claimdesk is running: open http://127.0.0.1:{running.port}/admin/",
            "  sign in as editor, password demo-pass-for-the-run-test (the same password for editor2, reviewer and viewer)",
            f"  health: http://127.0.0.1:{running.port}/healthz",
            "Stop with Ctrl-C (it stops the worker and beat too, within ten seconds).",
        ]  # nothing printed after it
        assert "demo accounts ready, 3 demo article(s) queued" in text
        assert "No hostname was supplied" not in text  # kombu, at every task, with a bare filesystem:// URL
        assert requests.get(f"http://127.0.0.1:{running.port}/healthz", timeout=5).status_code == 200
        with requests.Session() as session:
            login = f"http://127.0.0.1:{running.port}/admin/login/?next=/admin/"
            session.get(login, timeout=10)
            home = session.post(login, timeout=10, headers={"Referer": login}, data={
                "username": "editor", "password": "demo-pass-for-the-run-test", "next": "/admin/",
                "csrfmiddlewaretoken": session.cookies["csrftoken"]})
        assert 'id="desk-links"' in home.text and 'id="operations-banner"' not in home.text
        os.kill(running.pid, signal.SIGTERM)
        assert proc.wait(timeout=STOP_WITHIN) == 0
    finally:
        _cleanup(running, proc)


def test_a_failing_demo_stops_the_run_before_anything_starts(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL",
                                                             "DJANGO_SETTINGS_MODULE"}}
    env["CLAIMDESK_VAR_DIR"] = str(tmp_path / "not-migrated")
    proc = subprocess.run([sys.executable, "-m", "factcheck.run", "--port", str(_free_port()), "--demo"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "manage.py demo failed" in proc.stderr
    assert "[run] started" not in proc.stderr


@pytest.mark.django_db
def test_past_the_ready_timeout_the_url_is_printed_with_what_is_missing(capsys):
    from factcheck.run import Announcer

    announcer = Announcer(port=_free_port(), password="pw", timeout=0)
    announcer()
    out = capsys.readouterr().out
    assert f"Claimdesk is running: open http://127.0.0.1:{announcer.port}/admin/" in out
    assert "not healthy after 0 s:" in out and "does not answer on port" in out
    assert "celery -A factcheck worker" in out and "celery -A factcheck beat" in out
    announcer()  # once only
    assert capsys.readouterr().out == ""


@pytest.mark.django_db
def test_the_url_waits_for_a_worker_and_a_sweep_since_the_start(capsys, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from claims import health
    from claims.models import Heartbeat
    from factcheck import run

    monkeypatch.setattr(run, "_port_open", lambda port: True)
    # The supervisor closes its connections after each look; here they are the test's transaction.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    announcer = run.Announcer(port=8123, timeout=600)
    health.sweep_record(reason="beat", returned=0, failed=0, resent=0, unsent=0)
    Heartbeat.objects.update(seen_at=timezone.now() - dt.timedelta(seconds=10))  # before the start: not counted
    announcer()
    health.worker_beat(name="celery@run-test")
    announcer.next_check = 0
    announcer()
    assert capsys.readouterr().out == ""
    health.sweep_record(reason="worker start", returned=0, failed=0, resent=0, unsent=0)
    announcer.next_check = 0
    announcer()
    out = capsys.readouterr().out
    assert "Claimdesk is running: open http://127.0.0.1:8123/admin/" in out and "password" not in out
    assert "not healthy" not in out
