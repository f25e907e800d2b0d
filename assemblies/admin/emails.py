"""Emails admin: each assembly's email templates (with a preview as a sample registrant) and
the record of every email sent or due to registrants (read-only)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html

from assemblies import permissions
from assemblies.admin.base import MembershipAdmin
from assemblies.admin.filters import AssemblyFilter
from assemblies.mailtemplates import PLACEHOLDERS, default_wording
from assemblies.models import Assembly, EmailKind, EmailSend, EmailTemplate
from assemblies.selectors.content import site_language
from assemblies.services.emails import (
    email_preview,
    email_template_for,
    email_template_problems,
    email_template_save,
    email_wording,
)
from opendlp.core.errors import DomainError

#: Shown under the template fields: the placeholders an organiser may use.
PLACEHOLDER_HELP = "Placeholders: " + "; ".join(
    f"{{{{ {name} }}}} = {meaning}" for name, meaning in PLACEHOLDERS.items()
)


class EmailTemplateForm(forms.ModelForm):
    """An email template; the placeholder rules of
    :func:`~assemblies.services.emails.email_template_problems` show as field errors."""

    language = forms.ChoiceField(
        choices=[("", "Default (every language without its own wording)"), *settings.LANGUAGES],
        required=False,
        help_text="Registrants get the wording of the language they registered in, else the "
        "default wording, else the built-in wording (translated).",
    )

    class Meta:
        model = EmailTemplate
        fields = ("assembly", "kind", "language", "subject", "text_body", "html_body")
        widgets = {
            "subject": forms.TextInput(attrs={"size": 80}),
            "text_body": forms.Textarea(attrs={"rows": 16, "cols": 80}),
            "html_body": forms.Textarea(attrs={"rows": 8, "cols": 80}),
        }
        help_texts = {"text_body": PLACEHOLDER_HELP}

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        problems = email_template_problems(
            subject=(data.get("subject") or "").strip(),
            text_body=(data.get("text_body") or "").replace("\r\n", "\n"),
            html_body=(data.get("html_body") or "").replace("\r\n", "\n"),
            kind=str(data.get("kind") or self.instance.kind or ""),
        )
        for name, sentence in problems.items():
            self.add_error(name, sentence)
        return data


@admin.register(EmailTemplate)
class EmailTemplateAdmin(MembershipAdmin):
    """The organisers' wording of each kind of email; without one, the built-in wording is
    used. Managers add and change them; every member can preview."""

    form = EmailTemplateForm
    list_display = (
        "kind",
        "language",
        "assembly",
        "version",
        "updated_by",
        "updated_at",
        "preview_link",
    )
    list_filter = (AssemblyFilter, "kind", "language")
    list_select_related = ("assembly", "updated_by")
    readonly_fields = ("version", "updated_by", "updated_at")

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path(
                "preview/<int:assembly_id>/<str:kind>/",
                view(self.preview_view),
                name="assemblies_emailtemplate_preview",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="preview")
    def preview_link(self, template: EmailTemplate) -> str:
        url = reverse(
            "admin:assemblies_emailtemplate_preview", args=[template.assembly_id, template.kind]
        )
        if template.language:
            url += f"?language={template.language}"
        return format_html('<a href="{}">preview</a>', url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.is_organiser(request.user) and (
            permissions.managed_assembly_ids(request.user) != []
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "assembly", "kind", "language"] if obj is not None else fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "assembly":
            ids = permissions.managed_assembly_ids(request.user)
            queryset = Assembly.objects.all()
            kwargs["queryset"] = queryset if ids is None else queryset.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """``?assembly=ID&kind=KIND[&language=CODE]`` starts from the built-in wording of
        that kind (in that language)."""
        initial = super().get_changeform_initial_data(request)
        kind = request.GET.get("kind", "")
        language = site_language(request.GET.get("language", ""))
        if kind in EmailKind.values:
            with translation.override(language or settings.LANGUAGE_CODE):
                wording = default_wording(kind)
            initial.update(
                kind=kind,
                language=language,
                subject=wording.subject,
                text_body=wording.text_body.rstrip("\n"),
            )
        return initial

    def save_model(self, request: HttpRequest, obj: EmailTemplate, form: Any, change: bool) -> None:
        try:
            saved = email_template_save(
                assembly_id=obj.assembly_id,
                kind=obj.kind,
                subject=obj.subject,
                text_body=obj.text_body,
                html_body=obj.html_body,
                language=obj.language,
                actor=request.user,
            )
        except DomainError as exc:
            self.refuse(request, exc, prefix="Not saved")
            return
        obj.pk, obj.version = saved.pk, saved.version

    def preview_view(self, request: HttpRequest, assembly_id: int, kind: str) -> HttpResponse:
        """One kind of email of an assembly as a sample registrant would get it (the
        organiser's template, or the built-in wording), in ``?language=CODE`` (default: the
        site's default language)."""
        assembly = self.assembly_or_404(request, assembly_id)
        if kind not in EmailKind.values:
            raise Http404("No such kind of email.")
        language = site_language(request.GET.get("language", "")) or settings.LANGUAGE_CODE
        template = email_template_for(assembly_id=assembly.pk, kind=kind, language=language)
        email = email_preview(
            assembly=assembly,
            kind=kind,
            wording=email_wording(assembly_id=assembly.pk, kind=kind, language=language),
            language=language,
        )
        can_manage = permissions.can_manage(request.user, assembly.pk)
        if template is not None:
            edit_url = reverse("admin:assemblies_emailtemplate_change", args=[template.pk])
        else:
            edit_url = (
                reverse("admin:assemblies_emailtemplate_add")
                + f"?assembly={assembly.pk}&kind={kind}&language={language}"
            )
        if template is None:
            self.message_user(
                request, "This assembly uses the built-in wording of this email.", messages.INFO
            )
        return render(
            request,
            "admin/assemblies/emailtemplate/preview.html",
            self.page_context(
                request,
                f"Preview: {EmailKind(kind).label}",
                original=assembly,
                assembly=assembly,
                email=email,
                template=template,
                edit_url=edit_url if can_manage else "",
                reply_to=assembly.reply_to,
                language=language,
                kinds=[
                    (
                        value,
                        label,
                        reverse("admin:assemblies_emailtemplate_preview", args=[assembly.pk, value])
                        + f"?language={language}",
                    )
                    for value, label in EmailKind.choices
                ],
                languages=[
                    (
                        code,
                        name,
                        reverse("admin:assemblies_emailtemplate_preview", args=[assembly.pk, kind])
                        + f"?language={code}",
                    )
                    for code, name in settings.LANGUAGES
                ],
            ),
        )


@admin.register(EmailSend)
class EmailSendAdmin(MembershipAdmin):
    """Every email sent or due to a registrant: kind, status, attempts, error (read-only; no
    address or text is stored)."""

    list_display = (
        "id",
        "assembly",
        "kind",
        "language",
        "status",
        "attempts",
        "error",
        "registrant_public_id",
        "run",
        "created_at",
        "sent_at",
    )
    list_filter = (AssemblyFilter, "kind", "status")
    list_select_related = ("assembly", "run")
    search_fields = ("registrant_public_id",)
    list_per_page = 100
    show_full_result_count = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
