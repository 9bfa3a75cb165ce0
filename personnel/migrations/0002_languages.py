from django.db import migrations

LANGUAGES = [
    # code, name, ethnic-minority language of Kon Tum
    ("vi", "Tiếng Việt", False),
    ("xo-dang", "Xơ Đăng", True),
    ("ba-na", "Ba Na", True),
    ("gia-rai", "Gia Rai", True),
    ("gie-trieng", "Giẻ Triêng", True),
    ("brau", "Brâu", True),
    ("ro-mam", "Rơ Măm", True),
    ("lao", "Tiếng Lào", False),
    ("khmer", "Tiếng Khmer", False),
]


def add_languages(apps, schema_editor):
    Language = apps.get_model("personnel", "Language")
    for code, name, minority in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name, "is_ethnic_minority": minority})


def remove_languages(apps, schema_editor):
    apps.get_model("personnel", "Language").objects.filter(code__in=[c for c, _n, _m in LANGUAGES]).delete()


class Migration(migrations.Migration):
    """Languages of Kon Tum's people and of its neighbours (Laos, Cambodia)."""

    dependencies = [("personnel", "0001_initial")]

    operations = [migrations.RunPython(add_languages, remove_languages)]
