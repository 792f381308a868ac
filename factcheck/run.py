"""``python -m factcheck.run``: the web server, a Celery worker and Celery beat, stopped together.

What `make run` execs. A shell with ``trap 'kill 0'`` and background jobs stopped badly: a shell
that runs without job control starts its background jobs with SIGINT ignored (so the web server
kept serving after Ctrl-C), the worker's pool children were left defunct, and ``kill 0`` also hit
make. Here each child runs in its own session (its own process group, away from the terminal's
Ctrl-C), and this process alone decides how they stop:

- SIGINT, SIGTERM or SIGHUP (handlers installed explicitly, so a SIG_IGN inherited from a shell
  does not matter; children start with the default dispositions) sends SIGTERM to every child,
  waits up to ``--grace`` seconds, then SIGKILLs whatever is left in each child's process group,
  the worker's pool children included: all gone within ten seconds. A second signal skips the wait.
- If one child exits on its own, the others are stopped the same way and this exits non-zero.

What a person needs comes last: once the web server answers, a worker has written its heartbeat and a
sweep has run (``claims.health``), it prints the URL with the real port and, with ``--demo`` (what
`make run` passes), the demo accounts' password; the worker and beat log warnings only, so nothing
scrolls it away. Past ``--ready-timeout`` it prints the same, with what is still missing.
"""

import argparse
import datetime as dt
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _say(message):
    print(f"[run] {message}", file=sys.stderr, flush=True)


def commands(*, port, concurrency, var_dir, loglevel="WARNING"):
    """The three programs, by name: web server, worker, beat (its schedule file in the var folder)."""
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", "--insecure", "--noreload", f"127.0.0.1:{port}"],
        "worker": [python, "-m", "celery", "-A", "factcheck", "worker", f"--loglevel={loglevel}",
                   f"--concurrency={concurrency}"],
        "beat": [python, "-m", "celery", "-A", "factcheck", "beat", f"--loglevel={loglevel}",
                 "--schedule", str(Path(var_dir) / "celerybeat-schedule")],
    }


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def demo_prepare(password):
    """``manage.py demo`` with ``password`` (the accounts and the demo articles); its output is kept back,
    the accounts are announced once everything is up. Returns the exit status."""
    proc = subprocess.run([sys.executable, "manage.py", "demo"], cwd=BASE_DIR, capture_output=True, text=True,
                          env={**os.environ, "DEMO_PASSWORD": password})
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        _say(f"manage.py demo failed (status {proc.returncode})")
    else:
        articles = [line for line in proc.stdout.splitlines() if line.startswith("demo article")]
        _say(f"demo accounts ready, {len(articles)} demo article(s) queued")
    return proc.returncode


class Announcer:
    """Prints the URL (and the demo password) once the desk is up: the web server answers, a worker wrote
    its heartbeat and a sweep ran since the start. Past ``timeout`` seconds it prints them anyway, with
    what is still missing. Checked at most once a second, from the supervisor's loop."""

    def __init__(self, *, port, password=None, timeout=180.0):
        self.port, self.password, self.timeout = port, password, timeout
        self.started = time.monotonic()
        self.since = None
        self.next_check = 0.0
        self.done = False

    def _state(self):
        from django.db import connections

        from claims import health

        problems = [] if _port_open(self.port) else [f"The web server does not answer on port {self.port} yet."]
        try:
            ops = health.operations_read()
        except Exception as exc:  # noqa: BLE001 - not migrated yet, or the database is down
            return False, [*problems, f"The database cannot be read: {exc}"]
        finally:
            connections.close_all()
        problems += [str(p) for p in ops.problems]
        swept = ops.sweep_at is not None and ops.sweep_at >= self.since
        if not swept and not ops.problems:
            problems.append("No sweep has run since the start yet.")
        return not problems, problems

    def __call__(self):
        if self.done or time.monotonic() < self.next_check:
            return
        if self.since is None:
            import django
            from django.utils import timezone

            django.setup()
            self.since = timezone.now() - dt.timedelta(seconds=1)
        self.next_check = time.monotonic() + 1.0
        ready, problems = self._state()
        if ready or time.monotonic() - self.started > self.timeout:
            self.done = True
            print(self.banner(problems), flush=True)

    def banner(self, problems=()):
        lines = ["", f"Claimdesk is running: open http://127.0.0.1:{self.port}/admin/"]
        if self.password:
            lines.append(f"  sign in as editor, password {self.password}"
                         " (the same password for editor2, reviewer and viewer)")
        lines.append(f"  health: http://127.0.0.1:{self.port}/healthz")
        if problems:
            lines.append(f"  not healthy after {self.timeout:g} s:")
            lines += [f"  - {p}" for p in problems]
        lines.append("Stop with Ctrl-C (it stops the worker and beat too, within ten seconds).")
        return "\n".join(lines)


