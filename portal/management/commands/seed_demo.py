"""Load the demo data: re-runnable, changes nothing that already exists."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand

from portal import demo

# Each app that has demo data exposes `<app>.demo.seed(stdout=...)`; they run in
# this order because later ones build on earlier ones.
SEEDERS = ["portal", "cases", "voting", "appeals"]


class Command(BaseCommand):
    help = "Create demo units, accounts, a campaign and appeals (safe to run again)."

    def handle(self, *args, **options):
        for app_label in SEEDERS:
            if not apps.is_installed(app_label):
                continue
            try:
                module = import_module(f"{app_label}.demo")
            except ModuleNotFoundError:
                continue
            module.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Accounts (password for all: %s):" % demo.DEMO_PASSWORD))
        for line in demo.account_lines():
            self.stdout.write(line)
        self.stdout.write(
            f"  Staff marked TOTP use the authenticator secret {demo.DEMO_TOTP_SECRET}; "
            "`make totp` prints the current code."
        )
        self.stdout.write("  Residents sign in by one-time code: the codes appear in the console and in var/outbox.jsonl.")
