"""Stamps: signatures, Digital Link round trip, bulk issuing and its guarantees."""

import random

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from traceability import issuing
from traceability.digital_link import (
    MalformedLink,
    StampCode,
    parse_stamp_uri,
    stamp_uri,
)
from traceability.models import Batch, Stamp, StampOrder
from traceability.services import (
    TraceabilityError,
    batch_create,
    batch_recall,
    stamp_order_create,
)
from traceability.signing import (
    b64url,
    b64url_decode,
    keyring,
    public_key_set,
    verify,
    vouched_for,
)
from traceability.verification import FORGED, stamp_verify

from ..factories import (
    CooperativeFactory,
    UserFactory,
    add_cooperative_page,
    add_product,
    next_gtin,
)
from .conftest import issue

pytestmark = pytest.mark.django_db


def test_issued_stamps_are_signed_digital_links_that_round_trip(batch):
    order = issue(batch, 25)
    assert order.status == StampOrder.Status.DONE and order.issued == 25
    stamps = list(batch.stamps.order_by("number"))
    assert [s.number for s in stamps] == list(range(1, 26))
    assert len({s.serial for s in stamps}) == 25
    for stamp in stamps:
        assert len(stamp.serial) == 16  # 80 random bits in base32
        uri = stamp.uri
        assert uri.startswith(f"http://127.0.0.1:8000/01/{batch.gtin}/10/LB2603A/21/")
        code = parse_stamp_uri(uri)
        assert (code.gtin, code.lot, code.serial) == (batch.gtin, "LB2603A", stamp.serial)
        assert verify(code.gtin, code.lot, code.serial, code.signature)
        # Short enough for a 2 cm QR: version <= 10 at error correction M.
        assert segno.make_qr(uri, error="m", boost_error=False).version <= 10


def test_a_long_lot_with_a_slash_still_fits_and_round_trips(variant):
    batch = batch_create(
        variant=variant, lot="LB/2026-03-A.1_XYZ99", production_date="2026-03-01", quantity=10
    )
    issue(batch, 2)
    stamp = batch.stamps.first()
    assert "/10/LB%2F2026-03-A.1_XYZ99/21/" in stamp.uri
    code = parse_stamp_uri("https://ocop.example.vn" + stamp.uri.split("8000", 1)[1])
    assert code.lot == "LB/2026-03-A.1_XYZ99" and verify(
        code.gtin, code.lot, code.serial, code.signature
    )
    assert segno.make_qr(stamp.uri, error="m", boost_error=False).version <= 10


