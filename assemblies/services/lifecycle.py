"""Use cases at the end and the start of an assembly's life: erase the personal data of all its
registrants at once when it is over, and duplicate it to start the next one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import CharField, Model
from django.db.models.functions import Cast
from django.utils import timezone

from assemblies.errors import ServiceError
from assemblies.models import (
    PERSONAL_FIELDS,
    Assembly,
    AssemblyStatus,
    Category,
    ContentTranslation,
    EmailTemplate,
    FormField,
    Quota,
    Registrant,
    RegistrantStatus,
    Role,
    erased_external_id,
)
from assemblies.permissions import manager_required
from assemblies.services._common import _lock_assembly
from assemblies.services.assemblies import assembly_save
from assemblies.services.memberships import membership_set
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

#: Registrants erased per batch by :func:`assembly_registrants_erase`.
ERASE_BATCH = 2000


def assembly_registrants_erase(*, assembly_id: int, actor: Any = None) -> int:
    """Erase the personal data of every registrant of an archived assembly, as
    :func:`assemblies.services.registrants.registrant_erase` does for one: contact fields and
    ``extra`` blanked, ``external_id`` replaced by
    :func:`assemblies.models.erased_external_id`, status ``deleted``, ``erased_at`` set, the
    admin's change history renamed to each registrant's ``audit_label``. Rows, answers and
    public ids stay, so past draws remain verifiable.

    Works in batches of :data:`ERASE_BATCH` with bulk updates (one query for the constant
    fields, one for the pseudonymised ids per batch), all in one transaction: everyone or
    no one. Audited once as ``ASSEMBLY_REGISTRANTS_ERASED`` with the count. Registrants
    already erased are left as they are, so a second call erases 0 and is harmless.

    Args:
        assembly_id: the assembly. actor: who asks (None: the system).

    Returns:
        How many registrants were erased by this call.

    Raises:
        AssemblyNotFound: no such assembly.
        Forbidden: the actor does not manage the assembly.
        ServiceError: the assembly is not archived.
    """
    manager_required(actor, assembly_id, "erase personal data")
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        if assembly.status != AssemblyStatus.ARCHIVED:
            raise ServiceError("Archive the assembly before erasing its registrants' data.")
        live = Registrant.objects.filter(assembly=assembly).exclude(status=RegistrantStatus.DELETED)
        now = timezone.now()
        erased = 0
        last_pk = 0
        while True:
            batch = list(
                live.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "external_id")[:ERASE_BATCH]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            for registrant in batch:
                registrant.external_id = erased_external_id(
                    assembly=assembly, external_id=registrant.external_id
                )
            _batch_erase(batch, now)
            erased += len(batch)
        _history_rename(assembly=assembly, erased_at=now)
        audit_event_record(
            action=AuditAction.ASSEMBLY_REGISTRANTS_ERASED,
            actor=actor,
            target=assembly,
            data={"count": erased},
        )
    return erased


def _batch_erase(batch: list[Registrant], now: datetime) -> None:
    """Write the erasure of a batch whose ``external_id`` already holds the pseudonyms.

    On PostgreSQL one ``UPDATE ... FROM (VALUES ...)`` join (linear in the batch, each row
    written once); elsewhere ``bulk_update`` of the ids (a ``CASE`` per row, fine for the small
    tables of SQLite) and one ``update`` of the other fields."""
    constants: dict[str, Any] = {
        **dict.fromkeys(PERSONAL_FIELDS, ""),
        "status": RegistrantStatus.DELETED.value,
        "erased_at": now,
        "updated_at": now,
    }
    if connection.vendor != "postgresql":
        Registrant.objects.bulk_update(batch, ["external_id"])
        Registrant.objects.filter(pk__in=[r.pk for r in batch]).update(extra={}, **constants)
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(name)} = %s" for name in constants)
    rows = ", ".join(["(%s, %s)"] * len(batch))
    params: list[Any] = list(constants.values())
    for registrant in batch:
        params += [registrant.pk, registrant.external_id]
    with connection.cursor() as cursor:
        cursor.execute(
            # Only quoted names and placeholders are formatted in; every value is a parameter.
            f"UPDATE {quote(Registrant._meta.db_table)} AS r SET {assignments}, "  # noqa: S608
            f"extra = '{{}}'::jsonb, external_id = v.new FROM (VALUES {rows}) AS v(id, new) "
            "WHERE r.id = v.id",
            params,
        )


def _history_rename(*, assembly: Assembly, erased_at: datetime) -> None:
    """Rename the admin's change history of the registrants just erased (it names objects by
    ``str()``, the old external id) to their ``audit_label``. One query finds the entries."""
    erased = Registrant.objects.filter(assembly=assembly, erased_at=erased_at)
    entries = list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Registrant),
            object_id__in=erased.annotate(key=Cast("pk", CharField())).values("key"),
        ).only("pk", "object_id")
    )
    if not entries:
        return
    public_ids = dict(
        erased.filter(pk__in=[int(e.object_id) for e in entries]).values_list("pk", "public_id")
    )
    for entry in entries:
        entry.object_repr = f"registrant {public_ids[int(entry.object_id)]}"
    LogEntry.objects.bulk_update(entries, ["object_repr"])


def assembly_duplicate(*, assembly_id: int, slug: str, title: str, actor: Any = None) -> Assembly:
    """Start a new draft assembly from an existing one: its settings (question, description,
    privacy notice, panel size, algorithm, automatic draw, contact requirements, household
    rule, id column, reply-to address and the remembered import header), its categories with
    their questions and bands, its quotas (percentages kept), its form fields, its texts in
    other languages and its email templates. No registrants, runs, registration pages, email
    sends, invitations or registration dates are copied, the new assembly gets its own
    pseudonym key, and its only organiser is the acting manager (as manager).

    Audited as ``ASSEMBLY_CREATED`` (by :func:`assembly_save`) and ``ASSEMBLY_DUPLICATED``.

    Args:
        assembly_id: the assembly to copy. slug, title: the new assembly's address and name.
        actor: who asks (None: the system).

    Returns:
        The new :class:`Assembly` (status draft).

    Raises:
        AssemblyNotFound: no such assembly.
        Forbidden: the actor does not manage the source assembly.
        InvalidInput: the slug is taken or invalid, or the title is (the message says which).
    """
    manager_required(actor, assembly_id, "duplicate it")
    with transaction.atomic():
        source = _lock_assembly(assembly_id)
        copy = Assembly(
            slug=slug.strip(),
            title=title.strip(),
            question=source.question,
            description=source.description,
            privacy_notice=source.privacy_notice,
            panel_size=source.panel_size,
            auto_select=source.auto_select,
            default_algorithm=source.default_algorithm,
            email_requirement=source.email_requirement,
            phone_requirement=source.phone_requirement,
            address_requirement=source.address_requirement,
            household_check=source.household_check,
            household_columns=list(source.household_columns),
            id_column=source.id_column,
            import_columns=list(source.import_columns),
            reply_to=source.reply_to,
        )
        copy = assembly_save(assembly=copy, actor=actor)
        if getattr(actor, "is_staff", False):
            membership_set(assembly_id=copy.pk, user=actor, role=Role.MANAGER, actor=actor)
        _rows_copy(Category, source=source, copy=copy, fields=_CATEGORY_FIELDS)
        _rows_copy(Quota, source=source, copy=copy, fields=_QUOTA_FIELDS)
        _rows_copy(FormField, source=source, copy=copy, fields=_FORM_FIELD_FIELDS)
        _rows_copy(ContentTranslation, source=source, copy=copy, fields=("language", "key", "text"))
        _rows_copy(
            EmailTemplate,
            source=source,
            copy=copy,
            fields=("kind", "language", "subject", "text_body", "html_body"),
            updated_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_event_record(
            action=AuditAction.ASSEMBLY_DUPLICATED,
            actor=actor,
            target=copy,
            data={"source_id": source.pk, "slug": copy.slug},
        )
    return copy


_CATEGORY_FIELDS = ("name", "question", "help_text", "position", "bands")
_QUOTA_FIELDS = (
    "category",
    "value",
    "position",
    "min",
    "max",
    "min_flex",
    "max_flex",
    "min_percent",
    "max_percent",
)
_FORM_FIELD_FIELDS = ("key", "label", "help_text", "type", "choices", "requirement", "position")


def _rows_copy(
    model: type[Model], *, source: Assembly, copy: Assembly, fields: tuple[str, ...], **fixed: Any
) -> None:
    """Copy every ``model`` row of ``source`` to ``copy``: the named ``fields`` (JSON lists
    copied, not shared) and the ``fixed`` values, in one ``bulk_create``."""

    def value(row: Model, name: str) -> Any:
        field = getattr(row, name)
        return list(field) if isinstance(field, list) else field

    model._default_manager.bulk_create(
        model(assembly=copy, **{name: value(row, name) for name in fields}, **fixed)
        for row in model._default_manager.filter(assembly=source)
    )
