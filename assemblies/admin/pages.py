"""The assembly admin's registration pages and translations: the two inlines, the QR code
downloads, "Promote to open…" and "Delete test submissions…" of a page in test.

Views check the organiser's role, call one service or selector, and report with
``message_user``.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from assemblies.models import (
    Assembly,
    ContentTranslation,
    PageStatus,
    RegistrantStatus,
    RegistrationPage,
)
from assemblies.qr import qr_image
from assemblies.selectors.content import translation_key_problem
from assemblies.selectors.pages import page_short_url
from assemblies.selectors.readiness import assembly_readiness
from assemblies.services.pages import registration_page_promote, registration_page_test_delete

QR_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


class RegistrationPageInlineForm(forms.ModelForm):
    """One registration page; a page in test set to open is refused here, with the field
    marked (:func:`~assemblies.services.pages.registration_page_save` refuses it too), so the
    organiser's other changes are shown again, not half saved."""

    class Meta:
        model = RegistrationPage
        fields = ("label", "language", "status")

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        stored = self.instance.status if self.instance.pk else None
        if stored == PageStatus.TEST and data.get("status") == PageStatus.OPEN:
            self.add_error(
                "status",
                "A page in test opens with “Promote to open…”, which says what happens to "
                "its test submissions.",
            )
        return data


