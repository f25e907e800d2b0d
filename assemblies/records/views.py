"""Public draw records (no account needed): ``/a/<slug>/draws/<run id>/`` and its bundle.

Thin: the reads are :mod:`assemblies.selectors.records`; publishing is
:func:`assemblies.services.records.selection_run_publish` (admin run page).
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from assemblies.charts import probability_chart_svg
from assemblies.exports import bundle_json
from assemblies.models import Assembly, RunStatus
from assemblies.selectors.content import assembly_localised
from assemblies.selectors.records import draw_lottery, draw_record, published_run
from assemblies.selectors.registration import assembly_public
from opendlp.core.errors import NotFound

#: Pool members per page of a record's table.
ROWS_PER_PAGE = 200
#: Panels per page of a record's transparent lottery (``?tickets=N``).
LOTTERY_ROWS_PER_PAGE = 50


def _assembly(slug: str) -> Assembly:
    assembly = assembly_public(slug=slug)
    if assembly is None:
        raise Http404("No such assembly.")
    return assembly


@require_safe
def record(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """The record of one published draw: how it was made, its figures, the pool (paginated)
    and the panel by pseudonymous id, with the bundle to verify it; for a transparent lottery
    also its M tickets, panel by panel (paginated, ``?tickets=N``), and the ticket picked."""
    assembly = _assembly(slug)
    try:
        data = draw_record(run=published_run(assembly=assembly, run_id=run_id))
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    page = Paginator(data.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    lottery = draw_lottery(run=data.run)
    tickets = (
        Paginator(lottery.rows, LOTTERY_ROWS_PER_PAGE).get_page(request.GET.get("tickets"))
        if lottery
        else None
    )
    return render(
        request,
        "assemblies/public/record.html",
        {
            "assembly": assembly_localised(assembly=assembly),
            "record": data,
            "report": data.report,
            "page": page,
            "lottery": lottery,
            "tickets": tickets,
            "panel": sorted(data.report.panel) if data.report else [],
            "chart": probability_chart_svg(data.probabilities, panel_size=data.run.panel_size),
        },
    )


@require_safe
def bundle(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """The verification bundle of a published draw, as a JSON download."""
    assembly = _assembly(slug)
    try:
        run = published_run(assembly=assembly, run_id=run_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if run.status != RunStatus.SUCCEEDED:
        raise Http404("The panel has not been drawn yet.")
    response = HttpResponse(bundle_json(run=run), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="{assembly.slug}-draw-{run.pk}-bundle.json"'
    )
    return response


@require_safe
def distribution(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """The fixed distribution of a published ceremony run (JSON), from the moment it is
    fixed: anyone can keep a copy and check later that the draw used exactly this."""
    assembly = _assembly(slug)
    try:
        run = published_run(assembly=assembly, run_id=run_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if not run.ceremony or not run.prepared:
        raise Http404("This draw was made in one phase.")
    text = json.dumps(run.prepared, indent=1, sort_keys=True, ensure_ascii=False)
    response = HttpResponse(text + "\n", content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="{assembly.slug}-draw-{run.pk}-distribution.json"'
    )
    return response
