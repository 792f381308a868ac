"""Processing leases on articles; one claim per span (re-extraction reconciles by span); one successor
per audit record.

Earlier releases could store the same span twice (a re-queue while a claim was published). Before
the constraint goes on, duplicates that nobody has worked on are removed, keeping the claim with
people's work on it (or the oldest); two worked-on duplicates stop the migration with their ids.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count


def _touched(claim):
    return (claim.state != "unreviewed" or claim.verdict != "unreviewed" or claim.assignee_id is not None
            or claim.assignments.exists() or claim.comments.exists() or claim.evidence.exists()
            or claim.proposed_verdict != "" or claim.inheritors.exists()
            or claim.matches.filter(decisions__isnull=False).exists()
            or claim.later_matches.filter(decisions__isnull=False).exists())


def drop_untouched_duplicate_spans(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    groups = (Claim.objects.values("article_id", "start", "end").annotate(n=Count("id")).filter(n__gt=1))
    for group in groups.iterator():
        claims = list(Claim.objects.filter(article_id=group["article_id"], start=group["start"],
                                           end=group["end"]).order_by("id"))
        touched = [c for c in claims if _touched(c)]
        if len(touched) > 1:
            raise RuntimeError(
                f"claims {[c.pk for c in touched]} of article {group['article_id']} share the span "
                f"{group['start']}-{group['end']} and each has review work: merge them by hand, then migrate again")
        keep = touched[0] if touched else claims[0]
        for claim in claims:
            if claim.pk != keep.pk:
                claim.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0006_matching_minilm_backfill'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='attempts',
            field=models.PositiveIntegerField(default=0, editable=False, help_text='Times a worker has taken the current stage; bounded by the sweep.'),
        ),
        migrations.AddField(
            model_name='article',
            name='lease_expires',
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='article',
            name='lease_owner',
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name='article',
            name='queued_at',
            field=models.DateTimeField(blank=True, editable=False, help_text='When its current stage was last sent to the broker.', null=True),
        ),
        migrations.AddConstraint(
            model_name='auditrecord',
            constraint=models.UniqueConstraint(fields=('prev_hash',), name='audit_unique_prev_hash'),
        ),
        migrations.RunPython(drop_untouched_duplicate_spans, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.UniqueConstraint(fields=('article', 'start', 'end'), name='claim_unique_span'),
        ),
    ]
