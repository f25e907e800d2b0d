"""Write services of the platform core: the audit log and the beat schedule."""

from __future__ import annotations

import json
import re
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from opendlp.core.audit import AuditAction, audit_credential
from opendlp.core.models import ACTION_CODE_PATTERN, AuditEvent

#: Keys whose values never enter the audit log (matched case-insensitively, anywhere in the key).
REDACTED_KEY_PATTERN = re.compile(
    r"password|secret|token|api_key|apikey|authorization|cookie|session|otp|totp|recovery"
    r"|email|phone|mobile|address|postcode|zip|first_name|last_name|full_name|^name$|birth",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def _redacted(key: str, value: Any) -> bool:
    """Whether a value is hidden: its key names a secret or personal data, unless it is a
    row id (``token_id: 7`` names a row, it is not the token)."""
    if key.endswith("_id") and isinstance(value, int) and not isinstance(value, bool):
        return False
    return bool(REDACTED_KEY_PATTERN.search(key))


def audit_data_clean(data: Any) -> Any:
    """Return a JSON-safe copy of ``data`` with secrets and personal data replaced.

    Args:
        data: nested dicts/lists/scalars. Dict keys matching :data:`REDACTED_KEY_PATTERN`
            have their values replaced by ``"[redacted]"`` (integer ``*_id`` keys, which name
            rows, are kept); other values that are not JSON
            scalars are converted with ``str()``.

    Returns:
        The cleaned structure (new objects; the input is not modified).
    """
    if isinstance(data, dict):
        return {
            str(key): REDACTED if _redacted(str(key), value) else audit_data_clean(value)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple | set | frozenset):
        return [audit_data_clean(value) for value in data]
    if data is None or isinstance(data, bool | int | float | str):
        return data
    return str(data)


def audit_event_record(
    *,
    action: AuditAction,
    actor: Any = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log, inside the caller's transaction.

    Call it from within the service's ``transaction.atomic`` block so the event is written
    if and only if the change it describes is committed.

    Args:
        action: the kind of event, from the catalogue :class:`~opendlp.core.audit.AuditAction`.
        actor: the user who acted, or ``None`` for the system (an anonymous user counts as None).
        target: the model instance acted upon, if any; labelled by its ``audit_label``
            attribute when it has one (models whose ``str()`` is personal data define it).
        data: extra facts, keyed only by ``action.keys``; secrets and personal data are
            removed (:func:`audit_data_clean`). With an actor, the event also records the
            credential of the request (``session`` or ``api_token:<id>``).

    Returns:
        The saved :class:`AuditEvent`.

    Raises:
        TypeError: ``action`` is not an :class:`AuditAction`.
        ValueError: ``data`` has a key the action does not list.
        django.core.exceptions.ValidationError: the code is not a dotted code.
    """
    if not isinstance(action, AuditAction):
        raise TypeError(f"{action!r} is not an AuditAction: add it to opendlp.core.audit.")
    unknown = set(data or {}) - action.keys
    if unknown:
        raise ValueError(f"{action.value} takes no data keys {sorted(unknown)}.")
    if not re.fullmatch(ACTION_CODE_PATTERN, action.value):
        raise ValidationError({"action": f"{action!r} is not a dotted lower-case code."})
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        action=action.value,
        actor=actor,
        actor_label=f"user {actor.pk}" if actor is not None else "system",
        credential=audit_credential() if actor is not None else "",
        data=audit_data_clean(data or {}),
    )
    if target is not None:
        event.target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        event.target_id = str(target.pk)
        # A model may say how it is named in the log without personal data (``audit_label``).
        event.target_label = str(getattr(target, "audit_label", None) or target)[:200]
    # One INSERT, no savepoint: the caller's transaction decides whether the event stays.
    event.save(force_insert=True)
    return event


def periodic_tasks_sync(*, specs: list[Any]) -> dict[str, list[str]]:
    """Create or update one django-celery-beat entry per spec, keyed by its unique name.

    Running it again with the same specs changes nothing (no row is saved when nothing
    differs), so deploying twice never duplicates a schedule.

    Args:
        specs: :class:`opendlp.core.periodic.PeriodicTaskSpec` objects.

    Returns:
        ``{"created": [names], "updated": [names], "unchanged": [names]}``.
    """
    outcome: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    with transaction.atomic():
        for spec in specs:
            wanted: dict[str, Any] = {
                "task": spec.task,
                "kwargs": json.dumps(spec.kwargs, sort_keys=True),
                "description": spec.description,
                "enabled": True,
                "crontab": None,
                "interval": None,
            }
            if spec.crontab is not None:
                fields = {
                    k: str(spec.crontab.get(k, "*"))
                    for k in ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")
                }
                wanted["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    **fields, timezone=spec.timezone
                )
            else:
                wanted["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=spec.interval_seconds, period=IntervalSchedule.SECONDS
                )
            task = PeriodicTask.objects.select_for_update().filter(name=spec.name).first()
            if task is None:
                PeriodicTask.objects.create(name=spec.name, **wanted)
                outcome["created"].append(spec.name)
                continue
            changed = [k for k, v in wanted.items() if getattr(task, k) != v]
            if changed:
                for key in changed:
                    setattr(task, key, wanted[key])
                task.save()
                outcome["updated"].append(spec.name)
            else:
                outcome["unchanged"].append(spec.name)
    return outcome
