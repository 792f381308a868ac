"""Claims and headlines stored before matching used MiniLM get its vectors, in batches that each
commit on their own (``atomic = False``): no long lock on the tables, and an interrupted run resumes
where it stopped. Nothing to do on a new database; about 10 ms a claim otherwise."""

from django.db import migrations

BATCH = 256


def backfill(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Article = apps.get_model("claims", "Article")
    jobs = (
        # (every claim of that time had e5's vector; 0015 dropped that column, so the test is this one)
        (Claim.objects.filter(match_embedding__isnull=True), "text", "match_embedding"),
        (Article.objects.filter(headline_embedding__isnull=True).exclude(title=""), "title", "headline_embedding"),
    )
    if not any(queryset.exists() for queryset, _, _ in jobs):
        return
    import numpy as np

    from claims.nlp.encoders.minilm import MiniLM

    model = MiniLM()
    for queryset, source, target in jobs:
        last = 0
        while True:
            batch = list(queryset.filter(pk__gt=last).order_by("pk").only("pk", source)[:BATCH])
            if not batch:
                break
            vectors = model.encode([getattr(row, source) for row in batch]).astype(np.float16)
            for row, vec in zip(batch, vectors):
                setattr(row, target, vec.tobytes())
            queryset.model.objects.bulk_update(batch, [target])
            last = batch[-1].pk


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("claims", "0005_matching_minilm"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
