"""The floor of the resolver's JSON answer: a measurement, not the product.

The work every scan needs, with no framework around it: the path read with a regular
expression, one prepared query (the resolver's own SQL: the stamp, its batch, its flags), the
signature checked as the resolver checks it (``signing.vouched_for``: the stored signature and
its row tag; Ed25519 only when they do not vouch for it), one RPUSH of the scan record, and
the JSON answer with the batch payload kept in memory. No Django per request (Django is set up
once, at import, for the settings, the SQL and the first batch payload). Served by the same
gunicorn as the resolver, it shows what no Django code could beat on this machine.
``resolver_load.sh`` measures it when ``FLOOR=1``. Its scans go to their own Redis list
(``FLOOR_KEY``), which the script drops.
"""

import base64
import json
import os
import re
from types import SimpleNamespace

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.production")
django.setup()

import psycopg  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402

from traceability import verification  # noqa: E402
from traceability.signing import keyring, vouched_for, well_formed  # noqa: E402

FLOOR_KEY = "bench:floor-scans"
PATH = re.compile(r"/01/([^/]{1,20})/10/(.{1,60})/21/([^/]{1,60})")
SQL = verification._stamp_sql()
KEYS = keyring().public_keys
ID, BATCH, NUMBER, KID, SIGNATURE, TAG, STATUS, SCANS = (
    verification.STAMP_FIELDS.index(name)
    for name in ("id", "batch_id", "number", "key_id", "signature", "tag", "status", "scan_count")
)
HEADERS = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-cache, private"),
    ("Content-Language", "vi"),
    ("Vary", "Accept, Accept-Language, Cookie"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
]
_state: dict = {}


def _connections():
    if "db" not in _state:
        db = settings.DATABASES["default"]
        conn = psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
            autocommit=True,
        )
        conn.prepare_threshold = 1 << 30
        _state["db"] = conn
        _state["redis"] = redis.Redis.from_url(settings.REDIS_URL).connection_pool.get_connection()
    return _state["db"], _state["redis"]


def _payload(batch_id: int) -> dict:
    if batch_id not in _state:
        from traceability.models import Batch

        _state[batch_id] = verification._build_batch_payload(Batch.objects.get(pk=batch_id))
    return _state[batch_id]


def application(environ, start_response):
    db, push = _connections()
    match = PATH.fullmatch(environ["PATH_INFO"])
    gtin, lot, serial = match.groups()
    signature = environ["QUERY_STRING"][2:]
    kid, _dot, value = signature.partition(".")
    row = db.execute(
        SQL, verification.stamp_sql_params(gtin, serial, lot), prepare=True, binary=True
    ).fetchone()
    if row is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    stored = SimpleNamespace(key_id=row[KID], signature=row[SIGNATURE], tag=row[TAG])
    if not vouched_for(gtin, lot, serial, signature, stored):
        try:
            if not well_formed(signature):
                raise ValueError(signature)
            message = f"/01/{gtin}/10/{lot}/21/{serial}".encode()
            KEYS[kid].verify(base64.urlsafe_b64decode(value + "=="), message)
        except Exception:
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
    entry = {"stamp": row[ID], "gtin": gtin, "lot": lot, "serial": serial, "verdict": "genuine"}
    push.send_command("RPUSH", FLOOR_KEY, json.dumps(entry, separators=(",", ":")))
    push.read_response()
    data = {
        "verdict": "genuine",
        "reasons": ["Genuine stamp issued by OCOP Market."],
        "warnings": [],
        "signature_valid": True,
        "code": {"gtin": gtin, "lot": lot, "serial": serial, "key_id": kid},
        **_payload(row[BATCH]),
        "stamp": {"number": row[NUMBER], "status": row[STATUS]},
        "scans": {"count": row[SCANS] + 1},
    }
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    start_response("200 OK", [*HEADERS, ("Content-Length", str(len(body)))])
    return [body]
