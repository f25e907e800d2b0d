"""The public pages of an assembly under ``/a/<slug>/``: landing, registration form, thanks,
"not open yet" / "closed", the signed confirm / withdraw / erase pages, the organisers'
preview of the form, and the CSRF failure view that re-shows a registration form.

Views parse the request, call one selector or service and render; every refusal stores
nothing and says why.
"""

from __future__ import annotations

import contextlib

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from assemblies import permissions
from assemblies.errors import RegistrationClosed
from assemblies.models import Assembly, AssemblyStatus, PageStatus, Registrant, RegistrationPage
from assemblies.registration import protection
from assemblies.registration.forms import RegistrationForm
from assemblies.selectors.content import (
    assembly_localised,
    fields_localised,
    questions_localised,
    translations_for,
)
from assemblies.selectors.pages import page_by_code, page_registration_state
from assemblies.selectors.records import published_runs
from assemblies.selectors.registration import (
    ContactRules,
    RegistrationState,
    assemblies_open_for_registration,
    assembly_by_slug,
    assembly_public,
    registrant_by_public_id,
    registration_fields,
    registration_questions,
    registration_state,
)
from assemblies.services.registrants import (
    CONFIRMABLE_ASSEMBLY_STATUSES,
    registrant_confirm,
    registrant_erase_by_link,
    registrant_withdraw,
)
from assemblies.services.registration import registrant_register
from assemblies.states import WITHDRAWABLE_STATUSES
from assemblies.tokens import InvalidLink, Purpose, link_token_read


#: Assembly statuses in which a pending registrant may still confirm their email.
def _public_assembly(slug: str) -> Assembly:
    """The assembly, or 404 when it does not exist or is a draft (drafts are not public)."""
    assembly = assembly_public(slug=slug)
    if assembly is None:
        raise Http404("No such assembly.")
    return assembly


def _fill_scope(assembly: Assembly) -> str:
    return f"register:{assembly.pk}"


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _unavailable(
    request: HttpRequest, assembly: Assembly, state: RegistrationState, *, status: int = 200
) -> HttpResponse:
    """The "not open yet", "closed" or "this page is closed" page."""
    template = {
        RegistrationState.NOT_YET: "not_yet",
        RegistrationState.PAGE_CLOSED: "page_closed",
    }.get(state, "closed")
    return render(
        request,
        f"assemblies/public/{template}.html",
        {
            "assembly": _shown(assembly),
            "state": state,
            "assembly_public": assembly.status != AssemblyStatus.DRAFT,
        },
        status=status,
    )


def _texts(assembly: Assembly) -> dict[str, str]:
    """The assembly's translations in the active language."""
    return translations_for(assembly=assembly, language=translation.get_language())


def _shown(assembly: Assembly, texts: dict[str, str] | None = None) -> Assembly:
    """The assembly as templates show it: its texts in the active language."""
    return assembly_localised(
        assembly=assembly, texts=texts if texts is not None else _texts(assembly)
    )


def _page_language(page: RegistrationPage | None) -> contextlib.AbstractContextManager:
    """Render in the page's fixed language, if it has one (else the visitor's choice)."""
    if page is not None and page.language:
        return translation.override(page.language)
    return contextlib.nullcontext()


def _form_page(
    request: HttpRequest,
    assembly: Assembly,
    form: RegistrationForm,
    *,
    fill_token: str = "",
    refusal: str = "",
    preview: bool = False,
    preview_valid: bool = False,
    page: RegistrationPage | None = None,
    status: int = 200,
) -> HttpResponse:
    if page is not None:
        action_url = reverse("short:page", kwargs={"code": page.code})
    else:
        action = "assemblies:preview" if preview else "assemblies:register"
        action_url = reverse(action, kwargs={"slug": assembly.slug})
    return render(
        request,
        "assemblies/public/register.html",
        {
            "assembly": _shown(assembly),
            "page": page,
            "test_page": page is not None and page.status == PageStatus.TEST,
            "assembly_public": assembly.status != AssemblyStatus.DRAFT,
            "form": form,
            "fill_token": fill_token,
            "fill_token_field": protection.FILL_TOKEN_FIELD,
            "refusal": refusal,
            "has_errors": bool(refusal or form.errors),
            "preview": preview,
            "preview_valid": preview_valid,
            "action": action_url,
        },
        status=status,
    )


def _form_for(assembly: Assembly, data: QueryDict | None = None) -> RegistrationForm:
    """The form, its questions, value labels and form fields in the active language."""
    texts = _texts(assembly)
    questions = questions_localised(
        questions=registration_questions(assembly=assembly), texts=texts
    )
    return RegistrationForm(
        data,
        questions=questions,
        household=assembly.household_check,
        custom_fields=fields_localised(fields=registration_fields(assembly=assembly), texts=texts),
        contact=ContactRules.of(assembly),
    )


def _kept_fill_token(assembly: Assembly, posted: str) -> str:
    """The posted fill-time token when it is still valid (so that correcting a mistake does
    not restart the clock), else a fresh one."""
    check = protection.fill_token_check(token=posted, scope=_fill_scope(assembly))
    if check != protection.FillCheck.INVALID:
        return posted
    return protection.fill_token_make(scope=_fill_scope(assembly))


