"""Use cases of targets built from data: the categories and values of a quota table made
from a registrants file, the values of an import added to the table, percentage quotas
converted again when the panel size changes. (Category bands are checked when the
categories are saved: :func:`assemblies.services.quotas.quotas_save`.)

Reads (a file's columns and counts, the answers that are not values yet) live in
:mod:`assemblies.selectors.targets`; the band and percentage rules in :mod:`assemblies.bands`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from assemblies.bands import (
    Band,
    BandError,
    band_value,
    bands_from_text,
    bands_parse,
    is_number,
    percent_bounds,
)
from assemblies.errors import ImportRejected, InvalidInput, ServiceError
from assemblies.models import Assembly, Category, Quota
from assemblies.selectors.targets import (
    MAX_SUGGESTED_VALUES,
    MAX_VALUES_PER_CATEGORY,
    FileColumn,
    file_columns,
    unknown_values,
)
from assemblies.services._common import _lock_assembly, _refuse_while_busy
from assemblies.services.quotas import _categories_sync
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record

#: How the bounds of quotas built from a file are set.
MODE_OPEN = "open"  # min 0, max the panel size: a table to edit
MODE_PROPORTIONAL = "proportional"  # min floor(share x panel), max ceil(share x panel)
MODES = (MODE_OPEN, MODE_PROPORTIONAL)

#: The longest category name or value (the ``Quota`` columns).
_NAME_MAX = 100


@dataclass(frozen=True)
class QuotaBuildOutcome:
    """Quotas built from a file: ``quotas`` written, ``replaced`` removed, ``categories`` in
    table order; ``unchanged`` when the table was already exactly this (a repeated submit)."""

    quotas: int
    replaced: int
    categories: list[str]
    unchanged: bool = False


def _bounds(mode: str, count: int, answered: int, panel_size: int) -> tuple[int, int]:
    if mode == MODE_OPEN or answered == 0:
        return 0, panel_size
    exact = count * panel_size / answered
    return math.floor(exact), min(panel_size, math.ceil(exact))


def _check_name(text: str, what: str) -> None:
    if len(text) > _NAME_MAX:
        raise InvalidInput(f"{what} {text[:40]!r}... is longer than {_NAME_MAX} characters.")


def _column_bands(name: str, texts: str | Sequence[str]) -> list[Band]:
    """The parsed bands given for column ``name`` (empty: none given).

    Raises:
        InvalidInput: malformed, overlapping or gapped bands (the sentence names the column).
    """
    parts = bands_from_text(texts) if isinstance(texts, str) else [t for t in texts if t.strip()]
    try:
        return bands_parse(parts)
    except BandError as exc:
        raise InvalidInput(f"Column {name!r}: {exc}") from exc


def _banded_values(column: FileColumn, bands: list[Band]) -> list[tuple[str, int]]:
    """The values of a banded column with their counts: every band (lowest first, counted
    0 when no answer is in it), then the answers that are not numbers, as given.

    Raises:
        InvalidInput: a number in no band (how many rows hold it).
    """
    counts = {band.label: 0 for band in bands}
    others: dict[str, int] = {}
    for answer, count in column.values:
        try:
            value = band_value(bands, answer)
        except BandError as exc:
            raise InvalidInput(
                f"Column {column.name!r}: {exc}; {count} row(s) hold it. Widen the bands."
            ) from exc
        if value in counts:
            counts[value] += count
        else:
            others[value] = others.get(value, 0) + count
    return [*counts.items(), *others.items()]


def categories_from_file(
    *,
    assembly_id: int,
    text: str,
    filename: str,
    columns: Sequence[str],
    mode: str = MODE_OPEN,
    replace: bool = False,
    bands: Mapping[str, str | Sequence[str]] | None = None,
    actor: Any = None,
) -> QuotaBuildOutcome:
    """Make the assembly's categories and values from chosen columns of a registrants CSV.

    Each chosen column becomes a category (named as the column) and each distinct non-empty
    answer a value (sorted, ignoring case; answers differing only in case are one value).
    A column given bands (raw ages, say ``18-29, 30-44, 45-64, 65+``) gets the bands as its
    values instead, lowest first, each counting the numbers it holds; the bands are stored
    on the category (audited as ``CATEGORY_BANDS_SET``), so a later import turns a raw
    number into its band too.
    Bounds: ``open`` gives min 0 and max the panel size; ``proportional`` gives
    min = floor(share x panel) and max = ceil(share x panel), where share is the value's
    count over the rows that answered the column.

    Args:
        assembly_id: the assembly. text: the CSV text (decoded as the upload form does).
        filename: for messages and the audit. columns: header names, in table order.
        mode: ``open`` or ``proportional``.
        replace: must be True when the assembly has quotas already (they are replaced).
        bands: ``{column: band texts}`` (a list, or one text separated by commas); columns
            not chosen are ignored, empty texts mean no bands.
        actor: who asked (None: the system).

    Returns:
        :class:`QuotaBuildOutcome`. Submitting the same request twice changes nothing the
        second time (``unchanged``).

    Raises:
        ImportRejected: the file is malformed (every problem with its line).
        InvalidInput: no column chosen, a column not in the file or without answers, too
            many values, a name or value too long, an unknown mode; bands that are
            malformed, overlap or leave a gap, a number in no band, or a column of more than
            :data:`~assemblies.selectors.targets.MAX_SUGGESTED_VALUES` different numbers
            without bands. Nothing is stored.
        ServiceError: quotas exist and ``replace`` is False; the assembly is archived or a
            selection run is in progress.
    """
    if mode not in MODES:
        raise InvalidInput(f"Unknown mode {mode!r}: choose one of {', '.join(MODES)}.")
    chosen = list(dict.fromkeys(c for c in columns if c))
    if not chosen:
        raise InvalidInput("Choose at least one column to make a category of.")
    read = file_columns(text=text, filename=filename)
    if read.problems:
        raise ImportRejected(read.problems)
    tables: list[tuple[str, list[tuple[str, int]]]] = []
    banded: dict[str, list[str]] = {}
    for name in chosen:
        column = read.column(name)
        if column is None:
            raise InvalidInput(f"Column {name!r} is not in the file.")
        if not column.values:
            raise InvalidInput(f"Column {name!r} has no answers.")
        _check_name(name, "The category")
        column_bands = _column_bands(name, (bands or {}).get(name, ""))
        if column_bands:
            for band in column_bands:
                _check_name(band.label, f"In column {name!r}, the band")
            tables.append((name, _banded_values(column, column_bands)))
            banded[name] = [band.label for band in column_bands]
            continue
        numbers = sum(1 for value, _ in column.values if is_number(value))
        if numbers > MAX_SUGGESTED_VALUES and numbers == len(column.values):
            raise InvalidInput(
                f"Column {name!r} holds {numbers} different numbers: give bands for column "
                f"{name!r} (e.g. 18-29, 30-44, 45-64, 65+)."
            )
        merged: dict[str, tuple[str, int]] = {}
        for value, count in column.values:
            _check_name(value, f"In column {name!r}, the value")
            spelled, before = merged.get(value.casefold(), (value, 0))
            merged[value.casefold()] = (spelled, before + count)
        if len(merged) > MAX_VALUES_PER_CATEGORY:
            raise InvalidInput(
                f"Column {name!r} has {len(merged)} different answers (at most "
                f"{MAX_VALUES_PER_CATEGORY}): it does not look like a category."
            )
        tables.append((name, sorted(merged.values(), key=lambda v: v[0].casefold())))
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        rows = []
        for name, values in tables:
            answered = sum(count for _, count in values)
            for value, count in values:
                low, high = _bounds(mode, count, answered, assembly.panel_size)
                rows.append((name, value, low, high))
        existing = list(
            Quota.objects.filter(assembly=assembly)
            .order_by("position", "id")
            .values_list("category", "value", "min", "max")
        )
        stored_bands = dict(Category.objects.filter(assembly=assembly).values_list("name", "bands"))
        if existing == rows and all(stored_bands.get(n) == b for n, b in banded.items()):
            return QuotaBuildOutcome(len(rows), 0, [n for n, _ in tables], unchanged=True)
        if existing and not replace:
            raise ServiceError(
                f"The assembly has {len(existing)} quotas already: confirm that they are "
                "replaced, or edit them instead."
            )
        Quota.objects.filter(assembly=assembly).delete()
        Quota.objects.bulk_create(
            Quota(assembly=assembly, category=c, value=v, position=i, min=low, max=high)
            for i, (c, v, low, high) in enumerate(rows)
        )
        categories = _categories_sync(assembly)
        for name in categories:
            Category.objects.filter(assembly=assembly, name=name).update(bands=banded.get(name, []))
        audit_event_record(
            action=AuditAction.QUOTAS_BUILT,
            actor=actor,
            target=assembly,
            data={
                "filename": filename,
                "columns": chosen,
                "mode": mode,
                "quotas": len(rows),
                "replaced": len(existing),
            },
        )
        for name, labels in banded.items():
            audit_event_record(
                action=AuditAction.CATEGORY_BANDS_SET,
                actor=actor,
                target=assembly,
                data={"category": name, "bands": labels},
            )
    return QuotaBuildOutcome(len(rows), len(existing), categories)


def quota_values_add_missing(
    *, assembly_id: int, text: str, filename: str, actor: Any = None
) -> dict[str, list[str]]:
    """Add the answers of a registrants CSV that are not values of the quota table yet, as
    new values with min 0 and max the panel size, each after its own category's values (the
    rows below move down).

    The answers are found again here (:func:`~assemblies.selectors.targets.unknown_values`),
    under the assembly's lock, so only what the file really holds is added and a second call
    adds nothing.

    Returns:
        ``{category: [values added]}`` (empty: nothing was missing).

    Raises:
        InvalidInput: a value longer than 100 characters, or more than
            :data:`~assemblies.selectors.targets.MAX_VALUES_PER_CATEGORY` values in one
            category (nothing is added). ServiceError: the assembly is archived or a
            selection run is in progress.
    """
    with transaction.atomic():
        assembly = _lock_assembly(assembly_id)
        _refuse_while_busy(assembly)
        missing = unknown_values(assembly=assembly, text=text, filename=filename)
        if not missing:
            return {}
        for category, values in missing.items():
            for value in values:
                _check_name(value, f"In column {category!r}, the value")
            total = Quota.objects.filter(assembly=assembly, category=category).count()
            if total + len(values) > MAX_VALUES_PER_CATEGORY:
                raise InvalidInput(
                    f"Category {category!r} would have {total + len(values)} values (at most "
                    f"{MAX_VALUES_PER_CATEGORY}): check the column of the file."
                )
        _values_insert(assembly, missing)
        _categories_sync(assembly)
        audit_event_record(
            action=AuditAction.QUOTA_VALUES_ADDED,
            actor=actor,
            target=assembly,
            data={"filename": filename, "added": missing},
        )
    return missing


def _values_insert(assembly: Assembly, missing: Mapping[str, Sequence[str]]) -> None:
    """Inside the caller's transaction: add ``missing`` values (min 0, max the panel size)
    after the last value of their category, renumbering the positions of the table."""
    table = list(Quota.objects.filter(assembly=assembly).order_by("position", "id"))
    last = {quota.category: index for index, quota in enumerate(table)}
    ordered: list[Quota] = []
    for index, quota in enumerate(table):
        ordered.append(quota)
        if last[quota.category] == index:
            ordered += [
                Quota(assembly=assembly, category=quota.category, value=value, min=0, max=0)
                for value in missing.get(quota.category, ())
            ]
    new: list[Quota] = []
    moved: list[Quota] = []
    for position, quota in enumerate(ordered):
        if quota.pk is None:
            quota.position, quota.max = position, assembly.panel_size
            new.append(quota)
        elif quota.position != position:
            quota.position = position
            moved.append(quota)
    Quota.objects.bulk_update(moved, ["position"])
    Quota.objects.bulk_create(new)


def quotas_rescale(*, assembly: Assembly, actor: Any = None) -> int:
    """Inside the caller's transaction (the assembly locked, its new panel size saved):
    convert every percentage quota again with the panel size (min rounds down, max rounds
    up), and audit the changed ones as ``QUOTAS_RESCALED``.

    Returns:
        How many quotas changed.
    """
    changed = []
    quotas = Quota.objects.filter(assembly=assembly).exclude(
        min_percent__isnull=True, max_percent__isnull=True
    )
    for quota in quotas.order_by("position", "id"):
        low, high = percent_bounds(
            quota.min_percent,
            quota.max_percent,
            assembly.panel_size,
            min_count=quota.min,
            max_count=quota.max,
        )
        if (low, high) == (quota.min, quota.max):
            continue
        changed.append(
            {
                "category": quota.category,
                "value": quota.value,
                "old": [quota.min, quota.max],
                "new": [low, high],
            }
        )
        quota.min, quota.max = low, high
        quota.min_flex = None if quota.min_flex is None else min(quota.min_flex, low)
        quota.max_flex = None if quota.max_flex is None else max(quota.max_flex, high)
        quota.save(update_fields=["min", "max", "min_flex", "max_flex"])
    if changed:
        audit_event_record(
            action=AuditAction.QUOTAS_RESCALED,
            actor=actor,
            target=assembly,
            data={"panel_size": assembly.panel_size, "changed": changed},
        )
    return len(changed)
