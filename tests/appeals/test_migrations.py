"""Migrations of the appeals app that rename things keep the data."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from appeals.models import ExtensionRequest, WorkOrder
from tests import factories

BEFORE_RENAME = ("appeals", "0012_moderation")


@pytest.mark.django_db(transaction=True)
def test_work_orders_what_points_to_them_and_their_content_type_survive_the_rename_from_assignment():
    kept = factories.WorkOrderFactory()
    extension = ExtensionRequest.objects.create(work_order=kept, requested_by=factories.UserFactory(),
                                                extra_working_days=2, reason="等待配件到货")
    content_type = ContentType.objects.get_for_model(WorkOrder)
    try:
        call_command("migrate", *BEFORE_RENAME, verbosity=0)
        old = MigrationExecutor(connection).loader.project_state(BEFORE_RENAME).apps
        assert list(old.get_model("appeals", "Assignment").objects.values_list("pk", "appeal_id", "unit_id")) == [
            (kept.pk, kept.appeal_id, kept.unit_id)
        ]
        assert list(old.get_model("appeals", "ExtensionRequest").objects.values_list("pk", "assignment_id")) == [
            (extension.pk, kept.pk)
        ]
        assert ContentType.objects.get(pk=content_type.pk).model == "assignment"
    finally:
        call_command("migrate", verbosity=0)
    assert list(WorkOrder.objects.values_list("pk", "appeal_id", "unit_id")) == [(kept.pk, kept.appeal_id, kept.unit_id)]
    assert list(kept.extensions.values_list("pk", flat=True)) == [extension.pk]
    assert ContentType.objects.get(pk=content_type.pk).model == "workorder"
