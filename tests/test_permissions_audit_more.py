"""claims.permissions, claims.audit and the report view, on the paths the other tests leave: a superuser
without a group, an action nobody defined, values the audit trail must store as text, a record whose
link to the one before it was cut, writes outside a transaction, and the report's refusals."""

import datetime as dt

import pytest
from django.db import connection, transaction

from claims import audit, permissions, workflow
from claims.models import AuditRecord

from .factories import ClaimFactory, EditorFactory, SpeakerFactory, UserFactory, ViewerFactory

pytestmark = pytest.mark.django_db


def test_a_superuser_without_a_desk_group_counts_as_an_editor():
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert permissions.user_role(admin) == "editor"
    permissions.check(admin, permissions.EXPORT)  # no NotAllowed
    assert permissions.allowed(admin, permissions.MERGE_SPEAKERS)


def test_an_action_nobody_defined_is_a_programming_error_not_a_refusal():
    with pytest.raises(ValueError, match="unknown action 'publish_everything'"):
        permissions.check(EditorFactory(), "publish_everything")


def test_audit_changes_keep_dates_and_objects_as_text():
    speaker = SpeakerFactory(name="Mira Tanaka")
    changes = audit.diff({}, {"when": dt.date(2024, 3, 12), "speaker": speaker, "ids": (1, 2), "odd": {1, 2} - {2},
                              "nested": {"n": 1}})
    assert changes == {"when": [None, "2024-03-12"], "speaker": [None, str(speaker)], "ids": [None, [1, 2]],
                       "odd": [None, "{1}"], "nested": [None, {"n": 1}]}


@pytest.mark.usefixtures("flushable_db")  # transactional: on_commit runs; roles put back
def test_an_audit_record_or_the_chain_lock_outside_a_transaction_is_refused():
    claim = ClaimFactory()  # autocommit: no transaction is open here
    with pytest.raises(RuntimeError, match="inside the transaction of the change it records"):
        audit.audit_record(actor=None, action="claim.comment", obj=claim, changes={})
    with pytest.raises(RuntimeError, match="lock_chain must be called inside a transaction"):
        audit.lock_chain()
    assert not AuditRecord.objects.exists()


def _delete_behind_the_apps_back(pk):
    """As an attacker with the database would: PostgreSQL's triggers refuse a DELETE, so switch them off."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE claims_audit_record DISABLE TRIGGER USER")
        cur.execute("DELETE FROM claims_audit_record WHERE id = %s", [pk])
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE claims_audit_record ENABLE TRIGGER USER")


def test_a_record_whose_link_to_the_previous_one_was_cut_is_named():
    editor = EditorFactory()
    claim = ClaimFactory()
    for text in ("one", "two", "three"):
        workflow.claim_comment(claim=claim, user=editor, text=text)
    first, second, third = AuditRecord.objects.order_by("id")
    _delete_behind_the_apps_back(second.pk)  # a record removed from the middle of the chain
    result = audit.audit_verify()
    assert (result.broken.pk, result.checked) == (third.pk, 1)
    assert result.reason == "its link to the previous record is broken"


def test_the_report_refuses_an_unknown_format_and_a_bad_date_with_the_reason(client):
    client.force_login(EditorFactory())
    bad_format = client.get("/reports/?format=docx")
    assert bad_format.status_code == 400
    assert bad_format.content.decode() == "format must be html or pdf, got 'docx'"
    bad_date = client.get("/reports/?from=2026-13-01")
    assert bad_date.status_code == 400
    assert "2026-13-01" in bad_date.content.decode()


def test_the_report_is_refused_to_a_viewer_and_sends_the_anonymous_to_sign_in(client):
    assert client.get("/reports/").status_code == 302
    client.force_login(ViewerFactory())
    assert client.get("/reports/").status_code == 403
