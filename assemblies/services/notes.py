"""Organisers' notes on a registrant: a caller's call outcome, availability, access needs.

Notes are personal data: the audit log records that a note was added and its kind, never its
text, and ``registrant_erase`` deletes a registrant's notes with the rest of their data.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assemblies.errors import InvalidInput, RegistrantNotFound, ServiceError
from assemblies.models import (
    NOTE_MAX_LENGTH,
    NoteKind,
    Registrant,
    RegistrantNote,
    RegistrantStatus,
)
from assemblies.services.registrants import mover_for
from opendlp.core.audit import AuditAction
from opendlp.core.services import audit_event_record
from opendlp.core.text import LINE_BREAKS, control_characters


def _clean_text(text: str) -> str:
    """The note's text, line breaks made ``\\n`` and surrounding whitespace dropped.

    Raises:
        InvalidInput: empty, longer than :data:`NOTE_MAX_LENGTH`, or with control characters
            other than line breaks (tabs, NUL, U+2028...).
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidInput("A note needs some text.")
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInput(f"A note must be at most {NOTE_MAX_LENGTH} characters.")
    refused = control_characters(text, allow=LINE_BREAKS)
    if refused:
        raise InvalidInput(f"The note contains control characters ({', '.join(refused)}).")
    return text


def registrant_note_add(
    *, registrant_id: int, kind: str, text: str, actor: Any = None
) -> RegistrantNote:
    """Add a note to a registrant, as one of the assembly's callers or managers.

    Args:
        registrant_id: the registrant's primary key.
        kind: a :class:`~assemblies.models.NoteKind` value (call outcome, availability, access
            needs, other).
        text: the note, 1 to :data:`~assemblies.models.NOTE_MAX_LENGTH` characters after
            trimming; line breaks allowed, other control characters refused.
        actor: the organiser writing it (recorded as the author); None for the system.

    Returns:
        The :class:`~assemblies.models.RegistrantNote` created.

    Raises:
        InvalidInput: unknown kind, no text, text too long, or control characters.
        RegistrantNotFound: no such registrant.
        Forbidden: the actor is a viewer or has no role in the assembly.
        ServiceError: the registrant's personal data was erased.
    """
    if kind not in NoteKind.values:
        raise InvalidInput(f"Unknown kind of note {kind!r}.")
    text = _clean_text(text)
    with transaction.atomic():
        registrant = Registrant.objects.select_for_update().filter(pk=registrant_id).first()
        if registrant is None:
            raise RegistrantNotFound("There is no such registrant.")
        mover_for(actor=actor, assembly_id=registrant.assembly_id)  # refuses viewers
        if registrant.status == RegistrantStatus.DELETED:
            raise ServiceError("This registrant's data was erased; no notes can be added.")
        note = RegistrantNote.objects.create(
            registrant=registrant,
            author=actor if getattr(actor, "pk", None) else None,
            kind=kind,
            text=text,
        )
        audit_event_record(
            action=AuditAction.REGISTRANT_NOTE_ADDED,
            actor=actor,
            target=registrant,
            data={
                "assembly_id": registrant.assembly_id,
                "public_id": str(registrant.public_id),
                "note_id": note.pk,
                "kind": kind,
            },
        )
    return note
