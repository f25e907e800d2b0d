"""The assembly change form in the admin: household columns round-trip, the household rule
and the one-line title are checked before saving, and saving audits only real changes
(issue 13, defects 1, 8 and 12)."""

import re

import pytest
from django.urls import reverse

from assemblies.models import Assembly, Quota
from opendlp.core.audit import AuditAction
from opendlp.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def change_url(assembly):
    return reverse("admin:assemblies_assembly_change", args=[assembly.pk])


def form_data(assembly, **fields):
    """The change form as the page shows it (nothing edited), with ``fields`` changed."""
    quotas = list(Quota.objects.filter(assembly=assembly).order_by("position", "id"))
    categories = list(assembly.categories.all())
    members = list(assembly.memberships.all())
    data = {
        "title": assembly.title,
        "slug": assembly.slug,
        "panel_size": str(assembly.panel_size),
        "default_algorithm": assembly.default_algorithm,
        "id_column": assembly.id_column,
        "household_columns": ", ".join(assembly.household_columns),
        "email_requirement": assembly.email_requirement,
        "phone_requirement": assembly.phone_requirement,
        "address_requirement": assembly.address_requirement,
        "form_fields-TOTAL_FORMS": "0",
        "form_fields-INITIAL_FORMS": "0",
    }
    if assembly.household_check:
        data["household_check"] = "on"
    pages = list(assembly.registration_pages.all())
    translations = list(assembly.translations.all())
    for prefix, rows in (
        ("quotas", quotas),
        ("categories", categories),
        ("memberships", members),
        ("registration_pages", pages),
        ("translations", translations),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(len(rows)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    for i, quota in enumerate(quotas):
        data.update(
            {
                f"quotas-{i}-id": quota.pk,
                f"quotas-{i}-assembly": assembly.pk,
                f"quotas-{i}-category": quota.category,
                f"quotas-{i}-value": quota.value,
                f"quotas-{i}-position": quota.position,
                f"quotas-{i}-min": quota.min,
                f"quotas-{i}-max": quota.max,
                f"quotas-{i}-min_flex": "" if quota.min_flex is None else quota.min_flex,
                f"quotas-{i}-max_flex": "" if quota.max_flex is None else quota.max_flex,
            }
        )
    for i, category in enumerate(categories):
        data.update(
            {
                f"categories-{i}-id": category.pk,
                f"categories-{i}-assembly": assembly.pk,
                f"categories-{i}-question": category.question,
                f"categories-{i}-help_text": category.help_text,
                f"categories-{i}-position": category.position,
            }
        )
    for i, membership in enumerate(members):
        data.update(
            {
                f"memberships-{i}-id": membership.pk,
                f"memberships-{i}-assembly": assembly.pk,
                f"memberships-{i}-user": membership.user.email,
                f"memberships-{i}-role": membership.role,
            }
        )
    for i, page in enumerate(pages):
        data.update(
            {
                f"registration_pages-{i}-id": page.pk,
                f"registration_pages-{i}-assembly": assembly.pk,
                f"registration_pages-{i}-label": page.label,
                f"registration_pages-{i}-language": page.language,
                f"registration_pages-{i}-status": page.status,
            }
        )
    for i, row in enumerate(translations):
        data.update(
            {
                f"translations-{i}-id": row.pk,
                f"translations-{i}-assembly": assembly.pk,
                f"translations-{i}-language": row.language,
                f"translations-{i}-key": row.key,
                f"translations-{i}-text": row.text,
            }
        )
    data.update(fields)
    return data


def shown_household_columns(page: str) -> str:
    match = re.search(r'<input[^>]*name="household_columns"[^>]*>', page)
    assert match, "no household_columns input"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


# --- defect 1: the household columns round-trip -------------------------------------------


def test_assembly_form_empty_household_columns_shown_empty(as_manager, small_assembly):
    assert small_assembly.household_columns == []
    page = as_manager.get(change_url(small_assembly)).content.decode()
    assert shown_household_columns(page) == ""


def test_assembly_form_save_keeps_empty_household_columns(as_manager, small_assembly):
    page = as_manager.get(change_url(small_assembly)).content.decode()
    data = form_data(small_assembly, household_columns=shown_household_columns(page))
    response = as_manager.post(change_url(small_assembly), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    small_assembly.refresh_from_db()
    assert small_assembly.household_columns == []


def test_assembly_form_household_columns_round_trip(as_manager, small_assembly):
    data = form_data(small_assembly, household_check="on", household_columns=" postcode ,note")
    assert as_manager.post(change_url(small_assembly), data).status_code == 302
    small_assembly.refresh_from_db()
    assert small_assembly.household_columns == ["postcode", "note"]
    page = as_manager.get(change_url(small_assembly)).content.decode()
    assert shown_household_columns(page) == "postcode, note"


def test_assembly_form_household_column_nobody_has_is_form_error(as_manager, small_assembly):
    data = form_data(small_assembly, household_check="on", household_columns="flat_number")
    response = as_manager.post(change_url(small_assembly), data)
    assert response.status_code == 200
    assert "flat_number" in response.content.decode()
    small_assembly.refresh_from_db()
    assert small_assembly.household_check is False and small_assembly.household_columns == []


def test_assembly_form_household_check_without_columns_is_form_error(as_manager, small_assembly):
    data = form_data(small_assembly, household_check="on", household_columns="")
    response = as_manager.post(change_url(small_assembly), data)
    assert response.status_code == 200
    assert "no household columns" in response.content.decode()
    small_assembly.refresh_from_db()
    assert small_assembly.household_check is False


# --- defect 8: no spurious change in the audit log ------------------------------------------


def test_assembly_form_unchanged_save_audits_no_change(as_manager, small_assembly):
    Assembly.objects.filter(pk=small_assembly.pk).update(
        household_check=True, household_columns=["postcode"]
    )
    small_assembly.refresh_from_db()
    response = as_manager.post(change_url(small_assembly), form_data(small_assembly))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not AuditEvent.objects.filter(action=AuditAction.ASSEMBLY_CHANGED).exists()


def test_assembly_form_edit_audits_only_changed_fields(as_manager, small_assembly):
    data = form_data(small_assembly, title="A new title", household_columns="")
    assert as_manager.post(change_url(small_assembly), data).status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.ASSEMBLY_CHANGED)
    assert event.data == {"fields": ["title"]}


# --- defect 12: a title is one line -------------------------------------------------------


@pytest.mark.parametrize("title", ["Climate\r\nBcc: x@example.org", "Tab\there", "Line\u2028break"])
def test_assembly_form_title_with_control_characters_is_form_error(
    as_manager, small_assembly, title
):
    response = as_manager.post(change_url(small_assembly), form_data(small_assembly, title=title))
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    small_assembly.refresh_from_db()
    assert small_assembly.title == "Small assembly"


# --- issue 15: form fields inline and contact settings -------------------------------------


def with_form_field(assembly, **row):
    data = form_data(assembly)
    data["form_fields-TOTAL_FORMS"] = "1"
    fields = {"position": "1", "key": "needs", "label": "Needs?", "help_text": "", "choices": ""}
    fields.update({"type": "text", "requirement": "optional", **row})
    data.update({f"form_fields-0-{name}": value for name, value in fields.items()})
    data["form_fields-0-assembly"] = assembly.pk
    return data


def test_assembly_form_adds_form_field(as_manager, small_assembly):
    response = as_manager.post(change_url(small_assembly), with_form_field(small_assembly))
    assert response.status_code == 302, response.content.decode()[:3000]
    field = small_assembly.form_fields.get()
    assert (field.key, field.label, field.requirement) == ("needs", "Needs?", "optional")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"key": "postcode"}, "is a built-in column"),
        ({"key": "gender"}, "is a category of this assembly"),
        ({"type": "single_choice"}, "A choice question needs its answers"),
    ],
)
def test_assembly_form_refuses_bad_form_field(as_manager, small_assembly, row, message):
    response = as_manager.post(change_url(small_assembly), with_form_field(small_assembly, **row))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not small_assembly.form_fields.exists()


def test_assembly_form_refuses_no_required_contact(as_manager, small_assembly):
    data = form_data(small_assembly, email_requirement="optional", phone_requirement="off")
    response = as_manager.post(change_url(small_assembly), data)
    assert response.status_code == 200
    assert "At least one way to contact people must be required" in response.content.decode()
    small_assembly.refresh_from_db()
    assert small_assembly.email_requirement == "required"


def test_assembly_form_email_optional_with_phone_required(as_manager, small_assembly):
    data = form_data(small_assembly, email_requirement="optional")
    response = as_manager.post(change_url(small_assembly), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    small_assembly.refresh_from_db()
    assert small_assembly.email_requirement == "optional"
