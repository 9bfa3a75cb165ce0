"""The pilot plan. It starts with the eligibility rules for assignments; phases, committee, tasks, snapshots and
reports join it with the Steering Committee issue."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from personnel.choices import Rank


class PilotPlan(models.Model):
    """One plan per province: dates, default staffing norm and the eligibility rules of the selection."""

    province = models.OneToOneField(
        "communes.Province", verbose_name=_("province"), on_delete=models.PROTECT, related_name="pilot_plan"
    )
    name = models.CharField(_("name"), max_length=200)
    started_on = models.DateField(_("start date"))
    target_on = models.DateField(_("target date"))
    default_staffing_norm = models.PositiveSmallIntegerField(
        _("default staffing norm"), default=settings.DEFAULT_STAFFING_NORM
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=22)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), default=45)
    min_rank = models.PositiveSmallIntegerField(_("minimum rank"), choices=Rank.choices, default=Rank.TRUNG_SI)
    requires_vetting = models.BooleanField(
        _("vetting required"), default=True, help_text=_("Only officers who passed every vetting criterion.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("pilot plan")
        verbose_name_plural = _("pilot plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_on__gte=F("started_on")),
                name="%(app_label)s_%(class)s_target_after_start",
                violation_error_message=_("The target date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(max_age__gte=F("min_age")),
                name="%(app_label)s_%(class)s_age_range",
                violation_error_message=_("The maximum age cannot be below the minimum age."),
            ),
            models.CheckConstraint(
                condition=Q(default_staffing_norm__gte=1),
                name="%(app_label)s_%(class)s_staffing_norm_positive",
                violation_error_message=_("The staffing norm is at least one officer."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.min_age is not None and not 18 <= self.min_age <= 65:
            raise ValidationError({"min_age": _("An age limit lies between 18 and 65.")})
        if self.max_age is not None and not 18 <= self.max_age <= 65:
            raise ValidationError({"max_age": _("An age limit lies between 18 and 65.")})
