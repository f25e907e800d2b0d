"""Reads of assemblies, quotas and pools: querysets and plain data for the admin, commands and
services. Nothing here writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Count, QuerySet

from assemblies import engine
from assemblies.bands import Band, BandError, bands_parse
from assemblies.columns import contact_field
from assemblies.errors import InvalidInput
from assemblies.models import (
    Assembly,
    Category,
    Quota,
    Registrant,
    RegistrantStatus,
    RunKind,
)
from assemblies.permissions import visible_assembly_ids
from assemblies.selectors.households import household_check_or_refuse
from assemblies.selectors.infeasibility import problem_plain


def assemblies_visible_to(*, user: Any) -> QuerySet[Assembly]:
    """The assemblies ``user`` has a role in (all of them for a superuser)."""
    ids = visible_assembly_ids(user)
    queryset = Assembly.objects.all()
    return queryset if ids is None else queryset.filter(pk__in=ids)


def assembly_get(*, slug: str) -> Assembly:
    """The assembly with this slug; raises ``Assembly.DoesNotExist``."""
    return Assembly.objects.get(slug=slug)


def quotas_of(*, assembly: Assembly) -> list[Quota]:
    """The assembly's quotas in table order."""
    return list(Quota.objects.filter(assembly=assembly).order_by("position", "id"))


def category_bands(*, assembly: Assembly) -> dict[str, list[Band]]:
    """``{category name: its bands, lowest first}`` for the categories that have bands (a
    stored definition that no longer parses counts as none: saving checks it)."""
    found: dict[str, list[Band]] = {}
    for name, texts in Category.objects.filter(assembly=assembly).values_list("name", "bands"):
        if not texts:
            continue
        try:
            found[name] = bands_parse(texts)
        except BandError:
            continue
    return found


def status_counts(*, assembly: Assembly) -> dict[str, int]:
    """``{status: number of registrants}`` (every status present, zeros included), test
    submissions (status ``test``, quarantined) left out."""
    counts = dict(
        Registrant.objects.filter(assembly=assembly)
        .exclude(status=RegistrantStatus.TEST)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        status: counts.get(status, 0)
        for status in RegistrantStatus.values
        if status != RegistrantStatus.TEST
    }


def answer_counts(*, assembly: Assembly, statuses: Sequence[str]) -> Counter:
    """``Counter({(category, value): n})`` over the registrants in ``statuses``."""
    counts: Counter = Counter()
    rows = Registrant.objects.filter(assembly=assembly, status__in=statuses).values_list(
        "answers", flat=True
    )
    for answers in rows.iterator(chunk_size=2000):
        for category, value in (answers or {}).items():
            counts[(category, value)] += 1
    return counts


def quota_pool_counts(*, assembly: Assembly) -> Counter:
    """``Counter({(category, value): n})`` over the pool (status ``pool``)."""
    return answer_counts(assembly=assembly, statuses=[RegistrantStatus.POOL])


def household_parts(registrant: Registrant, columns: Iterable[str]) -> list[str]:
    """The values of the household columns for one registrant: an imported column kept in
    ``extra``, else the contact field the column names (e.g. ``primary_zip`` -> postcode)."""
    parts = []
    for column in columns:
        if column in (registrant.extra or {}):
            parts.append(str(registrant.extra[column]))
            continue
        field = contact_field(column) or column
        parts.append(str(getattr(registrant, field, "") or ""))
    return parts


_HOUSEHOLD_FIELDS = ("address_line_1", "address_line_2", "town", "postcode", "name", "email")


def pool_people(
    *, assembly: Assembly, statuses: Sequence[str] = (RegistrantStatus.POOL,)
) -> list[tuple[str, dict[str, str], str | None]]:
    """``(engine id, answers, household key or None)`` of the registrants in ``statuses``,
    in id order (the order is part of a draw's input). Household keys are keyed with the
    assembly's secret ``pseudonym_key`` (:func:`assemblies.engine.household_hash`)."""
    columns = list(assembly.household_columns or []) if assembly.household_check else []
    key = assembly.pseudonym_key
    people = []
    queryset = Registrant.objects.filter(assembly=assembly, status__in=statuses).order_by("id")
    for registrant in queryset.only("public_id", "answers", "extra", *_HOUSEHOLD_FIELDS):
        house = (
            engine.household_hash(household_parts(registrant, columns), key=key)
            if columns
            else None
        )
        people.append((registrant.engine_id, dict(registrant.answers or {}), house))
    return people


def assembly_snapshot(
    *, assembly: Assembly, panel_size: int | None = None, algorithm: str = "leximin", seed: str = ""
) -> dict[str, Any]:
    """The inputs a panel draw would use now (quotas, pool, panel size), as a snapshot."""
    return engine.snapshot_make(
        quota_rows=quotas_of(assembly=assembly),
        people=pool_people(assembly=assembly),
        panel_size=panel_size or assembly.panel_size,
        households=assembly.household_check,
        algorithm=algorithm,
        seed=seed or "feasibility",
        kind=RunKind.PANEL,
    )


def assembly_feasibility(*, assembly: Assembly) -> engine.FeasibilityReport:
    """Whether the assembly's quotas can be met by its current pool.

    Returns:
        The engine's :class:`selection.FeasibilityReport` (``feasible``; ``message()``
        explains the conflicting quotas and the smallest relaxation).

    Raises:
        InvalidInput: the check cannot run: no quotas yet, an empty pool, a household check
            without usable household columns, or input problems
            (a panel larger than the pool, answers outside the quota table); the message
            says which, one problem per sentence.
    """
    if not Quota.objects.filter(assembly=assembly).exists():
        raise InvalidInput("There are no quotas yet: import or add them first.")
    if not Registrant.objects.filter(assembly=assembly, status=RegistrantStatus.POOL).exists():
        raise InvalidInput("The pool is empty: import or register people first.")
    household_check_or_refuse(assembly=assembly)
    try:
        return engine.feasibility(assembly_snapshot(assembly=assembly))
    except engine.InputError as exc:
        raise InvalidInput(" ".join(problem_plain(p) for p in engine.problems_from(exc))) from exc


def answers_problems(*, assembly: Assembly, answers: Mapping[str, Any]) -> list[str]:
    """What is wrong with a registrant's ``answers`` against the assembly's quota table:
    every category needs an answer that is one of its values (spelled as in the table).

    Returns:
        One sentence per problem; empty when the answers fit (or there are no quotas yet).
    """
    values: dict[str, list[str]] = {}
    for category, value in Quota.objects.filter(assembly=assembly).values_list("category", "value"):
        values.setdefault(category, []).append(value)
    problems = []
    for category, allowed in values.items():
        answer = answers.get(category)
        if answer in (None, ""):
            problems.append(f"{category}: an answer is required")
        elif answer not in allowed:
            problems.append(f"{category}: {answer!r} is not one of {', '.join(allowed)}")
    return problems
