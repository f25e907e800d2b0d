"""Services of the assemblies context that do not draw (imports, statuses, memberships,
closing). Draws are tested in test_runs.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assemblies.errors import ImportRejected, InvalidInput, ServiceError
from assemblies.exports import registrants_csv
from assemblies.models import (
    Assembly,
    AssemblyStatus,
    Category,
    PendingImport,
    Quota,
    Registrant,
    RegistrantStatus,
    Role,
)
from assemblies.selectors.previews import quotas_import_preview, registrants_import_preview
from assemblies.services.assemblies import (
    assemblies_close_due,
    assembly_archive,
    assembly_close_registration,
    assembly_create,
    assembly_open_registration,
    assembly_save,
)
from assemblies.services.imports import pending_imports_purge, registrants_import
from assemblies.services.memberships import membership_remove, membership_set
from assemblies.services.quotas import quotas_import, quotas_save
from assemblies.services.registrants import (
    registrant_erase,
    registrant_status_change,
    registrant_update,
)
from assemblies.services.runs import selection_run_start
from assemblies.states import PANEL_MEMBER_STATUSES
from opendlp.core.errors import Forbidden
from opendlp.core.models import AuditEvent
from tests.assemblies.conftest import SMALL_QUOTAS, SMALL_REGISTRANTS
from tests.assemblies.factories import (
    AssemblyFactory,
    AssemblyMembershipFactory,
    PendingImportFactory,
    RegistrantFactory,
    SelectionRunFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def member(assembly, role):
    """A staff user with ``role`` in ``assembly``."""
    user = StaffFactory()
    AssemblyMembershipFactory(assembly=assembly, user=user, role=role)
    return user


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- assemblies -------------------------------------------------------------------------------


def test_assembly_create_makes_actor_manager_and_audits():
    user = StaffFactory()
    assembly = assembly_create(
        slug="a1", title="A", panel_size=5, actor=user, household_columns=["postcode"]
    )
    assert assembly.status == AssemblyStatus.DRAFT
    assert assembly.household_check is True and assembly.household_columns == ["postcode"]
    assert assembly.memberships.get().user == user
    assert assembly.memberships.get().role == Role.MANAGER
    assert actions() == ["assemblies.assembly.created", "assemblies.membership.set"]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(AssemblyStatus.DRAFT, True), (AssemblyStatus.OPEN, False), (AssemblyStatus.ARCHIVED, False)],
)
def test_assembly_save_slug_frozen_after_draft(status, allowed):
    assembly = AssemblyFactory(status=status, slug="before")
    assembly.slug = "after"
    if allowed:
        assembly_save(assembly=assembly, changed=["slug"])
    else:
        with pytest.raises(ServiceError, match="slug"):
            assembly_save(assembly=assembly, changed=["slug"])
    assert Assembly.objects.get(pk=assembly.pk).slug == ("after" if allowed else "before")


def test_assembly_create_duplicate_slug_refused():
    assembly_create(slug="a1", title="A", panel_size=5)
    with pytest.raises(ServiceError, match="slug"):
        assembly_create(slug="a1", title="B", panel_size=5)
    assert Assembly.objects.count() == 1


def test_assembly_create_panel_size_zero_refused():
    with pytest.raises(ServiceError):
        assembly_create(slug="a1", title="A", panel_size=0)


def test_open_registration_needs_quotas():
    assembly = AssemblyFactory()
    with pytest.raises(ServiceError, match="quotas"):
        assembly_open_registration(assembly_id=assembly.pk)


def test_open_then_close_registration_twice_is_harmless(small_assembly):
    assembly_open_registration(assembly_id=small_assembly.pk)
    assembly_open_registration(assembly_id=small_assembly.pk)
    assert assembly_close_registration(assembly_id=small_assembly.pk) is True
    assert assembly_close_registration(assembly_id=small_assembly.pk) is False
    small_assembly.refresh_from_db()
    assert small_assembly.status == AssemblyStatus.CLOSED
    assert actions().count("assemblies.registration.opened") == 1
    assert actions().count("assemblies.registration.closed") == 1


def test_archive_refuses_reopening(small_assembly):
    assembly_archive(assembly_id=small_assembly.pk)
    with pytest.raises(ServiceError):
        assembly_open_registration(assembly_id=small_assembly.pk)


def test_assemblies_close_due_closes_only_past_due(small_assembly):
    assembly_open_registration(assembly_id=small_assembly.pk)
    later = AssemblyFactory(status=AssemblyStatus.OPEN)
    now = timezone.now()
    Assembly.objects.filter(pk=small_assembly.pk).update(
        registration_closes_at=now - timedelta(minutes=1)
    )
    Assembly.objects.filter(pk=later.pk).update(registration_closes_at=now + timedelta(days=1))
    outcome = assemblies_close_due(now=now)
    assert outcome.closed == [small_assembly.pk] and outcome.runs_started == []
    assert assemblies_close_due(now=now).closed == []
    later.refresh_from_db()
    assert later.status == AssemblyStatus.OPEN


# --- memberships ------------------------------------------------------------------------------


def test_membership_set_changes_role_and_audits(small_assembly):
    user = StaffFactory()
    membership_set(assembly_id=small_assembly.pk, user=user, role=Role.VIEWER)
    membership_set(assembly_id=small_assembly.pk, user=user, role=Role.VIEWER)
    membership_set(assembly_id=small_assembly.pk, user=user, role=Role.CALLER)
    assert small_assembly.memberships.get(user=user).role == Role.CALLER
    assert actions().count("assemblies.membership.set") == 2


def test_membership_refused_for_non_staff(small_assembly, user):
    with pytest.raises(ServiceError, match="staff"):
        membership_set(assembly_id=small_assembly.pk, user=user, role=Role.VIEWER)


def test_last_manager_cannot_be_demoted(small_assembly):
    user = StaffFactory()
    membership_set(assembly_id=small_assembly.pk, user=user, role=Role.MANAGER)
    with pytest.raises(ServiceError, match="at least one manager"):
        membership_set(assembly_id=small_assembly.pk, user=user, role=Role.VIEWER)
    assert small_assembly.memberships.get(user=user).role == Role.MANAGER
    other = StaffFactory()
    membership_set(assembly_id=small_assembly.pk, user=other, role=Role.MANAGER)
    membership_set(assembly_id=small_assembly.pk, user=user, role=Role.VIEWER)  # now allowed
    assert small_assembly.memberships.get(user=user).role == Role.VIEWER


def test_last_manager_cannot_be_removed(small_assembly):
    user = StaffFactory()
    membership_set(assembly_id=small_assembly.pk, user=user, role=Role.MANAGER)
    with pytest.raises(ServiceError, match="manager"):
        membership_remove(assembly_id=small_assembly.pk, user=user)


# --- quotas -----------------------------------------------------------------------------------


def test_quotas_save_refused_on_archived_assembly(small_assembly):
    Assembly.objects.filter(pk=small_assembly.pk).update(status=AssemblyStatus.ARCHIVED)
    quota = Quota.objects.filter(assembly=small_assembly).first()
    quota.max += 1
    with pytest.raises(ServiceError, match="archived"):
        quotas_save(assembly_id=small_assembly.pk, changed=[quota])
    assert Quota.objects.get(pk=quota.pk).max == quota.max - 1


def test_quotas_save_saves_syncs_categories_and_audits(small_assembly):
    quota = Quota.objects.filter(assembly=small_assembly).first()
    quota.max += 1
    quotas_save(assembly_id=small_assembly.pk, changed=[quota])
    assert Quota.objects.get(pk=quota.pk).max == quota.max
    event = AuditEvent.objects.get(action="assemblies.quotas.changed")
    assert (event.data["model"], event.data["saved"], event.data["deleted"]) == ("quota", 1, 0)


def test_quotas_import_creates_quotas_and_categories_in_order():
    assembly = AssemblyFactory()
    outcome = quotas_import(assembly_id=assembly.pk, text=SMALL_QUOTAS, filename="q.csv")
    assert (outcome.imported, outcome.replaced, outcome.categories) == (4, 0, ["gender", "age"])
    assert list(Quota.objects.filter(assembly=assembly).values_list("value", flat=True)) == [
        "woman",
        "man",
        "young",
        "old",
    ]
    assert list(Category.objects.filter(assembly=assembly).values_list("name", flat=True)) == [
        "gender",
        "age",
    ]
    assert actions() == ["assemblies.quotas.imported"]


@pytest.mark.parametrize(
    "text",
    [
        "feature,value,min,max,min_flex,max_flex\ngender,woman,2,2,1,3\ngender,man,2,2,,\n",
        "category,name,suggest min,min,max\ngender,woman,1,2,2\ngender,man,1,2,2\n",
    ],
)
def test_quotas_import_reads_every_dialect(text):
    assembly = AssemblyFactory()
    quotas_import(assembly_id=assembly.pk, text=text, filename="q.csv")
    assert Quota.objects.filter(assembly=assembly).count() == 2


def test_quotas_reimport_replaces_table_and_keeps_questions(small_assembly):
    Category.objects.filter(assembly=small_assembly, name="gender").update(question="Gender?")
    text = "category,feature,min,max\ngender,woman,1,3\ngender,man,1,3\nregion,north,0,4\n"
    outcome = quotas_import(assembly_id=small_assembly.pk, text=text, filename="q.csv")
    assert outcome.replaced == 4
    assert Category.objects.get(assembly=small_assembly, name="gender").question == "Gender?"
    assert set(Category.objects.filter(assembly=small_assembly).values_list("name", flat=True)) == {
        "gender",
        "region",
    }


def test_quotas_import_bad_file_changes_nothing_and_reports_line_and_column(small_assembly):
    text = "category,feature,min,max\ngender,woman,2,1\ngender,man,x,2\n"
    before = list(Quota.objects.filter(assembly=small_assembly).values_list("pk", flat=True))
    with pytest.raises(ImportRejected) as caught:
        quotas_import(assembly_id=small_assembly.pk, text=text, filename="q.csv")
    where = [(p.line, p.column) for p in caught.value.problems]
    assert (2, "min") in where and (3, "min") in where
    assert (
        list(Quota.objects.filter(assembly=small_assembly).values_list("pk", flat=True)) == before
    )


def test_quotas_import_preview_writes_nothing(small_assembly):
    text = "category,feature,min,max\ngender,woman,1,3\ngender,man,1,3\n"
    preview = quotas_import_preview(assembly=small_assembly, text=text, filename="q.csv")
    assert preview.ok and preview.replaces == 4 and len(preview.rows) == 2
    assert preview.rows[0].line == 2
    assert Quota.objects.filter(assembly=small_assembly).count() == 4


# --- registrants import -----------------------------------------------------------------------


def test_registrants_import_maps_columns(small_assembly):
    ann = Registrant.objects.get(assembly=small_assembly, external_id="P01")
    assert ann.name == "Ann One" and ann.email == "ann@example.org" and ann.postcode == "AB1"
    assert ann.answers == {"gender": "woman", "age": "young"}
    assert ann.extra == {"note": "a"}
    assert ann.status == RegistrantStatus.POOL and ann.source == "import"
    assert small_assembly.import_columns == [
        "id",
        "name",
        "email",
        "postcode",
        "gender",
        "age",
        "note",
    ]
    assert small_assembly.id_column == "id"


def test_registrants_import_normalises_answer_case(small_assembly):
    text = "id,gender,age\nN1,WOMAN, Young \n"
    registrants_import(assembly_id=small_assembly.pk, text=text, filename="x.csv", id_column="id")
    assert Registrant.objects.get(external_id="N1").answers == {"gender": "woman", "age": "young"}


def test_registrants_reimport_updates_instead_of_duplicating(small_assembly):
    Registrant.objects.filter(external_id="P02").update(status=RegistrantStatus.SELECTED)
    text = (
        "id,name,email,gender,age\n"
        "P02,Bea Renamed,bea@example.org,woman,young\n"
        "P99,New,n@example.org,man,old\n"
    )
    outcome = registrants_import(
        assembly_id=small_assembly.pk, text=text, filename="again.csv", id_column="id"
    )
    assert (outcome.created, outcome.updated, outcome.skipped) == (1, 1, 0)
    bea = Registrant.objects.get(assembly=small_assembly, external_id="P02")
    assert bea.name == "Bea Renamed" and bea.answers["age"] == "young"
    assert bea.status == RegistrantStatus.SELECTED  # status kept
    assert Registrant.objects.filter(assembly=small_assembly).count() == 13


def test_registrants_reimport_skips_erased(small_assembly):
    erased = Registrant.objects.get(external_id="P03")
    registrant_erase(registrant_id=erased.pk)
    text = "id,name,gender,age\nP03,Cat Again,woman,young\n"
    outcome = registrants_import(
        assembly_id=small_assembly.pk, text=text, filename="again.csv", id_column="id"
    )
    assert outcome.skipped == 1
    erased.refresh_from_db()
    assert erased.name == "" and erased.status == RegistrantStatus.DELETED


def test_registrants_import_all_or_nothing_with_every_error_located(small_assembly):
    text = (
        "id,name,email,gender,age\n"
        "Q1,Ok Person,ok@example.org,woman,young\n"
        "Q2,Bad Gender,b@example.org,robot,young\n"
        "Q3,Long Postcode,c@example.org,man,old\n"
        "Q1,Duplicate,d@example.org,man,old\n"
        "Q4,Bad Age,e@example.org,man,ancient\n"
    ).replace("Q3,Long Postcode,c@example.org", "Q3," + "N" * 201 + ",c@example.org")
    before = Registrant.objects.count()
    with pytest.raises(ImportRejected) as caught:
        registrants_import(
            assembly_id=small_assembly.pk, text=text, filename="bad.csv", id_column="id"
        )
    found = [(p.line, p.column) for p in caught.value.problems]
    assert found == [(3, "gender"), (4, "name"), (5, "id"), (6, "age")]
    assert Registrant.objects.count() == before
    assert actions().count("assemblies.registrants.imported") == 1  # the fixture's only


def test_registrants_import_invalid_email_is_a_warning(small_assembly):
    text = "id,email,gender,age\nQ3,not-an-email,man,old\n"
    preview = registrants_import_preview(
        assembly=small_assembly, text=text, filename="f.csv", id_column="id"
    )
    assert preview.ok
    assert "line 2, column 'email': 'not-an-email'" in " ".join(preview.warnings)


def test_registrants_import_missing_category_column(small_assembly):
    with pytest.raises(ImportRejected) as caught:
        registrants_import(
            assembly_id=small_assembly.pk, text="id,gender\nX,woman\n", filename="f.csv"
        )
    assert caught.value.problems[0].line == 1
    assert caught.value.problems[0].column == "age"


def test_registrants_import_needs_quotas_first():
    assembly = AssemblyFactory()
    with pytest.raises(ImportRejected, match="quotas"):
        registrants_import(
            assembly_id=assembly.pk, text=SMALL_REGISTRANTS, filename="p.csv", id_column="id"
        )


def test_registrants_import_without_id_column_creates_every_time(small_assembly):
    text = "gender,age\nwoman,young\nman,old\n"
    registrants_import(assembly_id=small_assembly.pk, text=text, filename="f.csv", id_column="")
    registrants_import(assembly_id=small_assembly.pk, text=text, filename="f.csv", id_column="")
    assert Registrant.objects.filter(assembly=small_assembly, external_id="").count() == 4


def test_registrants_import_preview_reports_counts_and_columns(small_assembly):
    text = (
        "id,Full Name,Primary Zip,gender,age,shoe size\n"
        "P01,A,Z,woman,young,42\n"
        "NEW,B,Y,man,old,40\n"
    )
    preview = registrants_import_preview(
        assembly=small_assembly, text=text, filename="f.csv", id_column="id"
    )
    assert preview.ok and preview.rows_read == 2
    assert (preview.creates, preview.updates, preview.skipped) == (1, 1, 0)
    roles = {c.column: (c.role, c.target) for c in preview.columns}
    assert roles == {
        "id": ("id", ""),
        "Full Name": ("contact", "name"),
        "Primary Zip": ("contact", "postcode"),
        "gender": ("category", "gender"),
        "age": ("category", "age"),
        "shoe size": ("extra", ""),
    }
    assert Registrant.objects.filter(external_id="NEW").count() == 0


def test_registrants_import_refused_while_run_active(small_assembly):
    selection_run_start(assembly_id=small_assembly.pk, kind="test", enqueue=False)
    with pytest.raises(ServiceError, match="in progress"):
        registrants_import(assembly_id=small_assembly.pk, text=SMALL_REGISTRANTS, filename="p.csv")


# --- registrants ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("selected", "confirmed", True),
        ("selected", "withdrawn", True),
        ("confirmed", "withdrawn", True),
        ("withdrawn", "selected", True),
        ("pool", "selected", False),
        ("deleted", "pool", False),
        ("pending", "pool", True),
    ],
)
def test_registrant_status_change_transitions(small_assembly, start, target, allowed):
    drawn_by = SelectionRunFactory(assembly=small_assembly)  # panel statuses come from a draw
    registrant = RegistrantFactory(assembly=small_assembly, status=start, selected_by=drawn_by)
    if allowed:
        registrant_status_change(registrant_id=registrant.pk, status=target)
        registrant.refresh_from_db()
        assert registrant.status == target
        assert actions()[-1] == "assemblies.registrant.status_changed"
    else:
        with pytest.raises(ServiceError):
            registrant_status_change(registrant_id=registrant.pk, status=target)


@pytest.mark.parametrize("target", ["selected", "confirmed"])
def test_registrant_status_change_refuses_a_panel_seat_nobody_drew(small_assembly, target):
    caller = member(small_assembly, Role.CALLER)
    registrant = RegistrantFactory(assembly=small_assembly, status="withdrawn")
    with pytest.raises(ServiceError, match="never drawn"):
        registrant_status_change(registrant_id=registrant.pk, status=target, actor=caller)
    assert Registrant.objects.get(pk=registrant.pk).status == "withdrawn"


def test_registrant_status_change_refuses_a_seat_a_replacement_filled(small_assembly):
    run = SelectionRunFactory(assembly=small_assembly)
    seated = RegistrantFactory.create_batch(
        small_assembly.panel_size, assembly=small_assembly, status="selected", selected_by=run
    )
    left = RegistrantFactory(assembly=small_assembly, status="withdrawn", selected_by=run)
    with pytest.raises(ServiceError, match="seat was filled"):
        registrant_status_change(registrant_id=left.pk, status="selected")
    registrant_status_change(registrant_id=seated[0].pk, status="withdrawn")
    registrant_status_change(registrant_id=left.pk, status="confirmed")  # the seat is free again
    assert Registrant.objects.get(pk=left.pk).status == "confirmed"


def test_registrant_status_change_reserve_cannot_be_seated_by_hand(small_assembly):
    registrant = RegistrantFactory(assembly=small_assembly, status="reserve")
    with pytest.raises(ServiceError):
        registrant_status_change(registrant_id=registrant.pk, status="selected")


def test_registrant_status_change_limited_for_callers(small_assembly):
    caller = member(small_assembly, Role.CALLER)
    registrant = RegistrantFactory(assembly=small_assembly, status="pool")
    with pytest.raises(ServiceError, match="only move"):
        registrant_status_change(registrant_id=registrant.pk, status="withdrawn", actor=caller)
    assert Registrant.objects.get(pk=registrant.pk).status == "pool"


@pytest.mark.parametrize("status", PANEL_MEMBER_STATUSES)
def test_registrant_status_change_caller_moves_panel_members(small_assembly, status):
    caller = member(small_assembly, Role.CALLER)
    registrant = RegistrantFactory(assembly=small_assembly, status="selected")
    registrant_status_change(registrant_id=registrant.pk, status=status, actor=caller)
    assert Registrant.objects.get(pk=registrant.pk).status == status


def test_registrant_status_change_refused_for_viewers(small_assembly):
    viewer = member(small_assembly, Role.VIEWER)
    registrant = RegistrantFactory(assembly=small_assembly, status="selected")
    with pytest.raises(Forbidden):
        registrant_status_change(registrant_id=registrant.pk, status="confirmed", actor=viewer)
    assert Registrant.objects.get(pk=registrant.pk).status == "selected"


def test_registrant_update_answers_not_in_quotas_refused(small_assembly):
    registrant = RegistrantFactory(assembly=small_assembly, status="pool")
    before = dict(registrant.answers)
    category = Quota.objects.filter(assembly=small_assembly).first().category
    registrant.answers = {**before, category: "not-a-value"}
    with pytest.raises(InvalidInput, match="not one of"):
        registrant_update(registrant=registrant, changed=["answers"])
    assert Registrant.objects.get(pk=registrant.pk).answers == before


def test_registrant_erase_refused_for_callers(small_assembly):
    caller = member(small_assembly, Role.CALLER)
    registrant = RegistrantFactory(assembly=small_assembly, status="selected")
    with pytest.raises(Forbidden):
        registrant_erase(registrant_id=registrant.pk, actor=caller)
    assert Registrant.objects.get(pk=registrant.pk).status == "selected"


def test_registrant_erase_blanks_personal_data_keeps_answers(small_assembly):
    ann = Registrant.objects.get(external_id="P01")
    registrant_erase(registrant_id=ann.pk)
    registrant_erase(registrant_id=ann.pk)
    ann.refresh_from_db()
    assert (ann.name, ann.email, ann.postcode, ann.extra) == ("", "", "", {})
    assert ann.answers == {"gender": "woman", "age": "young"}
    assert ann.status == RegistrantStatus.DELETED and ann.erased_at is not None
    assert actions().count("assemblies.registrant.erased") == 1


# --- exports ----------------------------------------------------------------------------------


def test_registrants_csv_gives_rows_as_imported_plus_status(small_assembly):
    text = registrants_csv(assembly=small_assembly)
    lines = text.splitlines()
    assert lines[0] == "id,name,email,postcode,gender,age,note,language,status"
    assert lines[1] == "P01,Ann One,ann@example.org,AB1,woman,young,a,,pool"
    assert len(lines) == 13


def test_pending_imports_purge_removes_old_uploads():
    old = PendingImportFactory()
    PendingImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    fresh = PendingImportFactory()
    assert pending_imports_purge() == 1
    assert list(PendingImport.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_audit_log_holds_no_registrant_personal_data(small_assembly):
    ann = Registrant.objects.get(external_id="P01")
    registrant_status_change(registrant_id=ann.pk, status="withdrawn")
    registrant_erase(registrant_id=ann.pk)
    for event in AuditEvent.objects.all():
        text = f"{event.target_label} {event.data}"
        assert "Ann" not in text and "ann@example.org" not in text and "AB1" not in text
