"""Exports of the assemblies context: registrants back as the rows they were imported as (see
:mod:`assemblies.columns`), panels, pools, distributions and reports, as CSV or JSON text.

Every CSV is written by :func:`opendlp.core.spreadsheets.csv_text`, so a cell a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first; plain numbers excepted) gets a
single quote in front.

Reads only; recording that personal data left the system is
:func:`assemblies.services.assemblies.assembly_export_record`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from assemblies.columns import LANGUAGE_COLUMN, column_roles, is_language_column
from assemblies.models import (
    PERSONAL_FIELDS,
    Assembly,
    FormField,
    Quota,
    Registrant,
    RegistrantStatus,
    SelectionRun,
)
from assemblies.selectors.records import draw_bundle
from assemblies.selectors.runs import panel_registrants, run_report
from opendlp.core.spreadsheets import csv_text


def export_header(*, assembly: Assembly) -> list[str]:
    """The columns of exported rows: the last import's header, else a default layout; then
    a ``language`` column when the header has none (the language the person's emails are
    written in, empty for the site's default; the import reads it back); then the keys of
    the assembly's own form fields that are not columns yet (answers from
    ``Registrant.extra``), in position order."""
    keys = list(
        FormField.objects.filter(assembly=assembly)
        .order_by("position", "id")
        .values_list("key", flat=True)
    )
    header = _base_header(assembly)
    if not any(is_language_column(column) for column in header):
        header.append(LANGUAGE_COLUMN)
    folded = {column.casefold() for column in header}
    return header + [key for key in keys if key.casefold() not in folded]


def _base_header(assembly: Assembly) -> list[str]:
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
    return ["id", *PERSONAL_FIELDS, *_language_column(seen), *seen]


def _language_column(categories: Iterable[str]) -> list[str]:
    """``["language"]``, or nothing when a category already has a language column's name (its
    column is the category's)."""
    return [] if any(is_language_column(c) for c in categories) else [LANGUAGE_COLUMN]


