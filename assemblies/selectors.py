"""Reads of the assemblies context: querysets and plain data for the admin, commands and tasks.

Nothing here writes. CSV exports are reads too: they turn registrants back into the rows they
were imported as (see :mod:`assemblies.columns`).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from assemblies import engine
from assemblies.columns import column_roles, contact_field
from assemblies.models import (
    ACTIVE_RUN_STATUSES,
    PERSONAL_FIELDS,
    Assembly,
    Quota,
    Registrant,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.permissions import visible_assembly_ids

#: Registrants who hold a panel seat (kept members for replacements).
PANEL_STATUSES = (RegistrantStatus.SELECTED, RegistrantStatus.CONFIRMED)


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


def status_counts(*, assembly: Assembly) -> dict[str, int]:
    """``{status: number of registrants}`` (every status present, zeros included)."""
    counts = dict(
        Registrant.objects.filter(assembly=assembly)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in RegistrantStatus.values}


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


def active_run(*, assembly: Assembly) -> SelectionRun | None:
    """The assembly's pending or running selection run, if any."""
    return SelectionRun.objects.filter(assembly=assembly, status__in=ACTIVE_RUN_STATUSES).first()


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


def pool_people(
    *, assembly: Assembly, statuses: Sequence[str] = (RegistrantStatus.POOL,)
) -> list[tuple[str, dict[str, str], str | None]]:
    """``(engine id, answers, household key or None)`` of the registrants in ``statuses``,
    in id order (the order is part of a draw's input)."""
    columns = list(assembly.household_columns or []) if assembly.household_check else []
    people = []
    queryset = Registrant.objects.filter(assembly=assembly, status__in=statuses).order_by("id")
    for registrant in queryset.only("public_id", "answers", "extra", *_HOUSEHOLD_FIELDS):
        house = engine.household_hash(household_parts(registrant, columns)) if columns else None
        people.append((registrant.engine_id, dict(registrant.answers or {}), house))
    return people


_HOUSEHOLD_FIELDS = ("address_line_1", "address_line_2", "town", "postcode", "name", "email")


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


def assembly_feasibility(*, assembly: Assembly) -> engine.Feasibility:
    """Whether the assembly's quotas can be met by its current pool.

    Returns:
        :class:`assemblies.engine.Feasibility` (input problems such as no quotas or a pool
        smaller than the panel are reported as infeasible, with a message).
    """
    if not Quota.objects.filter(assembly=assembly).exists():
        return engine.Feasibility(False, "There are no quotas yet: import or add them first.")
    if not Registrant.objects.filter(assembly=assembly, status=RegistrantStatus.POOL).exists():
        return engine.Feasibility(False, "The pool is empty: import or register people first.")
    return engine.feasibility(assembly_snapshot(assembly=assembly))


# --- runs -------------------------------------------------------------------------------------


def runs_of(*, assembly: Assembly) -> QuerySet[SelectionRun]:
    """The assembly's runs, newest first."""
    return SelectionRun.objects.filter(assembly=assembly).select_related("requested_by")


def latest_panel_run(*, assembly: Assembly) -> SelectionRun | None:
    """The newest succeeded panel run."""
    return (
        SelectionRun.objects.filter(
            assembly=assembly, kind=RunKind.PANEL, status=RunStatus.SUCCEEDED
        )
        .order_by("-finished_at", "-id")
        .first()
    )


def run_report(*, run: SelectionRun) -> engine.Report | None:
    """The shown parts of a succeeded run's report, or None before it succeeds."""
    if run.status != RunStatus.SUCCEEDED or not run.result:
        return None
    return engine.report_read(run.result)


@dataclass(frozen=True)
class QuotaOutcome:
    """One line of a run's quota table: target range, pool count and selected count
    (for replacements, ``kept`` members are counted in ``selected``)."""

    category: str
    value: str
    min: int
    max: int
    pool: int
    selected: int
    kept: int

    @property
    def met(self) -> bool:
        """True when the selected count lies within [min, max]."""
        return self.min <= self.selected <= self.max


def run_quota_outcomes(*, run: SelectionRun) -> list[QuotaOutcome]:
    """Per quota: target, pool and selected counts, computed from the run's stored inputs
    (so they never change after the run). For a replacement run the targets are the full
    quotas and the counts include the kept members."""
    snapshot = run.input_snapshot or {}
    report = run_report(run=run)
    chosen = set(report.panel) if report else set()
    pool: Counter = Counter()
    selected: Counter = Counter()
    for person in snapshot.get("pool", []):
        for category, value in person["answers"].items():
            pool[(category, value)] += 1
            if person["id"] in chosen:
                selected[(category, value)] += 1
    kept = {(k["category"], k["value"]): k["count"] for k in snapshot.get("kept", [])}
    out = []
    for quota in snapshot.get("targets") or snapshot.get("quotas", []):
        key = (quota["category"], quota["value"])
        held = kept.get(key, 0)
        out.append(
            QuotaOutcome(
                category=quota["category"],
                value=quota["value"],
                min=quota["min"],
                max=quota["max"],
                pool=pool[key],
                selected=selected[key] + held,
                kept=held,
            )
        )
    return out


@dataclass(frozen=True)
class PanelMember:
    """A selected person of a run: the registrant (None if unknown) and their probability."""

    engine_id: str
    registrant: Registrant | None
    probability: float | None


