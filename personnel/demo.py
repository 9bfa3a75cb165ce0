"""A realistic demo roster for Kon Tum: about 300 officers with Vietnamese and ethnic-minority names, in every
status, vetted where their status says so, and assigned to the communes already covered: a chief and a deputy
since the baseline, and one or two officers posted since the pilot began, so some posts reach the plan's norm.

Police numbers of demo officers start with 9 (``9xx-xxx``); the UI labels the data as demo. Idempotent: a
second run changes nothing.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, Coverage, District
from communes.services import KON_TUM, coverage_recompute
from rollout.core.figures_cache import figures_changed
from rollout.core.text import collation_key, fold

from .choices import Education, Ethnicity, Gender, OfficerStatus, PoliticalTheory, Post, Rank, VettingCriterion
from .models import Assignment, Language, Officer, Vetting

DEMO_PREFIX = "9"
ROSTER_SIZE = 300
NON_DEPLOYED_STATUSES = (
    [OfficerStatus.READY] * 40
    + [OfficerStatus.IN_TRAINING] * 30
    + [OfficerStatus.VETTED] * 30
    + [OfficerStatus.WITHDRAWN] * 12
)

# Peoples (and so languages) of each district; illustrative, for the demo.
DISTRICT_LANGUAGES = {
    608: ["ba-na", "gia-rai", "xo-dang"],  # Thành phố Kon Tum
    610: ["xo-dang", "gie-trieng", "lao"],  # Đắk Glei
    611: ["gie-trieng", "brau", "lao", "khmer"],  # Ngọc Hồi
    612: ["xo-dang", "gie-trieng"],  # Đắk Tô
    613: ["xo-dang", "ba-na"],  # Kon Plông
    614: ["ba-na", "xo-dang"],  # Kon Rẫy
    615: ["ba-na", "xo-dang"],  # Đắk Hà
    616: ["gia-rai", "ro-mam", "khmer"],  # Sa Thầy
    617: ["xo-dang"],  # Tu Mơ Rông
    618: ["gia-rai", "khmer"],  # Ia H' Drai
}
ETHNICITY_LANGUAGE = {
    Ethnicity.XO_DANG: "xo-dang",
    Ethnicity.BA_NA: "ba-na",
    Ethnicity.GIA_RAI: "gia-rai",
    Ethnicity.GIE_TRIENG: "gie-trieng",
    Ethnicity.BRAU: "brau",
    Ethnicity.RO_MAM: "ro-mam",
}
KINH_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
KINH_MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Công"]
KINH_MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh"]
KINH_GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hùng",
    "Hải",
    "Long",
    "Nam",
    "Phong",
    "Quang",
    "Sơn",
    "Thắng",
    "Tuấn",
]
KINH_GIVEN_FEMALE = ["Hà", "Lan", "Hương", "Mai", "Thảo", "Trang", "Linh", "Ngân"]
MINORITY_NAMES = {
    Ethnicity.XO_DANG: (
        ["A", "A", "Y Đinh", "A Đinh"],
        ["Thút", "Blưu", "Kiên", "Brêu", "Vươn", "Hrê", "Tâm", "Nhung", "Sang", "Mỹ", "Phúc", "Hùng", "Thiết", "Ning"],
    ),
    Ethnicity.BA_NA: (
        ["Đinh Văn", "A", "Y", "Đinh Thị"],
        ["Blin", "Hyang", "Tuyên", "Rin", "Khưn", "Đoan", "Thuyên", "Hmo", "Brưu", "Nhơn"],
    ),
    Ethnicity.GIA_RAI: (
        ["Rơ Châm", "Ksor", "Siu", "Rơ Mah", "Rơ Lan"],
        ["Hyưn", "Thuk", "Phăm", "Blưk", "Kim", "Ngăm", "H'Ben", "Luih"],
    ),
    Ethnicity.GIE_TRIENG: (["A", "Y", "A Lê", "Y Lê"], ["Ngọc", "Chuôn", "Pờ", "Liêm", "Khoa", "Krang", "Bul", "Hiên"]),
    Ethnicity.BRAU: (["Thao", "A", "Y"], ["Khăm", "Phênh", "Đin", "Xiêng", "Nhót"]),
    Ethnicity.RO_MAM: (["A", "Y"], ["Sáu", "Hơn", "Bảy", "Thuôn", "Bên"]),
}
UNITS = ["Phòng Cảnh sát QLHC về TTXH", "Phòng Cảnh sát hình sự", "Công an huyện", "Phòng An ninh nội địa",
         "Trung đoàn Cảnh sát cơ động", "Phòng Tham mưu"]  # fmt: skip


def _name(rng: random.Random, ethnicity: str, gender: str) -> str:
    if ethnicity in MINORITY_NAMES:
        prefixes, given = MINORITY_NAMES[ethnicity]
        prefix = rng.choice(prefixes)
        if gender == Gender.FEMALE and prefix.startswith("A"):
            prefix = "Y" + prefix[1:]
        return f"{prefix} {rng.choice(given)}"
    family = rng.choice(KINH_FAMILY)
    if gender == Gender.FEMALE:
        return f"{family} {rng.choice(KINH_MIDDLE_FEMALE)} {rng.choice(KINH_GIVEN_FEMALE)}"
    return f"{family} {rng.choice(KINH_MIDDLE_MALE)} {rng.choice(KINH_GIVEN_MALE)}"


def _rank_for_age(rng: random.Random, age: int) -> int:
    base = min(Rank.THUONG_TA, max(Rank.HA_SI, (age - 20) // 3 + 1))
    return max(Rank.HA_SI, min(Rank.THUONG_TA, base + rng.choice([-1, 0, 0, 1])))


def demo_languages_apply() -> None:
    """Link each Kon Tum commune to the languages of its district's peoples (idempotent)."""
    languages = {language.code: language for language in Language.objects.all()}
    through = Language.communes.through
    communes = Commune.objects.filter(district__province_id=KON_TUM).values_list("code", "district_id")
    wanted = {
        (languages[code].pk, commune_code)
        for commune_code, district_code in communes
        for code in DISTRICT_LANGUAGES.get(district_code, [])
        if code in languages
    }
    existing = set(through.objects.values_list("language_id", "commune_id"))
    through.objects.bulk_create([through(language_id=lang, commune_id=code) for lang, code in wanted - existing])


