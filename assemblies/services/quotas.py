"""Use cases of an assembly's quota table: import it from CSV, save edits made in the admin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from assemblies import engine, permissions
from assemblies.bands import (
    percent_bounds,
)
from assemblies.errors import ImportRejected, InvalidInput, ServiceError
from assemblies.models import (
    Assembly,
    Category,
    Quota,
)
from assemblies.selectors.infeasibility import QuotaChange
from assemblies.services._common import _lock_assembly, _refuse_while_busy, _validation_text
from assemblies.services.rebanding import category_bands_apply
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record


@dataclass(frozen=True)
class QuotaImportOutcome:
    """A finished quota import: quotas written, quotas replaced, categories."""

    imported: int
    replaced: int
    categories: list[str]


def quotas_import(
    *, assembly_id: int, text: str, filename: str, actor: Any = None
) -> QuotaImportOutcome:
    """Replace the assembly's quota table with a CSV (all or nothing).

    Category question texts are kept for categories that remain; new categories are added in
    table order; categories no longer in the table are removed. A min or max given as a
    percentage (``20%``) is kept as such and converted with the panel size (min rounds down,
    max rounds up).

    Raises:
        ImportRejected: the file has problems (nothing changed).
        ServiceError: the assembly is archived or a selection run is in progress.
    """
    panel_size = Assembly.objects.filter(pk=assembly_id).values_list("panel_size", flat=True)
    try:
        rows = engine.parse_quotas(text, filename=filename, panel_size=panel_size.first())
    except engine.InputError as exc:
        raise ImportRejected(engine.problems_from(exc)) from exc
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        replaced = Quota.objects.filter(assembly=assembly).count()
        Quota.objects.filter(assembly=assembly).delete()
        quotas = []
        for position, row in enumerate(rows):
            quota = Quota(
                assembly=assembly,
                category=row.category,
                value=row.value,
                position=position,
                min=row.min,
                max=row.max,
                min_flex=row.min_flex,
                max_flex=row.max_flex,
                min_percent=row.min_percent,
                max_percent=row.max_percent,
            )
            _percent_apply(quota, assembly.panel_size)
            quotas.append(quota)
        Quota.objects.bulk_create(quotas)
        categories = _categories_sync(assembly)
        audit_event_record(
            action=AuditAction.QUOTAS_IMPORTED,
            actor=actor,
            target=assembly,
            data={"filename": filename, "quotas": len(rows), "replaced": replaced},
        )
    return QuotaImportOutcome(len(rows), replaced, categories)


def _percent_apply(quota: Quota, panel_size: int) -> None:
    """Set the counts of a quota whose min or max is a percentage of a panel of
    ``panel_size`` (min rounds down, max rounds up); a flex limit the new count passes is
    moved with it, so the quota stays valid."""
    if quota.min_percent is None and quota.max_percent is None:
        return
    quota.min, quota.max = percent_bounds(
        quota.min_percent,
        quota.max_percent,
        panel_size,
        min_count=quota.min or 0,
        max_count=quota.max or 0,
    )
    if quota.min_flex is not None and quota.min_flex > quota.min:
        quota.min_flex = quota.min
    if quota.max_flex is not None and quota.max_flex < quota.max:
        quota.max_flex = quota.max


def _assembly_touch(assembly: Assembly) -> None:
    """Bump the assembly's ``updated_at`` after its quotas changed: pages and questions
    cached under it (:func:`assemblies.selectors.registration.registration_questions`) are
    read again."""
    assembly.save(update_fields=["updated_at"])


def _categories_sync(assembly: Assembly) -> list[str]:
    """Make the Category rows match the quota table (keeps question texts), and bump the
    assembly's ``updated_at`` (:func:`_assembly_touch`): every change of the quota table
    passes here."""
    names: list[str] = []
    for name in (
        Quota.objects.filter(assembly=assembly)
        .order_by("position", "id")
        .values_list("category", flat=True)
    ):
        if name not in names:
            names.append(name)
    existing = {c.name: c for c in Category.objects.filter(assembly=assembly)}
    Category.objects.filter(assembly=assembly).exclude(name__in=names).delete()
    for position, name in enumerate(names):
        category = existing.get(name)
        if category is None:
            Category.objects.create(assembly=assembly, name=name, position=position)
        elif category.position != position:
            category.position = position
            category.save(update_fields=["position"])
    _assembly_touch(assembly)
    return names


def quotas_save(
    *,
    assembly_id: int,
    changed: Sequence[Quota | Category],
    deleted: Sequence[Quota | Category] = (),
    actor: Any = None,
) -> None:
    """Save edits of the quota table or the category questions made in the admin, keep the
    categories in step with the quotas, and audit it. The same rules as an import hold: an
    archived assembly, or one with a selection run in progress, keeps its quotas.

    The ``QUOTAS_CHANGED`` event lists each quota added or removed (category, value,
    bounds) and each quota changed (category, value, old and new bounds), besides the
    counts; no personal data is involved.

    A quota with ``min_percent``/``max_percent`` gets its counts from them and the panel
    size. A category whose ``bands`` change must have valid bands (audited as
    ``CATEGORY_BANDS_SET``); the category's values are then derived again from them and its
    registrants re-banded (:func:`~assemblies.services.rebanding.category_bands_apply`,
    audited as ``CATEGORY_REBANDED``).

    Args:
        assembly_id: the assembly.
        changed: new or edited :class:`Quota` / :class:`Category` instances (not yet saved).
        deleted: instances to delete.
        actor: who edits (None: the system).

    Raises:
        AssemblyNotFound: no such assembly.
        ServiceError: the assembly is archived or a run is in progress (nothing is saved).
        InvalidInput: an instance belongs to another assembly, fails validation, or has
            bands that are malformed, overlap or leave a gap, or that some registrants'
            answers cannot be moved into (nothing is saved).
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        items = [*changed, *deleted]
        for item in items:
            if item.assembly_id != assembly.pk:
                raise InvalidInput("A quota or category of another assembly was given.")
        stored = {
            quota.pk: quota
            for quota in Quota.objects.filter(
                assembly=assembly,
                pk__in=[i.pk for i in items if isinstance(i, Quota) and i.pk is not None],
            )
        }
        for item in changed:
            if isinstance(item, Quota):
                _percent_apply(item, assembly.panel_size)
        changes = _quota_changes(changed, deleted, stored)  # before delete() clears pks
        bands_before = dict(Category.objects.filter(assembly=assembly).values_list("pk", "bands"))
        for item in changed:
            try:
                item.full_clean()
            except ValidationError as exc:
                raise InvalidInput(_validation_text(exc)) from exc
            item.save()
        for item in deleted:
            if item.pk is not None:
                item.delete()
        _categories_sync(assembly)
        for item in changed:
            if isinstance(item, Category) and bands_before.get(item.pk) != item.bands:
                category_bands_apply(assembly=assembly, category=item, actor=actor)
                audit_event_record(
                    action=AuditAction.CATEGORY_BANDS_SET,
                    actor=actor,
                    target=assembly,
                    data={"category": item.name, "bands": list(item.bands)},
                )
        model = type(items[0])._meta.model_name if items else ""
        audit_event_record(
            action=AuditAction.QUOTAS_CHANGED,
            actor=actor,
            target=assembly,
            data={
                "model": model,
                "saved": len(changed),
                "deleted": len(deleted),
                **changes,
            },
        )


