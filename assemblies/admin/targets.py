"""The assembly's "Build categories from a file" pages: upload a registrants CSV, tick the
columns that are categories (values and counts shown; a column of numbers such as raw ages
gets a box for its bands), choose the bounds, build the quotas.

The upload is kept as a :class:`~assemblies.models.PendingImport` (kind ``registrants``,
option ``purpose: targets``) between the two steps, read with the import's own upload form
(same encoding rules, size limit and messages). Building calls one service,
:func:`~assemblies.services.targets.categories_from_file`; a repeated submit finds the
upload gone and changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assemblies.admin.imports import ImportPages
from assemblies.errors import ImportRejected
from assemblies.forms import CsvUploadForm
from assemblies.models import Assembly, PendingImport, Quota
from assemblies.selectors.targets import file_columns
from assemblies.services.imports import pending_import_create, pending_import_discard
from assemblies.services.targets import MODE_OPEN, MODE_PROPORTIONAL, categories_from_file
from opendlp.core.errors import DomainError

#: Values shown per column on the choice page (the rest are counted).
VALUES_SHOWN = 12


class BuildCategoriesForm(forms.Form):
    """Which columns become categories, how the bounds are set, and the confirmation that
    replaces a quota table already in place."""

    columns = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Categories")
    )
    mode = forms.ChoiceField(
        widget=forms.RadioSelect,
        label=gettext_lazy("Bounds"),
        choices=[
            (MODE_OPEN, gettext_lazy("Open: min 0, max the panel size (edit them afterwards)")),
            (
                MODE_PROPORTIONAL,
                gettext_lazy(
                    "Proportional to the file: min = share x panel rounded down, max = rounded up"
                ),
            ),
        ],
        initial=MODE_OPEN,
    )
    replace = forms.BooleanField(
        required=False, label=gettext_lazy("Replace the quotas now in place")
    )

    def __init__(
        self, *args: Any, column_names: list[str], numeric: Sequence[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["columns"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(name, name) for name in column_names]
        #: ``{column name: its bands field name}`` for the columns of numbers.
        self.band_fields: dict[str, str] = {}
        for position, name in enumerate(column_names, start=1):
            if name in numeric:
                key = f"bands_{position}"
                self.band_fields[name] = key
                self.fields[key] = forms.CharField(
                    required=False,
                    max_length=500,
                    label=gettext_lazy("Bands of %(column)s") % {"column": name},
                    widget=forms.TextInput(
                        attrs={"placeholder": "18-29, 30-44, 45-64, 65+", "size": 28}
                    ),
                )

    def bands(self) -> dict[str, str]:
        """``{column: band texts typed}`` of the columns given bands (after validation)."""
        return {
            name: self.cleaned_data[key]
            for name, key in self.band_fields.items()
            if self.cleaned_data.get(key, "").strip()
        }


class TargetPages(ImportPages):
    """ "Build categories from a file" pages of the assembly admin (a base class)."""

    def target_urls(self) -> list:
        """The URL patterns of these pages."""
        view = self.admin_site.admin_view
        name = "assemblies_assembly_"
        return [
            path(
                "<int:object_id>/categories-from-file/",
                view(self.categories_upload_view),
                name=f"{name}categories_upload",
            ),
            path(
                "<int:object_id>/categories-from-file/<uuid:pending_id>/",
                view(self.categories_build_view),
                name=f"{name}categories_build",
            ),
        ]

    def categories_upload_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Step 1: upload a registrants CSV (nothing is built yet)."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        form = CsvUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            pending = pending_import_create(
                assembly=assembly,
                user=request.user,
                kind=PendingImport.Kind.REGISTRANTS,
                filename=form.cleaned_data["file"].name,
                text=form.cleaned_data["text"],
                options={"purpose": "targets"},
            )
            url = reverse(
                "admin:assemblies_assembly_categories_build", args=[assembly.pk, pending.pk]
            )
            return HttpResponseRedirect(url)
        return render(
            request,
            "admin/assemblies/assembly/categories_upload.html",
            self.page_context(
                request,
                _("Build categories from a file: %(assembly)s") % {"assembly": assembly},
                original=assembly,
                form=form,
            ),
        )

    def categories_build_view(
        self, request: HttpRequest, object_id: int, pending_id: Any
    ) -> HttpResponse:
        """Step 2: the file's columns with their values and counts; POST builds the quotas."""
        assembly = self.assembly_or_404(request, object_id, "manage")
        pending = PendingImport.objects.filter(
            pk=pending_id, assembly=assembly, uploaded_by_id=request.user.pk
        ).first()
        if pending is None:
            self.message_user(
                request, _("This upload was already used or discarded; nothing was changed.")
            )
            return HttpResponseRedirect(self._change_url(assembly))
        read = file_columns(
            text=pending.text, filename=pending.filename, id_column=assembly.id_column
        )
        names = [c.name for c in read.columns if c.name]
        existing = Quota.objects.filter(assembly=assembly).count()
        data = request.POST if request.method == "POST" else None
        form = BuildCategoriesForm(
            data,
            column_names=names,
            numeric=[c.name for c in read.columns if c.numeric],
            initial={"columns": [c.name for c in read.columns if c.suggested]},
        )
        checked = (
            set(data.getlist("columns"))
            if data is not None
            else {c.name for c in read.columns if c.suggested}
        )
        if data is not None and "discard" in data:
            pending_import_discard(pending_id=pending.pk)
            self.message_user(request, _("The upload was discarded; nothing was changed."))
            return HttpResponseRedirect(self._change_url(assembly))
        if data is not None and form.is_valid():
            done = self._build(request, assembly, pending, form)
            if done is not None:
                return done
        return render(
            request,
            "admin/assemblies/assembly/categories_build.html",
            self.page_context(
                request,
                _("Choose the categories of %(file)s") % {"file": pending.filename},
                original=assembly,
                pending=pending,
                read=read,
                form=form,
                existing=existing,
                columns=[
                    (
                        column,
                        column.values[:VALUES_SHOWN],
                        max(0, len(column.values) - VALUES_SHOWN),
                        column.name in checked,
                        form[form.band_fields[column.name]]
                        if column.name in form.band_fields
                        else None,
                    )
                    for column in read.columns
                ],
            ),
        )

    def _build(
        self,
        request: HttpRequest,
        assembly: Assembly,
        pending: PendingImport,
        form: BuildCategoriesForm,
    ) -> HttpResponse | None:
        data = form.cleaned_data
        try:
            outcome = categories_from_file(
                assembly_id=assembly.pk,
                text=pending.text,
                filename=pending.filename,
                columns=data["columns"],
                mode=data["mode"],
                replace=data["replace"],
                bands=form.bands(),
                actor=request.user,
            )
        except ImportRejected as exc:
            self.message_user(
                request,
                _("Nothing was built: %(n)d problem(s) in the file.") % {"n": len(exc.problems)},
                messages.ERROR,
            )
            return None
        except DomainError as exc:
            self.refuse(request, exc, prefix=_("Nothing was built"))
            return None
        pending_import_discard(pending_id=pending.pk)
        self.message_user(
            request,
            _("Built %(quotas)d quotas in %(categories)d categories (replacing %(replaced)d).")
            % {
                "quotas": outcome.quotas,
                "categories": len(outcome.categories),
                "replaced": outcome.replaced,
            },
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(assembly))
