"""Joining the market: a cooperative registers on the storefront, the province office
approves (page, group, folder and owner account made by the demo loader's service) or rejects
with a reason; an owner invites staff, who sign in and work; staff cannot touch members or the
bank account."""

import io
import re
from pathlib import Path

import pytest
from django.core import mail
from django.http import HttpRequest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from wagtail.models import GroupCollectionPermission, GroupPagePermission

from catalog.models import ProductPage
from cms.models import CooperativePage
from marketplace.models import (
    Cooperative,
    CooperativeApplication,
    Invitation,
    Membership,
    OutboxMessage,
    User,
)

from ..factories import add_product, make_image
from ..workspace import prefer_language, two_cooperatives

pytestmark = pytest.mark.django_db
REGISTER = "/cooperatives/register/"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(content=PDF, name="giay-dang-ky.pdf", content_type="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def form(**overrides):
    data = {
        "name": "HTX Miến dong Côn Minh",
        "registration_number": "4700123456",
        "tax_code": "4700123456",
        "province": "19",
        "ward": "5818",
        "address_line": "Thôn Bản Ruộc",
        "contact_name": "Hoàng Văn Minh",
        "phone": "+84 912 345 678",
        "email": "mien.conminh@example.vn",
        "document": upload(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def ws(tree):
    return two_cooperatives(tree)


def submit(client, **overrides):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(REGISTER, form(**overrides), HTTP_ACCEPT_LANGUAGE="vi")


def test_registration_waits_for_the_office_with_its_document_kept_private(client, ws, settings):
    response = submit(client)
    assert response.status_code == 302
    application = CooperativeApplication.objects.get()
    assert application.status == "pending"
    assert (application.phone, application.province_code, application.ward_code) == (
        "0912345678",
        19,
        5818,
    )
    stored = Path(settings.PRIVATE_FILES_ROOT) / application.document.name
    assert stored.read_bytes() == PDF
    assert not stored.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "giay-dang-ky" not in application.document.name  # our name on disk, not theirs
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == ["mien.conminh@example.vn", "operator@example.vn"]
    # Two e-mails from two tasks: retrying one never sends the other twice.
    sent = OutboxMessage.objects.filter(task="marketplace.tasks.send_application_email")
    kinds = [message.kwargs["kind"] for message in sent]
    assert len(mail.outbox) == 2 and sorted(kinds) == ["new", "received"]
    # The office sees it on its dashboard at once.
    client.force_login(ws.operator)
    assert "HTX Miến dong Côn Minh" in client.get("/admin/").content.decode()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"ward": "5740", "province": "1"}, "ward", "lựa chọn hợp lệ"),
        ({"registration_number": "46-bad"}, "registration_number", ""),
        ({"name": "HTX\x00Null"}, "name", ""),
        ({"contact_name": "Hoàng\x01Văn"}, "contact_name", "NUL"),
        ({"name": "H" * 201}, "name", ""),
        ({"phone": "12345"}, "phone", ""),
        ({"document": None}, "document", ""),
        ({"document": upload(b"hello, not a pdf", name="fake.pdf")}, "document", "PDF"),
        ({"document": upload(jpeg()[:60], name="broken.jpg")}, "document", "PDF"),
    ],
)
def test_bad_registrations_are_form_errors_and_save_nothing(client, ws, overrides, field, message):
    response = submit(client, **overrides)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not CooperativeApplication.objects.exists()
    assert not mail.outbox
    # The rest of what was typed is on the page again.
    assert 'value="mien.conminh@example.vn"' in response.content.decode()


def test_a_commune_of_another_province_is_refused(client, ws):
    # Xã La Hiên (5740) is in Thái Nguyên; the province says Tuyên Quang (8).
    response = submit(client, province="8", ward="5740")
    assert response.status_code == 400
    assert not CooperativeApplication.objects.exists()


def test_duplicate_registration_numbers_are_refused(client, ws):
    response = submit(client, registration_number=ws.a.registration_number)
    assert response.status_code == 400
    assert "đã bán hàng trên sàn" in " ".join(
        response.context["form"].errors["registration_number"]
    )
    assert submit(client).status_code == 302
    again = submit(client, email="other@example.vn")
    assert again.status_code == 400
    assert "đang chờ duyệt" in " ".join(again.context["form"].errors["registration_number"])
    assert CooperativeApplication.objects.count() == 1


