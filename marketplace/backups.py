"""Backups that restore: the database with PostgreSQL's own ``pg_dump`` / ``pg_restore``
(custom format: consistent, compressed, restorable into an empty database), the file folders
as tar archives, and a manifest with what was taken and how to check it.

Files in an S3-compatible bucket (``AWS_STORAGE_BUCKET_NAME``) are not copied here: back the
bucket up with its own tools (versioning, replication, ``aws s3 sync``); the manifest says so.
"""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def _pg_env(url: str | None = None) -> tuple[dict, str]:
    """Environment and database name for the PostgreSQL tools, from a URL or the settings."""
    if url:
        parts = urlsplit(url)
        db = {
            "HOST": parts.hostname,
            "PORT": parts.port,
            "USER": parts.username,
            "PASSWORD": parts.password,
            "NAME": parts.path.lstrip("/"),
        }
    else:
        db = connections["default"].settings_dict
        if connections["default"].vendor != "postgresql":
            raise BackupError("Backups are of PostgreSQL databases (DATABASE_URL).")
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env, db["NAME"]


def _folders() -> dict[str, Path]:
    """The file folders in use; what lives in a bucket is backed up with the bucket's tools
    (versioning, replication, ``rclone``/``mc mirror``)."""
    folders = {}
    if not getattr(settings, "PRIVATE_FILES_BUCKET", ""):
        folders["private-files"] = Path(settings.PRIVATE_FILES_ROOT)
        folders["print-files"] = Path(settings.TRACE_PRINT_FILES_ROOT)
    if not getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        folders["media"] = Path(settings.MEDIA_ROOT)
    return folders


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(out: Path) -> Path:
    """Write a backup folder inside ``out``; returns it."""
    env, name = _pg_env()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = Path(out) / f"ocop-{stamp}"
    target.mkdir(parents=True)
    dump = target / "database.dump"
    result = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", name],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        shutil.rmtree(target)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    files = {"database.dump": _sha256(dump)}
    for label, folder in _folders().items():
        archive = target / f"{label}.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            if folder.exists():
                tar.add(folder, arcname=label)
        files[archive.name] = _sha256(archive)
    manifest = {
        "taken_at": stamp,
        "database": name,
        "files": files,
        "media_in_bucket": bool(getattr(settings, "AWS_STORAGE_BUCKET_NAME", "")),
        "private_files_in_bucket": bool(getattr(settings, "PRIVATE_FILES_BUCKET", "")),
        "trace_signing_key_id": settings.TRACE_SIGNING_KEY_ID,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return target


def restore(source: Path, *, database_url: str | None = None) -> dict:
    """Restore a backup folder into an empty database (``database_url``, else the settings')
    and the file folders (which must not hold files already)."""
    source = Path(source)
    manifest = json.loads((source / "manifest.json").read_text())
    for filename, digest in manifest["files"].items():
        if _sha256(source / filename) != digest:
            raise BackupError(f"{filename} does not match the manifest: not restoring.")
    env, name = _pg_env(database_url)
    result = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={name}",
            str(source / "database.dump"),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:2000]}")
    for label, folder in _folders().items():
        archive = source / f"{label}.tar.gz"
        if not archive.exists():
            continue
        if folder.exists() and any(folder.iterdir()):
            raise BackupError(f"{folder} is not empty: restore files into an empty folder.")
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(label)]
            for member in members:
                member.name = member.name[len(label) :].lstrip("/") or "."
            tar.extractall(folder, members=members, filter="data")
    return manifest
