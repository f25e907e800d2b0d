"""assemblies/services/lifecycle.py: erase every registrant of an ended assembly at once,
duplicate an assembly."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import (
    Assembly,
    AssemblyMembership,
    AssemblyStatus,
    Category,
    Invitation,
    Quota,
    Registrant,
    RegistrantStatus,
    Role,
    SelectionRun,
    erased_external_id,
)
from assemblies.services import lifecycle
from assemblies.services.assemblies import assembly_archive
from assemblies.services.execution import selection_run_execute, selection_run_verify
from assemblies.services.imports import registrants_import
from assemblies.services.lifecycle import assembly_duplicate, assembly_registrants_erase
from assemblies.services.runs import selection_run_start
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.conftest import SMALL_REGISTRANTS
from tests.assemblies.factories import (
    ContentTranslationFactory,
    EmailTemplateFactory,
    InvitationFactory,
    RegistrationPageFactory,
)

pytestmark = pytest.mark.django_db


def archived(assembly):
    assembly_archive(assembly_id=assembly.pk)
    assembly.refresh_from_db()
    return assembly


# --- erase every registrant ---------------------------------------------------------------


def test_assembly_registrants_erase_blanks_everyone_like_registrant_erase(small_assembly, manager):
    archived(small_assembly)
    ids = dict(Registrant.objects.values_list("pk", "external_id"))
    count = assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager)
    assert count == 12
    for registrant in Registrant.objects.filter(assembly=small_assembly):
        assert registrant.status == RegistrantStatus.DELETED and registrant.erased_at
        assert (registrant.name, registrant.email, registrant.postcode, registrant.extra) == (
            "",
            "",
            "",
            {},
        )
        assert registrant.external_id == erased_external_id(
            assembly=small_assembly, external_id=ids[registrant.pk]
        )
        assert registrant.answers  # kept: draws stay verifiable


def test_assembly_registrants_erase_is_audited_once_with_the_count(small_assembly, manager):
    archived(small_assembly)
    assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager)
    event = AuditEvent.objects.get(action="assemblies.assembly.registrants_erased")
    assert event.data == {"count": 12} and event.actor == manager
    assert not AuditEvent.objects.filter(action="assemblies.registrant.erased").exists()


def test_assembly_registrants_erase_twice_erases_nothing_more(small_assembly, manager):
    archived(small_assembly)
    assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager)
    assert assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager) == 0


def test_assembly_registrants_erase_works_in_batches(small_assembly, manager, monkeypatch):
    monkeypatch.setattr(lifecycle, "ERASE_BATCH", 5)
    archived(small_assembly)
    assert assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager) == 12
    assert not Registrant.objects.exclude(status=RegistrantStatus.DELETED).exists()


def test_assembly_registrants_erase_refused_unless_archived(small_assembly, manager):
    with pytest.raises(ServiceError):
        assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager)
    assert not Registrant.objects.filter(status=RegistrantStatus.DELETED).exists()


def test_assembly_registrants_erase_refused_to_a_caller(small_assembly, caller):
    archived(small_assembly)
    with pytest.raises(Forbidden):
        assembly_registrants_erase(assembly_id=small_assembly.pk, actor=caller)


def test_assembly_registrants_erase_leaves_other_assemblies_alone(small_assembly, manager):
    other = Assembly.objects.create(slug="other-one", title="Other", panel_size=4)
    Quota.objects.bulk_create(
        Quota(assembly=other, **q)
        for q in small_assembly.quotas.values("category", "value", "min", "max")
    )
    registrants_import(
        assembly_id=other.pk, text=SMALL_REGISTRANTS, filename="p.csv", id_column="id"
    )
    archived(small_assembly)
    assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager)
    assert Registrant.objects.filter(assembly=other, status=RegistrantStatus.POOL).count() == 12


def test_assembly_registrants_erase_renames_the_admin_history(small_assembly, manager):
    registrant = Registrant.objects.get(external_id="P01")
    LogEntry.objects.create(
        user=manager,
        content_type=ContentType.objects.get_for_model(Registrant),
        object_id=str(registrant.pk),
        object_repr=str(registrant),
        action_flag=CHANGE,
    )
    archived(small_assembly)
    assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager)
    assert LogEntry.objects.get().object_repr == f"registrant {registrant.public_id}"


def test_assembly_registrants_erase_keeps_a_real_draw_verifiable(small_assembly, manager):
    run = selection_run_start(assembly_id=small_assembly.pk, enqueue=False, seed="x")
    run = selection_run_execute(run_id=run.pk)
    archived(small_assembly)
    assembly_registrants_erase(assembly_id=small_assembly.pk, actor=manager)
    outcome = selection_run_verify(run_id=run.pk)
    assert outcome.ok, outcome.findings


# --- duplicate ----------------------------------------------------------------------------


def test_assembly_duplicate_copies_settings_categories_and_quotas(small_assembly, manager):
    small_assembly.question = "What next?"
    small_assembly.household_check, small_assembly.household_columns = True, ["postcode"]
    small_assembly.save()
    Category.objects.filter(assembly=small_assembly, name="gender").update(question="Gender?")
    copy = assembly_duplicate(
        assembly_id=small_assembly.pk, slug="small-2", title="Small again", actor=manager
    )
    assert (copy.slug, copy.title, copy.status) == ("small-2", "Small again", AssemblyStatus.DRAFT)
    assert (copy.question, copy.panel_size, copy.household_columns) == (
        "What next?",
        4,
        ["postcode"],
    )
    assert copy.pseudonym_key != small_assembly.pseudonym_key

    def quotas(assembly):
        return list(
            Quota.objects.filter(assembly=assembly)
            .order_by("position")
            .values_list("category", "value", "position", "min", "max", "min_flex", "max_flex")
        )

    assert quotas(copy) == quotas(small_assembly)
    assert list(copy.categories.values_list("name", "question")) == [
        ("gender", "Gender?"),
        ("age", ""),
    ]


def test_assembly_duplicate_copies_texts_email_templates_and_reply_to(small_assembly, manager):
    small_assembly.reply_to = "team@example.org"
    small_assembly.save()
    ContentTranslationFactory(assembly=small_assembly, key="title", text="Petite assemblée")
    EmailTemplateFactory(assembly=small_assembly, subject="Chosen for {{ assembly }}")
    EmailTemplateFactory(assembly=small_assembly, language="fr", subject="Tiré : {{ assembly }}")
    RegistrationPageFactory(assembly=small_assembly)
    copy = assembly_duplicate(
        assembly_id=small_assembly.pk, slug="small-2", title="Small again", actor=manager
    )
    assert copy.reply_to == "team@example.org"
    assert list(copy.translations.values_list("language", "key", "text")) == [
        ("fr", "title", "Petite assemblée")
    ]
    template = copy.email_templates.get(language="")
    assert (template.subject, template.updated_by) == ("Chosen for {{ assembly }}", manager)
    assert copy.email_templates.get(language="fr").subject == "Tiré : {{ assembly }}"
    assert not copy.registration_pages.exists()  # a page's short link belongs to its letters


def test_assembly_duplicate_copies_no_people(small_assembly, manager, caller):
    InvitationFactory(assembly=small_assembly)
    SelectionRun.objects.create(assembly=small_assembly, seed="s", panel_size=4)
    copy = assembly_duplicate(
        assembly_id=small_assembly.pk, slug="small-2", title="Small again", actor=manager
    )
    assert not Registrant.objects.filter(assembly=copy).exists()
    assert not SelectionRun.objects.filter(assembly=copy).exists()
    assert not Invitation.objects.filter(assembly=copy).exists()
    assert list(AssemblyMembership.objects.filter(assembly=copy).values_list("user", "role")) == [
        (manager.pk, Role.MANAGER)
    ]


def test_assembly_duplicate_is_audited(small_assembly, manager):
    copy = assembly_duplicate(
        assembly_id=small_assembly.pk, slug="small-2", title="Small again", actor=manager
    )
    event = AuditEvent.objects.get(action="assemblies.assembly.duplicated")
    assert event.data == {"source_id": small_assembly.pk, "slug": "small-2"}
    assert event.actor == manager and event.target_id == str(copy.pk)


def test_assembly_duplicate_refuses_a_taken_slug(small_assembly, manager):
    with pytest.raises(InvalidInput):
        assembly_duplicate(
            assembly_id=small_assembly.pk, slug="small", title="Again", actor=manager
        )
    assert Assembly.objects.count() == 1


def test_assembly_duplicate_refused_to_a_caller(small_assembly, caller):
    with pytest.raises(Forbidden):
        assembly_duplicate(assembly_id=small_assembly.pk, slug="x", title="X", actor=caller)


def test_assembly_duplicate_of_an_archived_assembly_is_a_draft(small_assembly, manager):
    archived(small_assembly)
    copy = assembly_duplicate(assembly_id=small_assembly.pk, slug="x", title="X", actor=manager)
    assert copy.status == AssemblyStatus.DRAFT
    assert AssemblyMembership.objects.filter(assembly=copy).count() == 1
