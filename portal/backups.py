"""Backups that restore: the database and the uploaded files in one archive.

``create_backup`` writes ``portal-<UTC time>.tar`` holding

- ``database.dump``: ``pg_dump --format=custom`` of the database, taken in a
  snapshot exported by a REPEATABLE READ transaction, so that the row counts
  in the manifest are those of the dump exactly, whatever the portal writes
  meanwhile;
- ``media/…`` and ``private/…``: the public uploads (MEDIA_ROOT) and the
  private ones (PRIVATE_MEDIA_ROOT, appeal photos), read after the snapshot,
  so every file a dumped row names is there;
- ``manifest.json`` (last): time, git commit, PostgreSQL and pg_dump
  versions, the migrations applied, the row count of every table and the
  sha256 and size of every file in the archive.

``restore_backup`` checks the whole archive against its manifest before it
touches anything, refuses a target database that has tables or a media
directory that has files (unless ``force``: then pg_restore drops what the
dump recreates and files are overwritten), restores in one transaction,
then counts the rows and hashes the files again and refuses to call a
restore good unless everything equals the manifest.

Media on object storage (django-storages/S3) is not copied here: the
manifest says so, and the README says what to do instead.

Over 400 lines on purpose: creating and restoring share the archive's
format and its manifest (what is written is exactly what is checked), so
they stay one module read side by side.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import dj_database_url
import psycopg
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from psycopg import sql

from portal.release import git_commit

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
CHUNK = 1024 * 1024
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


class BackupError(Exception):
    """A backup or a restore refused, with what to do about it."""


# --- Where things are ---------------------------------------------------------


def database_from_url(url: str) -> dict:
    return dj_database_url.parse(url)


def default_database() -> dict:
    return connections["default"].settings_dict


def default_media_roots() -> dict[str, Path]:
    """The file-system storages to back up, by their folder in the archive."""
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def object_storages() -> list[str]:
    """Storages of uploads that are not folders on this machine (S3)."""
    names = ("default", "private")
    return [f"{name}: {type(storages[name]).__name__}" for name in names
            if not isinstance(storages[name], FileSystemStorage)]


def libpq_env(database: dict) -> dict[str, str]:
    """Connection settings for pg_dump/pg_restore as libpq's variables (the
    password never appears on a command line)."""
    options = database.get("OPTIONS") or {}
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
    }
    return {**os.environ, **{key: str(value) for key, value in values.items() if value}}


def _connect(database: dict, **kwargs) -> psycopg.Connection:
    params = {"dbname": database.get("NAME"), "host": database.get("HOST") or None,
              "port": database.get("PORT") or None, "user": database.get("USER") or None,
              "password": database.get("PASSWORD") or None}
    return psycopg.connect(**{key: value for key, value in params.items() if value}, **kwargs)


def _tables(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname <> ALL(%s) ORDER BY 1, 2",
        [list(SYSTEM_SCHEMAS)],
    )
    return cursor.fetchall()


def row_counts(cursor) -> dict[str, int]:
    counts = {}
    for schema, table in _tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _tool_version(tool: str) -> str:
    try:
        return subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise BackupError(f"{tool} is not usable ({error}); install the PostgreSQL client (postgresql-client).") from error


# --- Hashing while copying ----------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Reads a file for tarfile and hashes exactly the bytes it read."""

    def __init__(self, stream):
        self.stream = stream
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size=-1):
        data = self.stream.read(size)
        self.sha256.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as stream:
        reader = _HashingReader(stream)
        tar.addfile(info, reader)
    return {"sha256": reader.sha256.hexdigest(), "size": info.size}


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- Backup -------------------------------------------------------------------


def create_backup(*, directory: Path, database: dict | None = None,
                  media_roots: dict[str, Path] | None = None) -> Path:
    """Writes one archive into ``directory`` and returns its path."""
    database = database or default_database()
    media_roots = default_media_roots() if media_roots is None else media_roots
    directory.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.UTC)
    final = directory / f"portal-{created:%Y%m%dT%H%M%SZ}.tar"
    partial = final.with_suffix(".tar.partial")
    pg_dump_version = _tool_version("pg_dump")
    files: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=directory, prefix=".dump-") as work:
        dump = Path(work) / DUMP
        with _connect(database) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
                counts = row_counts(cursor)
                migrations = _migrations(cursor)
                # pg_dump sees exactly this transaction's snapshot while it is open.
                dumped = subprocess.run(
                    ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-password",
                     f"--file={dump}"],
                    env=libpq_env(database), capture_output=True, text=True,
                )
            conn.rollback()
        if dumped.returncode != 0:
            raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
        with tarfile.open(partial, "w") as tar:
            files[DUMP] = _add_file(tar, dump, DUMP)
            for folder, root in media_roots.items():
                for path, relative in _media_files(root):
                    files[f"{folder}/{relative}"] = _add_file(tar, path, f"{folder}/{relative}")
            manifest = {
                "format": FORMAT,
                "created_at": created.isoformat(),
                "git_commit": git_commit(),
                "database": {"name": database.get("NAME"), "server_version": server_version,
                             "pg_dump": pg_dump_version},
                "migrations": migrations,
                "row_counts": counts,
                "media": {folder: str(root) for folder, root in media_roots.items()},
                "not_included": object_storages(),
                "files": files,
            }
            data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(created.timestamp())
            tar.addfile(info, io.BytesIO(data))
    os.replace(partial, final)
    return final


