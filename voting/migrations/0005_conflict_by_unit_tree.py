"""Conflict of interest by rule in the database too (issue 14): the trigger
on assignments refuses a reviewer who belongs to the case's unit by any
membership (unit staff or a declared affiliation), or to its parent or one
of its child units — the same rule as portal.selectors.conflicted_units."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION voting_assignment_no_conflict() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1
        FROM cases_caseentry e
        JOIN portal_unit cu ON cu.id = e.unit_id
        JOIN portal_membership m ON m.user_id = NEW.reviewer_id AND m.unit_id IS NOT NULL
        JOIN portal_unit mu ON mu.id = m.unit_id
        WHERE e.id = NEW.case_id
          AND (m.unit_id = e.unit_id OR mu.parent_id = e.unit_id OR cu.parent_id = m.unit_id)
    ) THEN
        RAISE EXCEPTION 'conflict of interest: reviewer % belongs to the unit of case %, its parent or a child unit',
            NEW.reviewer_id, NEW.case_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION voting_assignment_no_conflict() RETURNS trigger AS $$
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
"""


class Migration(migrations.Migration):
    dependencies = [("voting", "0004_vote_race_guard")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
