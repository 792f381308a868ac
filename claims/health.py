"""What an operator must be able to see: the database, the broker, the workers seen recently, the last sweep.

Workers and the sweep leave their own trace in the database (``Heartbeat`` rows): each worker's main
process writes its row every ``CLAIMDESK_HEARTBEAT_SECONDS`` (``factcheck.celery.Heartbeat``) and removes
it when it stops cleanly; every sweep (``claims.processing.sweep.processing_sweep``) writes the sweep's row.
So every web process reads the same answer in one query, with no broker round trip: celery's
``inspect().ping()`` waits out its whole timeout for replies and needs the broker, the very thing that may
be down, which would make ``GET /healthz`` slow exactly when it matters.

- A worker is *seen* while its row is younger than three heartbeats (a killed worker drops out then).
- The sweep is *late* once it has not run for three sweep intervals (``CLAIMDESK_SWEEP_SECONDS``):
  nothing runs Celery beat, and a dead worker's article would wait for the broker's visibility timeout.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import Heartbeat

log = logging.getLogger(__name__)

SWEEP_NAME = "processing"
BROKER_TIMEOUT_SECONDS = 0.5
# A worker row not refreshed for this long belongs to a worker that is long gone: the sweep deletes it.
FORGET_WORKERS_AFTER = dt.timedelta(days=1)
START_WORKER = "celery -A factcheck worker --loglevel=INFO"
START_BEAT = "celery -A factcheck beat --loglevel=INFO"


def heartbeat_seconds() -> float:
    return float(settings.CLAIMDESK_HEARTBEAT_SECONDS)


def worker_window() -> float:
    """Seconds within which a worker must have written its row to count as seen."""
    return 3 * heartbeat_seconds()


def sweep_window() -> float:
    """Seconds after which a sweep that has not run is late."""
    return 3 * float(settings.CLAIMDESK_SWEEP_SECONDS)


def _beat(*, kind: str, name: str, detail: dict) -> None:
    now = timezone.now()
    if Heartbeat.objects.filter(kind=kind, name=name).update(seen_at=now, detail=detail):
        return
    try:
        with transaction.atomic():
            Heartbeat.objects.create(kind=kind, name=name, seen_at=now, detail=detail)
    except IntegrityError:  # written by another process meanwhile
        Heartbeat.objects.filter(kind=kind, name=name).update(seen_at=now, detail=detail)


def worker_beat(*, name: str) -> None:
    """Record that the worker ``name`` (its Celery node name) is alive now."""
    _beat(kind=Heartbeat.Kind.WORKER, name=name, detail={"host": socket.gethostname(), "pid": os.getpid()})


def worker_gone(*, name: str) -> None:
    """The worker ``name`` stopped cleanly: it is no longer counted (a killed one ages out instead)."""
    Heartbeat.objects.filter(kind=Heartbeat.Kind.WORKER, name=name).delete()


def sweep_record(*, reason: str, returned: int, failed: int, resent: int, unsent: int) -> None:
    """Record that the sweep ran now (``reason``: who ran it), and forget workers gone for a day."""
    _beat(kind=Heartbeat.Kind.SWEEP, name=SWEEP_NAME,
          detail={"reason": reason, "returned": returned, "failed": failed, "resent": resent, "unsent": unsent})
    Heartbeat.objects.filter(kind=Heartbeat.Kind.WORKER, seen_at__lt=timezone.now() - FORGET_WORKERS_AFTER).delete()


@dataclass(frozen=True)
class Problem:
    """What is wrong, and the command that fixes it."""

    what: str
    program: str  # what to start: "a worker", "Celery beat"
    command: str

    def __str__(self):
        return f"{self.what} Start {self.program}: `{self.command}` (or `make run`)."


@dataclass
class Operations:
    """The background side as the database knows it: who is alive, when the sweep ran, what is wrong."""

    workers: list[dict] = field(default_factory=list)  # {"name", "host", "seconds_ago"}, most recent first
    sweep_at: dt.datetime | None = None
    sweep_reason: str = ""
    sweep_seconds_ago: float | None = None
    problems: list[Problem] = field(default_factory=list)


def operations_read(*, now: dt.datetime | None = None) -> Operations:
    """Workers seen in the last three heartbeats and the last sweep, with a problem (and the command that
    fixes it) for no worker seen and for a sweep that has not run for three intervals."""
    now = now or timezone.now()
    ops = Operations()
    seen = Heartbeat.objects.filter(kind=Heartbeat.Kind.WORKER, seen_at__gte=now - dt.timedelta(seconds=worker_window()))
    for row in seen.order_by("-seen_at"):
        ops.workers.append({"name": row.name, "host": row.detail.get("host", ""),
                            "seconds_ago": round(max(0.0, (now - row.seen_at).total_seconds()), 1)})
    sweep = Heartbeat.objects.filter(kind=Heartbeat.Kind.SWEEP, name=SWEEP_NAME).first()
    if sweep is not None:
        ops.sweep_at, ops.sweep_reason = sweep.seen_at, sweep.detail.get("reason", "")
        ops.sweep_seconds_ago = round(max(0.0, (now - sweep.seen_at).total_seconds()), 1)
    if not ops.workers:
        ops.problems.append(Problem(
            f"No worker has been seen in the last {worker_window():g} s: articles wait in the queue until one runs.",
            "a worker", START_WORKER))
    if sweep_late(ops):
        since = "has never run" if ops.sweep_at is None else f"last ran {ops.sweep_seconds_ago:.0f} s ago"
        ops.problems.append(Problem(
            f"The sweep {since} (it should run every {float(settings.CLAIMDESK_SWEEP_SECONDS):g} s): the articles "
            "of a worker that died, and those stored while the broker was down, are not picked up again.",
            "Celery beat", START_BEAT))
    return ops


def sweep_late(ops: Operations) -> bool:
    return ops.sweep_at is None or ops.sweep_seconds_ago > sweep_window()


def _check_database() -> str:
    """"" when the database answers, else why not (the exception's class only: /healthz is public)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        log.warning("health: database unavailable: %s", exc)
        return f"the database is unavailable ({exc.__class__.__name__})"
    return ""


def _check_broker(timeout: float) -> str:
    """"" when the broker accepts a connection within ``timeout`` seconds, else why not."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            folder = Path(options[key])
            if not (folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)):
                return f"the broker's folder {key.replace('_', ' ')} is missing or not writable"
        return ""
    try:
        with current_app.connection_for_write(url, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        log.warning("health: broker unavailable: %s", exc)
        return (f"the broker is unavailable ({exc.__class__.__name__}): new articles are stored but not queued "
                "until it is back")
    return ""


def health_report(*, broker_timeout: float = BROKER_TIMEOUT_SECONDS) -> tuple[bool, dict]:
    """The state of the desk for ``GET /healthz``: healthy, and a JSON-ready report.

    Healthy means the database answers, the broker accepts a connection, a worker was seen in the last
    three heartbeats and the sweep ran in the last three intervals. Nothing secret goes in: no URL,
    host name or exception text (those are logged), only what is wrong and what to start.
    """
    started = time.monotonic()
    problems = []
    database = _check_database()
    broker = _check_broker(broker_timeout)
    checks = {"database": {"ok": not database}, "broker": {"ok": not broker}}
    problems += [p for p in (database, broker) if p]
    if database:
        checks["workers"] = {"ok": False, "seen": None, "within_seconds": worker_window()}
        checks["sweep"] = {"ok": False, "last_run": None, "every_seconds": float(settings.CLAIMDESK_SWEEP_SECONDS)}
    else:
        ops = operations_read()
        problems += [str(p) for p in ops.problems]
        late = sweep_late(ops)
        checks["workers"] = {"ok": bool(ops.workers), "seen": len(ops.workers), "within_seconds": worker_window(),
                             "last_seen_seconds_ago": ops.workers[0]["seconds_ago"] if ops.workers else None}
        checks["sweep"] = {"ok": not late, "last_run": ops.sweep_at.isoformat() if ops.sweep_at else None,
                           "seconds_ago": ops.sweep_seconds_ago, "run_by": ops.sweep_reason or None,
                           "every_seconds": float(settings.CLAIMDESK_SWEEP_SECONDS)}
    healthy = not problems
    report = {"status": "ok" if healthy else "failing", "checks": checks, "problems": problems,
              "took_seconds": round(time.monotonic() - started, 3)}
    return healthy, report