def _forgeries(stamp, other, n, rng):
    gtin, lot, serial = stamp.gtin, stamp.batch.lot, stamp.serial
    sig = f"{stamp.key_id}.{stamp.signature}"
    raw = b64url_decode(stamp.signature)
    for i in range(n):
        kind = i % 6
        if kind == 0:  # flip one random bit of the signature
            flipped = bytearray(raw)
            bit = rng.randrange(len(flipped) * 8)
            flipped[bit // 8] ^= 1 << (bit % 8)
            yield gtin, lot, serial, f"{stamp.key_id}.{b64url(bytes(flipped))}"
        elif kind == 1:  # another serial with this signature
            yield (
                gtin,
                lot,
                "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
                sig,
            )
        elif kind == 2:  # another lot
            yield gtin, f"LB{rng.randrange(10**6)}", serial, sig
        elif kind == 3:  # another GTIN
            yield next_gtin(), lot, serial, sig
        elif kind == 4:  # the signature of another stamp moved onto this serial
            yield gtin, lot, serial, f"{other.key_id}.{other.signature}"
        else:  # random bytes, truncated, or an unknown key id
            choice = rng.randrange(3)
            if choice == 0:
                yield gtin, lot, serial, f"{stamp.key_id}.{b64url(rng.randbytes(64))}"
            elif choice == 1:
                yield gtin, lot, serial, sig[: rng.randrange(1, len(sig))]
            else:
                yield gtin, lot, serial, f"other-{rng.randrange(99)}.{stamp.signature}"


def test_ten_thousand_forgeries_are_rejected_by_the_server(batch):
    issue(batch, 2)
    stamp, other = batch.stamps.order_by("number")
    rng = random.Random(2603)
    forged = list(_forgeries(stamp, other, 10_000, rng))
    assert len(forged) == 10_000
    accepted = [f for f in forged if verify(*f)]
    assert accepted == []
    assert verify(stamp.gtin, batch.lot, stamp.serial, f"{stamp.key_id}.{stamp.signature}")
    # So does the resolver's whole check (signature, then the stamp looked up).
    verdicts = {stamp_verify(StampCode(*f)).verdict for f in forged}
    assert verdicts == {FORGED}
    genuine = StampCode(stamp.gtin, batch.lot, stamp.serial, f"{stamp.key_id}.{stamp.signature}")
    assert stamp_verify(genuine).signature_valid


def test_old_keys_keep_verifying_after_rotation(batch, settings):
    from cryptography.hazmat.primitives import serialization

    issue(batch, 1)
    old = batch.stamps.get()
    old_public = b64url(keyring().raw_public(old.key_id))
    new_key = Ed25519PrivateKey.generate()
    settings.TRACE_SIGNING_KEY_PEM = new_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.TRACE_SIGNING_KEY_ID = "k2027"
    # Without the retired key published, the old stamp no longer verifies, online either...
    assert not verify(old.gtin, batch.lot, old.serial, f"{old.key_id}.{old.signature}")
    assert stamp_verify(_code(old)).verdict == FORGED
    settings.TRACE_RETIRED_PUBLIC_KEYS = f"{old.key_id}:{old_public}"
    # ...with it, both the old and the new stamps do, and both keys are published.
    assert verify(old.gtin, batch.lot, old.serial, f"{old.key_id}.{old.signature}")
    issue(batch, 1)
    new = batch.stamps.get(number=2)
    assert new.key_id == "k2027"
    assert verify(new.gtin, batch.lot, new.serial, f"{new.key_id}.{new.signature}")
    kids = {k["kid"]: k["status"] for k in public_key_set()["keys"]}
    assert kids == {old.key_id: "retired", "k2027": "current"}
    # The resolver: the old stamp's tag was made under the retired key (which this server no
    # longer holds): its signature is checked with Ed25519, and it is still genuine.
    for stamp in (old, new):
        code = StampCode(stamp.gtin, batch.lot, stamp.serial, f"{stamp.key_id}.{stamp.signature}")
        assert stamp_verify(code).signature_valid
    assert not vouched_for(old.gtin, batch.lot, old.serial, f"{old.key_id}.{old.signature}", old)
    assert vouched_for(new.gtin, batch.lot, new.serial, f"{new.key_id}.{new.signature}", new)


@pytest.fixture
def ed25519_checks(monkeypatch):
    """The signatures the resolver checked with Ed25519."""
    from traceability import verification

    checked = []
    monkeypatch.setattr(verification, "verify", lambda *a: checked.append(a) or verify(*a))
    return checked


def _code(stamp, signature=None) -> StampCode:
    signature = signature or f"{stamp.key_id}.{stamp.signature}"
    return StampCode(stamp.gtin, stamp.batch.lot, stamp.serial, signature)


def test_an_issued_stamp_is_vouched_for_by_its_tag_without_ed25519(batch, ed25519_checks, settings):
    old_key = b64url(Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    settings.TRACE_RETIRED_PUBLIC_KEYS = f"old-1:{old_key}"
    issue(batch, 3)
    for stamp in batch.stamps.all():
        assert len(stamp.tag) == 22
        verdict = stamp_verify(_code(stamp))
        assert verdict.signature_valid and verdict.stamp == stamp
    assert ed25519_checks == []
    # Another spelling of the same signature bytes is not what was printed: checked, refused.
    stamp = batch.stamps.first()
    sibling = {"A": "B", "Q": "R", "g": "h", "w": "x"}[stamp.signature[-1]]
    altered = f"{stamp.key_id}.{stamp.signature[:-1]}{sibling}"
    assert stamp_verify(_code(stamp, altered)).verdict == FORGED
    assert stamp_verify(_code(stamp, f"{stamp.key_id}.{stamp.signature}é")).verdict == FORGED
    # The same signature under another published key id is not vouched for: checked, refused.
    assert stamp_verify(_code(stamp, f"old-1.{stamp.signature}")).verdict == FORGED
    assert len(ed25519_checks) == 1


def test_a_row_written_without_the_signing_key_does_not_make_a_code_pass(batch, ed25519_checks):
    """Whoever can write the stamps table, but does not hold the signing key, cannot mint a
    code the resolver calls genuine: a signature of their own, or a tag copied from another
    stamp, is checked with Ed25519 and refused."""
    issue(batch, 2)
    stamp, other = batch.stamps.order_by("number")
    made_up = b64url(random.Random(7).randbytes(64))
    Stamp.objects.filter(pk=stamp.pk).update(signature=made_up, tag=other.tag)
    verdict = stamp_verify(_code(stamp, f"{stamp.key_id}.{made_up}"))
    assert (verdict.verdict, verdict.signature_valid) == (FORGED, False)
    # A genuine stamp's signature and tag both copied onto this serial: still refused.
    Stamp.objects.filter(pk=stamp.pk).update(signature=other.signature, tag=other.tag)
    verdict = stamp_verify(_code(stamp, f"{other.key_id}.{other.signature}"))
    assert (verdict.verdict, verdict.signature_valid) == (FORGED, False)
    Stamp.objects.filter(pk=other.pk).update(tag=b64url(random.Random(8).randbytes(16)))
    assert stamp_verify(_code(other)).signature_valid  # a lost tag: Ed25519 still says yes
    Stamp.objects.filter(pk=other.pk).update(tag="ünïcode", signature="ŝ" * 86)
    assert stamp_verify(_code(other, f"{other.key_id}.{other.signature}")).signature_valid
    assert len(ed25519_checks) == 4


def test_a_row_tag_is_keyed_blake2b_of_the_path_and_signature_under_the_signing_key(batch):
    """Rebuilt from its definition: a tag anyone could compute (no key, or the public key)
    would let a database writer mint codes."""
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from traceability.signing import TAG_INFO

    issue(batch, 1)
    stamp = batch.stamps.get()
    ring = keyring()
    seed = ring.private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    path = f"/01/{stamp.gtin}/10/{batch.lot}/21/{stamp.serial}".encode()
    message = path + b64url_decode(stamp.signature)

    def tag(key: bytes) -> str:
        return b64url(hashlib.blake2b(message, key=key, digest_size=16).digest())

    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=TAG_INFO).derive(seed)
    assert stamp.tag == tag(key)
    assert stamp.tag not in (tag(b""), tag(ring.raw_public(stamp.key_id)))
    assert "tag_key" not in repr(ring)


def test_serial_is_unique_per_gtin_in_the_database(batch):
    issue(batch, 2)
    first, second = batch.stamps.order_by("number")
    with pytest.raises(IntegrityError), transaction.atomic():
        Stamp.objects.filter(pk=second.pk).update(serial=first.serial)


def test_an_interrupted_issue_job_resumes_without_duplicates_or_gaps(batch, monkeypatch):
    order = stamp_order_create(batch=batch, count=550, run=False)
    real_write = issuing._write_rows
    calls = {"n": 0}

    def crash_on_third_chunk(rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        real_write(rows)

    monkeypatch.setattr(issuing, "_write_rows", crash_on_third_chunk)
    with pytest.raises(RuntimeError):
        issuing.issue_stamps(order.pk, chunk_size=100)
    assert batch.stamps.count() == 200  # two whole chunks, the third rolled back
    monkeypatch.setattr(issuing, "_write_rows", real_write)
    issuing.issue_stamps(order.pk, chunk_size=100)
    # Re-running a finished order changes nothing.
    issuing.issue_stamps(order.pk, chunk_size=100)
    numbers = list(batch.stamps.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, 551))
    assert batch.stamps.values("serial").distinct().count() == 550
    order.refresh_from_db()
    assert order.issued == 550


def test_two_orders_get_consecutive_number_ranges(batch):
    first = issue(batch, 5)
    second = issue(batch, 7)
    assert (first.first_number, first.last_number) == (1, 5)
    assert (second.first_number, second.last_number) == (6, 12)
    assert list(second.stamps.order_by("number").values_list("number", flat=True)) == list(
        range(6, 13)
    )


@pytest.mark.parametrize("count", [0, -3, 200_001])
def test_bad_stamp_counts_are_refused_and_nothing_is_issued(batch, count):
    with pytest.raises(TraceabilityError):
        stamp_order_create(batch=batch, count=count)
    assert not StampOrder.objects.exists() and not Stamp.objects.exists()


def test_more_stamps_than_the_batch_holds_are_refused(batch):
    issue(batch, 2000)
    with pytest.raises(TraceabilityError, match="tối đa 100 tem"):
        stamp_order_create(batch=batch, count=101)
    assert batch.stamps.count() == 2000


def test_no_stamps_for_a_recalled_batch(batch):
    batch_recall(batch=batch, reason="Dư lượng thuốc bảo vệ thực vật vượt ngưỡng")
    with pytest.raises(TraceabilityError, match="đã bị thu hồi"):
        stamp_order_create(batch=batch, count=10)
    assert not Stamp.objects.exists()


def test_another_cooperatives_member_cannot_order_stamps(batch, tree):
    other = CooperativeFactory()
    add_cooperative_page(tree.index, other)
    from marketplace.services import membership_add

    stranger = UserFactory()
    membership_add(user=stranger, cooperative=other, role="owner")
    with pytest.raises(PermissionDenied):
        stamp_order_create(batch=batch, count=10, user=stranger)
    assert not StampOrder.objects.exists()


@pytest.mark.parametrize("lot", ["LB 2603", "LÔ2603", "", "A" * 21, "LB#1"])
def test_lot_codes_outside_gs1_characters_are_refused(variant, lot):
    with pytest.raises(ValidationError) as info:
        batch_create(variant=variant, lot=lot, production_date="2026-03-01", quantity=10)
    assert "lot" in info.value.message_dict
    assert not Batch.objects.exists()


def test_lot_code_is_unique_per_gtin(batch, tree):
    with pytest.raises(ValidationError, match="đã dùng cho sản phẩm này"):
        batch_create(variant=batch.variant, lot="LB2603A", production_date="2026-03-02", quantity=5)
    other_product = add_product(tree.coop_page, title="Chè móc câu")
    same_lot = batch_create(
        variant=other_product.variants.get(),
        lot="LB2603A",
        production_date="2026-03-02",
        quantity=5,
    )
    assert same_lot.pk


@pytest.mark.parametrize(
    "text",
    [
        "not a link",
        "https://ocop.vn/01/08931234567890/10/LB/21/X?s=a.b",  # bad check digit
        "https://ocop.vn/01/08931234567893",  # no lot, no serial
        "ftp://x/01/08931234567893/10/A/21/B",
        # A "/" in the serial would let the signed path read two ways (lot "A/21/B", serial
        # "C", or lot "A", serial "B/21/C"): GS1 allows it, no stamp of ours has one.
        "https://ocop.vn/01/08931234567893/10/A/21/B%2F21%2FC?s=a.b",
    ],
)
def test_malformed_links_are_named(text):
    with pytest.raises(MalformedLink):
        parse_stamp_uri(text)


def test_stamp_uri_builder_percent_encodes_like_digital_link():
    uri = stamp_uri("https://r.ocop.vn", "08931234567893", "A/B", "XYZ", "k.sig")
    assert uri == "https://r.ocop.vn/01/08931234567893/10/A%2FB/21/XYZ?s=k.sig"


@pytest.mark.parametrize(
    "text",
    [
        "http://[::1/01/08931234567893/10/A/21/B?s=a.b",
        "http://127.0.0.1]8000/01/08931234567893/10/A/21/B",
        "http://[1.2.3.4]/01/08931234567893/10/A/21/B",
        "http://host:99999/01/08931234567893/10/A/21/B",
        "http://ex\uff0fample.vn/01/08931234567893/10/A/21/B",  # a host that NFKC makes '/'
    ],
)
def test_links_python_cannot_split_are_malformed_not_errors(text):
    with pytest.raises(MalformedLink):
        parse_stamp_uri(text)


def test_only_the_exact_printed_signature_verifies(batch):
    issue(batch, 1)
    stamp = batch.stamps.get()
    gtin, lot, serial = stamp.gtin, batch.lot, stamp.serial
    kid, sig = stamp.key_id, stamp.signature
    assert verify(gtin, lot, serial, f"{kid}.{sig}")
    sibling = {"A": "B", "Q": "R", "g": "h", "w": "x"}[sig[-1]]  # differs in unused bits only
    standard = sig.replace("-", "+").replace("_", "/")
    altered = {
        "last character's sibling": f"{kid}.{sig[:-1]}{sibling}",
        "junk characters inside": f"{kid}.{sig[:40]}!!~~{sig[40:]}",
        "padding appended": f"{kid}.{sig}==",
        "standard alphabet": f"{kid}.{standard}",
        "percent-encoded key id": f"{kid.replace('-', '%2D')}.{sig}",
        "whitespace": f"{kid}. {sig}",
    }
    altered = {k: v for k, v in altered.items() if v != f"{kid}.{sig}"}
    assert [name for name, text in altered.items() if verify(gtin, lot, serial, text)] == []


def test_a_link_with_two_signatures_or_an_encoded_one_is_not_genuine(batch, client):
    issue(batch, 1)
    stamp = batch.stamps.get()
    path, query = stamp.uri.split("127.0.0.1:8000", 1)[1].split("?")
    assert parse_stamp_uri(stamp.uri).signature == query[2:]
    twice = f"{path}?{query}&{query}"
    encoded = f"{path}?{query.replace('-', '%2D', 1)}"
    for link in (twice, encoded):
        signature = parse_stamp_uri("https://x" + link).signature
        assert not verify(stamp.gtin, batch.lot, stamp.serial, signature)
        response = client.get(link, HTTP_ACCEPT="application/json")
        assert (response.status_code, response.json()["verdict"]) == (404, "forged"), link


def test_lot_codes_that_make_the_qr_too_big_are_refused_before_any_stamp(variant):
    with pytest.raises(ValidationError) as info:
        batch_create(
            variant=variant, lot='%%%%%%%%%%""""""""""', production_date="2026-03-01", quantity=10
        )
    assert "lot" in info.value.message_dict
    with pytest.raises(ValidationError):
        batch_create(variant=variant, lot="..", production_date="2026-03-01", quantity=10)
    assert not Batch.objects.exists()


def test_voiding_nothing_is_an_error_not_a_silent_pass(released_batch):
    from traceability.services import stamps_void

    assert stamps_void(batch=released_batch, number_from=1, number_to=2, reason="mất") == 2
    with pytest.raises(TraceabilityError, match=r"(?i)không có tem nào"):
        stamps_void(batch=released_batch, number_from=1, number_to=2, reason="mất lần nữa")


def test_a_broker_outage_marks_the_order_failed_and_retry_completes_it(batch, monkeypatch):
    from django.test import TestCase

    from traceability import tasks
    from traceability.services import stamp_order_retry

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(tasks.issue_stamp_order, "delay", broker_down)
    with TestCase.captureOnCommitCallbacks(execute=True):
        order = stamp_order_create(batch=batch, count=5)
    order.refresh_from_db()
    assert order.status == "failed" and "Redis" in order.error
    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        stamp_order_retry(order=order)
    order.refresh_from_db()
    assert order.status == "done" and batch.stamps.count() == 5


def test_event_dates_outside_reason_are_refused(batch):
    import datetime

    from traceability.models import TraceEvent

    event = TraceEvent(
        batch=batch, step="packing", event_time=datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
    )
    with pytest.raises(ValidationError) as info:
        event.full_clean()
    assert "event_time" in info.value.message_dict


def test_a_colliding_serial_is_drawn_again_not_a_failed_order(batch, monkeypatch):
    issue(batch, 1)
    taken = batch.stamps.get().serial.encode()
    real = issuing._serial_block
    calls = {"n": 0}

    def first_draw_collides(n):
        calls["n"] += 1
        block = real(n)
        return taken + block[len(taken) :] if calls["n"] == 1 else block  # one in 2^80

    monkeypatch.setattr(issuing, "_serial_block", first_draw_collides)
    order = stamp_order_create(batch=batch, count=3, run=False)
    issuing.issue_stamps(order.pk)
    assert calls["n"] >= 2
    assert batch.stamps.count() == 4
    assert batch.stamps.values("serial").distinct().count() == 4


def test_stamps_issued_before_tags_get_them_from_tag_stamps(batch, ed25519_checks):
    """``manage.py tag_stamps``: after the upgrade, older stamps are tagged once their
    signature verifies; a row whose signature does not is refused and left as it is."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    issue(batch, 4)
    Stamp.objects.filter(batch=batch).update(tag="")  # issued before migration 0003
    broken = batch.stamps.get(number=4)
    made_up = b64url(random.Random(4).randbytes(64))
    Stamp.objects.filter(pk=broken.pk).update(signature=made_up)
    other = batch_create(
        variant=batch.variant, lot="OTHER1", production_date=batch.production_date, quantity=5
    )
    issue(other, 1)
    Stamp.objects.filter(batch=other).update(tag="")

    with pytest.raises(CommandError, match="1 stamps do not verify"):
        call_command("tag_stamps", "--batch", batch.lot, stdout=StringIO(), stderr=StringIO())
    tagged = {s.number: s.tag for s in batch.stamps.all()}
    assert all(len(tagged[n]) == 22 for n in (1, 2, 3)) and tagged[4] == ""
    assert other.stamps.get().tag == ""  # another batch: untouched
    ed25519_checks.clear()
    for stamp in batch.stamps.filter(number__lte=3):
        assert stamp_verify(_code(stamp)).signature_valid
    assert ed25519_checks == []  # vouched for by their new tags
    assert stamp_verify(_code(broken, f"{broken.key_id}.{made_up}")).verdict == FORGED

    out = StringIO()
    call_command("tag_stamps", "--batch", other.lot, stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("1 stamps tagged, 0 refused")
    with pytest.raises(CommandError, match="No batch"):
        call_command("tag_stamps", "--batch", "NOSUCH", stdout=StringIO(), stderr=StringIO())
