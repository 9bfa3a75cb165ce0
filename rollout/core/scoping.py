"""What a user may see and change: one scope per user, one declaration per scoped model.

A user's ``Scope`` is the whole country (the Steering Committee, administrators), one province (a provincial
clerk), one district of a province (a district clerk), or nothing (anyone else, and anonymous users). Which role
gives which scope is the accounts app's rule: it registers it here with ``register_scope_resolver`` (this
package imports no domain code).

Each scoped model declares once where its rows sit in the country: ``scoped_by = ScopedBy(province=...,
district=...)``, the ORM paths to the province code and to the district code. From that one declaration come the
reads (``ScopedQuerySet.visible_to`` and ``sees``) and the services' write check (``check_writable``), as
NetBox's ``RestrictedQuerySet.restrict`` does. Nothing else branches on a user's scope.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

OUTSIDE_PROVINCE = _("This is outside your province.")
OUTSIDE_DISTRICT = _("This is outside your district.")
NO_AREA = _("You have no area of responsibility.")


@dataclass(frozen=True)
class Scope:
    """What part of the country a user's data access covers: ``everything``, a province (``province_code``), or a
    district of it (``province_code`` and ``district_code``); none of them is nothing."""

    everything: bool = False
    province_code: int | None = None
    district_code: int | None = None

    @classmethod
    def of(cls, user) -> "Scope":
        """The scope of ``user`` by the registered rule; nothing for anonymous users (and ``None``), and for
        everyone while no rule is registered."""
        if user is None or not user.is_authenticated or _resolver is None:
            return cls()
        return _resolver(user)

    @property
    def is_empty(self) -> bool:
        return not self.everything and self.province_code is None

    @property
    def is_district(self) -> bool:
        return self.district_code is not None


_resolver: Callable[[Any], Scope] | None = None


def register_scope_resolver(resolver: Callable[[Any], Scope]) -> None:
    """Install the rule giving a signed-in user their ``Scope`` (the accounts app's roles, from its ``ready()``).
    A later registration replaces the earlier one."""
    global _resolver
    _resolver = resolver


class OutsideScope(PermissionDenied):
    """A write refused because its object lies outside the user's area. ``level`` says what the object is outside
    of: ``"area"`` (the user has none), ``"province"`` or ``"district"``."""

    def __init__(self, message, *, level: str):
        super().__init__(str(message))
        self.level = level


def _value(obj, path: str):
    """The value at the ORM ``path`` (``"commune__district_id"``) from ``obj``; None past an empty relation."""
    for name in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


@dataclass(frozen=True)
class ScopedBy:
    """Where a model's rows sit in the country: ``province`` and ``district`` are the ORM paths from the model to
    the province code and to the district code.

    - ``district`` None: a provincial object (a plan, a class); a district clerk reads it, and unless
      ``district_refusal`` is set changes it, at the level of their province.
    - ``district_refusal``: the message refusing district clerks any change (the plan is managed by the province).
    - ``whole_province_when_no_district``: a row without a district belongs to its whole province (the provincial
      warehouse): its district clerks see and use it. Otherwise such a row (an officer of a provincial unit) is in
      no district clerk's area.
    - ``national_when_no_province``: a row without a province is national (a national report): every user with an
      area reads it; only who sees everything changes it.
    - ``province_refusal``: the message refusing an object of another province, when the model has its own.
    """

    province: str
    district: str | None = None
    district_refusal: str | None = None
    whole_province_when_no_district: bool = False
    national_when_no_province: bool = False
    province_refusal: str = OUTSIDE_PROVINCE

    def rows_of(self, scope: Scope) -> Q:
        """The rows in ``scope``, which is a province's or a district's (not everything, not empty)."""
        in_province = Q(**{self.province: scope.province_code})
        if self.national_when_no_province:
            in_province |= Q(**{f"{self.province}__isnull": True})
        if not scope.is_district or self.district is None:
            return in_province
        in_district = Q(**{self.district: scope.district_code})
        if self.whole_province_when_no_district:
            in_district |= Q(**{f"{self.district}__isnull": True, self.province: scope.province_code})
        if self.national_when_no_province:
            in_district |= Q(**{f"{self.province}__isnull": True})
        return in_district

    def refusal(self, scope: Scope, obj, *, writing: bool) -> OutsideScope | None:
        """Why ``scope`` may not read (or, ``writing``, change) ``obj``; None when it may. The same rule as
        ``rows_of``, on one object (saved or not)."""
        if scope.everything:
            return None
        if scope.is_empty:
            return OutsideScope(NO_AREA, level="area")
        if writing and scope.is_district and self.district_refusal:
            return OutsideScope(self.district_refusal, level="district")
        province = _value(obj, self.province)
        if province is None and self.national_when_no_province:
            return OutsideScope(self.province_refusal, level="province") if writing else None
        if province != scope.province_code:
            return OutsideScope(self.province_refusal, level="province")
        if not scope.is_district or self.district is None:
            return None
        district = _value(obj, self.district)
        if district is None and self.whole_province_when_no_district:
            return None
        if district != scope.district_code:
            return OutsideScope(OUTSIDE_DISTRICT, level="district")
        return None


class ScopedQuerySet(models.QuerySet):
    """The queryset of a model that declares ``scoped_by``: ``visible_to(user)`` keeps the rows of the user's
    area. An app's queryset subclasses it and adds its own methods."""

    def visible_to(self, user):
        """The rows ``user`` may see: all for who sees everything, those of their province or district for
        clerks, none for anyone else."""
        scope = Scope.of(user)
        if scope.everything:
            return self
        if scope.is_empty:
            return self.none()
        return self.filter(self.model.scoped_by.rows_of(scope))


def check_writable(user, obj) -> None:
    """Refuse (``OutsideScope``, a ``PermissionDenied`` with the reason) a change to ``obj`` outside the user's
    area. The views already hide such objects; this guards every door. ``user`` None is the system itself (demo
    data, scheduled tasks), which may write anywhere."""
    if user is None:
        return
    refusal = type(obj).scoped_by.refusal(Scope.of(user), obj, writing=True)
    if refusal is not None:
        raise refusal


def check_visible(user, obj) -> None:
    """Refuse (``OutsideScope``) an action that only reads ``obj`` but must be refused outside the user's area
    (asking for a report of an area); ``user`` None is the system itself."""
    if user is None:
        return
    refusal = type(obj).scoped_by.refusal(Scope.of(user), obj, writing=False)
    if refusal is not None:
        raise refusal


def is_writable(user, obj) -> bool:
    """Whether ``check_writable`` lets ``user`` change ``obj``."""
    return user is None or type(obj).scoped_by.refusal(Scope.of(user), obj, writing=True) is None


def sees(user, obj) -> bool:
    """Whether ``obj`` is among the rows ``visible_to(user)`` returns, without a query (for objects already
    loaded)."""
    return type(obj).scoped_by.refusal(Scope.of(user), obj, writing=False) is None


def sees_everything(user) -> bool:
    """Whether ``user`` sees the whole country (and so may choose it, as on the dashboard)."""
    return Scope.of(user).everything


def sees_one_district(user) -> bool:
    """Whether ``user``'s area is one district (a district clerk): narrower than the province that provincial
    objects, trends and forecasts are about."""
    return Scope.of(user).is_district
