"""The organiser's own questions on an assembly's registration form, beyond the categories,
and how much each built-in contact detail is asked (:class:`Requirement`)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from assemblies.models.assembly import Assembly, Requirement


class FieldType(models.TextChoices):
    """The kinds of answer a :class:`FormField` takes (each has its widget and validation)."""

    TEXT = "text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone number"
    DATE = "date", "Date"
    NUMBER = "number", "Number"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    YES_NO = "yes_no", "Yes / no"


#: Types whose answers come from ``FormField.choices``.
CHOICE_TYPES = (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE)


class FormField(models.Model):
    """One question of an assembly's registration form chosen by its organisers.

    ``key`` names the answer: it is the key in ``Registrant.extra`` and the column of the
    registrants CSV (and may be a household column). ``choices`` holds one answer per line,
    for the choice types. Off fields stay defined but are not asked.
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="form_fields")
    key = models.SlugField(
        max_length=50,
        help_text="Column name of the answer (letters, digits, _ and -), e.g. access_needs.",
    )
    label = models.CharField(max_length=200, help_text="The question as the public reads it.")
    help_text = models.CharField(max_length=300, blank=True)
    type = models.CharField(max_length=16, choices=FieldType.choices, default=FieldType.TEXT)
    choices = models.TextField(blank=True, help_text="For choice types: one answer per line.")
    requirement = models.CharField(
        max_length=8, choices=Requirement.choices, default=Requirement.OPTIONAL
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["assembly", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "key"],
                name="assemblies_formfield_unique_key",
                violation_error_message="Each form field of an assembly needs its own key.",
            ),
            models.CheckConstraint(
                condition=Q(type__in=FieldType.values), name="assemblies_formfield_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(requirement__in=Requirement.values),
                name="assemblies_formfield_requirement_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def choice_list(self) -> list[str]:
        """The answers of a choice type: the non-empty lines of ``choices``, stripped."""
        return [line.strip() for line in self.choices.splitlines() if line.strip()]
