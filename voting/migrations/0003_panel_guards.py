"""Database-side guards of the expert panel, so that no path (admin, shell,
a future bug) can break them: conflicts of interest in assignments, criteria
frozen after the first submitted review, submitted marks locked, published
results frozen."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION voting_assignment_no_conflict() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM portal_membership m JOIN cases_caseentry e ON e.unit_id = m.unit_id
        WHERE e.id = NEW.case_id AND m.user_id = NEW.reviewer_id AND m.role = 'reviewer'
    ) THEN
        RAISE EXCEPTION 'conflict of interest: reviewer % is affiliated with the unit of case %',
            NEW.reviewer_id, NEW.case_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER voting_assignment_no_conflict BEFORE INSERT OR UPDATE ON voting_assignment
    FOR EACH ROW EXECUTE FUNCTION voting_assignment_no_conflict();

CREATE FUNCTION voting_criterion_frozen() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM voting_panelevent WHERE campaign_id = NEW.campaign_id AND action = 'review_submitted'
    ) THEN
        RAISE EXCEPTION 'criteria of campaign % are frozen: a review has been submitted', NEW.campaign_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER voting_criterion_frozen BEFORE INSERT OR UPDATE ON voting_criterion
    FOR EACH ROW EXECUTE FUNCTION voting_criterion_frozen();

CREATE FUNCTION voting_mark_locked() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM voting_review WHERE id = NEW.review_id AND state = 'submitted') THEN
        RAISE EXCEPTION 'review % is submitted: its marks are locked', NEW.review_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER voting_mark_locked BEFORE INSERT OR UPDATE ON voting_mark
    FOR EACH ROW EXECUTE FUNCTION voting_mark_locked();

CREATE FUNCTION voting_result_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published results are frozen; publish a correction instead'
        USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER voting_result_frozen BEFORE UPDATE OR DELETE ON voting_resultversion
    FOR EACH ROW EXECUTE FUNCTION voting_result_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS voting_result_frozen ON voting_resultversion;
DROP FUNCTION IF EXISTS voting_result_frozen();
DROP TRIGGER IF EXISTS voting_mark_locked ON voting_mark;
DROP FUNCTION IF EXISTS voting_mark_locked();
DROP TRIGGER IF EXISTS voting_criterion_frozen ON voting_criterion;
DROP FUNCTION IF EXISTS voting_criterion_frozen();
DROP TRIGGER IF EXISTS voting_assignment_no_conflict ON voting_assignment;
DROP FUNCTION IF EXISTS voting_assignment_no_conflict();
"""


class Migration(migrations.Migration):
    dependencies = [("voting", "0002_panel")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
