"""Use cases of an assembly itself: create, save, open and close registration, archive, the
nightly close of due registrations, and the record of exports."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assemblies.errors import InvalidInput, ServiceError
from assemblies.models import (
    ACTIVE_RUN_STATUSES,
    CONTACT_METHODS,
    CONTACT_RULE_MESSAGE,
    Assembly,
    AssemblyStatus,
    Quota,
    Requirement,
    Role,
    RunKind,
    SelectionRun,
)
from assemblies.selectors.households import (
    LIVE_STATUSES,
    household_columns_normalise,
    household_problems,
)
from assemblies.services._common import _lock_assembly, _validation_text
from assemblies.services.memberships import membership_set
from assemblies.services.runs import selection_run_start
from assemblies.services.targets import quotas_rescale
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record
from opendlp.core.text import control_characters

logger = logging.getLogger(__name__)


def assembly_create(
    *,
    slug: str,
    title: str,
    panel_size: int,
    actor: Any = None,
    question: str = "",
    description: str = "",
    household_columns: Sequence[str] = (),
    household_check: bool | None = None,
    auto_select: bool = False,
    default_algorithm: str = "leximin",
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
    id_column: str = "",
) -> Assembly:
    """Create a draft assembly; the actor (unless a superuser or the system) becomes its
    manager.

    Args:
        slug: unique URL name. title: display name. panel_size: people to select (>= 1).
        household_columns: fields that identify a household; ``household_check`` defaults to
            True when any are given.

    Returns:
        The new :class:`Assembly`.

    Raises:
        ServiceError: the slug is taken or a value is invalid (the message says which).
    """
    assembly = Assembly(
        slug=slug,
        title=title,
        panel_size=panel_size,
        question=question,
        description=description,
        household_columns=[c.strip() for c in household_columns if c.strip()],
        household_check=bool(household_columns) if household_check is None else household_check,
        auto_select=auto_select,
        default_algorithm=default_algorithm,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        id_column=id_column,
    )
    return assembly_save(assembly=assembly, actor=actor)


def assembly_problems(
    *,
    assembly: Assembly,
    title: str | None = None,
    household_check: bool | None = None,
    household_columns: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """The rules :func:`assembly_save` enforces beyond the model's own validation, for a form
    to show them as field errors before saving.

    - The title is one line: no control characters (CR/LF would break email subjects).
    - At least one contact detail (email, phone or postal address) is required.
    - A household check names household columns, and once the assembly has registrants
      each column holds a value for at least one of them (else the rule would be skipped).

    Args:
        assembly: the assembly (saved or new); the other arguments, when given, are the
            values about to be saved instead of the instance's.

    Returns:
        ``[(field name, sentence)]``; empty when the values may be saved.
    """
    problems: list[tuple[str, str]] = []
    title = assembly.title if title is None else title
    bad = control_characters(title or "")
    if bad:
        problems.append(
            (
                "title",
                "The title must be one line of text: remove the control characters "
                f"({', '.join(bad)}), such as line breaks or tabs.",
            )
        )
    if not any(
        getattr(assembly, f"{method}_requirement") == Requirement.REQUIRED
        for method in CONTACT_METHODS
    ):
        problems.append(("email_requirement", CONTACT_RULE_MESSAGE))
    households = household_problems(
        assembly=assembly,
        statuses=LIVE_STATUSES,
        household_check=assembly.household_check if household_check is None else household_check,
        columns=assembly.household_columns if household_columns is None else household_columns,
    )
    problems += [("household_columns", sentence) for sentence in households]
    return problems


def _changed_fields(current: Assembly, assembly: Assembly, changed: Iterable[str]) -> list[str]:
    """The fields among ``changed`` whose value really differs from the stored row."""
    fields = {f.name for f in Assembly._meta.concrete_fields}
    return sorted(
        name for name in set(changed) & fields if getattr(current, name) != getattr(assembly, name)
    )


def assembly_save(
    *, assembly: Assembly, actor: Any = None, changed: Iterable[str] = ()
) -> Assembly:
    """Validate and save a new or edited assembly (the admin form's save) and audit it.

    A new assembly makes a staff actor who is not a superuser its manager (through
    :func:`~assemblies.services.memberships.membership_set`). The slug is the assembly's
    public address: it can change only while the assembly is a draft. Household columns are
    stored normalised (names stripped, no empty names). An edit is audited with the fields
    whose stored value really changes; an edit that changes nothing writes nothing.

    Args:
        assembly: the new or edited instance (not yet saved).
        actor: who saves it (None: the system). changed: names of the fields edited.

    A new panel size converts the percentage quotas again (:func:`quotas_rescale`): a quota
    given as 20% stays 20% of the panel.

    Returns:
        The saved :class:`Assembly`.

    Raises:
        InvalidInput: validation failed (e.g. duplicate slug, panel size 0, a title with
            control characters, a household check without usable household columns: see
            :func:`assembly_problems`; the message names the field or column).
        ServiceError: the slug was changed after the assembly left the draft status.
    """
    creating = assembly.pk is None
    assembly.household_columns = household_columns_normalise(assembly.household_columns)
    try:
        assembly.full_clean()
    except ValidationError as exc:
        raise InvalidInput(_validation_text(exc)) from exc
    with transaction.atomic():
        edited: list[str] = []
        if not creating:
            current = _lock_assembly(assembly.pk)
            if current.slug != assembly.slug and current.status != AssemblyStatus.DRAFT:
                raise ServiceError(
                    "The address (slug) cannot change once registration has opened: "
                    "letters and links already name it."
                )
            edited = _changed_fields(current, assembly, changed)
        problems = assembly_problems(assembly=assembly)
        if problems:
            raise InvalidInput("; ".join(f"{name}: {text}" for name, text in problems))
        if not creating and not edited:
            return assembly
        try:
            with transaction.atomic():
                assembly.save(update_fields=None if creating else [*edited, "updated_at"])
        except IntegrityError as exc:
            raise InvalidInput(f"The assembly could not be saved: {exc}") from exc
        if creating:
            audit_event_record(
                action=AuditAction.ASSEMBLY_CREATED,
                actor=actor,
                target=assembly,
                data={"slug": assembly.slug, "panel_size": assembly.panel_size},
            )
            if getattr(actor, "is_staff", False) and not actor.is_superuser:
                membership_set(assembly_id=assembly.pk, user=actor, role=Role.MANAGER, actor=actor)
        else:
            audit_event_record(
                action=AuditAction.ASSEMBLY_CHANGED,
                actor=actor,
                target=assembly,
                data={"fields": edited},
            )
            if "panel_size" in edited:
                quotas_rescale(assembly=assembly, actor=actor)
    return assembly


def assembly_open_registration(*, assembly_id: int, actor: Any = None) -> Assembly:
    """Open registration of a draft (or re-open a closed) assembly; no-op when open.

    Raises:
        ServiceError: the assembly has no quotas, or its panel was already selected.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        if assembly.status == AssemblyStatus.OPEN:
            return assembly
        if assembly.status not in (AssemblyStatus.DRAFT, AssemblyStatus.CLOSED):
            raise ServiceError(f"Registration cannot open: the assembly is {assembly.status}.")
        if not Quota.objects.filter(assembly=assembly).exists():
            raise ServiceError("Add the quotas before opening registration.")
        previous = assembly.status
        assembly.status = AssemblyStatus.OPEN
        assembly.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action=AuditAction.REGISTRATION_OPENED,
            actor=actor,
            target=assembly,
            data={"from": previous},
        )
    return assembly


