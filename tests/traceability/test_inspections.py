"""Inspections sent from the inspector's phone: stored once, whatever the network did."""

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from marketplace.roles import INSPECTORS_GROUP, ensure_role_groups
from traceability.models import Inspection

from ..factories import UserFactory
from ..uploads import EXE, HOSTILE_NAMES, HTML, files_under, multipart, picture, stored_safely

pytestmark = pytest.mark.django_db
URL = "/api/v1/inspections/"


@pytest.fixture
def inspector(db):
    user = UserFactory(username="inspector")
    user.groups.add(ensure_role_groups()[INSPECTORS_GROUP])
    return user


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("shelf.jpg", buffer.getvalue(), content_type="image/jpeg")


def payload(stamp, **overrides):
    data = {
        "client_id": str(uuid.uuid4()),
        "code": stamp.uri,
        "result": "pass",
        "note": "Kệ hàng chợ Thái Nguyên, tem nguyên vẹn",
        "inspected_at": "2026-11-28T09:15:00+07:00",
        "offline_verdict": "genuine",
        "province": "19",
    }
    data.update(overrides)
    return data


def test_inspector_records_an_inspection_with_a_photo(client, inspector, released_batch):
    stamp = released_batch.stamps.first()
    client.force_login(inspector)
    data = payload(stamp, photo=photo())
    response = client.post(URL, data)
    assert response.status_code == 201
    assert response.json()["server_verdict"] == "genuine"
    inspection = Inspection.objects.get()
    assert inspection.stamp == stamp and inspection.inspector == inspector
    assert inspection.province_code == 19 and inspection.photo.name.endswith(".jpg")
    assert inspection.inspected_at.isoformat() == "2026-11-28T02:15:00+00:00"


def test_sending_the_same_inspection_twice_stores_it_once(client, inspector, released_batch):
    client.force_login(inspector)
    data = payload(released_batch.stamps.first())
    assert client.post(URL, data).status_code == 201
    again = client.post(URL, data)
    assert again.status_code == 200 and again.json()["created"] is False
    assert Inspection.objects.count() == 1


def test_an_inspection_of_a_forged_code_keeps_the_code(client, inspector, released_batch):
    client.force_login(inspector)
    forged = released_batch.stamps.first().uri[:-4] + "AAAA"
    response = client.post(URL, payload(released_batch.stamps.first(), code=forged, result="fail"))
    assert response.status_code == 201 and response.json()["server_verdict"] == "forged"
    assert Inspection.objects.get().code == forged


def test_who_may_record(client, released_batch):
    data = payload(released_batch.stamps.first())
    assert client.post(URL, data).status_code == 401
    client.force_login(UserFactory(username="shopper"))
    assert client.post(URL, data).status_code == 403
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("client_id", "not-a-uuid"), ("result", "maybe"), ("code", ""), ("code", "x" * 500)],
)
def test_bad_inspections_are_400_with_a_message(client, inspector, released_batch, field, value):
    client.force_login(inspector)
    response = client.post(URL, payload(released_batch.stamps.first(), **{field: value}))
    assert response.status_code == 400 and response.json()["error"]
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("name", ["x.exe", "looks-like.jpg"])
def test_a_non_image_photo_is_refused(client, inspector, released_batch, name):
    client.force_login(inspector)
    bad = SimpleUploadedFile(name, b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post(URL, payload(released_batch.stamps.first(), photo=bad))
    assert response.status_code == 400 and response.json()["error"]
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    "value",
    ["2026-13-45T10:00:00+07:00", "2026-02-30T10:00:00+07:00", "2026-11-28T10:00+25:00", "hôm qua"],
)
def test_impossible_inspection_times_are_400(client, inspector, released_batch, value):
    client.force_login(inspector)
    response = client.post(URL, payload(released_batch.stamps.first(), inspected_at=value))
    assert response.status_code == 400 and "inspected_at" in response.json()["error"]
    assert not Inspection.objects.exists()


def test_a_time_without_offset_is_the_phones_local_time(client, inspector, released_batch):
    client.force_login(inspector)
    data = payload(released_batch.stamps.first(), inspected_at="2026-11-28T09:15:00")
    assert client.post(URL, data).status_code == 201
    assert Inspection.objects.get().inspected_at.isoformat() == "2026-11-28T02:15:00+00:00"


def test_nul_characters_are_refused(client, inspector, released_batch):
    client.force_login(inspector)
    response = client.post(URL, payload(released_batch.stamps.first(), note="kệ\x00hàng"))
    assert response.status_code == 400
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("shelf.jpg", HTML),  # an HTML page renamed
        ("shelf.jpg", EXE),  # a program renamed
        ("shelf.jpg", picture("JPEG")[:80]),  # cut off: Pillow cannot read it whole
        ("shelf.bmp", picture("BMP")),  # a picture, of a kind not accepted
    ],
)
def test_a_photo_that_is_not_a_photo_is_refused_and_not_stored(
    client, inspector, released_batch, settings, name, content
):
    client.force_login(inspector)
    bad = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(URL, payload(released_batch.stamps.first(), photo=bad))
    assert response.status_code == 400 and response.json()["error"]
    assert not Inspection.objects.exists() and not files_under(settings.MEDIA_ROOT)


def test_a_photo_over_the_limits_is_refused_with_the_limit(
    client, inspector, released_batch, settings, monkeypatch
):
    from traceability import services

    client.force_login(inspector)
    monkeypatch.setattr(services, "INSPECTION_PHOTO_MAX_BYTES", 1024)
    big = SimpleUploadedFile("shelf.png", picture("PNG") + b"\x00" * 2048, "image/png")
    response = client.post(URL, payload(released_batch.stamps.first(), photo=big))
    assert response.status_code == 400 and "1,0\xa0KB" in response.json()["error"]
    monkeypatch.setattr(services, "INSPECTION_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    wide = SimpleUploadedFile("shelf.png", picture("PNG", size=(50, 50)), "image/png")
    response = client.post(URL, payload(released_batch.stamps.first(), photo=wide))
    assert response.status_code == 400 and "2500" in response.json()["error"]
    assert not Inspection.objects.exists() and not files_under(settings.MEDIA_ROOT)


@pytest.mark.parametrize("hostile", list(HOSTILE_NAMES))
def test_a_photo_name_never_makes_a_path(client, inspector, released_batch, settings, hostile):
    client.force_login(inspector)
    fields = payload(released_batch.stamps.first())
    body = multipart(fields, {"photo": (HOSTILE_NAMES[hostile] + ".png", picture(), "image/png")})
    assert client.post(URL, **body).status_code == 201
    stored = Inspection.objects.get().photo.name
    assert stored_safely(settings.MEDIA_ROOT, stored, "inspections"), stored
    assert re.fullmatch(r"inspections/[0-9a-f]{32}\.png", stored)  # ours, not the phone's
