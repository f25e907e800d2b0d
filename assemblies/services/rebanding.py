"""Bands typed on a category: its values derived from them and its registrants' answers moved
into them (a step of :func:`assemblies.services.quotas.quotas_save`, inside its transaction)."""

from __future__ import annotations

from typing import Any

from assemblies.bands import Band, BandError, band_parse, band_value, bands_parse, is_number
from assemblies.errors import InvalidInput
from assemblies.models import Assembly, Category, Quota, Registrant, RegistrantStatus
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record


def _banded(bands: list[Band], value: str) -> str:
    """Where ``value`` (a quota value or an answer) goes under new ``bands``: a band's
    label; the value itself when it is no number and no band (``Prefer not to say``).

    Raises:
        BandError: a number in no band. LookupError: an old band (``25-34``) that no
            single new band holds whole (the numbers behind it are not kept).
    """
    if value in {band.label for band in bands}:
        return value
    if is_number(value):
        return band_value(bands, value)
    try:
        old = band_parse(value)
    except BandError:
        return value
    for band in bands:
        top_ok = band.high is None or (old.high is not None and old.high <= band.high)
        if band.low <= old.low and top_ok:
            return band.label
    raise LookupError(value)


def category_bands_apply(*, assembly: Assembly, category: Category, actor: Any) -> None:
    """Inside :func:`~assemblies.services.quotas.quotas_save`'s transaction (the caller holds
    the assembly's lock): check the category's new bands, make them its values and move its
    registrants' answers into them.

    Values: the bands (lowest first), then the category's values that are neither numbers
    nor bands, in their order; a band that was not a value gets min/max the sums of the
    values it takes in (none: 0 and the panel size). Answers: a number or an old band moves
    to the new band holding it; other answers stay. Erased registrants keep their answers.

    Raises:
        InvalidInput: malformed, overlapping or gapped bands; registrants with a number in
            no band, or an old band that the new bands split.
    """
    if not category.bands:
        return
    name = category.name
    try:
        bands = bands_parse(category.bands)
    except BandError as exc:
        raise InvalidInput(f"Category {name!r}: {exc}") from exc
    registrants = list(
        Registrant.objects.select_for_update()
        .filter(assembly=assembly)
        .exclude(status=RegistrantStatus.DELETED)
        .only("pk", "answers")
    )
    moved: list[Registrant] = []
    refused: dict[str, int] = {}
    for registrant in registrants:
        answer = (registrant.answers or {}).get(name)
        if not isinstance(answer, str) or not answer:
            continue
        try:
            value = _banded(bands, answer)
        except (BandError, LookupError):
            refused[answer] = refused.get(answer, 0) + 1
            continue
        if value != answer:
            registrant.answers = {**registrant.answers, name: value}
            moved.append(registrant)
    if refused:
        listed = ", ".join(f"{answer!r} ({count})" for answer, count in sorted(refused.items()))
        raise InvalidInput(
            f"Category {name!r}: registrants answered {listed}, which no single new band "
            "holds (their numbers are not kept, so they cannot be re-banded). Choose bands "
            "that hold those answers whole, or import the file again."
        )
    table = list(Quota.objects.filter(assembly=assembly).order_by("position", "id"))
    old = [quota for quota in table if quota.category == name]
    labels = [band.label for band in bands]
    kept = [q for q in old if q.value not in labels and _kept_value(bands, q.value)]
    sums: dict[str, list[int]] = {}
    for quota in old:
        if quota.value in labels or quota in kept:
            continue
        try:
            target = _banded(bands, quota.value)
        except (BandError, LookupError):
            continue
        low, high = sums.setdefault(target, [0, 0])
        sums[target] = [low + quota.min, high + quota.max]
    existing = {q.value: q for q in old}
    derived: list[Quota] = []
    for label in labels:
        found = existing.get(label)
        if found is None:
            low, high = sums.get(label, [0, assembly.panel_size])
            found = Quota(
                assembly=assembly,
                category=name,
                value=label,
                min=min(low, assembly.panel_size),
                max=min(high, assembly.panel_size),
            )
        derived.append(found)
    derived += kept
    removed = [q for q in old if q not in derived]
    added = [q for q in derived if q.pk is None]
    if not removed and not added and not moved:
        return
    first = next((i for i, q in enumerate(table) if q.category == name), len(table))
    others = [q for q in table if q.category != name]
    ordered = [*others[:first], *derived, *others[first:]]
    Quota.objects.filter(pk__in=[q.pk for q in removed]).delete()
    for position, quota in enumerate(ordered):
        quota.position = position
    Quota.objects.bulk_create(added)
    Quota.objects.bulk_update([q for q in ordered if q not in added], ["position"])
    Registrant.objects.bulk_update(moved, ["answers"], batch_size=2000)
    audit_event_record(
        action=AuditAction.CATEGORY_REBANDED,
        actor=actor,
        target=assembly,
        data={
            "category": name,
            "added": [q.value for q in added],
            "removed": [q.value for q in removed],
            "registrants": len(moved),
        },
    )


def _kept_value(bands: list[Band], value: str) -> bool:
    """Whether a value stays beside the bands: neither a number nor a band."""
    try:
        return _banded(bands, value) == value
    except (BandError, LookupError):
        return False
