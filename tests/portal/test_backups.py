"""Backups that restore, against the real PostgreSQL: a backup of a portal
with data and uploads restored into a fresh database and empty folders has
the same row counts and file checksums; damaged archives and targets that
are not empty are refused before anything is touched."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection

from portal import backups
from tests import factories
from voting import services as voting

pytestmark = pytest.mark.django_db(transaction=True)


def _admin():
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True)


@pytest.fixture
def scratch_database():
    """A new, empty database, as `createdb` makes it; dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield {**connection.settings_dict, "NAME": name}
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def portal_with_data(settings):
    """Votes, an appeal, and uploads in both media folders."""
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    cases = [factories.CaseEntryFactory(campaign=campaign) for _n in range(3)]
    for _n in range(4):
        voter = factories.ResidentFactory(with_phone=True)
        for case in cases[:2]:
            voting.cast_vote(voter=voter, campaign_id=campaign.pk, case_id=case.pk)
    factories.AppealFactory()
    storages["default"].save("cases/cover.jpg", ContentFile(b"\xff\xd8public photo" * 1000))
    storages["default"].save("cases/2026/notes.txt", ContentFile("公开的说明".encode()))
    storages["private"].save("appeals/photo.jpg", ContentFile(b"\xff\xd8private photo" * 500))
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def _counts(database: dict) -> dict[str, int]:
    with backups._connect(database) as conn, conn.cursor() as cursor:
        return backups.row_counts(cursor)


def _hashes(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in root.rglob("*") if path.is_file()}


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {member.name: tar.extractfile(member).read() for member in tar}


def _write_archive(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _empty_roots(tmp_path: Path) -> dict[str, Path]:
    return {"media": tmp_path / "restored" / "media", "private": tmp_path / "restored" / "private"}


def test_a_backup_restores_into_a_fresh_database_with_equal_counts_and_checksums(
    portal_with_data, scratch_database, tmp_path, capsys
):
    source_counts = _counts(connection.settings_dict)
    call_command("backup", "--dir", str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").glob("portal-*.tar")
    assert "backup: " in capsys.readouterr().out

    manifest = backups.read_manifest(archive)
    assert manifest["row_counts"] == source_counts
    assert manifest["row_counts"]["public.voting_ballot"] == 8
    assert manifest["row_counts"]["public.appeals_appeal"] == 1
    assert manifest["migrations"]["voting"]
    assert manifest["git_commit"] and manifest["created_at"]
    assert set(manifest["files"]) == {
        "database.dump", "media/cases/cover.jpg", "media/cases/2026/notes.txt", "private/appeals/photo.jpg"}

    roots = _empty_roots(tmp_path)
    db = scratch_database
    call_command("restore", str(archive), "--database-url",
                 f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                 "--media-root", str(roots["media"]), "--private-media-root", str(roots["private"]))
    out = capsys.readouterr().out
    assert f"verified {len(source_counts)} tables" in out and "3 media files" in out

    assert _counts(scratch_database) == source_counts
    for folder, root in portal_with_data.items():
        assert _hashes(roots[folder]) == _hashes(root)
    with backups._connect(scratch_database) as conn:
        votes = conn.execute("SELECT sum(votes) FROM voting_casetally").fetchone()[0]
    assert votes == 8


def test_restore_refuses_a_database_that_is_not_empty(portal_with_data, tmp_path):
    archive = backups.create_backup(directory=tmp_path / "backups")
    before = _counts(connection.settings_dict)
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.restore_backup(archive=archive, database=connection.settings_dict, media_roots=_empty_roots(tmp_path))
    assert _counts(connection.settings_dict) == before
    assert not _empty_roots(tmp_path)["media"].exists()


def test_restore_refuses_media_folders_that_are_not_empty(portal_with_data, scratch_database, tmp_path):
    archive = backups.create_backup(directory=tmp_path / "backups")
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.restore_backup(archive=archive, database=scratch_database, media_roots=portal_with_data)
    assert _counts(scratch_database) == {}


def test_restore_refuses_a_truncated_archive_and_restores_nothing(portal_with_data, scratch_database, tmp_path):
    archive = backups.create_backup(directory=tmp_path / "backups")
    data = archive.read_bytes()
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(backups.BackupError, match="not a complete backup archive|damaged"):
        backups.restore_backup(archive=truncated, database=scratch_database, media_roots=_empty_roots(tmp_path))
    assert _counts(scratch_database) == {}


def test_restore_refuses_a_file_whose_checksum_differs_and_restores_nothing(
    portal_with_data, scratch_database, tmp_path
):
    members = _members(backups.create_backup(directory=tmp_path / "backups"))
    photo = bytearray(members["private/appeals/photo.jpg"])
    photo[100] ^= 0xFF  # one flipped byte, same size
    members["private/appeals/photo.jpg"] = bytes(photo)
    tampered = _write_archive(tmp_path / "tampered.tar", members)
    roots = _empty_roots(tmp_path)
    with pytest.raises(backups.BackupError, match="checksum mismatch for private/appeals/photo.jpg"):
        backups.restore_backup(archive=tampered, database=scratch_database, media_roots=roots)
    assert _counts(scratch_database) == {}
    assert not roots["private"].exists() and not roots["media"].exists()


def test_restore_refuses_an_archive_with_a_file_outside_its_manifest(portal_with_data, scratch_database, tmp_path):
    members = _members(backups.create_backup(directory=tmp_path / "backups"))
    members["media/../../escape.txt"] = b"x"
    with pytest.raises(backups.BackupError, match="not in the manifest"):
        backups.restore_backup(archive=_write_archive(tmp_path / "odd.tar", members), database=scratch_database,
                               media_roots=_empty_roots(tmp_path))
    assert not (tmp_path / "escape.txt").exists()
    assert _counts(scratch_database) == {}


def test_restore_refuses_a_dump_that_does_not_match_its_row_counts(portal_with_data, scratch_database, tmp_path):
    members = _members(backups.create_backup(directory=tmp_path / "backups"))
    manifest = json.loads(members["manifest.json"])
    manifest["row_counts"]["public.voting_ballot"] += 1
    members["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(backups.BackupError, match="public.voting_ballot has 8 rows, the manifest 9"):
        backups.restore_backup(archive=_write_archive(tmp_path / "counts.tar", members), database=scratch_database,
                               media_roots=_empty_roots(tmp_path))


def test_the_restore_command_refuses_with_a_message_and_force_replaces(portal_with_data, scratch_database, tmp_path):
    archive = backups.create_backup(directory=tmp_path / "backups")
    roots = _empty_roots(tmp_path)
    backups.restore_backup(archive=archive, database=scratch_database, media_roots=roots)
    db = scratch_database
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with pytest.raises(CommandError, match="restore refused: database .* is not empty"):
        call_command("restore", str(archive), "--database-url", url, "--media-root", str(roots["media"]),
                     "--private-media-root", str(roots["private"]))
    call_command("restore", str(archive), "--database-url", url, "--media-root", str(roots["media"]),
                 "--private-media-root", str(roots["private"]), "--force")
    assert _counts(scratch_database) == _counts(connection.settings_dict)
    assert os.listdir(roots["private"] / "appeals") == ["photo.jpg"]
