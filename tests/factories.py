import factory
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Văn"
    last_name = "Nguyễn"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


def user_with_role(role: Role | None, **kwargs) -> User:
    """A user holding ``role`` (None: signed in, but with no role at all)."""
    name = (role.name.lower() if role else "norole") + "_" + kwargs.pop("suffix", "user")
    return UserFactory(username=name, role=role.value if role else None, **kwargs)


class OfficerFactory(factory.django.DjangoModelFactory):
    """An officer of Kon Tum (load the divisions first), 30 years old, Thượng úy, a candidate."""

    class Meta:
        model = "personnel.Officer"

    police_number = factory.Sequence(lambda n: f"{100 + n // 1000:03d}-{n % 1000:03d}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    birth_date = factory.LazyFunction(lambda: _years_ago(30))
    gender = "male"
    ethnicity = "kinh"
    rank = 6  # Thượng úy
    current_unit = "Phòng Cảnh sát QLHC về TTXH"
    province_id = 62
    district_id = None
    education = "university"
    political_theory = "intermediate"
    phone = "0912345678"
    status = "candidate"


def _years_ago(years: int):
    import datetime

    from django.utils import timezone

    from personnel.ages import years_before

    return years_before(timezone.localdate(), years) - datetime.timedelta(days=10)


def vet_fully(officer, user):
    """Record every vetting criterion as passed (the officer becomes vetted)."""
    from personnel.choices import VettingCriterion
    from personnel.services import VettingDecision, vetting_record

    return vetting_record(
        officer=officer,
        decisions=[VettingDecision(criterion=c, passed=True) for c in VettingCriterion.values],
        decided_by=user,
    )


def _days_from_today(days: int):
    import datetime

    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=days)


class CourseFactory(factory.django.DjangoModelFactory):
    """A mandatory, active course that never expires."""

    class Meta:
        model = "training.Course"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"MH-{n:02d}")
    title_vi = factory.Sequence(lambda n: f"Môn học {n}")
    title_en = factory.Sequence(lambda n: f"Course {n}")
    subject_area = "commune_police_duties"
    hours = 40
    is_mandatory = True
    validity_months = 0


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    """A class of Kon Tum that ran from five days ago until yesterday."""

    class Meta:
        model = "training.TrainingSession"

    course = factory.SubFactory(CourseFactory)
    province_id = 62
    starts_on = factory.LazyFunction(lambda: _days_from_today(-5))
    ends_on = factory.LazyFunction(lambda: _days_from_today(-1))
    place = "Trường Chính trị tỉnh Kon Tum"
    instructor = "Nguyễn Văn Giảng"
    capacity = 30
    created_by = factory.SubFactory(UserFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An officer's seat in a class, with no result yet (``attended=True, passed=True`` for a pass); the course
    and dates are the class's, as the service copies them."""

    class Meta:
        model = "training.Enrollment"

    session = factory.SubFactory(TrainingSessionFactory)
    officer = factory.SubFactory(OfficerFactory)
    course = factory.SelfAttribute("session.course")
    starts_on = factory.SelfAttribute("session.starts_on")
    ends_on = factory.SelfAttribute("session.ends_on")
    enrolled_by = factory.SelfAttribute("session.created_by")
