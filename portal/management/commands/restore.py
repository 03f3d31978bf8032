"""`make restore FILE=…`: a backup archive back into an empty database and
empty media folders, verified against its manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backups


class Command(BaseCommand):
    help = ("Restore a backup archive into an empty database and empty media folders, then check row counts "
            "and checksums against its manifest.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive written by `manage.py backup`")
        parser.add_argument("--database-url", help="restore into this database (default: DATABASE_URL)")
        parser.add_argument("--media-root", help="public uploads folder (default: MEDIA_ROOT)")
        parser.add_argument("--private-media-root", help="private uploads folder (default: PRIVATE_MEDIA_ROOT)")
        parser.add_argument("--force", action="store_true",
                            help="replace the contents of a database or media folder that is not empty")

    def handle(self, *args, **options):
        database = backups.database_from_url(options["database_url"]) if options["database_url"] else None
        roots = backups.default_media_roots()
        if options["media_root"]:
            roots["media"] = Path(options["media_root"])
        if options["private_media_root"]:
            roots["private"] = Path(options["private_media_root"])
        try:
            report = backups.restore_backup(archive=Path(options["archive"]), database=database, media_roots=roots,
                                            force=options["force"])
        except backups.BackupError as error:
            raise CommandError(f"restore refused: {error}") from error
        self.stdout.write(f"restore: verified {report.tables} tables ({report.rows:,} rows) and {report.files} media "
                          f"files ({report.bytes:,} bytes) against the manifest")
        for note in report.notes:
            self.stdout.write(f"restore: {note}")
