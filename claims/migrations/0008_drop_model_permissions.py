"""Roles are markers: ``claims.permissions`` decides who may do what, so the groups lose their Django
model permissions and the four custom claim permissions (granted, never checked) are deleted."""

from django.db import migrations

CUSTOM = ["assign_claim", "propose_verdict", "approve_verdict", "export_claims"]


def drop_model_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=["editor", "reviewer", "viewer"]):
        group.permissions.clear()
    Permission.objects.filter(content_type__app_label="claims", codename__in=CUSTOM).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_processing_leases_unique_spans"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [
        migrations.AlterModelOptions(name="claim", options={"ordering": ["article_id", "start"]}),
        # Irreversible in substance (which permissions a group had is gone); going back leaves the
        # groups as markers, which the code after this migration no longer reads anyway.
        migrations.RunPython(drop_model_permissions, migrations.RunPython.noop),
    ]
