"""Heartbeats: when each worker was last alive and when the sweep last ran (``claims.health``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_match_unordered_pair"),
    ]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("worker", "Worker"), ("sweep", "Sweep")], max_length=10)),
                ("name", models.CharField(max_length=255)),
                ("seen_at", models.DateTimeField()),
                ("detail", models.JSONField(blank=True, default=dict)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("kind", "name"), name="heartbeat_unique_name")],
            },
        ),
    ]
