"""Every model of the project's apps has a factory in ``tests/factories.py`` that builds a valid row."""

import pytest
from django.apps import apps

from tests import factories

PROJECT_APPS = ("accounts", "communes", "personnel", "training", "equipment", "rollout")

FACTORIES = [
    factories.UserFactory,
    factories.ExportRecordFactory,
    factories.ApiTokenFactory,
    factories.ProvinceFactory,
    factories.DistrictFactory,
    factories.CommuneFactory,
    factories.KonTumCommuneFactory,
    factories.LanguageFactory,
    factories.OfficerFactory,
    factories.VettingFactory,
    factories.AssignmentFactory,
    factories.CourseFactory,
    factories.TrainingSessionFactory,
    factories.EnrollmentFactory,
    factories.PriorTrainingFactory,
    factories.EquipmentTypeFactory,
    factories.AllocationStandardFactory,
    factories.WarehouseFactory,
    factories.EquipmentItemFactory,
    factories.StockLevelFactory,
    factories.IssuanceFactory,
    factories.HandoverFactory,
    factories.PilotPlanFactory,
    factories.PhaseFactory,
    factories.CommitteeMemberFactory,
    factories.TaskFactory,
    factories.ProgressSnapshotFactory,
    factories.ReportFactory,
    factories.OutboxMessageFactory,
    factories.ImportJobFactory,
    factories.CommuneStateFactory,
    factories.DeploymentPlanFactory,
    factories.DeploymentRowFactory,
    factories.NotificationPreferenceFactory,
    factories.DigestFactory,
    factories.NotificationFactory,
    factories.ReportSubscriptionFactory,
    factories.ReportDeliveryFactory,
]


def _models_with_history():
    return {model.instance_type for model in apps.get_models() if hasattr(model, "instance_type")}


def test_every_model_of_the_project_has_a_factory():
    models = {
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not hasattr(model, "instance_type")  # history: written by saves
    }
    assert models - {factory._meta.model for factory in FACTORIES} == set()


@pytest.mark.django_db
@pytest.mark.parametrize("factory", FACTORIES, ids=lambda factory: factory.__name__)
def test_the_factory_builds_a_valid_row_that_saves(kon_tum, factory):
    row = factory()
    stored = type(row).objects.get(pk=row.pk)
    stored.full_clean()
    stored.save()
    if type(row) in _models_with_history():
        assert stored.history.count() >= 2  # each save left its history row  # the save left its history row


@pytest.mark.django_db
def test_two_rows_of_each_factory_do_not_collide(kon_tum):
    for factory in FACTORIES:
        first, second = factory(), factory()
        assert first.pk != second.pk, factory.__name__
