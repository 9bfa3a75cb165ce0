"""Vietnam as the synthetic data sees it, by GSO province code: the regions (the northern mountains, the Central
Highlands, the Khmer Mekong provinces, the plains), who lives there, which languages the communes speak, which
country a province borders, and the names of a province's police."""

from communes.models import Province, ProvinceKind
from personnel.choices import Ethnicity
from personnel.models import Language

NORTH = {2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 24, 25}
HIGHLANDS = {62, 64, 66, 67, 68}
KHMER = {84, 89, 91, 94, 95}
BORDERS = {
    2: ["CN"], 4: ["CN"], 10: ["CN"], 11: ["CN", "LA"], 12: ["CN"], 14: ["LA"], 20: ["CN"], 22: ["CN"],
    38: ["LA"], 40: ["LA"], 42: ["LA"], 44: ["LA"], 45: ["LA"], 46: ["LA"], 49: ["LA"], 62: ["LA", "KH"],
    64: ["KH"], 66: ["KH"], 67: ["KH"], 70: ["KH"], 72: ["KH"], 80: ["KH"], 87: ["KH"], 89: ["KH"], 91: ["KH"],
}  # fmt: skip
REGION_ETHNICITIES = {
    "north": ([Ethnicity.KINH, Ethnicity.TAY, Ethnicity.THAI, Ethnicity.NUNG, Ethnicity.MUONG, Ethnicity.OTHER],
              [45, 17, 14, 10, 8, 6]),
    "highlands": ([Ethnicity.KINH, Ethnicity.XO_DANG, Ethnicity.BA_NA, Ethnicity.GIA_RAI, Ethnicity.GIE_TRIENG,
                   Ethnicity.BRAU, Ethnicity.RO_MAM, Ethnicity.OTHER], [55, 10, 9, 12, 4, 1, 1, 8]),
    "khmer": ([Ethnicity.KINH, Ethnicity.OTHER], [78, 22]),
    "plain": ([Ethnicity.KINH, Ethnicity.MUONG, Ethnicity.THAI, Ethnicity.OTHER], [93, 3, 2, 2]),
}  # fmt: skip
REGION_COMMUNE_LANGUAGES = {"north": ["tay", "nung", "thai", "hmong", "muong"],
                            "highlands": ["gia-rai", "ba-na", "e-de", "xo-dang"], "khmer": ["khmer"]}  # fmt: skip
REGION_OTHER_LANGUAGE = {"north": "hmong", "highlands": "e-de", "khmer": "khmer"}
ETHNICITY_LANGUAGE = {
    Ethnicity.XO_DANG: "xo-dang", Ethnicity.BA_NA: "ba-na", Ethnicity.GIA_RAI: "gia-rai",
    Ethnicity.GIE_TRIENG: "gie-trieng", Ethnicity.BRAU: "brau", Ethnicity.RO_MAM: "ro-mam", Ethnicity.TAY: "tay",
    Ethnicity.THAI: "thai", Ethnicity.NUNG: "nung", Ethnicity.MUONG: "muong",
}  # fmt: skip
# Languages the regions speak that personnel's migrations do not load.
NEW_LANGUAGES = [("tay", "Tày"), ("thai", "Thái"), ("nung", "Nùng"), ("muong", "Mường"), ("hmong", "H'Mông"),
                 ("e-de", "Ê Đê")]  # fmt: skip


def region(province_code: int) -> str:
    if province_code in NORTH:
        return "north"
    if province_code in HIGHLANDS:
        return "highlands"
    if province_code in KHMER:
        return "khmer"
    return "plain"


def short_name(province: Province) -> str:
    return province.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def police_unit(province: Province) -> str:
    kind = "thành phố" if province.kind == ProvinceKind.MUNICIPALITY else "tỉnh"
    return f"Công an {kind} {short_name(province)}"


def languages_ensure() -> dict[str, int]:
    """The local languages the regions speak, created when missing; every language's primary key by code."""
    for code, name in NEW_LANGUAGES:
        if not Language.objects.filter(code=code).exists() and not Language.objects.filter(name=name).exists():
            Language.objects.create(code=code, name=name, is_ethnic_minority=True)
    return dict(Language.objects.values_list("code", "pk"))