def assembly_close_registration(*, assembly_id: int, actor: Any = None) -> bool:
    """Close registration of an open assembly.

    Returns:
        True when it was open and is now closed; False when there was nothing to do (already
        closed, draft, selected or archived), so calling twice is harmless.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        if assembly.status != AssemblyStatus.OPEN:
            return False
        assembly.status = AssemblyStatus.CLOSED
        assembly.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action=AuditAction.REGISTRATION_CLOSED, actor=actor, target=assembly, data={}
        )
    return True


def assembly_archive(*, assembly_id: int, actor: Any = None) -> Assembly:
    """Archive an assembly (no more runs or imports); no-op when archived.

    Raises:
        ServiceError: a selection run is in progress.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        if assembly.status == AssemblyStatus.ARCHIVED:
            return assembly
        if SelectionRun.objects.filter(assembly=assembly, status__in=ACTIVE_RUN_STATUSES).exists():
            raise ServiceError("A selection run is in progress; cancel it first.")
        previous = assembly.status
        assembly.status = AssemblyStatus.ARCHIVED
        assembly.save(update_fields=["status", "updated_at"])
        audit_event_record(
            action=AuditAction.ASSEMBLY_ARCHIVED,
            actor=actor,
            target=assembly,
            data={"from": previous},
        )
    return assembly


@dataclass
class CloseDueOutcome:
    """What :func:`assemblies_close_due` did: the closed assemblies' ids, the runs started
    and the assemblies whose automatic draw could not start (id -> reason)."""

    closed: list[int] = field(default_factory=list)
    runs_started: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def assemblies_close_due(*, now: datetime | None = None) -> CloseDueOutcome:
    """Close every open assembly whose ``registration_closes_at`` has passed and, for those
    with ``auto_select``, start the panel draw (once: never when a panel run already exists).

    Each assembly is handled in its own transaction; running it twice does nothing new.
    """
    now = now or timezone.now()
    outcome = CloseDueOutcome()
    due = Assembly.objects.filter(
        status=AssemblyStatus.OPEN, registration_closes_at__lte=now
    ).values_list("pk", flat=True)
    for assembly_id in list(due):
        if assembly_close_registration(assembly_id=assembly_id, actor=None):
            outcome.closed.append(assembly_id)
    waiting = (
        Assembly.objects.filter(
            status=AssemblyStatus.CLOSED, auto_select=True, registration_closes_at__lte=now
        )
        .exclude(runs__kind=RunKind.PANEL)
        .values_list("pk", flat=True)
    )
    for assembly_id in list(waiting):
        try:
            run = selection_run_start(assembly_id=assembly_id, kind=RunKind.PANEL, actor=None)
        except ServiceError as exc:
            outcome.refused[assembly_id] = str(exc)
            logger.warning("automatic draw of assembly %s not started: %s", assembly_id, exc)
        else:
            outcome.runs_started.append(run.pk)
    return outcome


def assembly_export_record(*, assembly_id: int, actor: Any = None, what: str) -> None:
    """Record that personal data left the system (a CSV export), for accountability."""
    with transaction.atomic():
        assembly = Assembly.objects.get(pk=assembly_id)
        audit_event_record(
            action=AuditAction.REGISTRANTS_EXPORTED,
            actor=actor,
            target=assembly,
            data={"what": what},
        )
