"""Use cases of an assembly's own registration form fields: save the admin's edits, and add
the ready-made standard fields. Answers are stored in ``Registrant.extra`` under each field's
key (see :mod:`assemblies.registration.forms`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from assemblies.columns import contact_field, is_language_column, normalise
from assemblies.errors import InvalidInput
from assemblies.models import (
    CHOICE_TYPES,
    PERSONAL_FIELDS,
    Assembly,
    Category,
    FieldType,
    FormField,
    Quota,
    Requirement,
)
from assemblies.services._common import _lock_assembly, _refuse_while_busy, _validation_text
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

#: Column names that are never a form field key: the registrants CSV's own columns.
BUILT_IN_COLUMNS = frozenset({"id", "status", "public_id", "external_id", *PERSONAL_FIELDS})


def form_field_problems(
    *,
    assembly: Assembly,
    key: str,
    type: str,  # noqa: A002 - the model field's name
    choices: str = "",
    exclude_pk: int | None = None,
) -> list[tuple[str, str]]:
    """Why a form field could not be saved as given, as ``[(field name, sentence)]``.

    - The key must not be a built-in column (``id``, ``status``, ``language``, a contact field
      or a name the registrants import reads as one, e.g. ``zip`` or ``lang``), a category of
      the assembly, its id column, or the key of another of its form fields (letter case
      ignored).
    - A choice type needs at least one choice, each at most 200 characters (and, for a
      multiple choice, without ``;``: the answers are stored joined by ``"; "``).

    Args:
        assembly: the assembly; key, type, choices: the values about to be saved;
        exclude_pk: the field being edited (so it does not clash with itself).
    """
    problems: list[tuple[str, str]] = []
    folded = key.casefold()
    categories = {
        *Quota.objects.filter(assembly=assembly).values_list("category", flat=True),
        *Category.objects.filter(assembly=assembly).values_list("name", flat=True),
    }
    if folded in BUILT_IN_COLUMNS or contact_field(key) is not None or is_language_column(key):
        problems.append(
            ("key", f"The key {key!r} is a built-in column of registrants: choose another key.")
        )
    elif folded in {c.casefold() for c in categories} or normalise(key) in {
        normalise(c) for c in categories
    }:
        problems.append(
            (
                "key",
                f"The key {key!r} is a category of this assembly: its answers come from the "
                "quota table. Choose another key.",
            )
        )
    elif assembly.id_column and folded == assembly.id_column.casefold():
        problems.append(("key", f"The key {key!r} is this assembly's id column."))
    else:
        others = FormField.objects.filter(assembly=assembly, key__iexact=key)
        if exclude_pk is not None:
            others = others.exclude(pk=exclude_pk)
        if others.exists():
            problems.append(("key", f"Another form field of this assembly has the key {key!r}."))
    if type in CHOICE_TYPES:
        lines = [line.strip() for line in choices.splitlines() if line.strip()]
        if not lines:
            problems.append(("choices", "A choice question needs its answers: one per line."))
        elif any(len(line) > 200 for line in lines):
            problems.append(("choices", "Each answer may have at most 200 characters."))
        elif type == FieldType.MULTIPLE_CHOICE and any(";" in line for line in lines):
            # Several answers are stored joined by "; ".
            problems.append(("choices", "An answer of a multiple choice may not contain “;”."))
    return problems


def _positions_fill(assembly: Assembly, changed: Sequence[FormField]) -> None:
    """Give each new field at position 0 the next position after the assembly's fields and
    the other fields given (the first field of an assembly keeps 0)."""
    new = [item for item in changed if item.pk is None and not item.position]
    if not new:
        return
    given = {item.pk for item in changed if item.pk is not None}
    stored = (
        FormField.objects.filter(assembly=assembly)
        .exclude(pk__in=given)
        .values_list("position", flat=True)
    )
    taken = [*stored, *(item.position for item in changed if item not in new)]
    following = max(taken) + 1 if taken else 0
    for item in new:
        item.position = following
        following += 1


def form_fields_save(
    *,
    assembly_id: int,
    changed: Sequence[FormField],
    deleted: Sequence[FormField] = (),
    actor: Any = None,
) -> None:
    """Save the form fields edited in the admin (new, changed, deleted) and audit it.

    A new field left at position 0 goes after the others (new rows of the admin all start
    at 0), in the order given.

    Answers already given to a deleted field stay in ``Registrant.extra`` (and exports).

    Args:
        assembly_id: the assembly.
        changed: new or edited :class:`FormField` instances (not yet saved).
        deleted: instances to delete.
        actor: who edits (None: the system).

    Raises:
        AssemblyNotFound: no such assembly.
        ServiceError: the assembly is archived or a run is in progress.
        InvalidInput: a field of another assembly, or a problem of
            :func:`form_field_problems` or of the model's validation (nothing is saved).
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        for item in [*changed, *deleted]:
            if item.assembly_id != assembly.pk:
                raise InvalidInput("A form field of another assembly was given.")
        added = [item.key for item in changed if item.pk is None]
        for item in deleted:
            if item.pk is not None:
                item.delete()
        _positions_fill(assembly, changed)
        for item in changed:
            try:
                item.full_clean()
            except ValidationError as exc:
                raise InvalidInput(f"{item.key}: {_validation_text(exc)}") from exc
            problems = form_field_problems(
                assembly=assembly,
                key=item.key,
                type=item.type,
                choices=item.choices,
                exclude_pk=item.pk,
            )
            if problems:
                raise InvalidInput("; ".join(f"{name}: {text}" for name, text in problems))
            try:
                with transaction.atomic():
                    item.save()
            except IntegrityError as exc:
                raise InvalidInput(f"{item.key}: the form field could not be saved.") from exc
        audit_event_record(
            action=AuditAction.FORM_FIELDS_CHANGED,
            actor=actor,
            target=assembly,
            data={"saved": len(changed), "deleted": len(deleted), "added": added},
        )
        assembly.save(update_fields=["updated_at"])  # the form's cached questions follow


