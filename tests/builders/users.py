"""The users most tests sign in as: one per role, scoped as the demo users are."""

from accounts.models import User
from accounts.roles import Role
from communes.models import District, Province
from tests.builders.divisions import DEMO_DISTRICT
from tests.factories import user_with_role


def users_by_role(*, province: Province) -> dict[str, User]:
    """One user per role (and one without a role): the district clerk's district is Đắk Glei."""
    district = District.objects.get(code=DEMO_DISTRICT)
    return {
        "committee": user_with_role(Role.COMMITTEE),
        "provincial_clerk": user_with_role(Role.PROVINCIAL_CLERK, province=province),
        "district_clerk": user_with_role(Role.DISTRICT_CLERK, province=province, district=district),
        "administrator": user_with_role(Role.ADMINISTRATOR, is_staff=True),
        "no_role": user_with_role(None),
    }
