"""What may be uploaded, judged by its content, and the name it is stored under.

Every upload of the site, its limits and where they are checked:

- Wagtail images (product and cooperative photos; the admin's add, multiple-add, chooser and
  replace-file forms): ``WAGTAILIMAGES_MAX_UPLOAD_SIZE``, ``WAGTAILIMAGES_MAX_IMAGE_PIXELS`` and
  ``WAGTAILIMAGES_EXTENSIONS`` by Wagtail's field (the extension must match the format Willow
  finds), after Pillow's ``verify`` here (``ImageForm``: Wagtail's own pixel count fails with a
  server error on a truncated file); Wagtail folds the name to ASCII.
- Wagtail documents (OCOP certificate scans): ``WAGTAILDOCS_MAX_UPLOAD_SIZE`` by Wagtail's
  field, ``WAGTAILDOCS_EXTENSIONS`` and a content that is what the extension says here
  (``DocumentForm``), stored under a folded ASCII name (``safe_name``).
- Registration documents (``marketplace.forms.check_document``): PDF, JPEG or PNG by content,
  ``COOPERATIVE_DOCUMENT_MAX_BYTES``, stored under a random name in the private folder.
- Inspection photos (``traceability.services.inspection_record``) and the admin's profile
  pictures (``limit_avatar_uploads``): ``checked_photo`` / ``check_avatar``.
- The stock and price CSV (``catalog.bulk.read_csv``): ``CATALOG_IMPORT_MAX_BYTES``, UTF-8
  text without NUL; never stored.

A name from the client never makes a path: Django's multipart parser keeps its last part
without control characters, storages clean it again (``get_valid_name``) and refuse ``..``,
and the names chosen here are ours or folded to ``[a-z0-9_-]``.
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from .text import fold

PDF_MAGIC = b"%PDF-"
# Pillow's format name -> the extension a stored file gets.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SAME_EXTENSION = {"jpeg": "jpg"}


def image_format(upload) -> tuple[str | None, int]:
    """``(Pillow's format name, pixels)`` of an uploaded image, after Pillow's ``verify`` (its
    integrity checks, without decoding the pixels): a file Pillow cannot identify, a broken or
    truncated one, a decompression bomb is ``(None, 0)``. The file is left at its start."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None, 0
    finally:
        upload.seek(0)
    return kind, width * height


def document_kind(upload) -> str | None:
    """``"pdf"``, ``"jpg"`` or ``"png"`` from a document's content (not its name), or None."""
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        return "pdf"
    kind, _pixels = image_format(upload)
    return {"JPEG": "jpg", "PNG": "png"}.get(kind)


def safe_name(name: str, *, max_stem: int = 60) -> str:
    """An uploaded file's name as stored: its last path part, folded to ASCII letters, digits,
    ``-`` and ``_`` (``"Giấy chứng nhận HTX.PDF"`` -> ``"giay-chung-nhan-htx.pdf"``), at most
    ``max_stem`` characters before the extension; ``"file"`` when nothing is left."""
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = extension, ""
    stem = slugify(fold(stem))[:max_stem].strip("-_") or "file"
    extension = re.sub(r"[^a-z0-9]", "", fold(extension))[:8]
    return f"{stem}.{extension}" if extension else stem


def _too_big(size: int, limit: int) -> ValidationError:
    # Wagtail's own message (and its translation).
    return ValidationError(
        _("This file is too big (%(file_size)s). Maximum filesize %(max_filesize)s.")
        % {"file_size": filesizeformat(size), "max_filesize": filesizeformat(limit)},
        code="file_too_large",
    )


def _photo_problem(upload, *, max_bytes: int) -> tuple[ValidationError | None, str | None]:
    if upload.size > max_bytes:
        return _too_big(upload.size, max_bytes), None
    kind, pixels = image_format(upload)
    if kind not in PHOTO_FORMATS:
        return ValidationError(
            _("Not a supported image format. Supported formats: %(supported_formats)s.")
            % {"supported_formats": "JPEG, PNG, WEBP"},
            code="invalid_image_extension",
        ), None
    limit = settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS
    if pixels > limit:
        return ValidationError(
            _(
                "This file has too many pixels (%(num_pixels)s). "
                "Maximum pixels %(max_pixels_count)s."
            )
            % {"num_pixels": pixels, "max_pixels_count": limit},
            code="file_too_many_pixels",
        ), None
    return None, kind


def checked_photo(upload, *, max_bytes: int):
    """A photo sent by a phone: at most ``max_bytes`` and ``WAGTAILIMAGES_MAX_IMAGE_PIXELS``, a
    JPEG, PNG or WebP by Pillow's reading, whatever its name says. Returned renamed to a
    random name with its format's extension (nothing of the sent name is kept); raises
    ``ValidationError`` with the reason."""
    problem, kind = _photo_problem(upload, max_bytes=max_bytes)
    if problem is not None:
        raise problem
    upload.name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[kind]}"
    return upload


