"""Officers of the national data: Vietnamese and ethnic-minority names by region, ages and ranks that fit the
post, education and political theory, the languages they speak; police numbers ``800-001``… in creation order
(valid numbers, as every form and import checks them; the leading 8 keeps them apart from the demo's ``9xx-xxx``
and the test factories' ``1xx-xxx``)."""

import datetime
import random

from accounts.models import User
from personnel.choices import Education, Ethnicity, Gender, OfficerStatus, PoliticalTheory, Rank
from personnel.demo import (
    KINH_FAMILY,
    KINH_GIVEN_FEMALE,
    KINH_GIVEN_MALE,
    KINH_MIDDLE_FEMALE,
    KINH_MIDDLE_MALE,
    MINORITY_NAMES,
    UNITS,
)
from personnel.models import Officer
from rollout.core.text import collation_key, fold
from rollout.national.context import BATCH_SIZE, Run, police_number, write
from rollout.national.regions import (
    ETHNICITY_LANGUAGE,
    REGION_COMMUNE_LANGUAGES,
    REGION_ETHNICITIES,
    REGION_OTHER_LANGUAGE,
    languages_ensure,
    region,
)

FAMILY_NAMES = {
    Ethnicity.TAY: ["Hoàng", "Nông", "Lương", "Vi", "Đàm", "Hà", "Ma"],
    Ethnicity.THAI: ["Lò", "Cầm", "Lường", "Quàng", "Điêu", "Vi", "Hà"],
    Ethnicity.NUNG: ["Nông", "Hoàng", "Lục", "Vy", "Chu", "Mã"],
    Ethnicity.MUONG: ["Bùi", "Đinh", "Quách", "Hà", "Xa"],
}
OTHER_NAMES = {
    "north": (["Giàng", "Sùng", "Vàng", "Thào", "Lầu", "Mùa", "Hờ"], ["A", "Seo", "Mí"],
              ["Páo", "Chứ", "Dình", "Sính", "Pó", "Tủa", "Chá", "Dợ"]),
    "highlands": (["Niê", "Ksor", "Mlô", "Êban", "Adrơng", "Byă"], ["Y"], ["Bhin", "Kông", "Thông", "Jút", "Hớt"]),
    "khmer": (["Thạch", "Sơn", "Kim", "Danh", "Lâm", "Châu"], [""], ["Sa Rinh", "Sóc", "Phol", "Sang", "Rươl"]),
}  # fmt: skip
STATUS_MIX = ([OfficerStatus.CANDIDATE, OfficerStatus.VETTED, OfficerStatus.IN_TRAINING, OfficerStatus.READY,
               OfficerStatus.WITHDRAWN], [35, 20, 18, 17, 10])  # fmt: skip
EDUCATION_MIX = ([Education.UPPER_SECONDARY, Education.INTERMEDIATE, Education.COLLEGE, Education.UNIVERSITY,
                  Education.POSTGRADUATE], [10, 42, 14, 32, 2])  # fmt: skip
THEORY_MIX = ([PoliticalTheory.NONE, PoliticalTheory.ELEMENTARY, PoliticalTheory.INTERMEDIATE], [30, 50, 20])


def officer_name(rng: random.Random, ethnicity: str, gender: str, region: str) -> str:
    female = gender == Gender.FEMALE
    if ethnicity in MINORITY_NAMES:
        prefixes, given = MINORITY_NAMES[ethnicity]
        prefix = rng.choice(prefixes)
        if female and prefix.startswith("A"):
            prefix = "Y" + prefix[1:]
        return f"{prefix} {rng.choice(given)}"
    if ethnicity == Ethnicity.OTHER and region in OTHER_NAMES:
        families, middles, given = OTHER_NAMES[region]
        family, middle, name = rng.choice(families), rng.choice(middles), rng.choice(given)
        if region == "highlands":
            return f"H'{name} {family}" if female else f"Y {name} {family}"
        if female and region == "north":
            middle = "Thị"
        return " ".join(part for part in (family, middle, name) if part)
    family = rng.choice(FAMILY_NAMES.get(ethnicity, KINH_FAMILY))
    if female:
        return f"{family} {rng.choice(KINH_MIDDLE_FEMALE)} {rng.choice(KINH_GIVEN_FEMALE)}"
    return f"{family} {rng.choice(KINH_MIDDLE_MALE)} {rng.choice(KINH_GIVEN_MALE)}"


