"""What communes read from the apps above them. Those apps register their readers from their
``AppConfig.ready``, so that communes follows them without importing them (imports go one way:
the import-linter contracts in ``pyproject.toml``):

- personnel: when a commune is held under the pilot (an active chief's assignment), for the stored coverage;
- personnel: the posts of a commune, on the commune's page (``commune_page``).
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Expression

from rollout.core.sections import PageSections

_pilot_holding: Callable[[], Expression] | None = None


def register_pilot_holding(condition: Callable[[], Expression]) -> None:
    """``condition()`` is a boolean expression on a ``Commune`` queryset (correlated with ``OuterRef("pk")``):
    the commune is held under the pilot now. Personnel registers it (``personnel.apps``)."""
    global _pilot_holding
    _pilot_holding = condition


def pilot_holding() -> Expression:
    if _pilot_holding is None:
        raise ImproperlyConfigured("No app registered when a commune is held under the pilot (personnel does).")
    return _pilot_holding()


# The commune's page: personnel shows its posts ("assignments", the commune's assignments, current and past).
commune_page = PageSections("commune")