@require_safe
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    """``GET /a/<slug>/``: title, question, description, dates, how selection works, the
    privacy notice, and a link to the form while registration is open. Drafts: 404."""
    assembly = _public_assembly(slug)
    texts = _texts(assembly)
    return render(
        request,
        "assemblies/public/landing.html",
        {
            "assembly": _shown(assembly, texts),
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
    assembly = _public_assembly(slug)
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
        return _unavailable(
            request, assembly, state, status=403 if request.method == "POST" else 200
        )
    if request.method != "POST":
        token = protection.fill_token_make(scope=_fill_scope(assembly))
        return _form_page(request, assembly, _form_for(assembly), fill_token=token, page=page)

    form = _form_for(assembly, request.POST)
    posted_token = request.POST.get(protection.FILL_TOKEN_FIELD, "")
    if not protection.ip_allowed(request):
        refusal = _(
            "Too many registrations have been sent from your network in a short time. "
            "Nothing was saved. Please wait a while and send the form again."
        )
        token = _kept_fill_token(assembly, posted_token)
        return _form_page(
            request, assembly, form, fill_token=token, refusal=refusal, page=page, status=429
        )
    if protection.honeypot_filled(request.POST):
        refusal = _(
            "The form could not be accepted because the field “Leave this field empty” was "
            "filled in. Nothing was saved. Please empty that field and send the form again."
        )
        token = _kept_fill_token(assembly, posted_token)
        return _form_page(
            request, assembly, form, fill_token=token, refusal=refusal, page=page, status=400
        )
    check = protection.fill_token_check(token=posted_token, scope=_fill_scope(assembly))
    if check == protection.FillCheck.INVALID:
        refusal = _(
            "This form has expired or could not be checked. Nothing was saved. Please check "
            "your answers and send the form again."
        )
        token = protection.fill_token_make(scope=_fill_scope(assembly))
        return _form_page(
            request, assembly, form, fill_token=token, refusal=refusal, page=page, status=400
        )
    if check == protection.FillCheck.TOO_FAST:
        refusal = _(
            "The form was sent faster than a person can fill it in. Nothing was saved. "
            "Please check your answers and send the form again."
        )
        return _form_page(
            request, assembly, form, fill_token=posted_token, refusal=refusal, page=page, status=400
        )
    if not form.is_valid():
        return _form_page(request, assembly, form, fill_token=posted_token, page=page, status=400)
    email = form.cleaned_data["email"]
    if email and not protection.email_allowed(email):
        refusal = _(
            "This email address has been registered too often in a short time. Nothing was "
            "saved. Please wait a while, or look for the email we already sent you."
        )
        return _form_page(
            request, assembly, form, fill_token=posted_token, refusal=refusal, page=page, status=429
        )
    try:
        outcome = registrant_register(
            assembly=assembly,
            answers=form.answers(),
            contact=form.contact(),
            extra=form.extra(),
            base_url=_base_url(request),
            page=page,
        )
    except RegistrationClosed as closed:
        return _unavailable(request, assembly, closed.state, status=403)
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
    assembly = _public_assembly(slug)
    return render(
        request,
        "assemblies/public/thanks.html",
        {
            "assembly": _shown(assembly),
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
    with _page_language(page):
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
    with _page_language(page):
        return render(
            request,
            "assemblies/public/thanks.html",
            {
                "assembly": _shown(page.assembly),
                "test_page": page.status == PageStatus.TEST,
                "assembly_public": page.assembly.status != AssemblyStatus.DRAFT,
                "contact_by": _contact_by_asked(request),
            },
        )


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
                "assembly": _shown(assembly),
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
        {"assembly": _shown(assembly), "registrant": registrant, "can_confirm": can_confirm},
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
            "assembly": _shown(assembly),
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
            "assembly": _shown(assembly),
            "registrant": registrant,
            "erased": registrant.erased_at is not None,
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
        return _form_page(request, assembly, _form_for(assembly), preview=True)
    form = _form_for(assembly, request.POST)
    valid = form.is_valid()
    return _form_page(
        request, assembly, form, preview=True, preview_valid=valid, status=200 if valid else 400
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
    with _page_language(page):
        if page is not None:
            state = page_registration_state(assembly=assembly, page_status=page.status)
        else:
            state = registration_state(assembly=assembly)
        if state != RegistrationState.OPEN:
            return _unavailable(request, assembly, state, status=403)
        form = _form_for(assembly, request.POST)
        posted_token = request.POST.get(protection.FILL_TOKEN_FIELD, "")
        refusal = _(
            "Your session expired before the form was sent, so nothing was saved. Your "
            "answers are still below: please check them and send the form again."
        )
        return _form_page(
            request,
            assembly,
            form,
            fill_token=_kept_fill_token(assembly, posted_token),
            refusal=refusal,
            page=page,
            status=403,
        )


__all__ = [
    "confirm",
    "csrf_failure",
    "erase",
    "landing",
    "page_register",
    "page_thanks",
    "preview",
    "register",
    "thanks",
    "withdraw",
]
