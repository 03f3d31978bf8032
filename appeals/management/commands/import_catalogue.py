"""The catalogue or the responsibility list from a file, for a first load or
a script: the dispatch centre's page's own two steps (appeals.services.catalogue_io),
run as the system. Without --apply it only previews."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from appeals.enums import CatalogueList
from appeals.exceptions import CatalogueImportError
from appeals.services import catalogue_io


class Command(BaseCommand):
    help = "Previews (and with --apply imports) the catalogue or the responsibility list from an .xlsx or .csv file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=CatalogueList.values)
        parser.add_argument("path", type=Path)
        parser.add_argument("--apply", action="store_true", help="write the change previewed")

    def handle(self, *args, kind: str, path: Path, apply: bool, **options):
        if not path.is_file():
            raise CommandError(f"No file at {path}")
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        try:
            preview = catalogue_io.preview_import(actor=None, kind=kind, upload=upload)
        except CatalogueImportError as refusal:
            for error in refusal.errors:
                self.stderr.write(f"line {error.line or '-'} {error.column}: {error.message}")
            raise CommandError(str(refusal.message)) from None
        plan = preview.plan
        for change in plan.changes:
            self.stdout.write(f"{change.action:<8} {change.key}")
        for warning in plan.warnings:
            self.stdout.write(f"warning: line {warning.line} {warning.column}: {warning.message}")
        self.stdout.write(f"added {plan.added}, changed {plan.changed}, removed {plan.removed}, unchanged {plan.unchanged}")
        if apply and preview.draft is not None:
            catalogue_io.apply_import(actor=None, preview_id=preview.draft.pk)
            self.stdout.write("applied")
