"""Officers get ``sort_key`` (Vietnamese order, given name first), filled for the officers already there."""

from django.db import migrations, models

import rollout.core.fields
from rollout.core.text import collation_key


def fill_sort_keys(apps, schema_editor):
    Officer = apps.get_model("personnel", "Officer")
    rows = list(Officer.objects.only("pk", "full_name"))
    for row in rows:
        row.sort_key = collation_key(row.full_name, person=True)
    Officer.objects.bulk_update(rows, ["sort_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("personnel", "0002_languages")]

    operations = [
        migrations.AddField(
            model_name="officer",
            name="sort_key",
            field=rollout.core.fields.CollationKeyField(default="", editable=False, max_length=255),
            preserve_default=False,
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterModelOptions(
            name="officer",
            options={
                "ordering": ["sort_key", "police_number"],
                "permissions": [
                    ("import_officer", "Can import officers from Excel"),
                    ("view_personal_identifiers", "Can see birth dates, phone and police numbers unmasked"),
                ],
                "verbose_name": "officer",
                "verbose_name_plural": "officers",
            },
        ),
        migrations.AddIndex(
            model_name="officer",
            index=models.Index(fields=["sort_key", "police_number"], name="personnel_officer_sort_key"),
        ),
    ]
