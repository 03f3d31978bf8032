from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def backfill_public(apps, schema_editor):
    """Appeals filed before publication existed get their redacted public text."""
    from appeals.redaction import redact

    Appeal = apps.get_model("appeals", "Appeal")
    for appeal in Appeal.objects.filter(public_title="").select_related("item").iterator(chunk_size=2000):
        appeal.public_title = redact(appeal.title)[:80]
        appeal.public_description = redact(appeal.description)
        appeal.is_public = bool(
            appeal.publish_consent and appeal.item_id and appeal.item.publishable and not appeal.public_hidden
        )
        appeal.save(update_fields=["public_title", "public_description", "is_public"])


class Migration(migrations.Migration):
    dependencies = [("appeals", "0003_ratings_publication_stats_clusters_open311")]

    operations = [
        # pg_trgm: search on the public wall, and one of the two similarity measures of 类案 clustering.
        TrigramExtension(),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS appeals_appeal_public_title_trgm ON appeals_appeal "
            "USING gin (public_title gin_trgm_ops) WHERE is_public",
            "DROP INDEX IF EXISTS appeals_appeal_public_title_trgm",
        ),
        migrations.RunPython(backfill_public, migrations.RunPython.noop),
    ]
