"""Forms of the organisers' admin pages (uploads, selection requests, status changes)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from assemblies import engine
from assemblies.models import (
    MAX_PANELS,
    PERSONAL_FIELDS,
    Algorithm,
    Registrant,
    RegistrantStatus,
)
from assemblies.selectors.households import household_columns_normalise

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
        label=_("Transparent lottery: number of tickets"),
        help_text=_(
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