def check_avatar(upload) -> None:
    """Validator of the admin's profile picture (Wagtail's account page resizes it with Pillow
    after the field's own check): a photo within the image limits."""
    if isinstance(upload, UploadedFile):
        problem, _kind = _photo_problem(upload, max_bytes=settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE)
        if problem is not None:
            raise problem


def limit_avatar_uploads() -> None:
    """Wagtail's profile-picture form has no size or pixel limit of its own: add ours to its
    field (the form class is Wagtail's; every instance copies the field with its validators)."""
    from wagtail.admin.forms.account import AvatarPreferencesForm

    field = AvatarPreferencesForm.base_fields["avatar"]
    if check_avatar not in field.validators:
        field.validators.append(check_avatar)


class VerifiedImageField(WagtailImageField):
    """Wagtail's image field (size, pixels, an extension matching the format) behind Pillow's
    ``verify`` of the whole file: a truncated or forged image is a form error, where Wagtail's
    own pixel count decodes it and fails with an ``OSError`` (a server error), and it never
    reaches the renditions of a product page."""

    def to_python(self, data):
        if isinstance(data, UploadedFile) and image_format(data)[0] is None:
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image")
        return super().to_python(data)


class ImageForm(BaseImageForm):
    """The admin's image forms (``WAGTAILIMAGES_IMAGE_FORM_BASE``: add, multiple add, chooser,
    replace the file), with ``VerifiedImageField``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None:
            # Made here, as Wagtail makes its own per form, so it reads the limits now.
            self.fields["file"] = VerifiedImageField(
                label=field.label, widget=field.widget, required=field.required
            )


class DocumentForm(BaseDocumentForm):
    """The admin's document forms (``WAGTAILDOCS_DOCUMENT_FORM_BASE``): the content must be
    what the extension says (a PDF, JPEG or PNG: ``WAGTAILDOCS_EXTENSIONS``), and the file is
    stored under a folded ASCII name."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload
        extension = upload.name.rpartition(".")[2].lower()
        if extension not in settings.WAGTAILDOCS_EXTENSIONS:
            return upload  # Wagtail's model check refuses it, naming the extensions allowed
        if document_kind(upload) != SAME_EXTENSION.get(extension, extension):
            allowed = ", ".join(e.upper() for e in settings.WAGTAILDOCS_EXTENSIONS)
            raise ValidationError(
                _("This file's content is not a %(formats)s file, whatever its name says.")
                % {"formats": allowed},
                code="invalid_document",
            )
        upload.name = safe_name(upload.name)
        return upload

    def _post_clean(self):
        # With the upload refused, the instance has no file, and Wagtail's model check of the
        # extension would add "File extension “” is not allowed" beside the real reason.
        if not self.has_error("file"):
            return super()._post_clean()
        reason = self.errors["file"].copy()
        super()._post_clean()
        self.errors["file"] = reason
