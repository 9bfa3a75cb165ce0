"""Demo attributes for Kon Tum: the coverage baseline of the article, marked as demo data.

The article counts 10 wards, 6 townships and 32 key communes already covered, 54 communes uncovered. The
package's data is a little newer (7 townships, 85 communes): every ward and township plus the 31 communes
below are marked covered, which leaves exactly 54 uncovered. The key-area and border flags are plausible
(border communes along Laos and Cambodia), not official; the UI labels them as demo data.
"""

import datetime

from django.core.cache import cache
from django.db import transaction

from .context_processors import DEMO_DATA_CACHE_KEY
from .models import BorderCountry, Commune, CommuneKind
from .services import KON_TUM, coverage_recompute

DEMO_BORDER_COMMUNES = {
    23344: BorderCountry.LAOS,  # Xã Đắk Blô
    23350: BorderCountry.LAOS,  # Xã Đắk Nhoong
    23368: BorderCountry.LAOS,  # Xã Đắk Long
    23383: BorderCountry.LAOS,  # Xã Đắk Dục
    23386: BorderCountry.LAOS,  # Xã Đắk Nông
    23395: BorderCountry.LAOS,  # Xã Bờ Y (tri-border point)
    23398: BorderCountry.CAMBODIA,  # Xã Sa Loong
    23530: BorderCountry.CAMBODIA,  # Xã Rơ Kơi
    23536: BorderCountry.CAMBODIA,  # Xã Mô Rai
    23535: BorderCountry.CAMBODIA,  # Xã Ia Đal
    23537: BorderCountry.CAMBODIA,  # Xã Ia Dom
    23538: BorderCountry.CAMBODIA,  # Xã Ia Tơi
}

# Key communes covered before the pilot: the border communes, the communes of Kon Tum city, and
# communes next to district centres.
DEMO_KEY_AREA_COMMUNES = [
    *DEMO_BORDER_COMMUNES,
    23311,
    23314,
    23317,
    23320,
    23323,
    23326,
    23327,
    23329,
    23332,
    23335,
    23338,  # Thành phố Kon Tum
    23437,
    23440,  # Tân Cảnh, Diên Bình (Đắk Tô)
    23521,
    23512,  # Hà Mòn, Đắk Mar (Đắk Hà)
    23539,
    23542,  # Sa Sơn, Sa Nghĩa (Sa Thầy)
    23488,  # Đắk Ruồng (Kon Rẫy)
    23476,  # Hiếu (Kon Plông)
]

WARDS_COVERED_ON = datetime.date(2019, 1, 1)
TOWNSHIPS_COVERED_ON = datetime.date(2019, 7, 1)
KEY_COMMUNES_COVERED_ON = datetime.date(2020, 1, 1)


@transaction.atomic
def demo_baseline_apply() -> int:
    """Mark Kon Tum's demo baseline (idempotent); returns the number of communes left uncovered."""
    communes = list(Commune.objects.filter(district__province_id=KON_TUM).select_for_update())
    key_area = set(DEMO_KEY_AREA_COMMUNES)
    for commune in communes:
        commune.is_key_area = commune.code in key_area
        commune.border_country = DEMO_BORDER_COMMUNES.get(commune.code, "")
        commune.is_border = bool(commune.border_country)
        if commune.kind == CommuneKind.WARD:
            commune.baseline_covered_on = WARDS_COVERED_ON
        elif commune.kind == CommuneKind.TOWNSHIP:
            commune.baseline_covered_on = TOWNSHIPS_COVERED_ON
        elif commune.is_key_area:
            commune.baseline_covered_on = KEY_COMMUNES_COVERED_ON
        else:
            commune.baseline_covered_on = None
        commune.is_demo = True
    Commune.objects.bulk_update(
        communes, ["is_key_area", "is_border", "border_country", "baseline_covered_on", "is_demo"]
    )
    coverage_recompute(commune_codes=[c.code for c in communes])
    transaction.on_commit(lambda: cache.delete(DEMO_DATA_CACHE_KEY))
    return sum(1 for c in communes if c.baseline_covered_on is None)
