"""The desk's roles as Django groups with their permissions: editor, reviewer, viewer.

Created by a data migration (``0003_roles``); ``ensure_roles`` recreates them after a database
flush, and ``manage.py demo`` calls it too.
"""

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


def ensure_roles(apps=None):
    """Create (or complete) the three groups and their permissions; safe to run any number of times."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for app_config in apps.get_app_configs():
        if apps is not global_apps:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if apps is not global_apps:
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
