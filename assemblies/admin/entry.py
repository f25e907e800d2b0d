"""Admin pages for the registration form of one assembly: staff enter a registration for
someone (phone line, paper form) with the same form and validation as the public page, and
managers add the ready-made standard form fields.

Each view checks the organiser's role, calls one service and reports with ``message_user``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from assemblies.admin.base import MembershipAdmin
from assemblies.models import Assembly
from assemblies.registration.forms import StaffRegistrationForm
from assemblies.selectors.registration import (
    ContactRules,
    registration_fields,
    registration_questions,
)
from assemblies.services.entry import registrant_enter
from assemblies.services.form_fields import form_fields_add_standard
from opendlp.core.errors import DomainError


def staff_form_for(assembly: Assembly, data: object = None) -> StaffRegistrationForm:
    """The staff registration form of an assembly (bound to ``data`` when given)."""
    return StaffRegistrationForm(
        data,
        questions=registration_questions(assembly=assembly),
        household=assembly.household_check,
        custom_fields=registration_fields(assembly=assembly),
        contact=ContactRules.of(assembly),
    )


class RegistrantEntryPages(MembershipAdmin):
    """The "Add registrant" and "Add standard fields" pages of the assembly admin."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        name = "assemblies_assembly_"
        return [
            path(
                "<int:object_id>/add-registrant/",
                view(self.add_registrant_view),
                name=f"{name}add_registrant",
            ),
            path(
                "<int:object_id>/standard-fields/",
                view(self.standard_fields_view),
                name=f"{name}standard_fields",
            ),
            *super().get_urls(),
        ]

    def add_registrant_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """``GET``: the registration form for staff; ``POST``: enter the registration
        (:func:`~assemblies.services.entry.registrant_enter`) and come back to an
        empty form for the next caller. Callers and managers of the assembly only."""
        assembly = self.assembly_or_404(request, object_id, "call")
        form = staff_form_for(assembly, request.POST if request.method == "POST" else None)
        refusal = ""
        if request.method == "POST" and form.is_valid():
            try:
                registrant = registrant_enter(
                    assembly_id=assembly.pk,
                    answers=form.answers(),
                    contact=form.contact(),
                    extra=form.extra(),
                    source=form.cleaned_data["source"],
                    language=form.cleaned_data["language"],
                    actor=request.user,
                    base_url=f"{request.scheme}://{request.get_host()}",
                )
            except DomainError as exc:
                refusal = str(exc)
            else:
                url = reverse("admin:assemblies_registrant_change", args=[registrant.pk])
                emailed = (
                    "a confirmation email with the withdraw and erase links is on its way"
                    if registrant.email
                    else "no email was sent (no email address)"
                )
                self.message_user(
                    request,
                    format_html(
                        '<a href="{}">Registrant {}</a> entered and in the pool; {}.',
                        url,
                        str(registrant.public_id)[:8],
                        emailed,
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.path)
        return render(
            request,
            "admin/assemblies/assembly/add_registrant.html",
            self.page_context(
                request,
                f"Add a registrant to {assembly}",
                original=assembly,
                form=form,
                refusal=refusal,
            ),
            status=400 if request.method == "POST" else 200,
        )

    def standard_fields_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """``POST``: add the ready-made form fields the assembly lacks (managers only)."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            added = form_fields_add_standard(assembly_id=assembly.pk, actor=request.user)
        except DomainError as exc:
            self.refuse(request, exc, prefix="No fields added")
        else:
            if added:
                self.message_user(
                    request, f"Form fields added: {', '.join(added)}.", messages.SUCCESS
                )
            else:
                self.message_user(
                    request, "The standard form fields are already there.", messages.INFO
                )
        return HttpResponseRedirect(
            reverse("admin:assemblies_assembly_change", args=[assembly.pk]) + "#form-fields"
        )
