"""The divisions and communes steps: every province, district and commune of the country (``vietnam-provinces``),
then the communes' synthetic attributes: about 75% covered by regular police before the pilot (every ward and
township first, then rural communes, many of them key areas), border flags along Laos, Cambodia and China,
population, and the local languages of the northern mountains, the Central Highlands and the Khmer Mekong
provinces. These communes are marked ``is_demo`` (their attributes are synthetic, the UI says so)."""

import datetime
import random

from django.db import connection

from communes.models import Commune, CommuneKind, Coverage, District, Province
from communes.services import coverage_recompute, divisions_load
from personnel.models import Language
from rollout.core.bulk import bulk_update_values
from rollout.national.context import BATCH_SIZE, Run
from rollout.national.regions import BORDERS, REGION_COMMUNE_LANGUAGES, languages_ensure, region

BASELINE_SHARE = 0.75  # communes covered by regular police before the pilot


def divisions_seed(*, run: Run) -> None:
    """Load the divisions the database lacks (coverage recomputed when any changed)."""
    counts = divisions_load()
    if counts.changed:
        coverage_recompute()
    for kind in ("provinces", "districts", "communes"):
        run.result.created[kind] += counts.created[kind]
    run.log(f"  {Province.objects.count()} provinces, {District.objects.count()} districts, "
            f"{Commune.objects.count():,} communes ({sum(counts.created.values()):,} new)")  # fmt: skip


def communes_seed(*, run: Run, rng: random.Random, plan_start: datetime.date) -> None:
    """Describe the communes not yet described (the Kon Tum demo's are left alone) and recompute coverage."""
    total = Commune.objects.count()
    already = Commune.objects.filter(baseline_covered_on__isnull=False).count()
    rows = list(
        Commune.objects.filter(is_demo=False, baseline_covered_on__isnull=True)
        .order_by("code")
        .values_list("code", "kind", "district__province_id")
    )
    wanted = max(round(BASELINE_SHARE * total) - already, 0)
    urban = [r for r in rows if r[1] != CommuneKind.COMMUNE]
    rural = [r for r in rows if r[1] == CommuneKind.COMMUNE]
    rng.shuffle(urban)
    rng.shuffle(rural)
    baseline = {r[0] for r in (urban + rural)[:wanted]}

    first_rural = datetime.date(2020, 1, 1)
    rural_span = max((plan_start - datetime.timedelta(days=30) - first_rural).days, 1)
    communes = []
    for code, kind, province_code in rows:
        commune = Commune(code=code, is_demo=True, is_key_area=False, is_border=False, border_country="")
        if code in baseline:
            if kind == CommuneKind.WARD:
                commune.baseline_covered_on = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randint(0, 900))
            elif kind == CommuneKind.TOWNSHIP:
                commune.baseline_covered_on = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randint(0, 900))
            else:
                commune.baseline_covered_on = first_rural + datetime.timedelta(days=rng.randint(0, rural_span))
        else:
            commune.baseline_covered_on = None
        if kind == CommuneKind.COMMUNE:
            commune.is_key_area = rng.random() < (0.55 if code in baseline else 0.1)
            if province_code in BORDERS and rng.random() < 0.07:
                commune.is_border = True
                commune.border_country = rng.choice(BORDERS[province_code])
        commune.population = {
            CommuneKind.WARD: rng.randint(8_000, 40_000),
            CommuneKind.TOWNSHIP: rng.randint(6_000, 20_000),
        }.get(kind) or rng.randint(2_000, 15_000)
        communes.append(commune)
    fields = ["baseline_covered_on", "is_key_area", "is_border", "border_country", "population", "is_demo"]
    _attributes_update(communes, fields)
    run.count("commune attributes", len(communes))

    languages = languages_ensure()
    through = Language.communes.through
    linked = set(through.objects.values_list("commune_id", flat=True).distinct())
    links = []
    for code, _kind, province_code in rows:
        spoken = REGION_COMMUNE_LANGUAGES.get(region(province_code))
        if not spoken or code in linked or rng.random() < 0.35:
            continue
        for language in rng.sample(spoken, k=min(len(spoken), rng.choice([1, 1, 2]))):
            links.append(through(commune_id=code, language_id=languages[language]))
    through.objects.bulk_create(links, batch_size=BATCH_SIZE)
    run.count("commune languages", len(links))
    coverage_recompute()
    run.log(f"  covered before the pilot: {Commune.objects.filter(coverage=Coverage.BASELINE).count():,} "
            f"of {total:,} communes")  # fmt: skip


def _attributes_update(communes: list[Commune], fields: list[str]) -> None:
    if connection.vendor == "postgresql":
        bulk_update_values(communes, fields, batch_size=BATCH_SIZE)
        return
    # Django's bulk_update (CASE WHEN per row) takes a minute for 10,000 rows on SQLite; executemany does not.
    columns = [Commune._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Commune._meta.db_table)} SET "  # noqa: S608 - names from the model, values bound
        + ", ".join(f"{quote(column.column)} = %s" for column in columns)
        + f" WHERE {quote('code')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [column.get_db_prep_save(getattr(c, column.attname), connection) for column in columns] + [c.code]
                for c in communes
            ],
        )
