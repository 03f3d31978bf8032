"""The one-statement vote (voting/services.py) aborts itself through this
function when a concurrent request of the same voter took the last vote of
the day (or stored the same idempotency key) between its snapshot and its
write: raising undoes every part of the statement, and the service retries
it against the committed state."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION voting_vote_race(what text) RETURNS text AS $$
BEGIN
    RAISE EXCEPTION 'vote race: %', what USING ERRCODE = 'VR001';
END $$ LANGUAGE plpgsql VOLATILE;
"""

BACKWARD = "DROP FUNCTION voting_vote_race(text);"


class Migration(migrations.Migration):
    dependencies = [("voting", "0003_panel_guards")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
