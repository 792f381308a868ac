from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("claims", "0009_sources_feeds")]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="review_summary",
            field=models.CharField(
                blank=True, max_length=74, verbose_name="ClaimReview summary",
                help_text="What the claim says, in under 75 characters, without the verdict (schema.org claimReviewed). "
                          "Empty: the claim cut at a word boundary.",
            ),
        ),
    ]
