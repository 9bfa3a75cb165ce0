"""The demo users of the design, one per role, sharing the password in ``DEMO_PASSWORD``."""

import os

from django.contrib.auth.models import Group
from django.db import transaction

from communes.models import District, Province
from communes.services import KON_TUM

from .models import User
from .roles import Role

DEFAULT_DEMO_PASSWORD = "KonTum@2026"  # noqa: S105 - printed on start; demo only
DEMO_DISTRICT = 610  # Huyện Đắk Glei: border district with many uncovered communes


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@transaction.atomic
def demo_users_create() -> list[User]:
    """Create or reset ``admin``, ``clerk``, ``district_clerk`` and ``committee`` (idempotent)."""
    province = Province.objects.get(code=KON_TUM)
    district = District.objects.get(code=DEMO_DISTRICT)
    specs = [
        ("admin", Role.ADMINISTRATOR, "Quản trị", "Hệ thống", None, None),
        ("clerk", Role.PROVINCIAL_CLERK, "Nguyễn Văn", "An", province, None),
        ("district_clerk", Role.DISTRICT_CLERK, "A", "Thút", province, district),
        ("committee", Role.COMMITTEE, "Trần Thị", "Bình", None, None),
    ]
    users = []
    for username, role, last_name, first_name, user_province, user_district in specs:
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@demo.invalid",
                "province": user_province,
                "district": user_district,
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
                "is_active": True,
            },
        )
        user.set_password(demo_password())
        user.save(update_fields=["password"])
        user.groups.set([Group.objects.get(name=role)])
        users.append(user)
    return users
