"""A backup restores: the demo's database and files backed up, restored into a fresh
database and empty folders, hold the same orders, stamps (their signatures still verify) and
pages."""

import io
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from traceability.signing import verify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _conninfo(name: str) -> dict:
    db = connection.settings_dict
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "dbname": name,
    }


@pytest.fixture
def empty_database():
    name = connection.settings_dict["NAME"] + "_restore"
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    db = _conninfo(name)
    yield name, f"postgres://{db['user']}@{db['host']}:{db['port']}/{name}"
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(dbname: str, sql: str) -> list[tuple]:
    with psycopg.connect(**_conninfo(dbname)) as conn:
        return conn.execute(sql).fetchall()


def test_a_backup_of_the_demo_restores_into_a_fresh_database(settings, tmp_path, empty_database):
    if connection.vendor != "postgresql":
        pytest.skip("backups are of PostgreSQL (CI runs this there)")
    call_command("load_demo", "--no-images", stdout=io.StringIO())
    Path(settings.PRIVATE_FILES_ROOT).mkdir(parents=True, exist_ok=True)
    (Path(settings.PRIVATE_FILES_ROOT) / "giay-dang-ky.pdf").write_bytes(b"%PDF-1.4 demo")
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / "photo.png").write_bytes(b"\x89PNG demo")
    out = io.StringIO()
    call_command("backup", out=str(tmp_path / "backups"), stdout=out)
    backup = out.getvalue().strip()

    name, url = empty_database
    settings.PRIVATE_FILES_ROOT = tmp_path / "restored-private"
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    settings.TRACE_PRINT_FILES_ROOT = tmp_path / "restored-print"
    call_command("restore", "--from", backup, "--database-url", url, stdout=io.StringIO())

    source = connection.settings_dict["NAME"]
    for sql in (
        "SELECT number, total, status FROM orders_order ORDER BY number",
        "SELECT url_path, live FROM wagtailcore_page ORDER BY path",
        "SELECT gtin, serial, status FROM traceability_stamp ORDER BY id",
        "SELECT variant_id, on_hand, reserved FROM catalog_stock ORDER BY variant_id",
    ):
        assert rows(name, sql) == rows(source, sql), sql
    stamps = rows(
        name,
        "SELECT s.gtin, b.lot, s.serial, s.key_id || '.' || s.signature FROM traceability_stamp s"
        " JOIN traceability_batch b ON b.id = s.batch_id ORDER BY s.id LIMIT 50",
    )
    assert len(stamps) == 50 and all(verify(*stamp) for stamp in stamps)
    assert (Path(settings.PRIVATE_FILES_ROOT) / "giay-dang-ky.pdf").read_bytes() == b"%PDF-1.4 demo"
    assert (Path(settings.MEDIA_ROOT) / "photo.png").read_bytes() == b"\x89PNG demo"


def test_a_damaged_backup_is_refused(settings, tmp_path, empty_database):
    if connection.vendor != "postgresql":
        pytest.skip("backups are of PostgreSQL (CI runs this there)")
    out = io.StringIO()
    call_command("backup", out=str(tmp_path), stdout=out)
    backup = Path(out.getvalue().strip())
    with (backup / "database.dump").open("ab") as dump:
        dump.write(b"tampered")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("restore", "--from", str(backup), "--database-url", empty_database[1])
