"""The Digital Link resolver: verdicts for people (HTML) and machines (JSON), scan logging,
anomaly rules and recalls."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from traceability import scans
from traceability.models import AnomalyFlag, Scan
from traceability.services import batch_recall, batch_release, stamps_void

from .conftest import issue

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def path_of(stamp) -> str:
    return stamp.uri.split("127.0.0.1:8000", 1)[1]


@pytest.fixture
def stamp(released_batch):
    return released_batch.stamps.order_by("number").first()


def test_genuine_stamp_json_names_product_cooperative_batch_events_and_scans(client, stamp):
    response = client.get(path_of(stamp), **JSON)
    assert response.status_code == 200
    data = response.json()
    assert data["verdict"] == "genuine"
    assert data["signature_valid"] is True
    assert data["product"]["name"] == "Chè búp La Bằng"
    assert data["product"]["ocop_stars"] == 4
    assert data["cooperative"]["place"] == "Xã La Bằng, Thái Nguyên"
    assert data["batch"]["lot"] == "LB2603A"
    assert data["batch"]["production_date"] == "2026-03-15"
    assert [e["step"] for e in data["events"]] == [
        "harvesting",
        "withering",
        "rolling",
        "drying",
        "packing",
    ]
    assert data["events"][0]["time"].endswith("+07:00")
    assert data["scans"]["count"] == 1
    assert data["warnings"] == []


def test_genuine_stamp_page_for_a_shopper(client, stamp):
    client.get(path_of(stamp))  # a first scan
    response = client.get(path_of(stamp))
    assert response.status_code == 200
    html = response.content.decode()
    assert "verdict--genuine" in html
    assert "Chè búp La Bằng" in html
    assert "LB2603A" in html
    assert 'class="timeline"' in html
    assert 'data-scan-count="2"' in html


def _tampered(stamp):
    query = path_of(stamp).split("?")[1]
    gtin, lot, serial = stamp.gtin, stamp.batch.lot, stamp.serial
    sig = query[2:]
    other_serial = serial[:-1] + ("A" if serial[-1] != "A" else "B")
    flipped = sig[:-3] + ("A" if sig[-3] != "A" else "B") + sig[-2:]
    return {
        "signature changed": f"/01/{gtin}/10/{lot}/21/{serial}?s={flipped}",
        "serial changed": f"/01/{gtin}/10/{lot}/21/{other_serial}?s={sig}",
        "lot changed": f"/01/{gtin}/10/LB2603B/21/{serial}?s={sig}",
        "no signature": f"/01/{gtin}/10/{lot}/21/{serial}",
        "unknown key": f"/01/{gtin}/10/{lot}/21/{serial}?s=zz.{sig.split('.', 1)[1]}",
    }


def test_tampered_stamps_are_forged_404(client, stamp, released_batch):
    other = released_batch.stamps.order_by("number")[1]
    cases = _tampered(stamp)
    # The signature of one stamp moved onto another serial.
    cases["signature moved"] = f"{path_of(other).split('?')[0]}?{path_of(stamp).split('?')[1]}"
    for name, path in cases.items():
        response = client.get(path, **JSON)
        assert response.status_code == 404, name
        assert response.json()["verdict"] == "forged", name
        assert response.json()["reasons"], name
        page = client.get(path)
        assert page.status_code == 404 and "verdict--forged" in page.content.decode(), name


@pytest.mark.parametrize(
    "path",
    [
        "/01/08931234567890/10/LB2603A/21/ABC?s=dev-1.xx",  # wrong check digit
        "/01/0893ABC/10/LB2603A/21/ABC",  # letters in a GTIN
        "/01/08931234567893/10/L%C3%94/21/ABC",  # a lot with an accent
        "/01/08931234567893/10/%00/21/ABC",
        "/01/08931234567893/10/LB/21/" + "A" * 40,  # serial longer than AI (21) allows
    ],
)
def test_malformed_codes_are_invalid_400_never_500(client, path):
    response = client.get(path, **JSON)
    assert response.status_code == 400
    assert response.json()["verdict"] == "invalid"
    assert response.json()["reasons"]
    assert client.get(path).status_code == 400


def test_short_gtin_in_the_link_is_read_as_gtin_14(client, stamp):
    path = path_of(stamp).replace(f"/01/{stamp.gtin}/", f"/01/{stamp.gtin.lstrip('0')}/")
    assert client.get(path, **JSON).json()["verdict"] == "genuine"


def test_recall_flips_every_stamp_to_recalled_at_once(client, released_batch):
    stamps = list(released_batch.stamps.order_by("number"))
    batch_recall(batch=released_batch, reason="Dư lượng thuốc trừ sâu vượt ngưỡng")
    for stamp in stamps:
        data = client.get(path_of(stamp), **JSON).json()
        assert data["verdict"] == "recalled"
        assert "Dư lượng thuốc trừ sâu" in data["reasons"][0]
    assert set(released_batch.stamps.values_list("status", flat=True)) == {"recalled"}
    html = client.get(path_of(stamps[0])).content.decode()
    assert "verdict--recalled" in html


def test_voided_range_resolves_voided(client, released_batch):
    stamps_void(batch=released_batch, number_from=3, number_to=5, reason="Mất cuộn tem")
    verdicts = {
        s.number: client.get(path_of(s), **JSON).json()["verdict"]
        for s in released_batch.stamps.order_by("number")
    }
    assert [n for n, v in verdicts.items() if v == "voided"] == [3, 4, 5]
    assert verdicts[2] == verdicts[6] == "genuine"


def test_scan_before_release_is_suspicious_and_flagged(client, batch):
    issue(batch, 1)
    stamp = batch.stamps.get()
    data = client.get(path_of(stamp), **JSON).json()
    assert data["verdict"] == "suspicious"
    assert [w["rule"] for w in data["warnings"]] == ["before_activation"]
    assert AnomalyFlag.objects.filter(stamp=stamp, rule="before_activation").exists()
    batch_release(batch=batch)
    stamp.refresh_from_db()
    assert stamp.status == "active"


def test_too_many_scans_of_one_stamp(client, stamp, settings):
    settings.TRACE_ANOMALY_RULES = {"max_scans": 3, "province_window_hours": 24}
    verdicts = [client.get(path_of(stamp), **JSON).json()["verdict"] for _ in range(5)]
    assert verdicts == ["genuine"] * 3 + ["suspicious"] * 2
    flag = AnomalyFlag.objects.get(stamp=stamp, rule="too_many_scans")
    assert flag.occurrences == 2
    stamp.refresh_from_db()
    assert stamp.scan_count == 5


def test_an_explained_flag_stops_warning_until_the_rule_is_broken_again(
    client, stamp, settings, django_user_model
):
    """A sample on a fair stand is scanned by everyone: the operator explains the flag, the
    stamp reads GENUINE again, and only as many scans again make it SUSPICIOUS again."""
    from traceability.services import flag_review

    settings.TRACE_ANOMALY_RULES = {"max_scans": 3, "province_window_hours": 24}
    for _ in range(5):
        client.get(path_of(stamp), **JSON)
    assert client.get(path_of(stamp), **JSON).json()["verdict"] == "suspicious"
    operator = django_user_model.objects.create_superuser("op-review", "op@x.vn", "pw")
    flag = AnomalyFlag.objects.get(stamp=stamp, rule="too_many_scans")
    flag_review(flag=flag, outcome="explained", note="Mẫu trưng bày ở hội chợ", user=operator)
    flag.refresh_from_db()
    assert (flag.outcome, flag.reviewed_by, flag.review_note) == (
        "explained",
        operator,
        "Mẫu trưng bày ở hội chợ",
    )
    stamp.refresh_from_db()
    assert stamp.scans_explained == stamp.scan_count == 6
    verdicts = [client.get(path_of(stamp), **JSON).json()["verdict"] for _ in range(4)]
    assert verdicts == ["genuine"] * 3 + ["suspicious"]
    data = client.get(path_of(stamp), HTTP_ACCEPT_LANGUAGE="en", **JSON).json()
    assert data["warnings"][0]["message"] == (
        "Scanned 11 times, 5 of them since an operator's review (more than 3)."
    )
    flag.refresh_from_db()
    assert flag.outcome == "open"  # broken again: back in the operator's report


def test_a_confirmed_flag_keeps_warning(client, stamp, django_user_model):
    from traceability.services import flag_review

    client.get(path_of(stamp) + "&province=19", **JSON)
    client.get(path_of(stamp) + "&province=1", **JSON)
    flag = AnomalyFlag.objects.get(stamp=stamp, rule="two_provinces")
    operator = django_user_model.objects.create_superuser("op-confirm", "op2@x.vn", "pw")
    flag_review(flag=flag, outcome="confirmed", note="Tem bị sao chép", user=operator)
    assert client.get(path_of(stamp), **JSON).json()["verdict"] == "suspicious"
    flag_review(flag=flag, outcome="explained", note="Cùng một người đi công tác", user=operator)
    assert client.get(path_of(stamp), **JSON).json()["verdict"] == "genuine"


def test_scans_in_two_provinces_within_the_window(client, stamp):
    assert client.get(path_of(stamp) + "&province=19", **JSON).json()["verdict"] == "genuine"
    data = client.get(path_of(stamp) + "&province=1", **JSON).json()  # Hà Nội, minutes later
    assert data["verdict"] == "suspicious"
    assert data["warnings"][0]["rule"] == "two_provinces"
    assert "Thái Nguyên" in data["warnings"][0]["message"]
    flag = AnomalyFlag.objects.get(stamp=stamp, rule="two_provinces")
    assert flag.batch_id == stamp.batch_id


def test_two_provinces_far_apart_in_time_are_fine(client, stamp, settings):
    import datetime

    from django.utils import timezone

    client.get(path_of(stamp) + "&province=19", **JSON)
    stamp.refresh_from_db()
    stamp.last_province_scan_at = timezone.now() - datetime.timedelta(hours=30)
    stamp.save(update_fields=["last_province_scan_at"])
    assert client.get(path_of(stamp) + "&province=1", **JSON).json()["verdict"] == "genuine"


def test_a_scan_of_a_recalled_batch_is_flagged_for_the_operator(client, stamp, released_batch):
    batch_recall(batch=released_batch, reason="Nhiễm nấm mốc")
    client.get(path_of(stamp), **JSON)
    assert AnomalyFlag.objects.filter(stamp=stamp, rule="recalled").exists()


def test_scan_log_records_time_place_device_and_verdict(client, stamp):
    client.get(
        path_of(stamp) + "&province=19&lat=21.8312&lon=105.7421",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14)",
        **JSON,
    )
    scan = Scan.objects.get()
    assert scan.stamp == stamp and scan.verdict == "genuine"
    assert scan.province_code == 19
    assert str(scan.latitude) == "21.83" and str(scan.longitude) == "105.74"  # ~1 km, no more
    assert scan.user_agent.startswith("Mozilla/5.0")
    assert scan.inspector is None


def test_scans_are_buffered_not_inserted_per_request(client, stamp, settings):
    settings.TRACE_SCAN_FLUSH_SIZE = 50
    scans.flush()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            assert client.get(path_of(stamp), **JSON).status_code == 200
    assert not [
        q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")
    ]
    assert Scan.objects.count() == 0
    assert scans.pending() == 10
    assert scans.flush() == 10
    assert Scan.objects.count() == 10
    stamp.refresh_from_db()
    assert stamp.scan_count == 10 and stamp.first_scanned_at is not None


def test_a_full_scan_buffer_drops_the_newest_scans_and_says_so(client, stamp, settings, caplog):
    """Flushes stopped (no worker): the buffer stays bounded, the answers go on, the drops
    are counted, /healthz says "degraded", and the next flush logs how many were lost."""
    settings.TRACE_SCAN_FLUSH_SIZE = 1000
    settings.TRACE_SCAN_BUFFER_MAX = 3
    scans.flush()
    for _ in range(5):
        assert client.get(path_of(stamp), **JSON).json()["verdict"] == "genuine"
    assert (scans.pending(), scans.dropped()) == (3, 2)
    health = client.get("/healthz").json()
    assert health["status"] == "degraded"
    assert health["checks"]["scans"] == {
        "status": "error",
        "pending": 3,
        "dropped": 2,
        "kept_in_process": 0,
        "lost_in_process": 0,
    }
    with caplog.at_level("ERROR", logger="traceability.scans"):
        assert scans.flush() == 3
    assert "2 scans were dropped" in caplog.text
    assert Scan.objects.count() == 3 and scans.dropped() == 0
    assert client.get("/healthz").json()["checks"]["scans"]["status"] == "ok"


def test_forged_scans_are_logged_too(client, stamp):
    client.get(_tampered(stamp)["signature changed"], **JSON)
    scan = Scan.objects.get()
    assert scan.verdict == "forged" and scan.stamp is None and scan.serial == stamp.serial


def test_resolver_answers_in_one_query_once_the_batch_is_cached(
    client, stamp, settings, django_assert_num_queries
):
    settings.TRACE_SCAN_FLUSH_SIZE = 1000  # the request itself, not the bulk flush
    client.get(path_of(stamp), **JSON)  # warms the batch cache
    with django_assert_num_queries(1):  # the stamp with its batch and whether it is flagged
        assert client.get(path_of(stamp), **JSON).json()["verdict"] == "genuine"


def test_public_keys_are_published_as_a_jwk_set(client, stamp):
    data = client.get("/.well-known/ocop-trace-keys.json").json()
    key = data["keys"][0]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["kid"] == stamp.key_id
    assert len(key["x"]) == 43  # 32 raw bytes, base64url


def test_api_verify_takes_a_whole_uri(client, stamp):
    response = client.get("/api/v1/stamps/verify", {"uri": stamp.uri})
    assert response.status_code == 200 and response.json()["verdict"] == "genuine"
    assert client.get("/api/v1/stamps/verify").status_code == 400
    bad = client.get("/api/v1/stamps/verify", {"uri": "hello"})
    assert bad.status_code == 400 and bad.json()["verdict"] == "invalid"


def test_api_verify_takes_a_json_body_without_a_csrf_token(stamp):
    from django.test import Client

    machine = Client(enforce_csrf_checks=True)
    response = machine.post(
        "/api/v1/stamps/verify", {"uri": stamp.uri}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["verdict"] == "genuine"
    broken = machine.post("/api/v1/stamps/verify", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]


def test_the_resolver_speaks_the_phones_language(client, stamp):
    vietnamese = client.get(path_of(stamp))
    assert "TEM THẬT" in vietnamese.content.decode()
    assert vietnamese["Content-Language"] == "vi"
    english = client.get(path_of(stamp), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "GENUINE" in english.content.decode() and english["Content-Language"] == "en"
    data = client.get(path_of(stamp), HTTP_ACCEPT_LANGUAGE="en", **JSON).json()
    assert data["reasons"] == ["Genuine stamp issued by OCOP Market."]
    assert data["events"][0]["label"] == "Harvest"
    assert "Accept-Language" in english["Vary"] and "Accept" in english["Vary"]


def test_a_test_scan_before_release_does_not_mark_the_stamp_for_good(client, batch):
    issue(batch, 1)
    stamp = batch.stamps.get()
    assert client.get(path_of(stamp), **JSON).json()["verdict"] == "suspicious"
    batch_release(batch=batch)
    data = client.get(path_of(stamp), **JSON).json()
    assert (data["verdict"], data["warnings"]) == ("genuine", [])
    # The operator's report keeps the history.
    assert AnomalyFlag.objects.filter(stamp=stamp, rule="before_activation").exists()


def test_a_scan_without_a_place_does_not_shift_the_two_province_window(client, stamp):
    import datetime

    from django.utils import timezone

    client.get(path_of(stamp) + "&province=1", **JSON)  # Hà Nội
    stamp.refresh_from_db()
    long_ago = timezone.now() - datetime.timedelta(hours=72)
    type(stamp).objects.filter(pk=stamp.pk).update(last_province_scan_at=long_ago)
    client.get(path_of(stamp), **JSON)  # a shopper, no place, now
    data = client.get(path_of(stamp) + "&province=79", **JSON).json()  # HCM City, now
    assert data["verdict"] == "genuine", data["warnings"]


def test_a_two_province_flag_stands_only_for_its_window(client, stamp, settings):
    import datetime

    from django.utils import timezone

    client.get(path_of(stamp) + "&province=19", **JSON)
    assert client.get(path_of(stamp) + "&province=1", **JSON).json()["verdict"] == "suspicious"
    assert client.get(path_of(stamp), **JSON).json()["verdict"] == "suspicious"  # stands
    later = timezone.now() - datetime.timedelta(hours=25)
    AnomalyFlag.objects.filter(stamp=stamp).update(last_seen=later)
    type(stamp).objects.filter(pk=stamp.pk).update(last_province_scan_at=later)
    assert client.get(path_of(stamp), **JSON).json()["verdict"] == "genuine"


def test_stored_warnings_are_worded_in_the_readers_language(client, stamp, settings):
    settings.TRACE_ANOMALY_RULES = {"max_scans": 1, "province_window_hours": 24}
    client.get(path_of(stamp), **JSON)
    client.get(path_of(stamp), **JSON)  # flagged, in Vietnamese by the flush
    settings.TRACE_ANOMALY_RULES = {"max_scans": 100, "province_window_hours": 24}
    english = client.get(path_of(stamp), HTTP_ACCEPT_LANGUAGE="en", **JSON).json()
    assert english["warnings"] == [{"rule": "too_many_scans", "message": "Scanned unusually often"}]


@pytest.mark.parametrize("body", ['{"uri": 5}', '{"uri": ["x"]}', "[1, 2]", '"text"', "null"])
def test_api_verify_odd_json_is_400(client, body):
    response = client.post("/api/v1/stamps/verify", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]


def test_a_failed_flush_keeps_the_scans_for_the_next_one(client, stamp, settings, monkeypatch):
    settings.TRACE_SCAN_FLUSH_SIZE = 100
    for _ in range(3):
        client.get(path_of(stamp), **JSON)
    real_write = scans._write

    def database_down(entries):
        raise RuntimeError("database restarting")

    monkeypatch.setattr(scans, "_write", database_down)
    with pytest.raises(RuntimeError):
        scans.flush()
    assert scans.pending() == 3 and Scan.objects.count() == 0
    monkeypatch.setattr(scans, "_write", real_write)
    assert scans.flush() == 3
    assert Scan.objects.count() == 3 and scans.pending() == 0


def test_the_stamp_lookup_reads_what_the_orm_reads(stamp):
    from traceability.digital_link import parse_stamp_uri
    from traceability.models import Stamp
    from traceability.verification import BATCH_FIELDS, STAMP_FIELDS, find_stamp

    scans.write([{"stamp": stamp.pk, "verdict": "genuine", "at": "2026-11-20T08:00:00+07:00"}])
    found = find_stamp(parse_stamp_uri(stamp.uri))
    orm = Stamp.objects.select_related("batch").get(pk=stamp.pk)
    for name in STAMP_FIELDS:
        assert repr(getattr(found, name)) == repr(getattr(orm, name)), name
    for name in BATCH_FIELDS:
        assert repr(getattr(found.batch, name)) == repr(getattr(orm.batch, name)), name
    assert found.first_scanned_at.tzinfo is not None
    assert found == orm and found.batch == orm.batch and not found._state.adding
    assert found.flagged is False


def test_a_connection_dropped_since_the_last_scan_is_replaced_once(monkeypatch):
    from django.db import OperationalError, ProgrammingError

    from traceability import verification

    class Connection:  # outside a transaction, connected since an earlier request
        alias, connection, in_atomic_block, closed = "default", object(), False, 0

        def close(self):
            self.closed += 1

    attempts = []

    def fetch(connection, params):
        attempts.append(params)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return ("row",)

    monkeypatch.setattr(verification, "_prepared_statements_usable", lambda alias: True)
    monkeypatch.setattr(verification, "_fetch_prepared", fetch)
    connection = Connection()
    assert verification._fetch_stamp_row(connection, ["p"]) == ("row",)
    assert connection.closed == 1 and len(attempts) == 2
    # Inside a transaction the error stands (a new connection would not be in it).
    attempts.clear()
    connection.in_atomic_block = True
    with pytest.raises(OperationalError):
        verification._fetch_stamp_row(connection, ["p"])
    # An error in the query itself is not a connection problem.
    connection.in_atomic_block = False

    def broken(connection, params):
        raise ProgrammingError("column does not exist")

    monkeypatch.setattr(verification, "_fetch_prepared", broken)
    with pytest.raises(ProgrammingError):
        verification._fetch_stamp_row(connection, ["p"])
    assert connection.closed == 1


def test_a_broken_redis_connection_does_not_lose_the_scan(client, stamp, settings):
    if scans._redis() is None:
        pytest.skip("the scan buffer is Redis only with REDIS_URL")
    settings.TRACE_SCAN_FLUSH_SIZE = 1000
    client.get(path_of(stamp), **JSON)
    from marketplace import redis_held

    def held_connection():
        return redis_held._held.conns.get(id(scans._redis().connection_pool))

    held = held_connection()
    held._sock.close()  # Redis restarted, or the connection timed out
    assert client.get(path_of(stamp), **JSON).status_code == 200
    assert held_connection() is None  # given up: the pool's way took the scan
    assert scans.pending() == 2
    client.get(path_of(stamp), **JSON)
    assert held_connection() not in (None, held) and scans.pending() == 3


@pytest.mark.parametrize(
    "serial",
    ["OG5JTM7LTDCXWCGX", "A" * 20, "A" * 21, "", "AB\x1dCD", "AB CD", "ẢB", "a/b", "%\"'&", "#"],
)
def test_serials_are_checked_as_biip_checks_them(serial):
    from biip import ParseError

    from traceability.digital_link import _check_serial, _element

    def outcome(check):
        try:
            check("21", serial) if check is _element else check(serial)
        except ParseError as exc:
            return str(exc)
        return None

    if "/" in serial:  # GS1 allows it; we refuse it (the signed path would read two ways)
        assert outcome(_element) is None and outcome(_check_serial) is not None
    else:
        assert outcome(_check_serial) == outcome(_element)
