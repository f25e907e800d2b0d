"""``settings.CSRF_FAILURE_VIEW``: a registration form posted with an expired or missing CSRF
token is shown again with every answer kept; any other CSRF failure gets Django's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as default_csrf_failure

from assemblies.models import AssemblyStatus
from assemblies.registration import protection
from assemblies.registration.rendering import (
    form_for,
    form_page,
    kept_fill_token,
    page_language,
    unavailable_page,
)
from assemblies.selectors.pages import page_by_code, page_registration_state
from assemblies.selectors.registration import (
    RegistrationState,
    assembly_by_slug,
    registration_state,
)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``settings.CSRF_FAILURE_VIEW``: a registration form posted with an expired or missing
    CSRF token is shown again with every answer kept (status 403, nothing stored) and a fresh
    token; any other CSRF failure gets Django's default 403 page."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    views = ("assemblies:register", "short:page")
    if match is None or match.view_name not in views or request.method != "POST":
        return default_csrf_failure(request, reason)
    page = None
    if match.view_name == "short:page":
        page = page_by_code(code=match.kwargs.get("code", ""))
        assembly = page.assembly if page is not None else None
    else:
        assembly = assembly_by_slug(slug=match.kwargs.get("slug", ""))
        if assembly is not None and assembly.status == AssemblyStatus.DRAFT:
            assembly = None
    if assembly is None:
        return default_csrf_failure(request, reason)
    with page_language(page):
        if page is not None:
            state = page_registration_state(assembly=assembly, page_status=page.status)
        else:
            state = registration_state(assembly=assembly)
        if state != RegistrationState.OPEN:
            return unavailable_page(request, assembly, state, status=403)
        form = form_for(assembly, request.POST)
        posted_token = request.POST.get(protection.FILL_TOKEN_FIELD, "")
        refusal = _(
            "Your session expired before the form was sent, so nothing was saved. Your "
            "answers are still below: please check them and send the form again."
        )
        return form_page(
            request,
            assembly,
            form,
            fill_token=kept_fill_token(assembly, posted_token),
            refusal=refusal,
            page=page,
            status=403,
        )
