"""Every upload is limited by size and kind (judged by content), answers a clear form error,
stores nothing when refused, and keeps whatever name the client sent off the disk's paths:
Wagtail images and documents, registration documents, profile pictures, the stock CSV
(inspection photos: tests/traceability/test_inspections.py)."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from wagtail.documents.models import Document
from wagtail.images.models import Image as WagtailImage

from marketplace.models import CooperativeApplication
from marketplace.uploads import safe_name

from ..factories import UserFactory
from ..uploads import EXE, HOSTILE_NAMES, HTML, PDF, files_under, multipart, picture, stored_safely
from ..workspace import prefer_language, two_cooperatives

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, tree):
    client.force_login(UserFactory(username="office", is_staff=True, is_superuser=True))
    return client


def errors_of(response, field="file") -> list:
    assert response.status_code in (200, 400), response.status_code
    return response.context["form"].errors.as_data().get(field, [])


# --- Wagtail images ------------------------------------------------------------------------

IMAGES = "/admin/images/add/"


def add_image(client, filename, content, content_type="image/png"):
    return client.post(
        IMAGES, {"title": "Ảnh", "file": SimpleUploadedFile(filename, content, content_type)}
    )


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("page.png", HTML, "invalid_image"),  # an HTML page renamed
        ("setup.jpg", EXE, "invalid_image"),  # a program renamed
        ("cut.png", picture()[:60], "invalid_image"),  # a header with no picture behind it
        ("photo.png", picture("JPEG"), "invalid_image_known_format"),  # a JPEG named .png
        ("icon.bmp", picture("BMP"), "invalid_image_extension"),
        ("anim.gif", picture("GIF"), "invalid_image_extension"),
    ],
)
def test_an_image_that_is_not_what_it_says_is_a_form_error(
    office, settings, filename, content, code
):
    response = add_image(office, filename, content)
    assert [e.code for e in errors_of(response)] == [code]
    assert not WagtailImage.objects.exists() and not files_under(settings.MEDIA_ROOT)


def test_images_over_the_size_or_pixel_limit_are_refused_with_the_limit(office, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1024
    response = add_image(office, "big.png", picture(size=(400, 400)) + b"\x00" * 2048)
    (error,) = errors_of(response)
    assert error.code == "file_too_large" and "1,0\xa0KB" in error.messages[0]
    assert "quá lớn" in response.content.decode()  # in the admin's language
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    (error,) = errors_of(add_image(office, "wide.png", picture(size=(50, 50))))
    assert error.code == "file_too_many_pixels"
    assert not WagtailImage.objects.exists() and not files_under(settings.MEDIA_ROOT)


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_a_good_image_is_stored_in_its_folder(office, settings, kind):
    extension = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[kind]
    response = add_image(office, f"che-bup.{extension}", picture(kind))
    assert response.status_code == 302
    stored = WagtailImage.objects.get().file.name
    assert stored == f"original_images/che-bup.{extension}"
    assert stored_safely(settings.MEDIA_ROOT, stored, "original_images")


@pytest.mark.parametrize("hostile", list(HOSTILE_NAMES))
def test_an_image_name_never_makes_a_path(office, settings, hostile):
    body = multipart(
        {"title": "Ảnh"}, {"file": (HOSTILE_NAMES[hostile] + ".png", picture(), "image/png")}
    )
    assert office.post(IMAGES, **body).status_code == 302
    stored = WagtailImage.objects.get().file.name
    assert stored_safely(settings.MEDIA_ROOT, stored, "original_images"), stored
    assert files_under(settings.MEDIA_ROOT) == [Path(settings.MEDIA_ROOT) / stored]


def test_the_multiple_upload_refuses_a_renamed_file_with_its_reason(office, settings):
    response = office.post(
        "/admin/images/multiple/add/",
        {"files[]": SimpleUploadedFile("page.png", HTML, "image/png")},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.json()["success"] is False and response.json()["error_message"]
    assert not WagtailImage.objects.exists() and not files_under(settings.MEDIA_ROOT)


# --- Wagtail documents (certificate scans) -------------------------------------------------

DOCUMENTS = "/admin/documents/add/"


def add_document(client, filename, content, content_type="application/pdf"):
    return client.post(
        DOCUMENTS,
        {"title": "Giấy chứng nhận", "file": SimpleUploadedFile(filename, content, content_type)},
    )


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("certificate.pdf", EXE),  # a program renamed .pdf
        ("certificate.pdf", HTML),
        ("scan.png", HTML),  # an HTML page renamed .png
        ("scan.jpg", picture("PNG")),  # an image, but not the kind its name says
        ("certificate.exe", EXE),
        ("page.html", HTML),
    ],
)
def test_a_document_that_is_not_what_it_says_is_a_form_error(office, settings, filename, content):
    errors = errors_of(add_document(office, filename, content))
    assert len(errors) == 1, errors  # one reason, not the model's "extension “”" beside it
    assert "PDF" in errors[0].messages[0] or "pdf" in errors[0].messages[0]
    assert not Document.objects.exists() and not files_under(settings.MEDIA_ROOT)


def test_a_document_over_the_limit_is_refused_with_the_limit(office, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    response = add_document(office, "big.pdf", PDF + b"0" * 4096)
    (error,) = errors_of(response)
    assert error.code == "file_too_large" and "1,0\xa0KB" in error.messages[0]
    assert not Document.objects.exists() and not files_under(settings.MEDIA_ROOT)


@pytest.mark.parametrize(
    ("filename", "content"),
    [("giay-chung-nhan.pdf", PDF), ("scan.PNG", picture()), ("scan.jpeg", picture("JPEG"))],
)
def test_a_good_document_is_stored_in_its_folder(office, settings, filename, content):
    assert add_document(office, filename, content).status_code == 302
    stored = Document.objects.get().file.name
    assert stored == "documents/" + safe_name(filename)
    assert stored_safely(settings.MEDIA_ROOT, stored, "documents")


@pytest.mark.parametrize("hostile", list(HOSTILE_NAMES))
def test_a_document_name_never_makes_a_path(office, settings, hostile):
    body = multipart(
        {"title": "Giấy chứng nhận"},
        {"file": (HOSTILE_NAMES[hostile] + ".pdf", PDF, "application/pdf")},
    )
    assert office.post(DOCUMENTS, **body).status_code == 302
    stored = Document.objects.get().file.name
    assert stored_safely(settings.MEDIA_ROOT, stored, "documents"), stored
    if hostile == "vietnamese":
        assert stored == "documents/giay-chung-nhan-htx-dong-hy.pdf"


def test_safe_names_fold_and_shorten():
    assert safe_name("Giấy chứng nhận HTX.PDF") == "giay-chung-nhan-htx.pdf"
    assert safe_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert safe_name("C:\\Users\\x\\..\\scan.jpg") == "scan.jpg"
    assert safe_name("..") == "file" and safe_name(".pdf") == "file.pdf"
    assert safe_name("\x00\x01.pdf") == "file.pdf"
    assert len(safe_name("a" * 300 + ".pdf")) == 64
    assert safe_name("scan.p\x00d/f") == "f"  # the last part of a path, whatever it holds


# --- Registration documents (the storefront's joining form) -------------------------------

REGISTER = "/cooperatives/register/"
REGISTRATION = {
    "name": "HTX Miến dong Côn Minh",
    "registration_number": "4700123456",
    "tax_code": "4700123456",
    "province": "19",
    "ward": "5818",
    "address_line": "Thôn Bản Ruộc",
    "contact_name": "Hoàng Văn Minh",
    "phone": "0912345678",
    "email": "mien.conminh@example.vn",
}


@pytest.fixture
def ws(tree):
    return two_cooperatives(tree)


def register(client, filename, content, content_type="application/pdf"):
    body = multipart(REGISTRATION, {"document": (filename, content, content_type)})
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(REGISTER, HTTP_ACCEPT_LANGUAGE="vi", **body)


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("giay-dang-ky.pdf", EXE),  # a program renamed .pdf
        ("giay-dang-ky.png", HTML),  # an HTML page renamed .png
        ("giay-dang-ky.jpg", picture("GIF")),  # a picture of a kind not accepted
    ],
)
def test_a_registration_document_of_the_wrong_kind_is_a_form_error(
    client, ws, settings, filename, content
):
    response = register(client, filename, content)
    assert response.status_code == 400
    assert "PDF" in " ".join(response.context["form"].errors["document"])
    assert not CooperativeApplication.objects.exists()
    assert not files_under(settings.PRIVATE_FILES_ROOT)


@pytest.mark.parametrize("hostile", list(HOSTILE_NAMES))
def test_a_registration_document_name_never_makes_a_path(client, ws, settings, hostile):
    response = register(client, HOSTILE_NAMES[hostile] + ".pdf", PDF)
    assert response.status_code == 302
    application = CooperativeApplication.objects.get()
    stored = application.document.name
    assert stored_safely(settings.PRIVATE_FILES_ROOT, stored, r"registrations/\d{4}/\d{2}")
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.rpartition("/")[2])  # ours, not theirs
    assert "/" not in application.document_name and "\x00" not in application.document_name
    assert not files_under(settings.MEDIA_ROOT)  # private: never under the media folder


# --- The admin's profile pictures (Wagtail's account page) -----------------------------------


def avatar_form(user, filename, content, content_type="image/png"):
    from wagtail.admin.forms.account import AvatarPreferencesForm
    from wagtail.users.models import UserProfile

    upload = SimpleUploadedFile(filename, content, content_type)
    return AvatarPreferencesForm({}, {"avatar": upload}, instance=UserProfile.get_for_user(user))


def test_a_profile_picture_is_limited_like_the_images(settings, tree):
    user = UserFactory(username="owner")
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1024
    big = avatar_form(user, "me.png", picture(size=(600, 600)) + b"\x00" * 4096)
    assert not big.is_valid() and big.errors.as_data()["avatar"][0].code == "file_too_large"
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    wide = avatar_form(user, "me.png", picture(size=(50, 50)))
    assert not wide.is_valid() and "avatar" in wide.errors
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
    for filename, content in [("me.png", HTML), ("me.jpg", EXE), ("me.bmp", picture("BMP"))]:
        assert not avatar_form(user, filename, content).is_valid(), filename
    good = avatar_form(user, "Ảnh của tôi.png", picture())
    assert good.is_valid(), good.errors
    good.save()
    stored = good.instance.avatar.name
    assert stored.startswith("avatar_images/") and "/" not in stored[len("avatar_images/") :]
    assert (
        (Path(settings.MEDIA_ROOT) / stored)
        .resolve()
        .is_relative_to((Path(settings.MEDIA_ROOT) / "avatar_images").resolve())
    )


def test_the_account_page_uses_the_limited_form(office):
    from marketplace.uploads import check_avatar

    response = office.get("/admin/account/")
    assert response.status_code == 200
    forms = [
        panel.get_form() for tab in response.context["panels_by_tab"].values() for panel in tab
    ]
    avatar = [f for f in forms if "avatar" in f.fields]
    assert avatar and check_avatar in avatar[0].fields["avatar"].validators


# --- The stock and price CSV (never stored) ---------------------------------------------------


def test_a_program_renamed_csv_is_refused_and_nothing_changes(client, ws, settings):
    from django.urls import reverse

    before = (ws.tea_variant.price, ws.tea_variant.stock.on_hand)
    client.force_login(prefer_language(ws.owner_a, "en"))
    response = client.post(
        reverse("ocop_quick_stock_import"),
        {"file": SimpleUploadedFile("stock.csv", EXE, content_type="text/csv")},
    )
    assert response.status_code == 400 and "not a CSV text file" in response.content.decode()
    ws.tea_variant.refresh_from_db()
    ws.tea_variant.stock.refresh_from_db()
    assert (ws.tea_variant.price, ws.tea_variant.stock.on_hand) == before
    assert not files_under(settings.MEDIA_ROOT) and not files_under(settings.PRIVATE_FILES_ROOT)


def test_upload_limits_are_sane():
    from django.conf import settings

    assert settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE == 10 * 1024 * 1024
    assert settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS == 40_000_000
    assert set(settings.WAGTAILIMAGES_EXTENSIONS) == {"jpg", "jpeg", "png", "webp"}
    assert settings.WAGTAILDOCS_MAX_UPLOAD_SIZE == 10 * 1024 * 1024
    assert set(settings.WAGTAILDOCS_EXTENSIONS) == {"pdf", "jpg", "jpeg", "png"}
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    # nginx lets the largest upload and its form through, and nothing much bigger.
    nginx = (Path(__file__).parents[2] / "deploy/nginx/ocop.conf.template").read_text()
    limit = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1)) * 1024 * 1024
    largest = max(settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE, settings.WAGTAILDOCS_MAX_UPLOAD_SIZE)
    assert largest < limit <= largest + 4 * 1024 * 1024
