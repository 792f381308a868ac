# Issue 24: check-worthiness reads the MiniLM pass (its fourth layer), so e5 left the ingest path and
# its stored vector (float16, 768 bytes a claim, read by nothing since) goes. Machine data only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0014_heartbeat'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='claim',
            name='embedding',
        ),
    ]
