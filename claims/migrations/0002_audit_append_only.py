"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit table.

(SQLite, the embedded default, gets the same rule from triggers of its own.)
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION claims_audit_record_append_only() RETURNS trigger AS $$
BEGIN
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
SQLITE_FORWARD = [
    """CREATE TRIGGER claims_audit_record_no_update BEFORE UPDATE ON claims_audit_record
       BEGIN SELECT RAISE(ABORT, 'claims_audit_record is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER claims_audit_record_no_delete BEFORE DELETE ON claims_audit_record
       BEGIN SELECT RAISE(ABORT, 'claims_audit_record is append-only: DELETE refused'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS claims_audit_record_no_update;",
    "DROP TRIGGER IF EXISTS claims_audit_record_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
