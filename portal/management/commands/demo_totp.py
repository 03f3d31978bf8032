"""Print the current TOTP code of the demo staff accounts (development only)."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.management.base import BaseCommand

from portal.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current one-time code for the demo staff's TOTP secret."

    def handle(self, *args, **options):
        counters = list(yield_hotp_counters_from_time())
        current = counters[len(counters) // 2]
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, current)))
