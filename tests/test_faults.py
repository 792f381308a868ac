"""Faults with real processes: a pool child killed mid-article, the whole worker killed and a fresh one
started, Redis stopped while articles are posted, and the whole-worker kill on the embedded default.

Each scenario (shared with bench/faults.py) ends with every article done, once, with no duplicate
claims, and nobody re-queueing by hand: the worker, beat and the sweep recover on their own.
"""

import sys

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import faults  # noqa: E402

pytestmark = [pytest.mark.slow]


@pytest.fixture
def database_url(require_postgres, flushable_db):
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis_server_binary():
    import shutil

    from .conftest import unavailable

    if not shutil.which("redis-server"):
        unavailable("redis-server is not installed (the fault tests run a private one)")


def _assert_recovered(outcome):
    assert outcome.posted == outcome.done, outcome.notes
    assert (outcome.failed, outcome.lost, outcome.duplicated) == (0, 0, 0), outcome.notes
    assert outcome.claims > outcome.posted  # every article really has its claims


@pytest.mark.services
@pytest.mark.parametrize("fault", ["worker", "redis"])
def test_articles_are_finished_once_after_a_fault(fault, database_url, redis_server_binary, tmp_path):
    outcome = faults.run_fault(fault, database_url=database_url, workdir=tmp_path, articles=4, timeout=240)
    _assert_recovered(outcome)


@pytest.mark.services
def test_a_killed_pool_child_is_taken_over_by_the_other_child(database_url, redis_server_binary, tmp_path):
    """The fast path: the lease of a process that is gone is taken back at once, by the redelivered task
    (a takeover) or by the sweep (a hand-back, since the sweep also checks the owner's process), never
    by waiting for the lease to run out."""
    from claims.models import AuditRecord

    outcome = faults.run_fault("pool-child", database_url=database_url, workdir=tmp_path, articles=3, timeout=240,
                               lease=120)  # far longer than the test: only the fast path can recover it
    _assert_recovered(outcome)
    taken = AuditRecord.objects.filter(action__in=["article.lease_takeover", "article.lease_expired"])
    assert taken.exists()
    assert {r.changes["because"][1] for r in taken} == {"its worker process is gone"}


def test_embedded_default_finishes_the_articles_of_a_killed_worker(tmp_path):
    outcome = faults.run_fault("embedded", database_url="sqlite://", workdir=tmp_path, articles=4, timeout=240)
    _assert_recovered(outcome)
