"""The check that every commune's stored state is the one its sources give (``manage.py verify_progress``
reports 0), run after each test of the write-heavy modules (``tests/conftest.py``), or of every database test
with ``VERIFY_STATES=1``."""

from pathlib import Path

# The modules whose tests write through the services, the pages, the imports and the browser journeys: after each
# of their tests the stored states must match the sources. A test file renamed or removed fails
# tests/rollout/progress/test_states.py (every path here exists).
WRITE_HEAVY = (
    "tests/communes/test_imports.py",
    "tests/communes/test_views.py",
    "tests/e2e/test_assign_journeys.py",
    "tests/e2e/test_equipment_browser.py",
    "tests/e2e/test_import_journeys.py",
    "tests/e2e/test_journeys.py",
    "tests/e2e/test_live_figures_browser.py",
    "tests/e2e/test_training_journeys.py",
    "tests/equipment/test_imports.py",
    "tests/equipment/test_receipt.py",
    "tests/equipment/test_services.py",
    "tests/equipment/test_views.py",
    "tests/personnel/test_assignment_end.py",
    "tests/personnel/test_imports.py",
    "tests/personnel/test_races.py",
    "tests/personnel/test_services.py",
    "tests/personnel/test_views.py",
    "tests/rollout/plan/test_services.py",
    "tests/rollout/plan/test_views.py",
    "tests/rollout/progress/test_states.py",
    "tests/rollout/progress/test_states_races.py",
    "tests/rollout/test_staffing_norm.py",
    "tests/test_admin_doors.py",
    "tests/training/test_imports.py",
    "tests/training/test_services.py",
    "tests/training/test_views.py",
)
ROOT = Path(__file__).resolve().parents[2]


def is_write_heavy(path: Path) -> bool:
    try:
        return path.resolve().relative_to(ROOT).as_posix() in WRITE_HEAVY
    except ValueError:
        return False


def assert_states_kept(limit: int = 3) -> None:
    """Fail, naming the first communes, when a stored state differs from what its sources give today."""
    from rollout.progress.states import commune_states_differences

    count, first = commune_states_differences(limit=limit)
    assert count == 0, f"{count} commune state(s) differ from their sources (verify_progress): {first}"
