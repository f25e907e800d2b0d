"""The public pages of an assembly under ``/a/<slug>/`` and of its registration pages under
``/r/<code>``: landing, registration form, thanks, "not open yet" / "closed", and the
organisers' preview of the form.

The signed confirm / withdraw / erase pages are :mod:`assemblies.registration.links`, the
CSRF failure view that re-shows a registration form :mod:`assemblies.registration.csrf`, and
what they all share (the assembly in the active language, the form page)
:mod:`assemblies.registration.rendering`.

Views parse the request, call one selector or service and render; every refusal stores
nothing and says why.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from assemblies import permissions
from assemblies.errors import RegistrationClosed
from assemblies.models import Assembly, AssemblyStatus, PageStatus, Registrant, RegistrationPage
from assemblies.registration import protection
from assemblies.registration.rendering import (
    active_texts,
    base_url,
    fill_scope,
    form_for,
    form_page,
    kept_fill_token,
    page_language,
    public_assembly,
    shown,
    unavailable_page,
)
from assemblies.selectors.content import (
    questions_localised,
)
from assemblies.selectors.pages import page_by_code, page_registration_state
from assemblies.selectors.records import published_runs
from assemblies.selectors.registration import (
    RegistrationState,
    assemblies_open_for_registration,
    assembly_by_slug,
    registration_questions,
    registration_state,
)
from assemblies.services.registration import registrant_register


@require_safe
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET /a/<slug>/``: title, question, description, dates, how selection works, the
    privacy notice, and a link to the form while registration is open. Drafts: 404."""
    assembly = public_assembly(slug)
    texts = active_texts(assembly)
    return render(
        request,
        "assemblies/public/landing.html",
        {
            "assembly": shown(assembly, texts),
            "state": registration_state(assembly=assembly),
            "questions": questions_localised(
                questions=registration_questions(assembly=assembly), texts=texts
            ),
            "draws": list(published_runs(assembly=assembly)),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest, slug: str) -> HttpResponse:
    """``/a/<slug>/register/``: the form (GET) and its submission (POST).

    A POST is refused, with a message and nothing stored (the form is shown again with
    every value kept and, to fix everything at once, the field errors too), when: the
    client IP is over its rate limit (429); the honeypot is filled (400); the fill-time
    token is missing, forged, expired or younger than the minimum fill time (400); the form
    is invalid (400); the email address is over its rate limit (429); or the assembly does
    not take registrations (403). A valid submission redirects to the thanks
    page, for new and already-known email addresses alike.
    """
    assembly = public_assembly(slug)
    return _register_flow(request, assembly, registration_state(assembly=assembly))


def _register_flow(
    request: HttpRequest,
    assembly: Assembly,
    state: RegistrationState,
    page: RegistrationPage | None = None,
) -> HttpResponse:
    """The form and its submission, for ``/a/<slug>/register/`` and for a registration page
    (``page``); ``state`` says whether it takes registrations now."""
    if state != RegistrationState.OPEN:
        return unavailable_page(
            request, assembly, state, status=403 if request.method == "POST" else 200
        )
    if request.method != "POST":
        token = protection.fill_token_make(scope=fill_scope(assembly))
        return form_page(request, assembly, form_for(assembly), fill_token=token, page=page)

    form = form_for(assembly, request.POST)
    posted_token = request.POST.get(protection.FILL_TOKEN_FIELD, "")
    if not protection.ip_allowed(request):
        refusal = _(
            "Too many registrations have been sent from your network in a short time. "
            "Nothing was saved. Please wait a while and send the form again."
        )
        token = kept_fill_token(assembly, posted_token)
        return form_page(
            request, assembly, form, fill_token=token, refusal=refusal, page=page, status=429
        )
    if protection.honeypot_filled(request.POST):
        refusal = _(
            "The form could not be accepted because the field “Leave this field empty” was "
            "filled in. Nothing was saved. Please empty that field and send the form again."
        )
        token = kept_fill_token(assembly, posted_token)
        return form_page(
            request, assembly, form, fill_token=token, refusal=refusal, page=page, status=400
        )
    check = protection.fill_token_check(token=posted_token, scope=fill_scope(assembly))
    if check == protection.FillCheck.INVALID:
        refusal = _(
            "This form has expired or could not be checked. Nothing was saved. Please check "
            "your answers and send the form again."
        )
        token = protection.fill_token_make(scope=fill_scope(assembly))
        return form_page(
            request, assembly, form, fill_token=token, refusal=refusal, page=page, status=400
        )
    if check == protection.FillCheck.TOO_FAST:
        refusal = _(
            "The form was sent faster than a person can fill it in. Nothing was saved. "
            "Please check your answers and send the form again."
        )
        return form_page(
            request, assembly, form, fill_token=posted_token, refusal=refusal, page=page, status=400
        )
    if not form.is_valid():
        return form_page(request, assembly, form, fill_token=posted_token, page=page, status=400)
    email = form.cleaned_data["email"]
    if email and not protection.email_allowed(email):
        refusal = _(
            "This email address has been registered too often in a short time. Nothing was "
            "saved. Please wait a while, or look for the email we already sent you."
        )
        return form_page(
            request, assembly, form, fill_token=posted_token, refusal=refusal, page=page, status=429
        )
    try:
        outcome = registrant_register(
            assembly=assembly,
            answers=form.answers(),
            contact=form.contact(),
            extra=form.extra(),
            base_url=base_url(request),
            page=page,
        )
    except RegistrationClosed as closed:
        return unavailable_page(request, assembly, closed.state, status=403)
    if page is not None:
        thanks_url = reverse("short:thanks", kwargs={"code": page.code})
    else:
        thanks_url = reverse("assemblies:thanks", kwargs={"slug": assembly.slug})
    contact_by = _contact_by(outcome.registrant)
    return redirect(thanks_url + (f"?contact={contact_by}" if contact_by else ""))


#: How a registrant without an email address is contacted (the thanks page's ``?contact=``).
CONTACT_BY = ("phone", "post")


def _contact_by(registrant: Registrant) -> str:
    """``""`` when the registrant gave an email address, else how they will be contacted:
    ``"phone"`` when they gave a number, ``"post"`` otherwise."""
    if registrant.email:
        return ""
    return "phone" if registrant.phone else "post"


def _contact_by_asked(request: HttpRequest) -> str:
    """The thanks page's ``?contact=`` (``phone`` or ``post``), or ``""``."""
    value = request.GET.get("contact", "")
    return value if value in CONTACT_BY else ""


@require_safe
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET /a/<slug>/thanks/``: "check your email" (the same for every submission with an
    email address); with ``?contact=phone`` or ``?contact=post`` (a registration without
    one), "we will contact you by phone / by post"."""
    assembly = public_assembly(slug)
    return render(
        request,
        "assemblies/public/thanks.html",
        {
            "assembly": shown(assembly),
            "assembly_public": True,
            "contact_by": _contact_by_asked(request),
        },
    )


def _page_unknown(request: HttpRequest, code: str) -> HttpResponse:
    """The friendly 404 of an unknown ``/r/<code>``: check the letter's address, and the
    assemblies open for registration."""
    return render(
        request,
        "assemblies/public/page_unknown.html",
        {"code": code[:16], "assemblies": assemblies_open_for_registration()},
        status=404,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page_register(request: HttpRequest, code: str) -> HttpResponse:
    """``/r/<code>``: the form of a registration page, in the page's language if it has one.

    As ``/a/<slug>/register/``, plus: an unknown code is 404; a closed page says so (403 on
    POST); an open page takes registrations only while the assembly's registration is open;
    a page in test takes quarantined submissions while the assembly is a draft, not yet open
    or open, and says so on the form. A valid submission redirects to ``/r/<code>/thanks``.
    """
    page = page_by_code(code=code)
    if page is None:
        return _page_unknown(request, code)
    with page_language(page):
        state = page_registration_state(assembly=page.assembly, page_status=page.status)
        return _register_flow(request, page.assembly, state, page=page)


@require_safe
def page_thanks(request: HttpRequest, code: str) -> HttpResponse:
    """``/r/<code>/thanks``: "check your email" (or, with ``?contact=``, "we will contact
    you"; on a page in test, "test submission received"), in the page's language if it has
    one. An unknown code: the friendly 404."""
    page = page_by_code(code=code)
    if page is None:
        return _page_unknown(request, code)
    with page_language(page):
        return render(
            request,
            "assemblies/public/thanks.html",
            {
                "assembly": shown(page.assembly),
                "test_page": page.status == PageStatus.TEST,
                "assembly_public": page.assembly.status != AssemblyStatus.DRAFT,
                "contact_by": _contact_by_asked(request),
            },
        )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    """``/a/<slug>/preview/``: the form of any assembly (drafts included) for its organisers
    (staff with a membership in it, or superusers). A POST validates and shows the outcome
    but stores nothing. Anonymous visitors are sent to sign in; others get 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    assembly = assembly_by_slug(slug=slug)
    if assembly is None or not permissions.can_view(request.user, assembly.pk):
        raise Http404("No such assembly.")
    if request.method != "POST":
        return form_page(request, assembly, form_for(assembly), preview=True)
    form = form_for(assembly, request.POST)
    valid = form.is_valid()
    return form_page(
        request, assembly, form, preview=True, preview_valid=valid, status=200 if valid else 400
    )


__all__ = [
    "landing",
    "page_register",
    "page_thanks",
    "preview",
    "register",
    "thanks",
]
