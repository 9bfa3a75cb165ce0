from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person signing in. The role is a group (see ``accounts.roles``); the unit limits what a clerk sees."""

    province = models.ForeignKey(
        "communes.Province",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a provincial clerk: the province whose data they manage."),
    )
    district = models.ForeignKey(
        "communes.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a district clerk: the district whose data they manage."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(province__isnull=False),
                name="%(app_label)s_%(class)s_district_within_province",
                violation_error_message=_("A district clerk's province must be set too."),
            )
        ]

    def get_full_name(self):
        """Vietnamese order: family name first ("Nguyễn Văn An")."""
        return f"{self.last_name} {self.first_name}".strip()

    def clean(self):
        super().clean()
        if self.district_id and self.province_id and self.district.province_id != self.province_id:
            raise ValidationError({"district": _("This district is not in the chosen province.")})
