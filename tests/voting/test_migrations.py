"""Migrations of the voting app that rename or move things keep the data."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories
from voting.panel.models import ReviewAssignment

BEFORE_RENAME = ("voting", "0006_require_verified_phone")


@pytest.mark.django_db(transaction=True)
def test_review_assignments_and_their_content_type_survive_the_rename_from_assignment():
    kept = factories.ReviewAssignmentFactory()
    content_type = ContentType.objects.get_for_model(ReviewAssignment)
    try:
        call_command("migrate", *BEFORE_RENAME, verbosity=0)
        old = MigrationExecutor(connection).loader.project_state(BEFORE_RENAME).apps.get_model("voting", "Assignment")
        assert list(old.objects.values_list("pk", "case_id", "reviewer_id")) == [
            (kept.pk, kept.case_id, kept.reviewer_id)
        ]
        assert ContentType.objects.get(pk=content_type.pk).model == "assignment"
    finally:
        call_command("migrate", verbosity=0)
    assert list(ReviewAssignment.objects.values_list("pk", "case_id", "reviewer_id")) == [
        (kept.pk, kept.case_id, kept.reviewer_id)
    ]
    assert ContentType.objects.get(pk=content_type.pk).model == "reviewassignment"
