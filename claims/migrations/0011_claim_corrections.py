from django.db import migrations, models


class Migration(migrations.Migration):
    # Written against 0008 in parallel with 0009/0010; depends on the newest of them in the tree.
    dependencies = [("claims", "0010_claimreview_summary")]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="not_a_claim",
            field=models.BooleanField(db_index=True, default=False, verbose_name="not a claim"),
        ),
    ]