# --- Restore ------------------------------------------------------------------


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    notes: list[str] = field(default_factory=list)


SAFE_NAME = re.compile(r"^[^\x00-\x1f]+$")


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive, "r:") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.loads(tar.extractfile(member).read())
    except FileNotFoundError:
        raise BackupError(f"{archive}: no such file.") from None
    except (tarfile.TarError, KeyError, EOFError, OSError, ValueError) as error:
        raise BackupError(f"{archive} is not a complete backup archive ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{archive}: unknown manifest format.")
    return manifest


def _target_path(name: str, media_roots: dict[str, Path], work: Path) -> Path:
    """Where a member goes: the dump into the work folder, a media file under
    its root; anything else (an absolute path, ``..``) is refused."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not SAFE_NAME.match(name):
        raise BackupError(f"archive member {name!r} has an unsafe name.")
    if name == DUMP:
        return work / DUMP
    folder, *rest = pure.parts
    if folder not in media_roots or not rest:
        raise BackupError(f"archive member {name!r} belongs to no media folder of this portal.")
    return work / folder / Path(*rest)


def _extract_verified(archive: Path, manifest: dict, media_roots: dict[str, Path], work: Path) -> None:
    """Every file of the manifest, and nothing else, extracted into ``work``
    with the sha256 and size the manifest gives."""
    expected = manifest["files"]
    seen = set()
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if not member.isfile():
                    raise BackupError(f"archive member {member.name!r} is not a regular file.")
                if member.name not in expected:
                    raise BackupError(f"archive member {member.name!r} is not in the manifest.")
                target = _target_path(member.name, media_roots, work)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with tar.extractfile(member) as source, target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                want = expected[member.name]
                if digest.hexdigest() != want.get("sha256") or size != want.get("size"):
                    raise BackupError(f"checksum mismatch for {member.name}: the archive is damaged; nothing was restored.")
                seen.add(member.name)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"{archive} is damaged ({error}); nothing was restored.") from error
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"the archive lacks {len(missing)} file(s) of its manifest ({missing[0]}…); nothing was restored.")


def _media_in_use(media_roots: dict[str, Path]) -> list[str]:
    return [str(root) for root in media_roots.values() if root.is_dir() and any(root.iterdir())]


def restore_backup(*, archive: Path, database: dict | None = None, media_roots: dict[str, Path] | None = None,
                   force: bool = False) -> RestoreReport:
    database = database or default_database()
    media_roots = default_media_roots() if media_roots is None else media_roots
    manifest = read_manifest(archive)
    _tool_version("pg_restore")
    with _connect(database, autocommit=True) as conn, conn.cursor() as cursor:
        existing = _tables(cursor)
    if existing and not force:
        raise BackupError(
            f"database {database.get('NAME')!r} is not empty ({len(existing)} tables): restore into an empty "
            "database (createdb a new one and pass its URL), or pass --force (FORCE=1) to replace its contents."
        )
    used = _media_in_use(media_roots)
    if used and not force:
        raise BackupError(f"media folder {used[0]} is not empty: restore into empty folders, or pass --force (FORCE=1).")
    report = RestoreReport()
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work_dir:
        work = Path(work_dir)
        _extract_verified(archive, manifest, media_roots, work)
        command = ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
                   "--no-password", f"--dbname={database.get('NAME')}"]
        if existing:
            command += ["--clean", "--if-exists"]
        restored = subprocess.run([*command, str(work / DUMP)], env=libpq_env(database), capture_output=True, text=True)
        if restored.returncode != 0:
            raise BackupError(f"pg_restore failed; the database was left as it was: {restored.stderr.strip()}")
        for folder, root in media_roots.items():
            source = work / folder
            if source.is_dir():
                shutil.copytree(source, root, dirs_exist_ok=True)
    _verify_restored(manifest, database, media_roots, report)
    report.notes += _migration_notes(manifest)
    if manifest.get("not_included"):
        report.notes.append("not in this archive (object storage): " + ", ".join(manifest["not_included"]))
    return report


def _verify_restored(manifest: dict, database: dict, media_roots: dict[str, Path], report: RestoreReport) -> None:
    with _connect(database) as conn, conn.cursor() as cursor:
        counts = row_counts(cursor)
    expected = manifest["row_counts"]
    different = {table: (want, counts.get(table)) for table, want in expected.items() if counts.get(table) != want}
    if different:
        table, (want, got) = sorted(different.items())[0]
        raise BackupError(f"restored database differs from the manifest in {len(different)} table(s): "
                          f"{table} has {got} rows, the manifest {want}.")
    for name, want in manifest["files"].items():
        if name == DUMP:
            continue
        folder, relative = name.split("/", 1)
        path = media_roots[folder] / relative
        if not path.is_file() or sha256_of(path) != want["sha256"]:
            raise BackupError(f"restored file {path} does not match the manifest.")
        report.files += 1
        report.bytes += want["size"]
    report.tables = len(expected)
    report.rows = sum(expected.values())


def _migration_notes(manifest: dict) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    in_code = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {(app, name) for app, names in manifest.get("migrations", {}).items() for name in names}
    notes = []
    newer = in_code - in_backup
    if newer:
        notes.append(f"this code has {len(newer)} migration(s) the backup predates: run `manage.py migrate`.")
    unknown = in_backup - in_code
    if unknown:
        notes.append(f"the backup has {len(unknown)} migration(s) this code does not know: "
                     f"run the code of commit {manifest.get('git_commit') or '(unknown)'} against it.")
    return notes