@transaction.atomic
def demo_roster_create(*, decided_by, pilot_started_on: datetime.date, pilot_target_on: datetime.date) -> int:
    """Create the demo roster and the baseline assignments; returns the number of officers created. Officers
    posted since the pilot began start on a day from ``pilot_started_on`` to today or ``pilot_target_on``."""
    demo_languages_apply()
    if Officer.objects.filter(police_number__startswith=DEMO_PREFIX).exists():
        return 0
    rng = random.Random(KON_TUM)  # noqa: S311 - reproducible demo data, not security
    today = datetime.date(2026, 11, 1)
    languages = {language.code: language.pk for language in Language.objects.all()}
    districts = list(District.objects.filter(province_id=KON_TUM).order_by("code"))
    covered = list(
        Commune.objects.filter(district__province_id=KON_TUM)
        .exclude(coverage=Coverage.UNCOVERED)
        .select_related("district")
        .order_by("code")
    )
    # A chief and a deputy per covered commune, one or two officers more, the rest in the other statuses.
    postings = [
        (commune, post)
        for commune in covered
        for post in (Post.CHIEF, Post.DEPUTY, *[Post.OFFICER] * rng.choice([1, 2]))
    ]
    statuses = [OfficerStatus.DEPLOYED] * len(postings) + NON_DEPLOYED_STATUSES
    statuses += [OfficerStatus.CANDIDATE] * (ROSTER_SIZE - len(statuses))

    officers, officer_languages = [], []
    for index, status in enumerate(statuses):
        ethnicity = rng.choices(
            [Ethnicity.KINH, Ethnicity.XO_DANG, Ethnicity.BA_NA, Ethnicity.GIA_RAI, Ethnicity.GIE_TRIENG,
             Ethnicity.BRAU, Ethnicity.RO_MAM, Ethnicity.MUONG],
            weights=[45, 18, 12, 10, 7, 2, 2, 4],
        )[0]  # fmt: skip
        gender = Gender.FEMALE if rng.random() < 0.12 else Gender.MALE
        age = rng.randint(21, 52)
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        home = rng.choice(districts)
        district = postings[index][0].district if status == OfficerStatus.DEPLOYED else rng.choice([*districts, None])
        full_name = _name(rng, ethnicity, gender)
        officers.append(
            Officer(
                police_number=f"{DEMO_PREFIX}{index // 1000:02d}-{index % 1000:03d}",
                full_name=full_name,
                search_key=fold(full_name),
                sort_key=collation_key(full_name, person=True),
                birth_date=birth,
                gender=gender,
                ethnicity=ethnicity,
                rank=_rank_for_age(rng, age),
                current_unit=rng.choice(UNITS),
                province_id=KON_TUM,
                district=district,
                home_district=home,
                education=rng.choice(
                    [
                        Education.INTERMEDIATE,
                        Education.INTERMEDIATE,
                        Education.UNIVERSITY,
                        Education.COLLEGE,
                        Education.UPPER_SECONDARY,
                    ]
                ),
                political_theory=rng.choice(
                    [PoliticalTheory.ELEMENTARY, PoliticalTheory.INTERMEDIATE, PoliticalTheory.NONE]
                ),
                phone=f"09{rng.randint(10_000_000, 99_999_999)}",
                status=status,
            )  # fmt: skip
        )
        spoken = {"vi"}
        if ethnicity in ETHNICITY_LANGUAGE:
            spoken.add(ETHNICITY_LANGUAGE[ethnicity])
        if rng.random() < 0.35:
            spoken.add(rng.choice(DISTRICT_LANGUAGES[home.code]))
        officer_languages.append(spoken)
    officers = bulk_create_with_history(officers, Officer, batch_size=500, default_user=decided_by)
    officers = list(Officer.objects.filter(police_number__startswith=DEMO_PREFIX).order_by("police_number"))

    through = Officer.languages.through
    through.objects.bulk_create(
        [
            through(officer_id=officer.pk, language_id=languages[code])
            for officer, spoken in zip(officers, officer_languages, strict=True)
            for code in sorted(spoken)
        ]
    )
    vettings = [
        Vetting(officer=officer, criterion=criterion, passed=True, decided_by=decided_by,
                decided_on=today - datetime.timedelta(days=rng.randint(30, 400)))
        for officer in officers
        if officer.status != OfficerStatus.CANDIDATE
        for criterion in VettingCriterion.values
    ]  # fmt: skip
    for officer in officers[-20:]:  # some candidates are half-way through vetting
        if officer.status == OfficerStatus.CANDIDATE:
            vettings.append(
                Vetting(officer=officer, criterion=VettingCriterion.POLITICAL_QUALITY, passed=True,
                        decided_by=decided_by, decided_on=today)
            )  # fmt: skip
    bulk_create_with_history(vettings, Vetting, batch_size=1000, default_user=decided_by)

    assignments = []
    pilot_days = max((min(timezone.localdate(), pilot_target_on) - pilot_started_on).days, 0)
    for number, ((commune, post), officer) in enumerate(zip(postings, officers, strict=False), start=1):
        since = commune.baseline_covered_on or datetime.date(2020, 1, 1)
        if post == Post.OFFICER:  # posted since the pilot began
            since = max(since, pilot_started_on + datetime.timedelta(days=rng.randint(0, pilot_days)))
        assignments.append(
            Assignment(
                officer=officer,
                commune=commune,
                province_id=KON_TUM,
                post=post,
                decision_number=f"{number:03d}/QĐ-CAT-PX01",
                decision_date=since,
                started_on=since,
                created_by=decided_by,
            )
        )
    bulk_create_with_history(assignments, Assignment, batch_size=500, default_user=decided_by)
    coverage_recompute()
    figures_changed()  # assignments written in bulk, past the signals: every commune's stored state
    return len(officers)
