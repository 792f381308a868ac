"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit table.

TRUNCATE is refused too, unless the session has explicitly set ``claimdesk.allow_truncate`` (the
test suite does, to reset its throwaway database). The hash chain (``manage.py audit verify``)
covers what is done behind these guards, and SQLite, the single-user embedded default, relies on it.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION claims_audit_record_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('claimdesk.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'claims_audit_record is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER claims_audit_record_no_update BEFORE UPDATE OR DELETE ON claims_audit_record
    FOR EACH ROW EXECUTE FUNCTION claims_audit_record_append_only();
CREATE TRIGGER claims_audit_record_no_truncate BEFORE TRUNCATE ON claims_audit_record
    FOR EACH STATEMENT EXECUTE FUNCTION claims_audit_record_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS claims_audit_record_no_update ON claims_audit_record;
DROP TRIGGER IF EXISTS claims_audit_record_no_truncate ON claims_audit_record;
DROP FUNCTION IF EXISTS claims_audit_record_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