class Supervisor:
    def __init__(self, programs, *, grace=8.0, poll=0.2, on_tick=None, env=None):
        self.programs = programs
        self.env = env or {}  # name -> variables added to that program's environment
        self.grace = grace
        self.poll = poll
        self.on_tick = on_tick  # called on every turn of the waiting loop (the Announcer)
        self.children = {}  # name -> Popen
        self.stop_requested = None  # the signal that asked us to stop
        self.signals_seen = 0

    def _on_signal(self, signum, frame):
        self.signals_seen += 1
        if self.stop_requested is None:
            self.stop_requested = signum

    def start(self):
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._on_signal)
        for name, argv in self.programs.items():
            if self.stop_requested is not None:
                break
            # start_new_session: its own session and process group, so the terminal's Ctrl-C reaches
            # only this supervisor and the group can be signalled as a whole (pool children too).
            self.children[name] = subprocess.Popen(argv, cwd=BASE_DIR, start_new_session=True,
                                                   env={**os.environ, **self.env.get(name, {})})
            _say(f"started {name} (pid {self.children[name].pid}): {' '.join(argv[1:])}")

    def _group_signal(self, proc, sig):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def wait(self):
        """Until a stop signal or a child's exit; then stop everything. Returns the exit status."""
        failed = None
        while self.stop_requested is None and failed is None:
            for name, proc in self.children.items():
                if proc.poll() is not None:
                    failed = name
                    break
            else:
                if self.on_tick is not None:
                    self.on_tick()
                time.sleep(self.poll)
        if failed is not None:
            code = self.children[failed].returncode
            _say(f"{failed} exited with status {code}; stopping the others")
        else:
            _say(f"{signal.Signals(self.stop_requested).name} received; stopping")
        self.stop()
        if failed is not None:
            return code if code and code > 0 else 1
        return 0

    def stop(self):
        started = time.monotonic()
        for proc in self.children.values():
            # TERM to the leader only: a Celery worker then shuts its pool down itself (a warm
            # shutdown). TERM to its whole group kills the pool children under it and the worker
            # hangs waiting for them, which is what left defunct children behind before.
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        seen = self.signals_seen
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline and self.signals_seen == seen:
            if all(proc.poll() is not None for proc in self.children.values()):
                break
            time.sleep(self.poll)
        for name, proc in self.children.items():
            if proc.poll() is None:
                _say(f"{name} (pid {proc.pid}) still running after TERM; killing it")
            # Also for a leader that has exited: whatever it left in its group (a pool child) goes.
            self._group_signal(proc, signal.SIGKILL)
        for proc in self.children.values():
            proc.wait()
        _say(f"stopped in {time.monotonic() - started:.1f} s")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m factcheck.run", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("CONCURRENCY", 2)))
    parser.add_argument("--grace", type=float, default=8.0,
                        help="seconds between TERM and KILL (default 8: a Celery warm shutdown takes about 6)")
    parser.add_argument("--demo", action="store_true",
                        help="create the demo accounts and articles first (manage.py demo) and print the password "
                             "once everything is up (DEMO_PASSWORD, or a new random one)")
    parser.add_argument("--loglevel", default=os.environ.get("CELERY_LOGLEVEL", "WARNING"),
                        help="the worker's and beat's log level (default WARNING: each task at INFO would "
                             "scroll the URL away)")
    parser.add_argument("--ready-timeout", type=float, default=180.0,
                        help="seconds to wait for the web server, a worker and a sweep before printing the URL "
                             "anyway, with what is missing")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    var_dir = os.environ.get("CLAIMDESK_VAR_DIR", str(BASE_DIR / "var"))
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    password = None
    if args.demo:
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        status = demo_prepare(password)
        if status:
            return status
    announcer = Announcer(port=args.port, password=password, timeout=args.ready_timeout)
    # The desk's own loggers (LOG_LEVEL, factcheck/settings.py) in the worker and beat follow --loglevel too.
    quiet = {"LOG_LEVEL": os.environ.get("LOG_LEVEL", args.loglevel)}
    supervisor = Supervisor(commands(port=args.port, concurrency=args.concurrency, var_dir=var_dir,
                                     loglevel=args.loglevel), grace=args.grace, on_tick=announcer,
                            env={"worker": quiet, "beat": quiet})
    supervisor.start()
    return supervisor.wait()


if __name__ == "__main__":
    sys.exit(main())
