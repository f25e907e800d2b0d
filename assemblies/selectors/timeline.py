"""One registrant's timeline for organisers: what happened to them, newest first.

Merges the registrant's audit events (registration, status changes, edits, erasure), the
organisers' notes, the draw that selected them (``Registrant.selected_by``) and the voided
draws that had (with when, by whom and why the panel was voided), manual overrides
(``PanelOverride``) and the emails sent or due to them (``EmailSend``: kind, status,
attempts; never the text or the address).

The number of queries does not depend on the number of events: one per source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.fields.json import KeyTransform

from assemblies.models import (
    EmailSend,
    EmailSendStatus,
    NoteKind,
    PanelOverride,
    Registrant,
    RegistrantNote,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from opendlp.core.audit import AuditAction
from opendlp.core.selectors import audit_events_for

#: The most audit events read for one registrant's timeline.
TIMELINE_AUDIT_LIMIT = 500


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a registrant's timeline.

    Attributes:
        at: when it happened (aware datetime).
        kind: ``"registered"``, ``"status"``, ``"changed"``, ``"erased"``, ``"note"``,
            ``"note_erased"`` (a note deleted with the registrant's data), ``"draw"``,
            ``"voided"`` (a draw of theirs was voided), ``"override"``, ``"email"`` or
            ``"event"`` (any other audited event).
        title: one line saying what happened, e.g. ``"Status: Selected → Confirmed (caller)"``.
        who: who did it (an organiser's label), or ``""`` for the system or the registrant.
        text: a note's text, an override's or a void's reason; ``""`` otherwise.
        run_id: the selection run, for ``"draw"`` and ``"voided"`` entries; None otherwise.
    """

    at: dt.datetime
    kind: str
    title: str
    who: str = ""
    text: str = ""
    run_id: int | None = None


def _status_label(value: object) -> str:
    try:
        return str(RegistrantStatus(str(value)).label)
    except ValueError:
        return str(value)


def _kind_label(value: object) -> str:
    try:
        return str(NoteKind(str(value)).label)
    except ValueError:
        return str(value)


def _from_event(action: str, data: dict, *, note_ids: set[int]) -> tuple[str, str] | None:
    """``(kind, title)`` of an audit event, or None for events shown from their own rows."""
    if action == AuditAction.REGISTRANT_NOTE_ADDED:
        if data.get("note_id") in note_ids:
            return None
        return "note_erased", f"Note ({_kind_label(data.get('kind'))}); its text was erased"
    if action == AuditAction.REGISTRANT_SEATED_BY_OVERRIDE:
        return None
    if action == AuditAction.REGISTRANT_STATUS_CHANGED:
        return "status", (
            f"Status: {_status_label(data.get('from'))} → {_status_label(data.get('to'))}"
            f" (by {data.get('by', '?')})"
        )
    if action in (AuditAction.REGISTRANT_REGISTERED, AuditAction.REGISTRANT_REGISTERED_AGAIN):
        again = " again" if action == AuditAction.REGISTRANT_REGISTERED_AGAIN else ""
        return "registered", f"Registered{again} ({data.get('source', '?')})"
    if action == AuditAction.REGISTRANT_ENTERED:
        source = data.get("source", "?")
        return "registered", f"Entered by staff ({source}); the person's confirmation recorded"
    if action == AuditAction.REGISTRANT_STAFF_CONFIRMED:
        return "status", "Confirmation taken by staff (phone, letter): in the pool"
    if action == AuditAction.REGISTRANT_CHANGED:
        fields = ", ".join(str(f) for f in data.get("fields") or []) or "nothing"
        return "changed", f"Details edited: {fields}"
    if action == AuditAction.REGISTRANT_ERASED:
        return "erased", f"Personal data erased (was {_status_label(data.get('from'))})"
    return "event", action