def registrant_row(
    registrant: Registrant, header: Sequence[str], *, id_column: str, categories: Iterable[str]
) -> list[str]:
    """One registrant as a row under ``header``: the external id (or public id) in the id
    column, answers in category columns, contact fields and the language in their columns,
    imported extra columns as they were."""
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
        elif role.role == "language":
            row.append(registrant.language or "")
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
        registrants: which ones (default: all of the assembly's but test submissions, in id
            order).
        with_status: add the ``status`` column (unless the header already has one).
    """
    header = export_header(assembly=assembly)
    categories = list(Quota.objects.filter(assembly=assembly).values_list("category", flat=True))
    id_column = assembly.id_column or ("id" if not assembly.import_columns else "")
    if registrants is None:
        registrants = (
            Registrant.objects.filter(assembly=assembly)
            .exclude(status=RegistrantStatus.TEST)
            .order_by("id")
            .iterator()
        )
    add_status = with_status and "status" not in [h.casefold() for h in header]

    def rows() -> Iterator[list[str]]:
        yield header + (["status"] if add_status else [])
        for registrant in registrants:
            row = registrant_row(registrant, header, id_column=id_column, categories=categories)
            yield row + ([registrant.status] if add_status else [])

    return csv_text(rows())


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
    types = report.types if report else []
    shares = report.distribution if report else []
    probabilities = report.panel_probabilities() if report else []

    def rows() -> Iterator[list[object]]:
        yield ["panel", "probability", "weight", "type", "drawn", "type_size", "type_members"]
        for number, (share, probability) in enumerate(zip(shares, probabilities, strict=True), 1):
            for type_index, drawn in share.counts:
                members = types[type_index] if type_index < len(types) else []
                yield [
                    number,
                    repr(probability),
                    share.weight,
                    type_index,
                    drawn,
                    len(members),
                    " ".join(members),
                ]

    return csv_text(rows())


def report_json(*, run: SelectionRun) -> str:
    """The run's report in the CLI's REPORT.json format (pretty-printed)."""
    return json.dumps(run.result or {}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def bundle_json(*, run: SelectionRun) -> str:
    """The run's verification bundle (:func:`assemblies.selectors.records.draw_bundle`) as the
    JSON text ``python -m selection verify --bundle`` reads (the format of
    ``selection.bundle.bundle_dumps``)."""
    return json.dumps(draw_bundle(run=run), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def run_quotas_csv(*, run: SelectionRun) -> str:
    """The quota table the engine was given for ``run`` (for a replacement run: reduced by the
    kept members), as ``feature,value,min,max,min_flex,max_flex`` CSV: one of the two files
    that let ``python -m selection verify --report`` check the run (see :func:`run_pool_csv`)."""
    quotas = (run.input_snapshot or {}).get("quotas", [])
    return csv_text(
        [
            ["feature", "value", "min", "max", "min_flex", "max_flex"],
            *(
                [
                    q["category"],
                    q["value"],
                    q["min"],
                    q["max"],
                    "" if q.get("min_flex") is None else q["min_flex"],
                    "" if q.get("max_flex") is None else q["max_flex"],
                ]
                for q in quotas
            ),
        ]
    )


def run_pool_csv(*, run: SelectionRun) -> str:
    """The pool the engine was given for ``run``: ``id`` (each registrant's random public id),
    one column per category, and, when the household rule was on, ``household`` (the salted
    hash the engine saw). With :func:`run_quotas_csv` and report.json::

        python -m selection verify --report report.json --categories quotas.csv \\
            --respondents pool.csv --id-column id [--household-columns household]
    """
    snapshot = run.input_snapshot or {}
    categories = list(dict.fromkeys(q["category"] for q in snapshot.get("quotas", [])))
    households = bool(snapshot.get("households"))
    header = ["id", *categories, *(["household"] if households else [])]
    rows = (
        [
            person["id"],
            *(person["answers"].get(c, "") for c in categories),
            *([person.get("household") or ""] if households else []),
        ]
        for person in snapshot.get("pool", [])
    )
    return csv_text([header, *rows])


#: Header of exported quota tables and of the quotas template (a dialect the import reads).
QUOTA_HEADER = ["feature", "value", "min", "max", "min_flex", "max_flex"]


def _percent(share: Decimal) -> str:
    return f"{share.normalize():f}%"


def quotas_csv(*, assembly: Assembly) -> str:
    """The assembly's quota table as ``feature,value,min,max,min_flex,max_flex`` CSV, in
    table order; empty flex cells for no flex limit; a bound given as a percentage of the
    panel is written as such (``20%``). The quota import
    (:func:`assemblies.services.quotas.quotas_import`) reads it back to the same quotas."""
    quotas = Quota.objects.filter(assembly=assembly).order_by("position", "id")
    return csv_text(
        [
            QUOTA_HEADER,
            *(
                [
                    q.category,
                    q.value,
                    q.min if q.min_percent is None else _percent(q.min_percent),
                    q.max if q.max_percent is None else _percent(q.max_percent),
                    "" if q.min_flex is None else q.min_flex,
                    "" if q.max_flex is None else q.max_flex,
                ]
                for q in quotas
            ),
        ]
    )


def quotas_template_csv() -> str:
    """An empty quota table to fill in: the header of :func:`quotas_csv` only."""
    return csv_text([QUOTA_HEADER])


def registrants_template_csv(*, assembly: Assembly) -> str:
    """An empty registrants file to fill in for ``assembly``: the header only, with its id
    column (the assembly's ``id_column``, else ``id``), the contact columns, ``language`` (a
    site language code, empty for the default) and one column per category in table order,
    which the registrants import recognises as such."""
    categories = dict.fromkeys(
        Quota.objects.filter(assembly=assembly)
        .order_by("position", "id")
        .values_list("category", flat=True)
    )
    header = [assembly.id_column or "id", *PERSONAL_FIELDS, *_language_column(categories)]
    return csv_text([[*header, *categories]])
