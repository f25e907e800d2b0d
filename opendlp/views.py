"""Cross-cutting views: the home page and the health endpoint."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assemblies.selectors.registration import assemblies_open_for_registration
from opendlp.health import health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``GET /healthz``: JSON status of database, cache and broker; 200 if all ok, else 503."""
    ok, checks = health_report()
    return JsonResponse(
        {"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The public front page: the assemblies open for registration, and the daily lottery."""
    return render(request, "opendlp/home.html", {"assemblies": assemblies_open_for_registration()})
