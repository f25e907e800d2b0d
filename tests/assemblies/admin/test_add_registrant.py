"""Staff-entered registrations (issue 15, item 3): the "Add registrant" page uses the public
form's validation, records the source and the staff member's confirmation, sends no email
without an address, refuses duplicates, and is open to the assembly's callers and managers
only; and the "Add standard fields" button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assemblies.models import (
    AssemblyStatus,
    FieldType,
    FormField,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
    Requirement,
)
from opendlp.core.models import AuditEvent
from tests.assemblies.factories import FormFieldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_small(small_assembly):
    """The small assembly (gender, age) open for registration, email optional."""
    small_assembly.status = AssemblyStatus.OPEN
    small_assembly.email_requirement = Requirement.OPTIONAL
    small_assembly.save()
    return small_assembly


def add_url(assembly):
    return reverse("admin:assemblies_assembly_add_registrant", args=[assembly.pk])


def entry(**overrides):
    data = {
        "source": "phone",
        "language": "en",
        "category_0": "woman",
        "category_1": "young",
        "name": "Grace Hopper",
        "email": "",
        "phone": "01632 960 002",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_add_registrant_page_shows_the_form_to_a_caller(staff_client, caller, open_small):
    FormFieldFactory(assembly=open_small, key="needs", label="Any access needs?")
    page = staff_client(caller).get(add_url(open_small)).content.decode()
    assert "How the registration came in" in page
    assert "Any access needs?" in page and 'name="custom_needs"' in page
    assert 'name="website"' not in page


@pytest.mark.parametrize("who", ["caller", "manager"])
def test_add_registrant_by_phone_enters_pool_without_email(
    request, staff_client, open_small, who, mailoutbox, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(who)
    FormFieldFactory(assembly=open_small, key="needs", type=FieldType.LONG_TEXT)
    client = staff_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add_url(open_small), entry(custom_needs="Step-free access"))
    assert response.status_code == 302
    registrant = Registrant.objects.get(assembly=open_small, name="Grace Hopper")
    assert registrant.source == RegistrantSource.PHONE
    assert registrant.status == RegistrantStatus.POOL
    assert registrant.staff_confirmed_by == user and registrant.staff_confirmed_at is not None
    assert registrant.phone == "01632960002"
    assert registrant.extra == {"needs": "Step-free access"}
    assert mailoutbox == []
    event = AuditEvent.objects.get(action="assemblies.registrant.entered")
    assert event.data == {"public_id": str(registrant.public_id), "source": "phone"}
    assert event.actor_id == user.pk
    assert "Grace" not in str(event.data) and "Grace" not in event.target_label


def test_add_registrant_with_email_sends_confirmation(
    staff_client, caller, open_small, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(caller).post(
            add_url(open_small), entry(source="paper", email="grace@example.org")
        )
    assert response.status_code == 302
    assert Registrant.objects.get(email="grace@example.org").source == RegistrantSource.PAPER
    assert [m.to for m in mailoutbox] == [["grace@example.org"]]


def test_add_registrant_duplicate_email_refused_with_message(staff_client, caller, open_small):
    response = staff_client(caller).post(add_url(open_small), entry(email="ANN@example.org"))
    assert response.status_code == 400
    assert "already registered in this assembly" in response.content.decode()
    assert not Registrant.objects.filter(name="Grace Hopper").exists()


def test_add_registrant_invalid_input_stores_nothing(staff_client, caller, open_small):
    FormFieldFactory(assembly=open_small, key="born", type=FieldType.DATE)
    response = staff_client(caller).post(
        add_url(open_small), entry(category_0="robot", custom_born="soon", consent=None)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose one of the answers shown." in page and "Enter a real date" in page
    assert "Tick the box once the person has confirmed" in page
    assert not Registrant.objects.filter(name="Grace Hopper").exists()


def test_add_registrant_email_required_by_assembly(staff_client, caller, open_small):
    open_small.email_requirement = Requirement.REQUIRED
    open_small.save()
    response = staff_client(caller).post(add_url(open_small), entry())
    assert response.status_code == 400
    assert not Registrant.objects.filter(name="Grace Hopper").exists()


def test_add_registrant_refused_to_viewer(staff_client, viewer, open_small):
    client = staff_client(viewer)
    assert client.get(add_url(open_small)).status_code == 403
    assert client.post(add_url(open_small), entry()).status_code == 403
    assert not Registrant.objects.filter(name="Grace Hopper").exists()


def test_add_registrant_hidden_from_other_organisers(staff_client, outsider, open_small):
    client = staff_client(outsider)
    assert client.post(add_url(open_small), entry()).status_code == 404
    assert not Registrant.objects.filter(name="Grace Hopper").exists()


def test_add_registrant_refused_when_not_open(staff_client, caller, small_assembly):
    small_assembly.email_requirement = Requirement.OPTIONAL
    small_assembly.save()  # a draft
    response = staff_client(caller).post(add_url(small_assembly), entry())
    assert response.status_code == 400
    assert "Registration is not open" in response.content.decode()
    assert not Registrant.objects.filter(name="Grace Hopper").exists()


def test_registrant_page_shows_form_answers_and_who_confirmed(
    staff_client, manager, caller, open_small
):
    FormFieldFactory(assembly=open_small, key="needs", label="Any access needs?")
    staff_client(caller).post(add_url(open_small), entry(custom_needs="A hearing loop"))
    registrant = Registrant.objects.get(name="Grace Hopper")
    url = reverse("admin:assemblies_registrant_change", args=[registrant.pk])
    page = staff_client(manager).get(url).content.decode()
    assert "Any access needs? (needs)" in page and "A hearing loop" in page
    assert "Entered by staff (phone); the person&#x27;s confirmation recorded" in page
    assert str(caller) in page


def test_standard_fields_button_adds_fields_once(staff_client, manager, small_assembly):
    client = staff_client(manager)
    url = reverse("admin:assemblies_assembly_standard_fields", args=[small_assembly.pk])
    change = client.get(reverse("admin:assemblies_assembly_change", args=[small_assembly.pk]))
    assert "Add standard fields" in change.content.decode()
    assert client.post(url).status_code == 302
    count = FormField.objects.filter(assembly=small_assembly).count()
    assert count == 5
    client.post(url)
    assert FormField.objects.filter(assembly=small_assembly).count() == count


def test_standard_fields_button_refused_to_caller(staff_client, caller, small_assembly):
    url = reverse("admin:assemblies_assembly_standard_fields", args=[small_assembly.pk])
    assert staff_client(caller).post(url).status_code == 403
    assert not FormField.objects.filter(assembly=small_assembly).exists()


def test_add_registrant_records_the_persons_language(
    staff_client, caller, open_small, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(caller).post(
            add_url(open_small), entry(language="fr", email="marie@example.org")
        )
    assert response.status_code == 302
    assert Registrant.objects.get(email="marie@example.org").language == "fr"
    (message,) = mailoutbox
    assert message.to == ["marie@example.org"]


def test_add_registrant_unknown_language_refused_and_nothing_stored(
    staff_client, caller, open_small
):
    before = Registrant.objects.count()
    response = staff_client(caller).post(add_url(open_small), entry(language="de"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Registrant.objects.count() == before
