"""Provinces, districts and communes get ``sort_key`` (Vietnamese order of the name without its unit prefix),
filled for the rows already there."""

from django.db import migrations, models

import rollout.core.fields
from rollout.core.text import collation_key


def fill_sort_keys(apps, schema_editor):
    for name in ("Province", "District", "Commune"):
        model = apps.get_model("communes", name)
        rows = list(model.objects.only("pk", "name"))
        for row in rows:
            row.sort_key = collation_key(row.name)
        model.objects.bulk_update(rows, ["sort_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("communes", "0001_initial")]

    operations = [
        *[
            migrations.AddField(
                model_name=model_name,
                name="sort_key",
                field=rollout.core.fields.CollationKeyField(default="", editable=False, max_length=255),
                preserve_default=False,
            )
            for model_name in ("province", "district", "commune")
        ],
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="province", index=models.Index(fields=["sort_key"], name="communes_province_sort_key")
        ),
        migrations.AddIndex(
            model_name="district", index=models.Index(fields=["sort_key"], name="communes_district_sort_key")
        ),
        migrations.AddIndex(
            model_name="commune", index=models.Index(fields=["sort_key"], name="communes_commune_sort_key")
        ),
    ]