#: The bounds of a quota recorded for every added, changed or removed quota.
_BOUNDS = ("min", "max", "min_flex", "max_flex")


def _quota_changes(
    changed: Sequence[Quota | Category],
    deleted: Sequence[Quota | Category],
    stored: dict[int, Quota],
) -> dict[str, list[dict[str, Any]]]:
    """The audit data of a quota edit: ``added`` and ``removed`` quotas (category, value,
    bounds) and ``changed`` ones (category, value, ``old`` and ``new`` bounds, plus the
    category, value or position when those changed). Quotas whose values did not change
    are not listed; categories (question texts) are counted only."""

    def row(quota: Quota) -> dict[str, Any]:
        return {"category": quota.category, "value": quota.value} | {
            name: getattr(quota, name) for name in _BOUNDS
        }

    added, edited, removed = [], [], []
    for item in changed:
        if not isinstance(item, Quota):
            continue
        before = stored.get(item.pk) if item.pk is not None else None
        if before is None:
            added.append(row(item))
            continue
        renamed = [
            name
            for name in ("category", "value", "position")
            if getattr(before, name) != getattr(item, name)
        ]
        if not renamed and all(getattr(before, n) == getattr(item, n) for n in _BOUNDS):
            continue
        fields = (*renamed, *_BOUNDS)
        edited.append(
            {
                "category": item.category,
                "value": item.value,
                "old": {name: getattr(before, name) for name in fields},
                "new": {name: getattr(item, name) for name in fields},
            }
        )
    for item in deleted:
        if isinstance(item, Quota) and item.pk is not None:
            removed.append(row(stored.get(item.pk, item)))
    return {"added": added, "changed": edited, "removed": removed}


