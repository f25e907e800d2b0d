"""The registrant change page's timeline and its "add a note" form (callers and managers).

A mixin of :class:`assemblies.admin.registrant.RegistrantAdmin`: the timeline is shown to
every role that may see the registrant; the note form posts to its own URL, so callers can
add notes even where they cannot edit the registrant's other fields.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from assemblies import permissions
from assemblies.models import NOTE_MAX_LENGTH, NoteKind, RegistrantStatus
from assemblies.selectors.timeline import registrant_timeline
from assemblies.services.notes import registrant_note_add
from opendlp.core.errors import DomainError


class RegistrantNotesMixin:
    """Adds the timeline to the change page and the ``<id>/note/`` view that adds a note.

    The host class is a :class:`~assemblies.admin.base.MembershipAdmin` of registrants.
    """

    def get_urls(self) -> list:
        view = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path(
                "<int:registrant_id>/note/",
                view(self.note_add_view),
                name="assemblies_registrant_note",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """The change page, with the registrant's timeline and (for callers and managers of
        a registrant not erased) the note form."""
        registrant = self.get_object(request, object_id)  # type: ignore[attr-defined]
        may_note = (
            permissions.can_call(request.user, registrant.assembly_id)
            and registrant.status != RegistrantStatus.DELETED
        )
        context = {
            **(extra_context or {}),
            "timeline": registrant_timeline(registrant=registrant),
            "note_url": reverse("admin:assemblies_registrant_note", args=[registrant.pk])
            if may_note
            else "",
            "note_kinds": NoteKind.choices,
            "note_max_length": NOTE_MAX_LENGTH,
        }
        return super().change_view(request, object_id, form_url, context)  # type: ignore[misc]

    def note_add_view(self, request: HttpRequest, registrant_id: int) -> HttpResponse:
        """POST ``kind`` and ``text``: add a note, then back to the change page.

        404 for a registrant outside the user's assemblies, 403 for a viewer; a refusal of
        the service (no text, too long, control characters, erased) is shown as a message.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        registrant = self.get_object(request, str(registrant_id))  # type: ignore[attr-defined]
        self.assembly_or_404(request, registrant.assembly_id, "call")  # type: ignore[attr-defined]
        try:
            registrant_note_add(
                registrant_id=registrant.pk,
                kind=request.POST.get("kind", ""),
                text=request.POST.get("text", ""),
                actor=request.user,
            )
        except DomainError as exc:
            self.refuse(request, exc, prefix="Note not added")  # type: ignore[attr-defined]
        else:
            self.message_user(request, "Note added.", messages.SUCCESS)  # type: ignore[attr-defined]
        return HttpResponseRedirect(
            reverse("admin:assemblies_registrant_change", args=[registrant.pk])
        )
