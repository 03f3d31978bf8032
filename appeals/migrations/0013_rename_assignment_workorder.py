"""Assignment (a unit's part of an appeal) is named WorkOrder, so it cannot
be confused with the panel's ReviewAssignment; the foreign keys that point
to it are named work_order, and its reverse names work_orders.

Only names change, in Django's state: the table stays appeals_assignment
(the demo's bulk COPY and the escalation sweep's INSERT write it) and the
columns stay assignment_id, so nothing runs in the database but the rename
of the content type (which Django does only for a RenameModel outside
SeparateDatabaseAndState). No row moves."""

import django.db.models.deletion
from django.contrib.contenttypes.management import RenameContentType
from django.db import migrations, models
from django.db.models import Q

RENAME_CONTENT_TYPE = RenameContentType("appeals", "assignment", "workorder")

PENDING = "pending"


def _pointer(**options):
    return models.ForeignKey(to="appeals.workorder", db_column="assignment_id", **options)


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0012_moderation"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # Pin the table first, so the rename leaves it alone.
                migrations.AlterModelTable(name="assignment", table="appeals_assignment"),
                migrations.RenameModel(old_name="Assignment", new_name="WorkOrder"),
                migrations.AlterField(
                    model_name="workorder", name="appeal",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="work_orders",
                                            to="appeals.appeal", verbose_name="诉求"),
                ),
                migrations.AlterField(
                    model_name="workorder", name="unit",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="appeal_work_orders",
                                            to="portal.unit", verbose_name="单位"),
                ),
                # Constraints name their fields: dropped and added again in the state only (same SQL).
                migrations.RemoveConstraint(model_name="escalation", name="appeals_escalation_once"),
                migrations.RemoveConstraint(model_name="extensionrequest", name="appeals_extension_one_pending"),
                migrations.RenameField(model_name="appealevent", old_name="assignment", new_name="work_order"),
                migrations.AlterField(
                    model_name="appealevent", name="work_order",
                    field=_pointer(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="events"),
                ),
                migrations.RenameField(model_name="escalation", old_name="assignment", new_name="work_order"),
                migrations.AlterField(
                    model_name="escalation", name="work_order",
                    field=_pointer(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="escalations"),
                ),
                migrations.RenameField(model_name="extensionrequest", old_name="assignment", new_name="work_order"),
                migrations.AlterField(
                    model_name="extensionrequest", name="work_order",
                    field=_pointer(on_delete=django.db.models.deletion.CASCADE, related_name="extensions"),
                ),
                migrations.RenameField(model_name="reply", old_name="assignment", new_name="work_order"),
                migrations.AlterField(
                    model_name="reply", name="work_order",
                    field=_pointer(on_delete=django.db.models.deletion.PROTECT, related_name="replies"),
                ),
                migrations.AddConstraint(
                    model_name="escalation",
                    constraint=models.UniqueConstraint(
                        fields=("appeal", "work_order", "kind", "recipient", "deadline"), name="appeals_escalation_once",
                        nulls_distinct=False,
                    ),
                ),
                migrations.AddConstraint(
                    model_name="extensionrequest",
                    constraint=models.UniqueConstraint(
                        condition=Q(state=PENDING), fields=("work_order",), name="appeals_extension_one_pending",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(RENAME_CONTENT_TYPE.rename_forward, RENAME_CONTENT_TYPE.rename_backward),
    ]