@dataclass(frozen=True)
class RelaxOutcome:
    """An applied relaxation: ``changed`` quotas moved to their suggested bounds (0 when
    the suggestion had already been applied, e.g. a second click)."""

    changed: int


def quotas_relax_apply(
    *,
    assembly_id: int,
    relaxation: Sequence[QuotaChange],
    actor: Any = None,
    source: str = "feasibility",
) -> RelaxOutcome:
    """Apply the engine's suggested relaxation to the assembly's quotas, in one transaction.

    Each change moves one quota from ``min``-``max`` to ``new_min``-``new_max`` (a min may
    only go down and a max only up); min_flex/max_flex widen with it when the suggestion goes
    beyond them (as the engine's ``relaxed_quotas`` does). The suggestion is checked against
    the quotas as they are now: a quota that no longer exists or whose bounds are neither the
    old ones nor the suggested ones makes the whole suggestion stale, and nothing changes.
    Quotas already at their suggested bounds are left alone, so a second click changes
    nothing and records nothing.

    Args:
        assembly_id: the assembly.
        relaxation: the changes (:class:`~assemblies.selectors.infeasibility.QuotaChange`).
        actor: the manager (None: the system).
        source: where the suggestion came from, for the audit log ("feasibility" or
            "run <id>").

    Returns:
        :class:`RelaxOutcome` with the number of quotas changed.

    Raises:
        Forbidden: the actor is not a manager of the assembly.
        InvalidInput: the suggestion is empty or a change is not a relaxation (names it).
        ServiceError: the suggestion is stale, the assembly is archived or a run is in
            progress (nothing changed).
        AssemblyNotFound: no such assembly.
    """
    permissions.manager_required(actor, assembly_id, "change its quotas")
    changes = list(relaxation)
    if not changes:
        raise InvalidInput("The suggestion is empty: there is nothing to apply.")
    for change in changes:
        if not 0 <= change.new_min <= change.min <= change.max <= change.new_max:
            raise InvalidInput(
                f"{change.category} “{change.value}”: {change.min}–{change.max} to "
                f"{change.new_min}–{change.new_max} is not a relaxation (a min may only go "
                "down and a max only up)."
            )
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        quotas = {
            (q.category, q.value): q
            for q in Quota.objects.select_for_update().filter(assembly=assembly)
        }
        todo = []
        for change in changes:
            quota = quotas.get((change.category, change.value))
            bounds = None if quota is None else (quota.min, quota.max)
            if bounds == (change.new_min, change.new_max):
                continue  # applied already
            if quota is None or bounds != (change.min, change.max):
                now = "no longer exists" if quota is None else f"is now {quota.min}–{quota.max}"
                raise ServiceError(
                    f"The suggestion is out of date: {change.category} “{change.value}” "
                    f"{now}, not {change.min}–{change.max}. Check the feasibility again; "
                    "nothing was changed."
                )
            todo.append((quota, change))
        for quota, change in todo:
            quota.min, quota.max = change.new_min, change.new_max
            if quota.min_flex is not None:
                quota.min_flex = min(quota.min_flex, change.new_min)
            if quota.max_flex is not None:
                quota.max_flex = max(quota.max_flex, change.new_max)
            quota.save(update_fields=["min", "max", "min_flex", "max_flex"])
        if todo:
            _assembly_touch(assembly)
            audit_event_record(
                action=AuditAction.QUOTAS_RELAXED,
                actor=actor,
                target=assembly,
                data={
                    "changed": [
                        {
                            "category": c.category,
                            "value": c.value,
                            "old": {"min": c.min, "max": c.max},
                            "new": {"min": c.new_min, "max": c.new_max},
                        }
                        for _, c in todo
                    ],
                    "source": source[:40],
                },
            )
    return RelaxOutcome(changed=len(todo))