def test_an_oversized_document_is_refused_with_the_limit(client, ws, settings):
    settings.COOPERATIVE_DOCUMENT_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (2 * 1024 * 1024)
    response = submit(client, document=upload(big))
    assert response.status_code == 400
    assert "tối đa 1.0 MB" in " ".join(response.context["form"].errors["document"])


def test_a_photo_of_the_certificate_is_accepted(client, ws):
    assert (
        submit(
            client, document=upload(jpeg(), name="anh.jpeg", content_type="image/jpeg")
        ).status_code
        == 302
    )
    assert CooperativeApplication.objects.get().document.name.endswith(".jpg")


def review(client, operator, application, **data):
    client.force_login(prefer_language(operator, "en"))
    url = reverse("ocop_registration_review", args=[application.pk])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def test_approval_makes_the_cooperative_its_page_workspace_and_owner(client, ws):
    submit(client)
    application = CooperativeApplication.objects.get()
    mail.outbox.clear()
    response = review(client, ws.operator, application, action="approve")
    assert response.status_code == 302
    cooperative = Cooperative.objects.get(registration_number="4700123456")
    assert cooperative.status == Cooperative.Status.APPROVED
    assert (cooperative.province_code, cooperative.ward_code) == (19, 5818)
    page = CooperativePage.objects.get(cooperative=cooperative)
    assert page.live and page.get_parent().pk == ws.tree.index.pk
    assert GroupPagePermission.objects.filter(group=cooperative.group, page=page).count() == 2
    assert GroupCollectionPermission.objects.filter(
        group=cooperative.group, collection=page.collection
    ).exists()
    owner = Membership.objects.get(cooperative=cooperative, role="owner").user
    assert owner.email == "mien.conminh@example.vn" and not owner.has_usable_password()
    application.refresh_from_db()
    assert application.status == "approved" and application.decided_by == ws.operator

    # The e-mail's link sets a password; the owner signs in to the cooperative's workspace.
    (message,) = mail.outbox
    assert message.to == ["mien.conminh@example.vn"]
    link = re.search(r"http://testserver(/admin/password_reset/\S+)", message.body).group(1)
    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": "Mien-dong-2026!", "new_password2": "Mien-dong-2026!"},
    )
    assert response.status_code == 302
    assert client.login(request=HttpRequest(), username=owner.username, password="Mien-dong-2026!")
    assert "HTX Miến dong Côn Minh" in client.get("/admin/").content.decode()
    # Deciding twice is refused.
    again = review(client, ws.operator, application, action="approve")
    assert again.status_code == 400 and Cooperative.objects.filter(pk=cooperative.pk).count() == 1