class Roster:
    """Builds officers and their languages; police numbers in creation order."""

    def __init__(self, rng: random.Random, today: datetime.date, districts: dict[int, list[int]]):
        self.rng, self.today, self.districts = rng, today, districts
        self.officers: list[Officer] = []
        self.languages: list[set[str]] = []

    def add(self, *, province_code: int, district_code: int | None, status: str, age: tuple[int, int],
            min_rank: int = Rank.HA_SI) -> Officer:  # fmt: skip
        rng = self.rng
        where = region(province_code)
        ethnicities, weights = REGION_ETHNICITIES[where]
        ethnicity = rng.choices(ethnicities, weights=weights)[0]
        gender = Gender.FEMALE if rng.random() < 0.12 else Gender.MALE
        years = rng.randint(*age)
        birth = self.today - datetime.timedelta(days=years * 365 + rng.randint(0, 360))
        base = min(Rank.THUONG_TA, max(Rank.HA_SI, (years - 20) // 3 + 1))
        rank = max(min_rank, min(Rank.THUONG_TA, base + rng.choice([-1, 0, 0, 1])))
        home = district_code if district_code and rng.random() < 0.6 else rng.choice(self.districts[province_code])
        full_name = officer_name(rng, ethnicity, gender, where)
        officer = Officer(
            police_number=police_number(len(self.officers) + 1), full_name=full_name, search_key=fold(full_name),
            sort_key=collation_key(full_name, person=True),
            birth_date=birth, gender=gender, ethnicity=ethnicity, rank=rank,
            current_unit=rng.choice(UNITS), province_id=province_code, district_id=district_code,
            home_district_id=home, education=rng.choices(*EDUCATION_MIX)[0],
            political_theory=rng.choices(*THEORY_MIX)[0], phone=f"09{rng.randint(10_000_000, 99_999_999)}",
            status=status,
        )  # fmt: skip
        spoken = {"vi"}
        language = ETHNICITY_LANGUAGE.get(ethnicity) or (
            REGION_OTHER_LANGUAGE.get(where) if ethnicity == Ethnicity.OTHER else None
        )
        if language:
            spoken.add(language)
        local = REGION_COMMUNE_LANGUAGES.get(where)
        if local and rng.random() < 0.3:
            spoken.add(rng.choice(local))
        self.officers.append(officer)
        self.languages.append(spoken)
        return officer

    def fill(self, *, communes: list[tuple], officers: int) -> None:
        """The rest of the pipeline, until the roster holds ``officers``: candidates, vetted, in training, ready,
        withdrawn without a post, in the province of a commune drawn from ``communes``."""
        rng = self.rng
        for _ in range(max(officers - len(self.officers), 0)):
            code, district, province, _coverage, _baseline = rng.choice(communes)
            status = rng.choices(*STATUS_MIX)[0]
            self.add(province_code=province, district_code=district if rng.random() < 0.7 else None, status=status,
                     age=(21, 50))  # fmt: skip


def officers_write(*, run: Run, roster: Roster, user: User) -> list[Officer]:
    """Write the roster's officers (with history rows) and their languages; the officers, with their keys."""
    officers = write(Officer, roster.officers, user, history=True)
    run.count("officers", len(officers))
    languages = languages_ensure()
    through = Officer.languages.through
    links = [
        through(officer_id=officer.pk, language_id=languages[code])
        for officer, spoken in zip(officers, roster.languages, strict=True)
        for code in sorted(spoken)
        if code in languages
    ]
    through.objects.bulk_create(links, batch_size=BATCH_SIZE)
    run.count("officer languages", len(links))
    return officers
