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
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _say(message):
    print(f"[run] {message}", file=sys.stderr, flush=True)


def commands(*, port, concurrency, var_dir):
    """The three programs, by name: web server, worker, beat (its schedule file in the var folder)."""
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", "--insecure", "--noreload", f"127.0.0.1:{port}"],
        "worker": [python, "-m", "celery", "-A", "factcheck", "worker", "--loglevel=INFO",
                   f"--concurrency={concurrency}"],
        "beat": [python, "-m", "celery", "-A", "factcheck", "beat", "--loglevel=INFO",
                 "--schedule", str(Path(var_dir) / "celerybeat-schedule")],
    }


class Supervisor:
    def __init__(self, programs, *, grace=8.0, poll=0.2):
        self.programs = programs
        self.grace = grace
        self.poll = poll
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
            self.children[name] = subprocess.Popen(argv, cwd=BASE_DIR, start_new_session=True)
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
    args = parser.parse_args(argv)
    var_dir = os.environ.get("CLAIMDESK_VAR_DIR", str(BASE_DIR / "var"))
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(commands(port=args.port, concurrency=args.concurrency, var_dir=var_dir),
                            grace=args.grace)
    supervisor.start()
    return supervisor.wait()


if __name__ == "__main__":
    sys.exit(main())