class RegistrationPageInline(admin.TabularInline):
    """The assembly's registration pages: label, language, status, short link, QR codes,
    counts and the test actions. Pages are never deleted (registrants point to them): close
    one instead."""

    model = RegistrationPage
    form = RegistrationPageInlineForm
    extra = 0
    can_delete = False
    fields = ("label", "language", "status", "short_link", "registrations", "actions")
    readonly_fields = ("short_link", "registrations", "actions")
    verbose_name = "registration page"
    verbose_name_plural = (
        "Registration pages (short links /r/<code>; new pages start in test: their "
        "submissions are quarantined)"
    )

    # MemberInlineMixin's role checks are applied in assembly.py (it subclasses both).

    @admin.display(description="short link")
    def short_link(self, page: RegistrationPage) -> str:
        if page.pk is None:
            return "(after saving)"
        url = page_short_url(page=page)
        base = reverse("admin:assemblies_assembly_page_qr", args=[page.assembly_id, page.pk, "png"])
        return format_html(
            '<a href="{}">{}</a><br><a href="{}">QR PNG</a> · <a href="{}">QR SVG</a>',
            url,
            url,
            base,
            base[: -len("png")] + "svg",
        )

    @admin.display(description="registrations")
    def registrations(self, page: RegistrationPage) -> str:
        if page.pk is None:
            return ""
        real = page.registrants.exclude(status=RegistrantStatus.TEST).count()
        test = page.registrants.filter(status=RegistrantStatus.TEST).count()
        return f"{real} real, {test} test"

    @admin.display(description="")
    def actions(self, page: RegistrationPage) -> str:
        if page.pk is None or page.status != PageStatus.TEST:
            return ""
        links = [
            (
                reverse(
                    "admin:assemblies_assembly_page_action",
                    args=[page.assembly_id, page.pk, action],
                ),
                label,
            )
            for action, label in (
                ("promote", "Promote to open…"),
                ("delete-tests", "Delete test submissions…"),
            )
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


class ContentTranslationInlineForm(forms.ModelForm):
    """One translation; a key that is no translation key is marked on the field
    (:func:`~assemblies.selectors.content.translation_key_problem`; the service checks it
    too), so nothing of the page is saved and the rows typed are shown again."""

    class Meta:
        model = ContentTranslation
        fields = ("language", "key", "text")

    def clean_key(self) -> str:
        key = (self.cleaned_data.get("key") or "").strip()
        problem = translation_key_problem(key)
        if problem:
            raise forms.ValidationError(problem)
        return key


class ContentTranslationInline(admin.TabularInline):
    """The assembly's texts in other site languages (see
    :mod:`assemblies.selectors.content` for the keys)."""

    model = ContentTranslation
    form = ContentTranslationInlineForm
    extra = 0
    fields = ("language", "key", "text")
    verbose_name = "translation"
    verbose_name_plural = (
        "Translations (keys: title, question, description, privacy_notice, "
        "category:<name>:question, category:<name>:help, value:<category>:<value>, "
        "field:<key>:label, field:<key>:help, choice:<key>:<choice>)"
    )

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["widgets"] = {
            "key": forms.TextInput(attrs={"size": 40}),
            "text": forms.Textarea(attrs={"rows": 2, "cols": 60}),
        }
        return super().get_formset(request, obj, **kwargs)


class ReadinessForm(forms.Form):
    """The readiness warnings (:func:`assembly_readiness`) confirmed before registration
    opens: with warnings, the box must be ticked; without, there is no box."""

    warnings_confirmed = forms.BooleanField(
        required=False, label="I have read the warnings above and want to open anyway"
    )

    def __init__(self, *args: Any, warnings: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings = warnings
        if not warnings:
            del self.fields["warnings_confirmed"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.warnings and not cleaned.get("warnings_confirmed"):
            self.add_error(
                "warnings_confirmed", "Tick the box to confirm the warnings. Nothing was changed."
            )
        return cleaned


class PromoteForm(ReadinessForm):
    """:class:`ReadinessForm` plus what happens to a test page's submissions when it opens."""

    keep_submissions = forms.BooleanField(
        required=False,
        label="Keep the test submissions as real registrations (they must still confirm "
        "their email); unticked: delete them",
    )


class RegistrationPageViews:
    """Custom pages of the assembly admin for registration pages (a mixin of
    :class:`~assemblies.admin.assembly.AssemblyAdmin`)."""

    admin_site: admin.AdminSite

    def page_urls(self) -> list:
        view = self.admin_site.admin_view
        name = "assemblies_assembly_"
        return [
            path(
                "<int:object_id>/pages/<int:page_id>/qr.<str:kind>",
                view(self.page_qr_view),
                name=f"{name}page_qr",
            ),
            path(
                "<int:object_id>/pages/<int:page_id>/<str:action>/",
                view(self.page_action_view),
                name=f"{name}page_action",
            ),
        ]

    def _page_or_404(
        self, request: HttpRequest, object_id: int, page_id: int, need: str
    ) -> RegistrationPage:
        assembly: Assembly = self.assembly_or_404(request, object_id, need)  # type: ignore[attr-defined]
        page = RegistrationPage.objects.filter(assembly=assembly, pk=page_id).first()
        if page is None:
            raise Http404("No such registration page.")
        page.assembly = assembly
        return page

    def page_qr_view(
        self, request: HttpRequest, object_id: int, page_id: int, kind: str
    ) -> HttpResponse:
        """The page's short URL as a QR code: ``qr.png`` or ``qr.svg`` (a download)."""
        page = self._page_or_404(request, object_id, page_id, "view")
        if kind not in QR_TYPES:
            raise Http404("QR codes come as png or svg.")
        response = HttpResponse(
            qr_image(text=page_short_url(page=page), kind=kind), content_type=QR_TYPES[kind]
        )
        filename = f"{page.assembly.slug}-{page.code}.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def page_action_view(
        self, request: HttpRequest, object_id: int, page_id: int, action: str
    ) -> HttpResponse:
        """``promote``: open a page in test (readiness warnings to confirm, and the choice of
        keeping or deleting its test submissions); ``delete-tests``: delete its test
        submissions. A confirmation page, then a POST."""
        page = self._page_or_404(request, object_id, page_id, "manage")
        change_url = reverse("admin:assemblies_assembly_change", args=[page.assembly_id])
        tests = page.registrants.filter(status=RegistrantStatus.TEST).count()
        if action == "delete-tests":
            if request.method == "POST":
                count = registration_page_test_delete(page_id=page.pk, actor=request.user)
                plural = "s" if count != 1 else ""
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    f"{count} test submission{plural} of “{page.label}” deleted.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
            return render(
                request,
                "admin/assemblies/confirm.html",
                self.page_context(  # type: ignore[attr-defined]
                    request,
                    "Delete test submissions?",
                    original=page.assembly,
                    question=f"Delete the {tests} test submission{'s' if tests != 1 else ''} "
                    f"of the page “{page.label}”? The page stays in test.",
                    button="Delete test submissions",
                    cancel_url=change_url,
                ),
            )
        if action != "promote":
            raise Http404("No such action.")
        warnings = assembly_readiness(assembly=page.assembly)
        form = PromoteForm(request.POST if request.method == "POST" else None, warnings=warnings)
        if request.method == "POST" and form.is_valid():
            registration_page_promote(
                page_id=page.pk,
                keep_submissions=form.cleaned_data["keep_submissions"],
                actor=request.user,
            )
            self.message_user(  # type: ignore[attr-defined]
                request, f"The page “{page.label}” is open.", messages.SUCCESS
            )
            return HttpResponseRedirect(change_url)
        return render(
            request,
            "admin/assemblies/readiness_confirm.html",
            self.page_context(  # type: ignore[attr-defined]
                request,
                "Promote the page to open?",
                original=page.assembly,
                question=f"Open the page “{page.label}” ({tests} test "
                f"submission{'s' if tests != 1 else ''})? It takes registrations while the "
                "assembly's registration is open.",
                warnings=warnings,
                form=form,
                button="Promote to open",
                cancel_url=change_url,
            ),
            status=400 if request.method == "POST" else 200,
        )
