from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION appeals_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'appeals_appealevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER appeals_event_no_update_delete
    BEFORE UPDATE OR DELETE ON appeals_appealevent
    FOR EACH ROW EXECUTE FUNCTION appeals_event_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS appeals_event_no_update_delete ON appeals_appealevent;
DROP FUNCTION IF EXISTS appeals_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [
        # Tracking numbers (DG-2026-000123) come from one sequence: no read-then-write race.
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS appeals_tracking_seq START 1",
            "DROP SEQUENCE IF EXISTS appeals_tracking_seq",
        ),
        # The timeline is append-only in the database, not only in the model.
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
