"""Organisers' notes on a registrant (call outcomes, availability, access needs): personal
data, deleted when the registrant is erased, never copied into the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from assemblies.models.registrant import Registrant

#: Longest note (characters).
NOTE_MAX_LENGTH = 2000


class NoteKind(models.TextChoices):
    """What a note is about."""

    CALL_OUTCOME = "call_outcome", "Call outcome"
    AVAILABILITY = "availability", "Availability"
    ACCESS_NEEDS = "access_needs", "Access needs"
    OTHER = "other", "Other"


class RegistrantNote(models.Model):
    """A note a caller or manager wrote about a registrant (who, when, kind, text).

    Written only by :func:`assemblies.services.notes.registrant_note_add`; deleted with the
    rest of the registrant's personal data by ``registrant_erase``.
    """

    registrant = models.ForeignKey(Registrant, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=NoteKind.choices, default=NoteKind.OTHER)
    text = models.TextField(max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NoteKind.values),
                name="assemblies_registrantnote_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="assemblies_registrantnote_text_required",
            ),
        ]

    def __str__(self) -> str:
        # Never the text: it is personal data.
        return f"{self.get_kind_display()} note on registrant {self.registrant_id}"
