from django.db import migrations, models


class Migration(migrations.Migration):
    """One actor's audit records in id order (GET /api/audit/?user=): the pages of an actor with few
    records no longer scan the whole trail."""

    dependencies = [
        ("claims", "0011_claim_corrections"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditrecord",
            index=models.Index(fields=["actor_username", "id"], name="audit_actor"),
        ),
    ]
