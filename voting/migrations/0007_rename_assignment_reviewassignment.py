"""The panel's Assignment is named ReviewAssignment: appeals has an
Assignment of its own (a unit's work order). Only the name changes. The
table stays voting_assignment (the conflict trigger of 0003/0005 is written
against it), so both operations are no-ops in the database; the content
type follows the rename (django.contrib.contenttypes does that for
RenameModel), and no row moves."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("voting", "0006_require_verified_phone"),
    ]

    operations = [
        # Pin the table name first, so the rename below leaves it alone.
        migrations.AlterModelTable(name="assignment", table="voting_assignment"),
        migrations.RenameModel(old_name="Assignment", new_name="ReviewAssignment"),
    ]
