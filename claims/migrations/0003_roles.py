"""The desk's roles as groups with permissions: editor, reviewer, viewer."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [
    "claims.view_article", "claims.view_claim", "claims.view_speaker", "claims.view_claimmatch",
    "claims.view_evidence", "claims.view_comment", "claims.view_assignment", "claims.view_auditrecord",
]
ROLE_PERMISSIONS = {
    "viewer": VIEW,
    "reviewer": VIEW + ["claims.propose_verdict", "claims.add_evidence", "claims.add_comment",
                        "claims.add_matchdecision"],
    "editor": VIEW + [
        "claims.add_article", "claims.change_claim", "claims.assign_claim", "claims.propose_verdict",
        "claims.approve_verdict", "claims.export_claims", "claims.add_evidence", "claims.add_comment",
        "claims.add_matchdecision", "claims.view_matchdecision",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for name in names:
            app_label, codename = name.split(".")
            perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_audit_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
