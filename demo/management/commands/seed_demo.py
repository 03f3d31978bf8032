"""Load the demo data: re-runnable, changes nothing that already exists."""

from django.core.management.base import BaseCommand

from demo import appeals as appeals_demo
from demo import cases as cases_demo
from demo import english as english_demo
from demo import portal as portal_demo
from demo import voting as voting_demo

# They run in this order because later ones build on earlier ones (voting
# seeds the finished 2020 edition with its panel, demo.panel, first); English
# names last, for every row the others made.
SEEDERS = [portal_demo, cases_demo, voting_demo, appeals_demo, english_demo]


class Command(BaseCommand):
    help = "Create demo units, accounts, a campaign and appeals (safe to run again)."

    def handle(self, *args, **options):
        for seeder in SEEDERS:
            seeder.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Accounts (password for all: %s):" % portal_demo.DEMO_PASSWORD))
        for line in portal_demo.account_lines():
            self.stdout.write(line)
        self.stdout.write(
            f"  Staff marked TOTP use the authenticator secret {portal_demo.DEMO_TOTP_SECRET}; "
            "`make totp` prints the current code."
        )
        self.stdout.write("  Residents sign in by one-time code: the codes appear in the console and in var/outbox.jsonl.")
