"""Registration pages at /r/<code>: short links, closed and test pages, quarantined test
submissions, promotion, and the page's fixed language (registration/views.py,
services/pages.py, services/registration.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assemblies.errors import InvalidInput, RegistrationClosed
from assemblies.exports import registrants_csv
from assemblies.models import (
    AssemblyStatus,
    PageStatus,
    Registrant,
    RegistrantStatus,
    RegistrationPage,
)
from assemblies.selectors.assemblies import (
    assembly_snapshot,
    pool_people,
    quota_pool_counts,
    status_counts,
)
from assemblies.selectors.pages import page_by_code
from assemblies.services.pages import (
    registration_page_create,
    registration_page_promote,
    registration_page_save,
    registration_page_test_delete,
)
from assemblies.services.registrants import registrant_confirm
from assemblies.services.registration import registrant_register
from assemblies.tokens import Purpose, link_token_make
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import ContentTranslationFactory, RegistrationPageFactory
from tests.assemblies.registration.conftest import form_data

CONTACT = {"name": "Ada Lovelace", "email": "ada@example.org", "phone": "01632 960 001"}
ANSWERS = {"gender": "Woman", "age": "30-44"}


def short(page, name="page"):
    return reverse(f"short:{name}", kwargs={"code": page.code})


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST through the client, running on-commit callbacks (the email) as a commit would."""

    def send(path, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, **extra)

    return send


def register(assembly, page=None, **contact):
    return registrant_register(
        assembly=assembly,
        answers=dict(ANSWERS),
        contact={**CONTACT, **contact},
        base_url="http://testserver",
        page=page,
    )


# --- short URLs ------------------------------------------------------------------------------


def test_short_url_shows_the_form_of_its_assembly(client, assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN)
    assert short(page) == f"/r/{page.code}"
    response = client.get(short(page))
    assert response.status_code == 200
    assert assembly.title.encode() in response.content
    assert f'action="/r/{page.code}"'.encode() in response.content


def test_short_code_is_read_case_insensitively(client, assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN)
    assert client.get(f"/r/{page.code.upper()}").status_code == 200


@pytest.mark.parametrize("code", ["zzzzzz", "abc0O1", "x" * 40])
def test_short_url_unknown_code_is_404(client, assembly, code):
    RegistrationPageFactory(assembly=assembly)
    assert client.get(f"/r/{code}").status_code == 404


def test_short_url_unknown_code_explains_and_lists_open_assemblies(client, assembly):
    for path in ("/r/zzzzzz", "/r/zzzzzz/thanks"):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 404
        assert "We cannot find this registration page" in html and "“zzzzzz”" in html
        assert f'href="/a/{assembly.slug}/"' in html
    french = client.get("/r/zzzzzz", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr">' in french.content.decode()


def test_short_codes_use_the_unambiguous_alphabet_and_differ(db, assembly):
    codes = {
        registration_page_create(assembly_id=assembly.pk, label=f"Batch {n}").code
        for n in range(20)
    }
    assert len(codes) == 20
    assert all(len(c) == 6 and not set(c) & set("01ilo") for c in codes)


def test_page_submission_records_the_page(client, post, assembly, mailoutbox):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN)
    response = post(short(page), form_data(assembly))
    assert response.status_code == 302 and response["Location"] == short(page, "thanks")
    assert client.get(response["Location"]).status_code == 200
    registrant = Registrant.objects.get()
    assert (registrant.page, registrant.status) == (page, RegistrantStatus.PENDING)
    assert len(mailoutbox) == 1
    event = AuditEvent.objects.get(action="assemblies.registrant.registered")
    assert event.data["page_id"] == page.pk and event.data["test"] is False


def test_old_assembly_urls_still_register_without_a_page(post, assembly):
    RegistrationPageFactory(assembly=assembly, status=PageStatus.CLOSED)
    response = post(
        reverse("assemblies:register", kwargs={"slug": assembly.slug}), form_data(assembly)
    )
    assert response.status_code == 302
    assert Registrant.objects.get().page is None


# --- closed pages and the assembly's own state --------------------------------------------------


def test_closed_page_says_so_and_stores_nothing(client, post, assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.CLOSED)
    response = client.get(short(page))
    assert response.status_code == 200
    assert b"This registration page is closed" in response.content
    response = post(short(page), form_data(assembly))
    assert response.status_code == 403
    assert not Registrant.objects.exists()


