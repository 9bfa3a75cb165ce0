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


class ExportRecord(models.Model):
    """One download of a list that names people (officers): who, when, what, how many rows, and whether the
    personal identifiers (police number, birth date, phone) were in it unmasked."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="export_records")
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    what = models.CharField(_("what"), max_length=200)
    file_name = models.CharField(_("file"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"))
    identifiers_shown = models.BooleanField(_("identifiers unmasked"))
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("export of personal data")
        verbose_name_plural = _("exports of personal data")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} — {self.what} ({self.created_at:%d/%m/%Y %H:%M})"
