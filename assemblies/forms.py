"""Forms of the organisers' admin pages (uploads, selection requests, status changes)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assemblies import engine
from assemblies.bands import BandError, bands_from_text, bands_parse, percent_bounds, percent_parse
from assemblies.models import (
    MAX_PANELS,
    PERSONAL_FIELDS,
    Algorithm,
    Category,
    Quota,
    Registrant,
    RegistrantStatus,
)
from assemblies.selectors.households import household_columns_normalise
from assemblies.selectors.infeasibility import QuotaChange

#: Largest CSV accepted by the admin upload (bytes).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _algorithm_choices() -> list[tuple[str, str]]:
    labels = dict(Algorithm.choices)
    return [(name, labels.get(name, name)) for name in engine.algorithms()]


class HouseholdColumnsField(forms.CharField):
    """A list of household column names typed as comma-separated text.

    Shows ``[]`` as an empty box and ``["a", "b"]`` as ``a, b``, cleans the text back to a
    list (see :func:`~assemblies.selectors.households.household_columns_normalise`), and
    counts as changed only when the list differs, so an untouched form round-trips exactly.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        """The text shown in the box: the names joined by ", " (a list or a JSON text)."""
        if isinstance(value, list | tuple):
            return ", ".join(household_columns_normalise(list(value)))
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        """The list of names of the typed text (or of a list given as initial data)."""
        if isinstance(value, list | tuple):
            return household_columns_normalise(list(value))
        text = super().to_python(value)
        ProhibitNullCharactersValidator()(text)  # the list hides NUL from the usual check
        return household_columns_normalise(text)

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Whether the list of names differs (spacing and an empty ``[]`` do not count)."""
        return self.to_python(initial) != self.to_python(data)


class CsvUploadForm(forms.Form):
    """Upload of a quota or registrants CSV (UTF-8, any of the engine's dialects).

    ``cleaned_data["text"]`` is the decoded text; a file that is not UTF-8, is UTF-16 or holds
    a NUL character is a form error naming its line (and column), so nothing is kept."""

    file = forms.FileField(label="CSV file", help_text="UTF-8 text, comma-separated.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
            )
        try:
            text = engine.decode_csv(upload.read(), filename=upload.name or "upload.csv")
        except engine.InputError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.cleaned_data["text"] = text
        return upload


class RegistrantsUploadForm(CsvUploadForm):
    """Upload of a registrants CSV with the name of its id column."""

    id_column = forms.CharField(
        max_length=100,
        required=False,
        label="Id column",
        help_text="The column holding each person's unique id. Re-importing an id updates "
        "that registrant. Leave empty when the file has no id column.",
    )


class SelectionRequestForm(forms.Form):
    """What to draw: algorithm, optional seed, and whether it is only a test."""

    algorithm = forms.ChoiceField(choices=_algorithm_choices, initial="leximin")
    seed = forms.CharField(
        max_length=200,
        required=False,
        help_text="Leave empty for 256 random bits. Publish the seed so anyone can verify.",
    )
    test_run = forms.BooleanField(
        required=False,
        label="Test run",
        help_text="Draw without selecting anybody (the pool stays as it is).",
    )
    ceremony = forms.BooleanField(
        required=False,
        label="Public ceremony (two phases)",
        help_text="First fix and publish the distribution; then, in front of witnesses, type "
        "a seed made in public (e.g. dice rolls) to draw the panel. Leave the seed empty.",
    )
    panels = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PANELS,
        label=gettext_lazy("Transparent lottery: number of tickets"),
        help_text=gettext_lazy(
            "Optional, e.g. 1000: round the distribution to this many equally likely tickets "
            "(each a panel meeting every quota), shown on the public record; the panel is "
            "that of one ticket, picked in public in a ceremony (e.g. a ball machine), else "
            "drawn from the seed. Not for legacy."
        ),
    )


class ReplacementRequestForm(forms.Form):
    """How many replacements to draw, with which algorithm and seed."""

    count = forms.IntegerField(min_value=1, label="Number of replacements")
    algorithm = forms.ChoiceField(choices=_algorithm_choices, initial="leximin")
    seed = forms.CharField(max_length=200, required=False)


class RegistrantAdminForm(forms.ModelForm):
    """The registrant change form; ``allowed_statuses`` limits the status choices (callers)."""

    class Meta:
        model = Registrant
        fields = ("external_id", "status", *PERSONAL_FIELDS)

    def __init__(self, *args: Any, allowed_statuses: tuple[str, ...] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        if allowed_statuses is not None and "status" in self.fields:
            labels = dict(RegistrantStatus.choices)
            # A model field with choices gets a (Typed)ChoiceField.
            status = cast(forms.ChoiceField, self.fields["status"])
            status.choices = [(s, labels[s]) for s in allowed_statuses]


#: The fields of one change in a posted relaxation, with their types.
_CHANGE_FIELDS = {
    "category": str,
    "value": str,
    "min": int,
    "max": int,
    "new_min": int,
    "new_max": int,
}


class RelaxationForm(forms.Form):
    """The "Apply this relaxation" form: the suggestion as shown (JSON, a list of
    ``{category, value, min, max, new_min, new_max}``) and where it came from.
    ``cleaned_data["relaxation"]`` is a list of
    :class:`~assemblies.selectors.infeasibility.QuotaChange`; a malformed item is refused
    naming it."""

    relaxation = forms.CharField(widget=forms.HiddenInput, max_length=50_000)
    source = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def clean_relaxation(self) -> list[QuotaChange]:
        try:
            data = json.loads(self.cleaned_data["relaxation"])
        except ValueError:
            raise forms.ValidationError("The suggestion is not readable (not JSON).") from None
        if not isinstance(data, list) or not data:
            raise forms.ValidationError("The suggestion must list at least one quota change.")
        changes = []
        for number, item in enumerate(data, start=1):
            if not isinstance(item, dict) or set(item) != set(_CHANGE_FIELDS):
                raise forms.ValidationError(
                    f"Change {number}: expected the fields {', '.join(_CHANGE_FIELDS)}."
                )
            for name, kind in _CHANGE_FIELDS.items():
                value = item[name]
                if kind is int and (type(value) is not int or value < 0):
                    raise forms.ValidationError(
                        f"Change {number}: {name} must be a whole number of at least 0."
                    )
                if kind is str and (not isinstance(value, str) or not value or "\x00" in value):
                    raise forms.ValidationError(f"Change {number}: {name} must be a text.")
            changes.append(QuotaChange(**item))
        return changes

    def clean_source(self) -> str:
        source = self.cleaned_data.get("source") or "feasibility"
        if source != "feasibility" and not (source.startswith("run ") and source[4:].isdigit()):
            raise forms.ValidationError("Unknown source of the suggestion.")
        return source


def _percent_text(share: Decimal) -> str:
    return f"{share.normalize():f}%"


class QuotaInlineForm(forms.ModelForm):
    """A quota row of the assembly page: min and max take a count (``12``) or a share of the
    panel (``20%``). A share is kept as such and converted with the panel size, min rounding
    down and max rounding up (:func:`assemblies.bands.percent_bounds`); the service converts
    it again with the locked panel size when saving."""

    min = forms.CharField(max_length=10, label=gettext_lazy("min"))
    max = forms.CharField(max_length=10, label=gettext_lazy("max"))

    class Meta:
        model = Quota
        fields = ("category", "value", "position", "min", "max", "min_flex", "max_flex")
        labels = {
            "position": gettext_lazy("pos."),
            "min_flex": gettext_lazy("min flex"),
            "max_flex": gettext_lazy("max flex"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("min", "max"):
            self.fields[name].widget.attrs.update({"size": 5, "class": "vQuotaBound"})
            share = getattr(self.instance, f"{name}_percent", None)
            if self.instance.pk is not None:
                count = getattr(self.instance, name)
                self.initial[name] = _percent_text(share) if share is not None else str(count)
        self._shares: dict[str, Decimal | None] = {}

    def _bound(self, name: str) -> int:
        text = (self.cleaned_data.get(name) or "").strip()
        try:
            share = percent_parse(text)
        except BandError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self._shares[name] = share
        if share is None:
            try:
                count = int(text)
            except ValueError:
                raise forms.ValidationError(
                    _("Enter a whole number or a percentage such as 20%%.")
                ) from None
            if count < 0:
                raise forms.ValidationError(_("Enter a number of 0 or more."))
            return count
        assembly = getattr(self.instance, "assembly", None)
        panel = assembly.panel_size if assembly is not None else 0
        low, high = percent_bounds(share, share, panel)
        return low if name == "min" else high

    def clean_min(self) -> int:
        return self._bound("min")

    def clean_max(self) -> int:
        return self._bound("max")

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        self.instance.min_percent = self._shares.get("min")
        self.instance.max_percent = self._shares.get("max")
        return data


class BandsField(forms.CharField):
    """A category's numeric bands typed as ``16-29, 30-44, 45-64, 65+`` (stored as a list of
    texts). Malformed, overlapping or gapped bands are a form error naming the band."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        """The text shown in the box: the bands joined by ", "."""
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        """The list of band texts, checked."""
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        texts = bands_from_text(super().to_python(value) or "")
        try:
            bands_parse(texts)
        except BandError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return texts

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Whether the list of bands differs (spacing does not count)."""
        try:
            return self.to_python(initial or []) != self.to_python(data)
        except forms.ValidationError:
            return True


class CategoryInlineForm(forms.ModelForm):
    """A category row of the assembly page: question, help text, order and numeric bands."""

    bands = BandsField(
        label=gettext_lazy("bands"),
        help_text=gettext_lazy(
            "e.g. 16-29, 30-44, 45-64, 65+: they become the category's values, and answers "
            "given as numbers or older bands move into them"
        ),
    )

    class Meta:
        model = Category
        fields = ("name", "question", "help_text", "position", "bands")