def standard_fields() -> list[dict[str, str]]:
    """The ready-made form fields, as ``FormField`` values (labels in the active language):
    eligibility confirmation, availability, access needs, future-contact opt-in and date of
    birth."""
    return [
        {
            "key": "eligibility",
            "label": gettext("Eligibility"),
            "help_text": gettext("Who may take part is explained on the assembly's page."),
            "type": FieldType.MULTIPLE_CHOICE,
            "choices": gettext("I confirm that I am eligible to take part in this assembly."),
            "requirement": Requirement.REQUIRED,
        },
        {
            "key": "availability",
            "label": gettext("Can you attend all of the assembly's meetings?"),
            "help_text": gettext("The dates are on the assembly's page."),
            "type": FieldType.YES_NO,
            "choices": "",
            "requirement": Requirement.REQUIRED,
        },
        {
            "key": "access_needs",
            "label": gettext("Do you have any access needs we should know about?"),
            "help_text": gettext(
                "For example step-free access, a hearing loop, childcare or dietary needs."
            ),
            "type": FieldType.LONG_TEXT,
            "choices": "",
            "requirement": Requirement.OPTIONAL,
        },
        {
            "key": "future_contact",
            "label": gettext("May we contact you about future assemblies?"),
            "help_text": "",
            "type": FieldType.YES_NO,
            "choices": "",
            "requirement": Requirement.OPTIONAL,
        },
        {
            "key": "date_of_birth",
            "label": gettext("Date of birth"),
            "help_text": gettext("For example 1980-03-31."),
            "type": FieldType.DATE,
            "choices": "",
            "requirement": Requirement.OPTIONAL,
        },
    ]


def form_fields_add_standard(*, assembly_id: int, actor: Any = None) -> list[str]:
    """Add the ready-made fields (:func:`standard_fields`) the assembly does not have yet,
    after its own fields. Calling it again adds nothing; a standard field whose key the
    assembly already uses (as a field or a category) is skipped.

    Args:
        assembly_id: the assembly. actor: who asks (None: the system).

    Returns:
        The keys added (empty when there was nothing to add).

    Raises:
        AssemblyNotFound: no such assembly.
        ServiceError: the assembly is archived or a run is in progress.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        fields = FormField.objects.filter(assembly=assembly)
        position = max(fields.values_list("position", flat=True), default=-1) + 1
        added = []
        for values in standard_fields():
            problems = form_field_problems(
                assembly=assembly, key=values["key"], type=values["type"], choices=values["choices"]
            )
            if problems:
                continue
            FormField.objects.create(assembly=assembly, position=position, **values)
            position += 1
            added.append(values["key"])
        if added:
            audit_event_record(
                action=AuditAction.FORM_FIELDS_CHANGED,
                actor=actor,
                target=assembly,
                data={"saved": 0, "deleted": 0, "added": added},
            )
            assembly.save(update_fields=["updated_at"])
    return added
