"""Print the current TOTP code of the demo staff accounts (development only)."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.management.base import BaseCommand

from demo.portal import DEMO_ACCOUNTS, DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current one-time code of every demo staff account (they share one TOTP secret)."

    def handle(self, *args, **options):
        counters = list(yield_hotp_counters_from_time())
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counters[len(counters) // 2]))
        for account in DEMO_ACCOUNTS:
            if account.totp:
                self.stdout.write(f"{code}  {account.email}")
