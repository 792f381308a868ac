"""One match per pair of claims, whichever way round it was found; decisions keep who decided.

Before the unique constraint on the unordered pair goes in, pairs stored twice (two articles matched
at the same time, or a corrected claim matched again from its own side) become one row: the row with
decisions, then the one with the higher score, then the older one is kept, and every decision of the
others moves onto it, so no one's decision is lost. The kept rows are then turned so that ``claim``
is the claim of the later-ingested article, as the storing code now writes them.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Greatest, Least


def forwards(apps, schema_editor):
    ClaimMatch = apps.get_model("claims", "ClaimMatch")
    MatchDecision = apps.get_model("claims", "MatchDecision")
    User = apps.get_model(settings.AUTH_USER_MODEL)

    MatchDecision.objects.filter(user__isnull=False, username="").update(
        username=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("username")[:1]))

    pairs = (ClaimMatch.objects.annotate(lo=Least("claim_id", "earlier_id"), hi=Greatest("claim_id", "earlier_id"))
             .values("lo", "hi").annotate(n=Count("id")).filter(n__gt=1).order_by())
    for pair in pairs:
        rows = list(ClaimMatch.objects.filter(models.Q(claim_id=pair["lo"], earlier_id=pair["hi"])
                                              | models.Q(claim_id=pair["hi"], earlier_id=pair["lo"]))
                    .annotate(decided=Count("decisions")))
        keep = max(rows, key=lambda m: (m.decided > 0, m.score, -m.pk))
        others = [m.pk for m in rows if m.pk != keep.pk]
        MatchDecision.objects.filter(match_id__in=others).update(match_id=keep.pk)
        ClaimMatch.objects.filter(pk__in=others).delete()

    ClaimMatch.objects.filter(claim__article_id__lt=F("earlier__article_id")).update(
        claim=F("earlier"), earlier=F("claim"))

    if schema_editor.connection.vendor == "postgresql":
        # The rows changed above leave deferred foreign-key checks pending, and PostgreSQL refuses
        # to alter a table that has them: run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0012_audit_actor_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="matchdecision",
            name="username",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="claimmatch", name="match_unique_pair"),
        migrations.AddConstraint(
            model_name="claimmatch",
            constraint=models.UniqueConstraint(Least("claim", "earlier"), Greatest("claim", "earlier"),
                                               name="match_unique_unordered_pair"),
        ),
    ]
