"""`make backup`: the database and the uploaded files into one archive."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import backups


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the media files, with a manifest, into one archive."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=os.environ.get("BACKUP_DIR") or str(Path(settings.VAR_DIR) / "backups"),
                            help="folder for the archive (BACKUP_DIR; default var/backups)")

    def handle(self, *args, **options):
        try:
            archive = backups.create_backup(directory=Path(options["dir"]))
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = backups.read_manifest(archive)
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(f"backup: {archive} ({archive.stat().st_size:,} bytes; {len(manifest['row_counts'])} tables, "
                          f"{rows:,} rows; {len(manifest['files']) - 1} media files)")
        for note in manifest["not_included"]:
            self.stderr.write(f"backup: not included (object storage, back it up there): {note}")