def run_panel_members(*, run: SelectionRun) -> list[PanelMember]:
    """The run's panel in report order, with registrants fetched in one query."""
    report = run_report(run=run)
    if report is None:
        return []
    registrants = {
        str(r.public_id): r
        for r in Registrant.objects.filter(assembly_id=run.assembly_id, public_id__in=report.panel)
    }
    return [
        PanelMember(pid, registrants.get(pid), report.probabilities.get(pid))
        for pid in report.panel
    ]


def run_probabilities_sorted(*, run: SelectionRun) -> list[float]:
    """Every pool member's selection probability, ascending (for the chart)."""
    report = run_report(run=run)
    if report is None:
        return []
    ids = [p["id"] for p in (run.input_snapshot or {}).get("pool", [])]
    probabilities = [report.probabilities.get(pid, 0.0) for pid in ids] or list(
        report.probabilities.values()
    )
    return sorted(probabilities)


# --- CSV exports ------------------------------------------------------------------------------


def export_header(*, assembly: Assembly) -> list[str]:
    """The columns of exported rows: the last import's header, else a default layout."""
    if assembly.import_columns:
        return list(assembly.import_columns)
    categories = list(
        Quota.objects.filter(assembly=assembly)
        .order_by("position", "id")
        .values_list("category", flat=True)
        .distinct()
    )
    seen: list[str] = []
    for category in categories:
        if category not in seen:
            seen.append(category)
    return ["id", *PERSONAL_FIELDS, *seen]


def registrant_row(
    registrant: Registrant, header: Sequence[str], *, id_column: str, categories: Iterable[str]
) -> list[str]:
    """One registrant as a row under ``header``: the external id (or public id) in the id
    column, answers in category columns, contact fields in their columns, imported extra
    columns as they were."""
    roles = column_roles(header, categories=categories, id_column=id_column or "id")
    extra = registrant.extra or {}
    row = []
    for role in roles:
        if role.role == "id":
            row.append(registrant.external_id or str(registrant.public_id))
        elif role.role == "category":
            row.append(str((registrant.answers or {}).get(role.target, "")))
        elif role.column in extra:
            row.append(str(extra[role.column]))
        elif role.role == "contact":
            row.append(str(getattr(registrant, role.target, "") or ""))
        else:
            row.append("")
    return row


def registrants_csv(
    *,
    assembly: Assembly,
    registrants: Iterable[Registrant] | None = None,
    with_status: bool = True,
) -> str:
    """CSV text of registrants as imported, plus (``with_status``) a ``status`` column.

    Args:
        assembly: the assembly.
        registrants: which ones (default: all of the assembly's, in id order).
        with_status: add the ``status`` column (unless the header already has one).
    """
    header = export_header(assembly=assembly)
    categories = list(Quota.objects.filter(assembly=assembly).values_list("category", flat=True))
    id_column = assembly.id_column or ("id" if not assembly.import_columns else "")
    if registrants is None:
        registrants = Registrant.objects.filter(assembly=assembly).order_by("id").iterator()
    add_status = with_status and "status" not in [h.casefold() for h in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header + (["status"] if add_status else []))
    for registrant in registrants:
        row = registrant_row(registrant, header, id_column=id_column, categories=categories)
        writer.writerow(row + ([registrant.status] if add_status else []))
    return out.getvalue()


def panel_registrants(*, assembly: Assembly, run: SelectionRun | None = None) -> list[Registrant]:
    """The panel to export: the run's panel members (any status), or without a run the
    registrants currently selected or confirmed."""
    if run is not None:
        report = run_report(run=run)
        ids = report.panel if report else []
        return list(Registrant.objects.filter(assembly=assembly, public_id__in=ids).order_by("id"))
    return list(
        Registrant.objects.filter(assembly=assembly, status__in=PANEL_STATUSES).order_by("id")
    )


def panel_csv(*, assembly: Assembly, run: SelectionRun | None = None) -> str:
    """CSV of the panel's rows as imported (no status column)."""
    return registrants_csv(
        assembly=assembly,
        registrants=panel_registrants(assembly=assembly, run=run),
        with_status=False,
    )


def remaining_pool_csv(*, run: SelectionRun) -> str:
    """CSV of the run's pool minus its panel, rows as imported."""
    report = run_report(run=run)
    chosen = set(report.panel) if report else set()
    ids = [p["id"] for p in (run.input_snapshot or {}).get("pool", []) if p["id"] not in chosen]
    registrants = Registrant.objects.filter(assembly=run.assembly, public_id__in=ids).order_by("id")
    return registrants_csv(assembly=run.assembly, registrants=registrants, with_status=False)


def distribution_csv(*, run: SelectionRun) -> str:
    """CSV of the distribution over panels, one line per (panel, type):
    ``panel,probability,weight,type,drawn,type_size,type_members``.

    A panel is a composition: how many people are drawn from each type of interchangeable
    people (same answers, no household ties); ``type_members`` lists the type's engine ids
    separated by spaces. A legacy run has no distribution (only the header).
    """
    report = run_report(run=run)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["panel", "probability", "weight", "type", "drawn", "type_size", "type_members"]
    )
    types = report.types if report else []
    for number, share in enumerate(report.distribution if report else [], 1):
        for type_index, drawn in share.counts:
            members = types[type_index] if type_index < len(types) else []
            writer.writerow(
                [
                    number,
                    repr(share.probability),
                    share.weight,
                    type_index,
                    drawn,
                    len(members),
                    " ".join(members),
                ]
            )
    return out.getvalue()


def report_json(*, run: SelectionRun) -> str:
    """The run's report in the CLI's REPORT.json format (pretty-printed)."""
    return json.dumps(run.result or {}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