def test_rejection_needs_a_reason_and_tells_the_applicant(client, ws):
    submit(client)
    application = CooperativeApplication.objects.get()
    mail.outbox.clear()
    assert review(client, ws.operator, application, action="reject", reason="").status_code == 400
    response = review(
        client, ws.operator, application, action="reject", reason="Giấy đăng ký đã hết hạn."
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "rejected"
    assert not Cooperative.objects.filter(registration_number="4700123456").exists()
    (message,) = mail.outbox
    assert "Giấy đăng ký đã hết hạn." in message.body


def test_only_operators_review_and_download_documents(client, ws):
    submit(client)
    application = CooperativeApplication.objects.get()
    document = reverse("ocop_registration_document", args=[application.pk])
    client.force_login(ws.operator)
    response = client.get(document)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(ws.owner_a)
    assert client.get(document).status_code == 302  # Wagtail: no permission, back home
    assert client.get(reverse("ocop_registrations")).status_code == 302
    assert review(client, ws.owner_a, application, action="approve").status_code == 302
    application.refresh_from_db()
    assert application.status == "pending"


def invite(client, owner, email):
    client.force_login(owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("ocop_members"), {"action": "invite", "email": email})


def join_link() -> str:
    (message,) = [m for m in mail.outbox if "/cooperatives/join/" in m.body]
    return re.search(r"http://testserver(/cooperatives/join/\S+/)", message.body).group(1)


def test_invited_staff_signs_up_signs_in_and_edits_a_product(client, ws):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    assert invite(client, ws.owner_a, "Thu.Ha@example.vn").status_code == 302
    link = join_link()
    client.logout()
    response = client.post(
        link,
        {
            "username": "thuha",
            "first_name": "Thu Hà",
            "password1": "La-bang-2026!",
            "password2": "La-bang-2026!",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="thuha")
    assert user.email == "thu.ha@example.vn"
    assert Membership.objects.get(user=user).role == "staff"
    client.logout()
    assert client.login(request=HttpRequest(), username="thuha", password="La-bang-2026!")
    product = add_product(ws.tree.coop_page, title="Chè móc câu", price=150_000, image=make_image())
    variant = product.variants.get()
    photo = product.gallery_images.get()
    edit = reverse("wagtailadmin_pages:edit", args=[product.pk])
    assert client.get(edit).status_code == 200
    data = nested_form_data(
        {
            "title": "Chè móc câu La Bằng",
            "slug": product.slug,
            "category": product.category_id,
            "short_description": "Cánh chè cong như móc câu",
            "story": rich_text("<p>Hái sớm.</p>"),
            "gallery_images": inline_formset(
                [{"id": photo.pk, "image": photo.image_id, "caption": ""}], initial=1
            ),
            "variants": inline_formset(
                [
                    {
                        "id": variant.pk,
                        "unit_label": variant.unit_label,
                        "sku": variant.sku,
                        "gtin": variant.gtin,
                        "net_weight_g": variant.net_weight_g,
                        "price": "155000",
                        "compare_at_price": "",
                        "is_active": "on",
                    }
                ],
                initial=1,
            ),
            "origin_ward_code": "",
            "harvest_start_month": "",
            "harvest_end_month": "",
            "preorder_opens": "",
            "preorder_closes": "",
        }
    )
    response = client.post(edit, data)
    assert response.status_code == 302
    assert ProductPage.objects.get(pk=product.pk).get_latest_revision_as_object().title == (
        "Chè móc câu La Bằng"
    )
    # Another cooperative's product stays out of reach.
    other = reverse("wagtailadmin_pages:edit", args=[ws.apples.pk])
    assert client.get(other).status_code in (302, 403)


def test_an_invitation_link_works_once_and_not_after_it_expires(client, ws):
    invite(client, ws.owner_a, "a@example.vn")
    link = join_link()
    client.logout()
    data = {
        "username": "a1",
        "first_name": "A",
        "password1": "La-bang-2026!",
        "password2": "La-bang-2026!",
    }
    assert client.post(link, data).status_code == 302
    client.logout()
    reused = client.post(link, {**data, "username": "a2"})
    assert reused.status_code == 410
    assert not User.objects.filter(username="a2").exists()

    mail.outbox.clear()
    invite(client, ws.owner_a, "b@example.vn")
    link = join_link()
    Invitation.objects.filter(email="b@example.vn").update(expires_at=timezone.now())
    client.logout()
    expired = client.post(link, {**data, "username": "b1"})
    assert expired.status_code == 410
    assert "Lời mời này đã hết hạn" in expired.content.decode()
    assert not User.objects.filter(username="b1").exists()

    tampered = link.replace(link.split("/")[-2][-6:], "AAAAAA")
    assert client.get(tampered).status_code == 404


def test_staff_cannot_change_members_nor_bank_details(client, ws):
    client.force_login(ws.staff_a)
    for url in (reverse("ocop_members"), reverse("ocop_bank_account")):
        assert client.get(url).status_code == 302
    client.post(
        reverse("ocop_bank_account"),
        {"bank_bin": "970436", "bank_account_number": "1", "bank_account_name": "X"},
    )
    ws.a.refresh_from_db()
    assert ws.a.bank_account_number == ""
    response = client.post(reverse("ocop_members"), {"action": "remove", "user": ws.owner_a.pk})
    assert response.status_code == 302
    assert Membership.objects.filter(user=ws.owner_a, cooperative=ws.a).exists()
    assert invite(client, ws.staff_a, "x@example.vn").status_code == 302  # refused
    assert not Invitation.objects.exists()


def test_owner_removes_staff_and_sets_the_bank_account(client, ws):
    client.force_login(ws.owner_a)
    response = client.post(reverse("ocop_members"), {"action": "remove", "user": ws.staff_a.pk})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=ws.staff_a).exists()
    assert not ws.staff_a.groups.filter(pk=ws.a.group_id).exists()
    client.force_login(ws.staff_a)
    assert client.get("/admin/snippets/orders/suborder/").status_code == 302

    client.force_login(ws.owner_a)
    bad = client.post(
        reverse("ocop_bank_account"),
        {"bank_bin": "97", "bank_account_number": "12", "bank_account_name": "HTX"},
    )
    assert bad.status_code == 400
    good = client.post(
        reverse("ocop_bank_account"),
        {
            "bank_bin": "970405",
            "bank_account_number": "8460012345",
            "bank_account_name": "HTX CHE LA BANG",
        },
    )
    assert good.status_code == 302
    ws.a.refresh_from_db()
    assert ws.a.bank_account_number == "8460012345"
    # Owner B cannot reach A's members by naming it.
    client.force_login(ws.owner_b)
    assert client.get(reverse("ocop_members"), {"cooperative": ws.a.pk}).status_code == 302


def test_an_invitation_is_accepted_only_with_the_invited_address(client, ws):
    invite(client, ws.owner_a, "invited@example.vn")
    link = join_link()
    # Another cooperative's owner, signed in, opens the link: nothing changes.
    client.force_login(ws.owner_b)
    assert client.get(link).status_code == 403
    assert client.post(link).status_code == 403
    assert not Membership.objects.filter(user=ws.owner_b, cooperative=ws.a).exists()
    # A member's role never changes through an invitation.
    from marketplace.services import invitation_accept, invitation_from_token

    invitation = invitation_from_token(link.rstrip("/").rsplit("/", 1)[-1])
    ws.owner_a.email = "invited@example.vn"
    ws.owner_a.save()
    from marketplace.services import MembershipError

    with pytest.raises(MembershipError):
        invitation_accept(invitation=invitation, user=ws.owner_a)
    assert Membership.objects.get(user=ws.owner_a, cooperative=ws.a).role == "owner"


def test_approval_never_hands_the_cooperative_to_an_existing_account(client, ws):
    """Anyone can sign up as a shopper with any e-mail: that account must not become owner."""
    squatter = User.objects.create_user(
        username="mallory", email="mien.conminh@example.vn", password="x-2026-abc!"
    )
    submit(client)
    application = CooperativeApplication.objects.get()
    assert review(client, ws.operator, application, action="approve").status_code == 302
    owner = Membership.objects.get(cooperative__registration_number="4700123456").user
    assert owner.pk != squatter.pk and not owner.has_usable_password()
    assert not squatter.memberships.exists() and not squatter.is_staff


def test_approval_finds_a_free_page_slug(client, ws):
    from cms.models import CooperativePage as Page_

    taken = Cooperative.objects.create(
        name="Khác",
        slug="khac",
        registration_number="4711111111",
        province_code=19,
        ward_code=5818,
        status="approved",
    )
    page = Page_(title="Khác", slug="htx-mien-dong-con-minh", cooperative=taken)
    ws.tree.index.add_child(instance=page)
    submit(client)
    response = review(client, ws.operator, CooperativeApplication.objects.get(), action="approve")
    assert response.status_code == 302
    cooperative = Cooperative.objects.get(registration_number="4700123456")
    assert cooperative.slug == "htx-mien-dong-con-minh-2"
    assert CooperativePage.objects.get(cooperative=cooperative).slug == cooperative.slug


def test_the_office_makes_members_owner_or_staff_and_a_cooperative_keeps_an_owner(client, ws):
    client.force_login(ws.operator)
    url = f"{reverse('ocop_members')}?cooperative={ws.a.pk}"
    assert client.get(url).status_code == 200
    last_owner = client.post(url, {"action": "make_staff", "user": ws.owner_a.pk})
    assert last_owner.status_code == 400
    assert Membership.objects.get(user=ws.owner_a, cooperative=ws.a).role == "owner"
    assert client.post(url, {"action": "make_owner", "user": ws.staff_a.pk}).status_code == 302
    assert client.post(url, {"action": "make_staff", "user": ws.owner_a.pk}).status_code == 302
    roles = dict(Membership.objects.filter(cooperative=ws.a).values_list("user__username", "role"))
    assert roles == {"owner-a": "staff", "staff-a": "owner"}
    # An owner cannot change roles.
    client.force_login(ws.staff_a)
    assert (
        client.post(
            reverse("ocop_members"), {"action": "make_owner", "user": ws.owner_a.pk}
        ).status_code
        == 400
    )
    assert Membership.objects.get(user=ws.owner_a, cooperative=ws.a).role == "staff"


def test_e_mails_are_plain_text_without_html_escapes(client, ws):
    submit(client, name="HTX Chè & Quế O'Neil")
    bodies = " ".join(m.body + m.subject for m in mail.outbox)
    assert "HTX Chè & Quế O'Neil" in bodies and "&amp;" not in bodies and "&#x27;" not in bodies
