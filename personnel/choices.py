"""Enumerations of the personnel domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rank(models.IntegerChoices):
    """People's Public Security ranks (cấp bậc hàm), in order, from Hạ sĩ upwards."""

    HA_SI = 1, _("Corporal (Hạ sĩ)")
    TRUNG_SI = 2, _("Sergeant (Trung sĩ)")
    THUONG_SI = 3, _("Senior sergeant (Thượng sĩ)")
    THIEU_UY = 4, _("Second lieutenant (Thiếu úy)")
    TRUNG_UY = 5, _("First lieutenant (Trung úy)")
    THUONG_UY = 6, _("Senior lieutenant (Thượng úy)")
    DAI_UY = 7, _("Captain (Đại úy)")
    THIEU_TA = 8, _("Major (Thiếu tá)")
    TRUNG_TA = 9, _("Lieutenant colonel (Trung tá)")
    THUONG_TA = 10, _("Senior lieutenant colonel (Thượng tá)")
    DAI_TA = 11, _("Colonel (Đại tá)")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Ethnicity(models.TextChoices):
    """Ethnic groups of Kon Tum first, then other groups common among officers."""

    KINH = "kinh", _("Kinh")
    XO_DANG = "xo_dang", _("Xơ Đăng")
    BA_NA = "ba_na", _("Ba Na")
    GIA_RAI = "gia_rai", _("Gia Rai")
    GIE_TRIENG = "gie_trieng", _("Giẻ Triêng")
    BRAU = "brau", _("Brâu")
    RO_MAM = "ro_mam", _("Rơ Măm")
    MUONG = "muong", _("Mường")
    TAY = "tay", _("Tày")
    THAI = "thai", _("Thái")
    NUNG = "nung", _("Nùng")
    OTHER = "other", _("Other")


class Education(models.TextChoices):
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
    INTERMEDIATE = "intermediate", _("Intermediate (trung cấp)")
    COLLEGE = "college", _("College (cao đẳng)")
    UNIVERSITY = "university", _("University (đại học)")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class PoliticalTheory(models.TextChoices):
    NONE = "none", _("None")
    ELEMENTARY = "elementary", _("Elementary (sơ cấp)")
    INTERMEDIATE = "intermediate", _("Intermediate (trung cấp)")
    ADVANCED = "advanced", _("Advanced (cao cấp)")


class OfficerStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    VETTED = "vetted", _("Vetted")
    IN_TRAINING = "in_training", _("In training")
    READY = "ready", _("Ready")
    DEPLOYED = "deployed", _("Deployed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The pipeline: which status may follow which. Deployment and return happen through assignments.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    OfficerStatus.CANDIDATE: {OfficerStatus.VETTED, OfficerStatus.WITHDRAWN},
    OfficerStatus.VETTED: {
        OfficerStatus.IN_TRAINING,
        OfficerStatus.READY,
        OfficerStatus.DEPLOYED,
        OfficerStatus.CANDIDATE,
        OfficerStatus.WITHDRAWN,
    },
    OfficerStatus.IN_TRAINING: {
        OfficerStatus.READY,
        OfficerStatus.VETTED,
        OfficerStatus.CANDIDATE,
        OfficerStatus.DEPLOYED,
        OfficerStatus.WITHDRAWN,
    },
    OfficerStatus.READY: {
        OfficerStatus.DEPLOYED,
        OfficerStatus.IN_TRAINING,
        OfficerStatus.CANDIDATE,
        OfficerStatus.WITHDRAWN,
    },
    # Back from a post to where the training leaves the officer (vetted when never trained), or withdrawn.
    OfficerStatus.DEPLOYED: {
        OfficerStatus.READY,
        OfficerStatus.IN_TRAINING,
        OfficerStatus.VETTED,
        OfficerStatus.WITHDRAWN,
    },
    OfficerStatus.WITHDRAWN: {OfficerStatus.CANDIDATE},
}

# Officers who may be given a post.
ASSIGNABLE_STATUSES = (OfficerStatus.VETTED, OfficerStatus.IN_TRAINING, OfficerStatus.READY)


class VettingCriterion(models.TextChoices):
    """The selection criteria of the plan: quality, capacity, age, health, background."""

    POLITICAL_QUALITY = "political_quality", _("Political quality")
    PROFESSIONAL_CAPACITY = "professional_capacity", _("Professional capacity")
    AGE = "age", _("Age")
    HEALTH = "health", _("Health")
    BACKGROUND = "background", _("Background check")


class Post(models.TextChoices):
    CHIEF = "chief", _("Chief (Trưởng Công an xã)")
    DEPUTY = "deputy", _("Deputy chief (Phó Trưởng Công an xã)")
    OFFICER = "officer", _("Officer")


class AssignmentEndReason(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    OTHER = "other", _("Other")


class AssignmentEndMode(models.TextChoices):
    """How a post is left when its assignment ends (a choice of the end page, not stored)."""

    RECALL = "recall", _("Recall: the officer leaves the post, nobody takes it yet")
    HAND_OVER = "hand_over", _("Hand over to a successor: the same post from the same day, with the equipment")
