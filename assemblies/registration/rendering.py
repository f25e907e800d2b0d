"""What the public registration views share: the public assembly and its texts in the
active language, a registration page's fixed language, the form and the page that shows it
(with the fill-time token), and the "not open yet" / "closed" page."""

from __future__ import annotations

import contextlib

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from assemblies.models import Assembly, AssemblyStatus, PageStatus, RegistrationPage
from assemblies.registration import protection
from assemblies.registration.forms import RegistrationForm
from assemblies.selectors.content import (
    assembly_localised,
    fields_localised,
    questions_localised,
    translations_for,
)
from assemblies.selectors.registration import (
    ContactRules,
    RegistrationState,
    assembly_public,
    registration_fields,
    registration_questions,
)


def public_assembly(slug: str) -> Assembly:
    """The assembly, or 404 when it does not exist or is a draft (drafts are not public)."""
    assembly = assembly_public(slug=slug)
    if assembly is None:
        raise Http404("No such assembly.")
    return assembly


def fill_scope(assembly: Assembly) -> str:
    """The scope of the assembly's fill-time tokens (a token of one assembly's form is
    refused by another's)."""
    return f"register:{assembly.pk}"


def base_url(request: HttpRequest) -> str:
    """Scheme and host of the request, for the links in the emails."""
    return f"{request.scheme}://{request.get_host()}"


def unavailable_page(
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
            "assembly": shown(assembly),
            "state": state,
            "assembly_public": assembly.status != AssemblyStatus.DRAFT,
        },
        status=status,
    )


def active_texts(assembly: Assembly) -> dict[str, str]:
    """The assembly's translations in the active language."""
    return translations_for(assembly=assembly, language=translation.get_language())


def shown(assembly: Assembly, texts: dict[str, str] | None = None) -> Assembly:
    """The assembly as templates show it: its texts in the active language."""
    return assembly_localised(
        assembly=assembly, texts=texts if texts is not None else active_texts(assembly)
    )


def page_language(page: RegistrationPage | None) -> contextlib.AbstractContextManager:
    """Render in the page's fixed language, if it has one (else the visitor's choice)."""
    if page is not None and page.language:
        return translation.override(page.language)
    return contextlib.nullcontext()


def form_page(
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
    """The registration form's page: the public form (posting to ``/a/<slug>/register/`` or
    to the registration ``page``'s ``/r/<code>``) or, with ``preview``, the organisers'
    preview; ``refusal`` is the sentence shown above the form."""
    if page is not None:
        action_url = reverse("short:page", kwargs={"code": page.code})
    else:
        action = "assemblies:preview" if preview else "assemblies:register"
        action_url = reverse(action, kwargs={"slug": assembly.slug})
    return render(
        request,
        "assemblies/public/register.html",
        {
            "assembly": shown(assembly),
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


def form_for(assembly: Assembly, data: QueryDict | None = None) -> RegistrationForm:
    """The form, its questions, value labels and form fields in the active language."""
    texts = active_texts(assembly)
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


def kept_fill_token(assembly: Assembly, posted: str) -> str:
    """The posted fill-time token when it is still valid (so that correcting a mistake does
    not restart the clock), else a fresh one."""
    check = protection.fill_token_check(token=posted, scope=fill_scope(assembly))
    if check != protection.FillCheck.INVALID:
        return posted
    return protection.fill_token_make(scope=fill_scope(assembly))
