""""Overdue", the one rule (``models.overdue_q`` and ``models.claim_is_overdue``), and the desk overview
(``selectors.desk_overview``) that counts with it."""

import datetime as dt

import pytest
from django.utils import timezone

from claims import selectors
from claims.models import Claim, claim_is_overdue, overdue_q

from .factories import ClaimFactory, EditorFactory, ReviewerFactory, UserFactory, publish_verdict

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _claims():
    hour = dt.timedelta(hours=1)
    return {
        "past": ClaimFactory(due=NOW - hour, state="in_review"),
        "past_proposed": ClaimFactory(due=NOW - hour, state="proposed"),
        "past_published": ClaimFactory(due=NOW - hour, state="published"),
        "at_now": ClaimFactory(due=NOW, state="in_review"),
        "future": ClaimFactory(due=NOW + hour, state="in_review"),
        "no_due": ClaimFactory(due=None, state="in_review"),
    }


def test_the_queryset_the_q_and_the_predicate_agree_on_every_case():
    claims = _claims()
    by_q = set(Claim.objects.filter(overdue_q(NOW)).values_list("pk", flat=True))
    by_queryset = set(Claim.objects.overdue(NOW).values_list("pk", flat=True))
    by_row = {row["id"] for row in Claim.objects.values("id", "due", "state")
              if claim_is_overdue(due=row["due"], state=row["state"], now=NOW)}
    assert by_q == by_queryset == by_row == {claims["past"].pk, claims["past_proposed"].pk}


def test_is_overdue_and_the_list_filter_use_the_clock_of_now():
    past = ClaimFactory(due=timezone.now() - dt.timedelta(minutes=5), state="in_review")
    future = ClaimFactory(due=timezone.now() + dt.timedelta(hours=1), state="in_review")
    assert past.is_overdue and not future.is_overdue
    assert list(selectors.claim_list_overdue(Claim.objects.all(), True)) == [past]
    assert list(selectors.claim_list_overdue(Claim.objects.all(), False)) == [future]


def test_desk_overview_counts_states_reviewers_overdue_and_time_to_verdict():
    reviewer = ReviewerFactory(username="rev")
    publish_verdict(ClaimFactory(), reviewer=reviewer)
    ClaimFactory(assignee=reviewer, state="in_review", due=NOW - dt.timedelta(days=1))
    ClaimFactory(assignee=reviewer, state="in_review", due=NOW + dt.timedelta(days=1), needs_rereview=True)
    desk = selectors.desk_overview(user=EditorFactory(), now=NOW)
    assert desk["per_state"] == {"unreviewed": 0, "in_review": 2, "proposed": 0, "published": 1}
    assert desk["overdue"] == 1 and desk["rereview"] == 1
    assert desk["per_reviewer"] == [{"assignee__username": "rev", "in_review": 2, "proposed": 0, "published": 1,
                                     "overdue": 1}]
    assert desk["published_count"] == 1 and desk["median_hours"] >= 0
    assert desk["verdicts"] == [{"verdict": "verified", "n": 1}]


def test_desk_overview_of_a_user_without_a_role_is_empty():
    ClaimFactory(due=NOW - dt.timedelta(days=1), state="in_review")
    desk = selectors.desk_overview(user=UserFactory(), now=NOW)
    assert set(desk["per_state"].values()) == {0}
    assert desk["overdue"] == 0 and desk["per_reviewer"] == [] and desk["median_hours"] is None
