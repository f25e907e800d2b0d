"""The signed links of a registrant's emails under ``/a/<slug>/``: confirm, withdraw and
erase. Each GET shows a button; only the POST acts (mail scanners that follow links change
nothing); a bad, expired or foreign link shows the "invalid link" page (404)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from assemblies.models import Assembly, Registrant
from assemblies.registration.rendering import (
    shown,
)
from assemblies.selectors.registration import (
    assembly_by_slug,
    registrant_by_public_id,
    registration_state,
)
from assemblies.services.registrants import (
    CONFIRMABLE_ASSEMBLY_STATUSES,
    registrant_confirm,
    registrant_erase_by_link,
    registrant_withdraw,
)
from assemblies.states import WITHDRAWABLE_STATUSES
from assemblies.tokens import InvalidLink, Purpose, link_token_read


def _link_target(
    request: HttpRequest, slug: str, token: str, purpose: Purpose
) -> tuple[Assembly, Registrant] | HttpResponse:
    """The assembly and registrant a signed link names, or the "invalid link" page (404)."""
    assembly = assembly_by_slug(slug=slug)
    if assembly is None:
        raise Http404("No such assembly.")
    expired = False
    registrant = None
    try:
        claims = link_token_read(purpose=purpose, token=token)
    except InvalidLink as invalid:
        expired = invalid.expired
    else:
        if claims.assembly_id == assembly.pk:
            registrant = registrant_by_public_id(assembly=assembly, public_id=claims.public_id)
    if registrant is None:
        state = registration_state(assembly=assembly)
        return render(
            request,
            "assemblies/public/link_invalid.html",
            {
                "assembly": shown(assembly),
                "expired": expired,
                "purpose": purpose.value,
                "state": state,
                "register_url": reverse("assemblies:register", kwargs={"slug": assembly.slug}),
            },
            status=404,
        )
    return assembly, registrant


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """``/a/<slug>/confirm/<token>/``: GET shows a button; only the POST confirms (mail
    scanners that follow links confirm nobody), then redirects back here."""
    target = _link_target(request, slug, token, Purpose.CONFIRM)
    if isinstance(target, HttpResponse):
        return target
    assembly, registrant = target
    can_confirm = assembly.status in CONFIRMABLE_ASSEMBLY_STATUSES
    if request.method == "POST" and can_confirm:
        registrant_confirm(assembly_id=assembly.pk, public_id=registrant.public_id)
        return redirect(request.path)
    return render(
        request,
        "assemblies/public/confirm.html",
        {"assembly": shown(assembly), "registrant": registrant, "can_confirm": can_confirm},
        status=409 if request.method == "POST" else 200,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """``/a/<slug>/withdraw/<token>/``: GET explains and shows a button; POST withdraws
    and redirects back here."""
    target = _link_target(request, slug, token, Purpose.WITHDRAW)
    if isinstance(target, HttpResponse):
        return target
    assembly, registrant = target
    if request.method == "POST":
        registrant_withdraw(assembly_id=assembly.pk, public_id=registrant.public_id)
        return redirect(request.path)
    return render(
        request,
        "assemblies/public/withdraw.html",
        {
            "assembly": shown(assembly),
            "registrant": registrant,
            "can_withdraw": registrant.status in WITHDRAWABLE_STATUSES,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def erase(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """``/a/<slug>/erase/<token>/``: GET explains and shows a button; POST erases the
    personal data (the row and answers stay) and redirects back here."""
    target = _link_target(request, slug, token, Purpose.ERASE)
    if isinstance(target, HttpResponse):
        return target
    assembly, registrant = target
    if request.method == "POST":
        registrant_erase_by_link(assembly_id=assembly.pk, public_id=registrant.public_id)
        return redirect(request.path)
    return render(
        request,
        "assemblies/public/erase.html",
        {
            "assembly": shown(assembly),
            "registrant": registrant,
            "erased": registrant.erased_at is not None,
        },
    )


__all__ = ["confirm", "erase", "withdraw"]