def _draw_entries(run: SelectionRun) -> list[TimelineEntry]:
    """The draw of ``run``; for a voided run, also the void (when, who, the reason)."""
    kind = RunKind(run.kind).label if run.kind in RunKind.values else run.kind
    voided = " (since voided)" if run.voided_at else ""
    entries = [
        TimelineEntry(
            at=run.finished_at or run.created_at,
            kind="draw",
            title=f"Drawn by selection run #{run.pk} ({str(kind).lower()}){voided}",
            who=str(run.requested_by) if run.requested_by_id else "",
            run_id=run.pk,
        )
    ]
    if run.voided_at:
        entries.append(
            TimelineEntry(
                at=run.voided_at,
                kind="voided",
                title=f"Panel of selection run #{run.pk} voided: back to the pool",
                who=str(run.voided_by) if run.voided_by_id else "",
                text=run.void_reason,
                run_id=run.pk,
            )
        )
    return entries


def _draws(registrant: Registrant) -> list[SelectionRun]:
    """The run that selected the registrant and the voided runs that had drawn them, in
    one query (a voided run's panel is read from its result, by public id)."""
    voided = Q(
        assembly_id=registrant.assembly_id,
        voided_at__isnull=False,
        status=RunStatus.SUCCEEDED,
        kind__in=[RunKind.PANEL, RunKind.REPLACEMENT],
    )
    if registrant.selected_by_id is not None:
        voided |= Q(pk=registrant.selected_by_id)
    runs = (
        SelectionRun.objects.filter(voided)
        .select_related("requested_by", "voided_by")
        .defer("input_snapshot", "result")
        .annotate(panel_ids=KeyTransform("panel", "result"))
        .order_by("pk")
    )
    me = str(registrant.public_id)
    return [
        run for run in runs if run.pk == registrant.selected_by_id or me in (run.panel_ids or [])
    ]


def _email_entry(send: EmailSend) -> TimelineEntry:
    title = f"Email: {send.get_kind_display()} ({send.get_status_display().lower()}"
    if send.attempts > 1 or send.status == EmailSendStatus.FAILED:
        title += f", {send.attempts} attempt{'s' if send.attempts != 1 else ''}"
    if send.error:
        title += f": {send.error}"
    title += ")"
    return TimelineEntry(
        at=send.sent_at or send.created_at,
        kind="email",
        title=title,
        run_id=send.run_id,
    )


def registrant_timeline(*, registrant: Registrant) -> list[TimelineEntry]:
    """Everything recorded about one registrant, newest first.

    Args:
        registrant: the registrant (any status, erased included).

    Returns:
        :class:`TimelineEntry` items, newest first (ties: the later-recorded first). At most
        :data:`TIMELINE_AUDIT_LIMIT` audit events are read. Five queries at most, whatever
        the number of events (audit events, notes, overrides, email sends, the draws: the
        selecting run and the voided runs that had drawn them).
    """
    entries: list[TimelineEntry] = []
    notes = list(
        RegistrantNote.objects.filter(registrant=registrant).select_related("author").order_by()
    )
    for note in notes:
        entries.append(
            TimelineEntry(
                at=note.created_at,
                kind="note",
                title=f"Note: {note.get_kind_display()}",
                who=str(note.author) if note.author_id else "",
                text=note.text,
            )
        )
    note_ids = {note.pk for note in notes}
    for event in audit_events_for(target=registrant, limit=TIMELINE_AUDIT_LIMIT):
        shown = _from_event(event.action, event.data or {}, note_ids=note_ids)
        if shown is not None:
            entries.append(
                TimelineEntry(
                    at=event.created_at,
                    kind=shown[0],
                    title=shown[1],
                    who=str(event.actor) if event.actor_id else "",
                )
            )
    overrides = PanelOverride.objects.filter(registrant=registrant).select_related("created_by")
    for override in overrides:
        entries.append(
            TimelineEntry(
                at=override.created_at,
                kind="override",
                title="Seated on the panel by manual override",
                who=str(override.created_by) if override.created_by_id else "",
                text=override.reason,
            )
        )
    for send in EmailSend.objects.filter(registrant=registrant).order_by():
        entries.append(_email_entry(send))
    for run in _draws(registrant):
        entries.extend(_draw_entries(run))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries
