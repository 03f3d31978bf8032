"""Appeals filed by phone (hotline, Open311) belonged to whichever account
had typed the caller's number, verified or not: they now belong only to the
account that verified it, or to nobody until one does."""

from django.db import migrations

PHONE_MATCH = "u.phone_verified AND u.is_active AND u.phone IN (a.contact_phone, '+86' || a.contact_phone)"

DETACH = f"""
UPDATE appeals_appeal a SET resident_id = NULL
WHERE a.channel IN ('hotline', 'open311') AND a.resident_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM portal_user u WHERE u.id = a.resident_id AND {PHONE_MATCH})
"""

ATTACH = f"""
UPDATE appeals_appeal a SET resident_id = u.id FROM portal_user u
WHERE a.channel IN ('hotline', 'open311') AND a.resident_id IS NULL AND {PHONE_MATCH}
"""


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0010_contact_view_reason"),
        ("portal", "0004_verified_contacts_unique"),
    ]

    operations = [migrations.RunSQL([DETACH, ATTACH], reverse_sql=migrations.RunSQL.noop)]