def test_open_page_of_a_closed_assembly_takes_nothing(client, post, assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN)
    assembly.status = AssemblyStatus.CLOSED
    assembly.save()
    assert b"Registration is closed" in client.get(short(page)).content
    assert post(short(page), form_data(assembly)).status_code == 403
    assert not Registrant.objects.exists()


def test_open_page_of_a_draft_assembly_takes_nothing(post, assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN)
    assembly.status = AssemblyStatus.DRAFT
    assembly.save()
    assert post(short(page), form_data(assembly)).status_code == 403
    with pytest.raises(RegistrationClosed):
        register(assembly, page)
    assert not Registrant.objects.exists()


def test_service_refuses_a_page_closed_meanwhile(assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN)
    stale = RegistrationPage.objects.get(pk=page.pk)
    RegistrationPage.objects.filter(pk=page.pk).update(status=PageStatus.CLOSED)
    with pytest.raises(RegistrationClosed):
        register(assembly, stale)
    assert not Registrant.objects.exists()


# --- test pages: quarantine -------------------------------------------------------------------


def test_test_submission_is_quarantined(client, post, assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    response = client.get(short(page))
    assert b"Test page" in response.content
    post(short(page), form_data(assembly))
    registrant = Registrant.objects.get()
    assert (registrant.status, registrant.page) == (RegistrantStatus.TEST, page)
    # A test submission cannot confirm its way into the pool.
    registrant_confirm(assembly_id=assembly.pk, public_id=registrant.public_id)
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.TEST
    assert sum(status_counts(assembly=assembly).values()) == 0
    assert RegistrantStatus.TEST not in status_counts(assembly=assembly)
    assert pool_people(assembly=assembly) == []
    assert not quota_pool_counts(assembly=assembly)
    assert "ada@example.org" not in registrants_csv(assembly=assembly)


def test_test_submissions_never_reach_a_draw(assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    register(assembly, page)
    real = register(assembly, email="bea@example.org").registrant
    registrant_confirm(assembly_id=assembly.pk, public_id=real.public_id)
    snapshot = assembly_snapshot(assembly=assembly, seed="00")
    assert [person["id"] for person in snapshot["pool"]] == [str(real.public_id)]


def test_test_page_of_a_draft_assembly_takes_submissions(assembly):
    assembly.status = AssemblyStatus.DRAFT
    assembly.save()
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    outcome = register(assembly, page)
    assert outcome.created and outcome.registrant.status == RegistrantStatus.TEST


def test_real_registration_is_not_blocked_by_a_test_one_with_the_same_email(assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    test = register(assembly, page)
    again = register(assembly, page)
    real = register(assembly)
    assert test.created and not again.created and again.registrant == test.registrant
    assert real.created and real.registrant.status == RegistrantStatus.PENDING
    assert Registrant.objects.count() == 2


# --- promote and delete -----------------------------------------------------------------------


def test_promote_deletes_test_submissions_by_default(assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    register(assembly, page)
    promoted = registration_page_promote(page_id=page.pk)
    assert promoted.status == PageStatus.OPEN
    assert not Registrant.objects.exists()
    event = AuditEvent.objects.get(action="assemblies.registration_page.promoted")
    assert event.data == {"page_id": page.pk, "kept": 0, "deleted": 1}
    # Twice: nothing more happens.
    registration_page_promote(page_id=page.pk)
    assert AuditEvent.objects.filter(action="assemblies.registration_page.promoted").count() == 1


def test_promote_keeping_submissions_makes_them_pending_unless_taken(assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    register(assembly, page, email="bea@example.org")
    register(assembly, page, email="ada@example.org")
    register(assembly, email="ADA@example.org")  # registered for real meanwhile
    registration_page_promote(page_id=page.pk, keep_submissions=True)
    kept = Registrant.objects.get(page=page)
    assert (kept.email, kept.status) == ("bea@example.org", RegistrantStatus.PENDING)
    assert Registrant.objects.count() == 2
    registrant_confirm(assembly_id=assembly.pk, public_id=kept.public_id)
    assert Registrant.objects.get(pk=kept.pk).status == RegistrantStatus.POOL


def test_test_delete_removes_only_test_submissions_of_the_page(assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    other = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    register(assembly, page)
    register(assembly, other, email="bea@example.org")
    register(assembly, email="cat@example.org")
    assert registration_page_test_delete(page_id=page.pk) == 1
    assert registration_page_test_delete(page_id=page.pk) == 0
    assert set(Registrant.objects.values_list("email", flat=True)) == {
        "bea@example.org",
        "cat@example.org",
    }
    assert RegistrationPage.objects.get(pk=page.pk).status == PageStatus.TEST


def test_page_save_refuses_opening_a_test_page_directly(assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    page.status = PageStatus.OPEN
    with pytest.raises(InvalidInput, match="Promote"):
        registration_page_save(page=page)
    assert RegistrationPage.objects.get(pk=page.pk).status == PageStatus.TEST


@pytest.mark.parametrize(
    ("fields", "named"),
    [({"label": "  "}, "label"), ({"language": "xx"}, "language"), ({"status": "live"}, "status")],
)
def test_page_create_bad_input_stores_nothing(assembly, fields, named):
    with pytest.raises(InvalidInput, match=named):
        registration_page_create(assembly_id=assembly.pk, **{"label": "Batch", **fields})
    assert not RegistrationPage.objects.exists()
    assert page_by_code(code="") is None


# --- languages --------------------------------------------------------------------------------


def test_page_with_a_fixed_language_shows_its_translation(client, assembly):
    ContentTranslationFactory(assembly=assembly, key="title", text="Assemblée pour le climat")
    french = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN, language="fr")
    visitor = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN)
    assert "Assemblée pour le climat" in client.get(short(french)).content.decode()
    shown = client.get(short(visitor)).content.decode()
    assert "Assemblée pour le climat" not in shown and assembly.title in shown


def test_stale_csrf_token_on_a_page_reshows_its_form(assembly):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    client = Client(enforce_csrf_checks=True)
    client.get(short(page))
    response = client.post(short(page), form_data(assembly, csrfmiddlewaretoken="stale" * 8))
    html = response.content.decode()
    assert response.status_code == 403 and "Your session expired" in html
    assert f'action="/r/{page.code}"' in html and "Test page" in html
    assert not Registrant.objects.exists()


def test_registrant_through_a_french_page_is_recorded_and_emailed_in_french(
    post, assembly, mailoutbox
):
    ContentTranslationFactory(assembly=assembly, key="title", text="Assemblée pour le climat")
    french = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN, language="fr")
    response = post(short(french), form_data(assembly))
    assert response.status_code == 302
    assert Registrant.objects.get().language == "fr"
    (message,) = mailoutbox
    assert "Assemblée pour le climat" in message.subject


# --- thanks pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "contact", "said"),
    [("01632 960 001", "phone", "by phone"), ("", "post", "by post")],
)
def test_thanks_without_email_says_how_we_will_contact(
    client, post, assembly, mailoutbox, phone, contact, said
):
    assembly.email_requirement = "optional"
    assembly.phone_requirement = "required" if phone else "optional"
    assembly.address_requirement = "optional" if phone else "required"
    assembly.save()
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.OPEN)
    data = form_data(
        assembly,
        email="",
        phone=phone,
        address_line_1="1 High Street",
        town="Leeds",
        postcode="AB1 2CD",
    )
    response = post(short(page), data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == short(page, "thanks") + f"?contact={contact}"
    html = client.get(response["Location"]).content.decode()
    assert "Thank you for registering" in html and f"We will contact you {said}" in html
    assert "Check your email" not in html
    assert mailoutbox == []


def test_thanks_of_a_test_page_says_test_submission(client, post, assembly, mailoutbox):
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    response = post(short(page), form_data(assembly))
    html = client.get(response["Location"]).content.decode()
    assert "Test submission received" in html and "never joins the pool" in html
    assert "A confirmation email was sent to the address given" in html
    assert Registrant.objects.get().status == RegistrantStatus.TEST
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("purpose", [Purpose.CONFIRM, Purpose.WITHDRAW])
def test_links_of_a_test_submission_say_test_and_change_nothing(client, assembly, purpose):
    assembly.status = AssemblyStatus.DRAFT
    assembly.save()
    page = RegistrationPageFactory(assembly=assembly, status=PageStatus.TEST)
    registrant = register(assembly, page=page).registrant
    token = link_token_make(
        purpose=purpose, public_id=registrant.public_id, assembly_id=assembly.pk
    )
    url = reverse(f"assemblies:{purpose.value}", kwargs={"slug": assembly.slug, "token": token})
    client.post(url)
    html = client.get(url).content.decode()
    assert "Test submission" in html and "never joins the pool" in html
    assert "confirmed" not in html and "You have withdrawn" not in html
    assert f'/a/{assembly.slug}/"' not in html  # a draft has no public page to link to
    registrant.refresh_from_db()
    assert registrant.status == RegistrantStatus.TEST
