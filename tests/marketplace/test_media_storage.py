"""Production images: stored in S3-compatible object storage and served from it over HTTP.

The object store is moto's server mode, a real S3 HTTP endpoint on a loopback port. Django runs
with the media settings production.py builds from the environment (loaded in a subprocess, as
the production tests do), and every image is fetched back the way a shopper's browser would.
"""

import io
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.test import TestCase, override_settings
from PIL import Image as PILImage
from wagtail.images import get_image_model

from ..conftest import local_server
from ..factories import add_product
from .test_settings import GOOD, load_production, production_settings

BUCKET = "ocop-media-test"
REGION = "us-east-1"
LONG_CACHE = "public, max-age=31536000, immutable"
# Dummy credentials: moto accepts any. Production reads real ones from the same variables.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret"}


@pytest.fixture(scope="session")
def object_store():
    """moto_server on a free loopback port for the whole run, with an empty bucket."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError:
        pytest.skip("moto is not installed: pip install -e '.[test]' (it brings moto[server])")

    with local_server(
        lambda port: [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        "/moto-api/",
        "moto_server",
    ) as endpoint:
        yield _bucket(endpoint)


def _bucket(endpoint: str) -> SimpleNamespace:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    return SimpleNamespace(endpoint=endpoint, client=client, bucket=BUCKET)


@pytest.fixture(scope="session")
def production_media(object_store):
    """The STORAGES default and AWS_* settings production.py builds for this bucket."""
    env = {k: v for k, v in GOOD.items() if k != "MEDIA_SERVED_BY"}
    values = production_settings(
        {
            **env,
            **CREDENTIALS,
            "AWS_STORAGE_BUCKET_NAME": object_store.bucket,
            "AWS_S3_ENDPOINT_URL": object_store.endpoint,
            "AWS_S3_REGION_NAME": REGION,
        },
        "STORAGES",
        "AWS_*",
    )
    storages_setting = values.pop("STORAGES")
    return SimpleNamespace(default=storages_setting["default"], aws=values)


@pytest.fixture
def s3_media(production_media, object_store, monkeypatch):
    """Django's default storage is production's S3 storage on moto, for one test.

    Django caches storage instances (``storages`` and ``default_storage``); changing STORAGES
    through override_settings sends ``setting_changed``, whose handler empties both caches on
    the way in and on the way out.
    """
    from storages.backends.s3 import S3Storage

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    from django.conf import settings

    local = settings.STORAGES
    with override_settings(
        STORAGES={**local, "default": production_media.default}, **production_media.aws
    ):
        assert isinstance(storages["default"], S3Storage)
        assert default_storage.bucket_name == object_store.bucket
        yield object_store
    # Restored: later tests store on the local disk again.
    assert type(storages["default"]) is FileSystemStorage
    default_storage._setup()
    assert default_storage._wrapped is storages["default"]


def make_photo(name: str = "che-la-bang.png", size=(640, 480)):
    """A Wagtail image from a PNG made by Pillow, larger than the renditions cut from it."""
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (40, 120, 60)).save(buffer, "PNG")
    image = get_image_model()(title="Chè búp", file=ImageFile(buffer, name=name))
    image.save()
    return image


def fetch(url: str, object_store):
    """GET ``url`` as a browser would; only ever the loopback object store."""
    assert url.startswith(f"{object_store.endpoint}/{object_store.bucket}/"), url
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


def key_of(url: str, object_store) -> str:
    return url.removeprefix(f"{object_store.endpoint}/{object_store.bucket}/")


def is_public_read(object_store, key: str) -> bool:
    acl = object_store.client.get_object_acl(Bucket=object_store.bucket, Key=key)
    return any(
        grant["Grantee"].get("URI") == "http://acs.amazonaws.com/groups/global/AllUsers"
        and grant["Permission"] == "READ"
        for grant in acl["Grants"]
    )


pytestmark = pytest.mark.django_db


def test_a_rendition_is_served_by_the_object_store_with_long_cache_headers(s3_media):
    image = make_photo()
    rendition = image.get_rendition("fill-300x300|format-webp")

    url = rendition.url
    assert "?" not in url  # a plain public URL: no expiring signature
    status, headers, body = fetch(url, s3_media)
    assert status == 200
    assert headers["Content-Type"] == "image/webp"
    assert headers["Cache-Control"] == LONG_CACHE
    with PILImage.open(io.BytesIO(body)) as served:
        assert served.format == "WEBP"
        assert served.size == (300, 300)
    assert is_public_read(s3_media, key_of(url, s3_media))


def test_originals_are_stored_in_the_bucket_under_names_never_reused(s3_media):
    first, second = make_photo("giong-nhau.png"), make_photo("giong-nhau.png")
    assert first.file.name != second.file.name  # AWS_S3_FILE_OVERWRITE = False

    for image in (first, second):
        status, headers, body = fetch(image.file.url, s3_media)
        assert status == 200
        assert headers["Content-Type"] == "image/png"
        assert headers["Cache-Control"] == LONG_CACHE
        with PILImage.open(io.BytesIO(body)) as served:
            assert served.size == (640, 480)
    keys = {
        item["Key"]
        for item in s3_media.client.list_objects_v2(
            Bucket=s3_media.bucket, Prefix="original_images/"
        )["Contents"]
    }
    assert {first.file.name, second.file.name} <= keys


def test_product_page_shows_images_from_the_object_store(client, tree, s3_media):
    product = add_product(tree.coop_page, image=make_photo())

    html = client.get(product.url).content.decode()
    prefix = re.escape(f"{s3_media.endpoint}/{s3_media.bucket}/")
    sources = re.findall(rf'<img\b[^>]*\ssrc="({prefix}[^"]+)"', html)
    assert sources, html
    for src in sources:
        status, headers, body = fetch(src, s3_media)
        assert status == 200 and headers["Content-Type"] == "image/webp"
        with PILImage.open(io.BytesIO(body)) as served:
            assert served.format == "WEBP"
    assert "/media/" not in html


def test_a_missing_object_is_a_404_from_the_store(s3_media):
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(default_storage.url("images/no-such-file.webp"), s3_media)
    assert missing.value.code == 404


def test_stamp_print_files_stay_on_the_private_disk_with_s3_media(s3_media, tree, settings):
    import datetime

    from traceability.services import batch_create, stamp_order_create

    product = add_product(tree.coop_page, stock=10)
    batch = batch_create(
        variant=product.variants.get(),
        lot="S3TEST",
        production_date=datetime.date(2026, 3, 15),
        quantity=10,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        order = stamp_order_create(batch=batch, count=3)
    order.refresh_from_db()

    assert order.pdf_file and order.csv_file
    private = settings.TRACE_PRINT_FILES_ROOT.resolve()
    for field in (order.pdf_file, order.csv_file):
        assert type(field.storage).__name__ == "PrintFilesStorage"
        assert isinstance(field.storage, FileSystemStorage)
        assert field.storage.base_url is None  # no URL at all: the admin view streams them
        path = field.storage.path(field.name)
        assert path.startswith(str(private)) and Path(path).read_bytes()
    listed = s3_media.client.list_objects_v2(Bucket=s3_media.bucket, Prefix="stamps/")
    assert listed["KeyCount"] == 0
    # The S3 default storage is in use all along: a plain default-storage save lands there.
    name = default_storage.save("probe/s3.txt", ContentFile(b"s3"))
    assert s3_media.client.get_object(Bucket=s3_media.bucket, Key=name)["Body"].read() == b"s3"


PRIVATE_BUCKET = "ocop-private-test"


def test_print_files_go_to_the_private_bucket_and_only_the_admin_hands_them_out(
    object_store, tree, settings, client, monkeypatch
):
    """Several machines (web processes, stamp workers) share print files through a private
    bucket: written there by the task, no URL of the store hands them out, the owner's download
    in the admin streams them."""
    import datetime

    from django.urls import reverse

    from marketplace.services import membership_add
    from traceability.models import StampOrder
    from traceability.services import batch_create, stamp_order_create
    from traceability.storage import print_files_storage

    from ..factories import UserFactory

    object_store.client.create_bucket(Bucket=PRIVATE_BUCKET)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    settings.PRIVATE_FILES_BUCKET = PRIVATE_BUCKET
    settings.AWS_S3_ENDPOINT_URL = object_store.endpoint
    settings.AWS_S3_REGION_NAME = REGION
    # What Django does when it loads the models under this setting: the fields' storage.
    for name in ("pdf_file", "csv_file"):
        monkeypatch.setattr(StampOrder._meta.get_field(name), "storage", print_files_storage())

    product = add_product(tree.coop_page, stock=10)
    batch = batch_create(
        variant=product.variants.get(),
        lot="S3PRIV",
        production_date=datetime.date(2026, 3, 15),
        quantity=10,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        order = stamp_order_create(batch=batch, count=3)
    order.refresh_from_db()
    assert order.status == StampOrder.Status.DONE, order.error

    listed = object_store.client.list_objects_v2(Bucket=PRIVATE_BUCKET, Prefix="print-files/")
    keys = sorted(item["Key"] for item in listed.get("Contents", []))
    assert [k.rsplit(".", 1)[-1] for k in keys] == ["csv", "pdf"], keys
    assert not any(settings.TRACE_PRINT_FILES_ROOT.rglob("*.pdf"))  # nothing on this disk
    pdf_key = next(k for k in keys if k.endswith(".pdf"))
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(f"{object_store.endpoint}/{PRIVATE_BUCKET}/{pdf_key}", timeout=10)
    assert anonymous.value.code == 403
    stored = object_store.client.get_object(Bucket=PRIVATE_BUCKET, Key=pdf_key)["Body"].read()

    owner = UserFactory(username="htx-owner-s3")
    membership_add(user=owner, cooperative=tree.cooperative, role="owner")
    client.force_login(owner)
    download = client.get(
        reverse("wagtailsnippets_traceability_batch:order_download", args=[order.pk, "pdf"])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored and stored.startswith(b"%PDF")


def test_the_private_bucket_must_not_be_the_public_one():
    refused = load_production(
        {
            **{k: v for k, v in GOOD.items() if k != "MEDIA_SERVED_BY"},
            "AWS_STORAGE_BUCKET_NAME": "ocop-media",
            "PRIVATE_FILES_BUCKET": "ocop-media",
        }
    )
    assert refused.returncode != 0 and "PRIVATE_FILES_BUCKET" in refused.stderr
    shared = production_settings(
        {**GOOD, "PRIVATE_FILES_BUCKET": "ocop-private", "AWS_S3_ENDPOINT_URL": "https://s3.vn"},
        "AWS_S3_ENDPOINT_URL",
        "PRIVATE_FILES_BUCKET",
    )
    assert shared == {
        "AWS_S3_ENDPOINT_URL": "https://s3.vn",
        "PRIVATE_FILES_BUCKET": "ocop-private",
    }
