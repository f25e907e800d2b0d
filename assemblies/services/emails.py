"""Emails to registrants: organisers' templates, recorded sends, and telling the panel.

- :func:`email_template_save` writes an organiser's wording of one kind of email after
  checking its placeholders (:mod:`assemblies.mailtemplates`).
- :func:`email_send_queue` records one email due (an :class:`~assemblies.models.EmailSend`
  row) and :func:`email_send_deliver` sends it (from the ``assemblies.send_email`` task, retried
  on mail errors), recording the outcome, the attempts and the wording's digest.
- :func:`registrants_remind` sends the "reminder to confirm" to pending registrants, once
  per person per day at most.
- :func:`panel_notify` creates the sends of a finished draw once (a unique key per registrant,
  kind and run) and enqueues those still queued or failed, so clicking twice, re-running after
  a crash or the ``notify_panel`` command never sends anyone the same email twice.

No address, name or rendered text is stored in a send or in the audit log: the registrant row
holds the address, and erasure blanks it there.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from assemblies import permissions
from assemblies.errors import InvalidInput, ServiceError
from assemblies.mailtemplates import (
    REQUIRED_PLACEHOLDERS,
    Wording,
    default_wording,
    placeholders_used,
    render,
    template_problems,
)
from assemblies.models import (
    EMAIL_BODY_MAX_LENGTH,
    EMAIL_SUBJECT_MAX_LENGTH,
    Assembly,
    AssemblyStatus,
    EmailKind,
    EmailSend,
    EmailSendStatus,
    EmailTemplate,
    Registrant,
    RegistrantStatus,
    RunKind,
    RunStatus,
    SelectionRun,
)
from assemblies.selectors.content import language_codes, site_language, translations_for
from assemblies.selectors.emails import run_notify_plan, run_sends_to_resume
from assemblies.tasks import send_email
from assemblies.tokens import Purpose, link_token_make
from opendlp.core.audit import AuditAction
from opendlp.core.errors import Forbidden, NotFound
from opendlp.core.services import audit_event_record
from opendlp.core.text import NOTE_WHITESPACE, control_characters, email_subject

logger = logging.getLogger(__name__)

#: A sample registrant's values for previews (no real person's data).
SAMPLE_NAME = "Alex Example"


def _require_manager(actor: Any, assembly_id: int, what: str) -> None:
    """Refuse unless ``actor`` manages the assembly (None: the system, allowed)."""
    if actor is not None and not permissions.can_manage(actor, assembly_id):
        raise Forbidden(f"Only the assembly's managers can {what}.")


def email_template_problems(
    *, subject: str, text_body: str, html_body: str, kind: str = ""
) -> dict[str, str]:
    """What stops a template from being saved, by field.

    Args:
        kind: the kind of email, to check the placeholders it needs (a confirmation without
            ``{{ confirm_link }}`` would leave nobody able to confirm).

    Returns:
        ``{field name: sentence}`` (``subject``, ``text_body``, ``html_body``); empty when the
        template may be saved. Placeholder problems name the placeholder and its line.
    """
    problems: dict[str, str] = {}
    fields = {"subject": subject, "text_body": text_body, "html_body": html_body}
    for name, text in fields.items():
        found: list[str] = []
        limit = EMAIL_SUBJECT_MAX_LENGTH if name == "subject" else EMAIL_BODY_MAX_LENGTH
        if name != "html_body" and not text.strip():
            found.append("This field is required.")
        if len(text) > limit:
            found.append(f"At most {limit} characters.")
        allowed = () if name == "subject" else NOTE_WHITESPACE
        bad = control_characters(text, allow=allowed)
        if bad:
            found.append(f"Control characters are not allowed ({', '.join(bad)}).")
        found += template_problems(text)
        if name == "text_body":
            missing = [
                n for n in REQUIRED_PLACEHOLDERS.get(kind, ()) if n not in placeholders_used(text)
            ]
            found += [f"This email needs the placeholder {{{{ {n} }}}}." for n in missing]
        if found:
            problems[name] = " ".join(found)
    return problems


def email_template_save(
    *,
    assembly_id: int,
    kind: str,
    subject: str,
    text_body: str,
    html_body: str = "",
    language: str = "",
    actor: Any = None,
) -> EmailTemplate:
    """Create or replace the organiser's wording of one kind of email for an assembly, in
    one language.

    Args:
        assembly_id: the assembly. kind: an :class:`~assemblies.models.EmailKind` value.
        language: a site language code (``settings.LANGUAGES``) for registrants who
            registered in it, or ``""`` for the default wording (every other language).
        subject: one line with placeholders. text_body: the plain-text body (required).
        html_body: an optional HTML body (placeholder values are escaped when sent).
        actor: the manager saving it (None: the system).

    Returns:
        The saved :class:`~assemblies.models.EmailTemplate` (its ``version`` goes up by one
        on each change; saving the same texts again changes nothing).

    Raises:
        InvalidInput: unknown kind or language; a field empty, too long, with control characters, or
            with an unknown or malformed placeholder (the message names field, line and
            placeholder), or a confirmation or reminder without ``{{ confirm_link }}``;
            nothing is stored.
        Forbidden: the actor does not manage the assembly. NotFound: no such assembly.
    """
    if kind not in EmailKind.values:
        raise InvalidInput(f"kind: unknown kind of email {kind!r}.")
    language = language or ""
    if language and language not in language_codes():
        raise InvalidInput(
            f"language: “{language}” is not a site language "
            f"({', '.join(language_codes())}, or blank for the default wording)."
        )
    subject = (subject or "").strip()
    text_body = (text_body or "").replace("\r\n", "\n").replace("\r", "\n")
    html_body = (html_body or "").replace("\r\n", "\n").replace("\r", "\n")
    problems = email_template_problems(
        subject=subject, text_body=text_body, html_body=html_body, kind=kind
    )
    if problems:
        raise InvalidInput("; ".join(f"{name}: {text}" for name, text in problems.items()))
    _require_manager(actor, assembly_id, "change the emails")
    with transaction.atomic():
        assembly = Assembly.objects.select_for_update().filter(pk=assembly_id).first()
        if assembly is None:
            raise NotFound(f"There is no assembly with id {assembly_id}.")
        template = (
            EmailTemplate.objects.select_for_update()
            .filter(assembly=assembly, kind=kind, language=language)
            .first()
        )
        texts = {"subject": subject, "text_body": text_body, "html_body": html_body}
        if template is not None and all(getattr(template, k) == v for k, v in texts.items()):
            return template
        if template is None:
            template = EmailTemplate(
                assembly=assembly, kind=kind, language=language, version=1, **texts
            )
        else:
            for name, value in texts.items():
                setattr(template, name, value)
            template.version += 1
        template.updated_by = actor if getattr(actor, "pk", None) else None
        template.save()
        audit_event_record(
            action=AuditAction.EMAIL_TEMPLATE_SAVED,
            actor=actor,
            target=assembly,
            data={
                "assembly_id": assembly.pk,
                "kind": kind,
                "version": template.version,
                "language": language,
            },
        )
    return template


def email_template_for(*, assembly_id: int, kind: str, language: str) -> EmailTemplate | None:
    """The organiser's template one kind of email uses in ``language``: the one written in
    that language, else the default-language one (``language`` blank), else ``None``."""
    code = site_language(language)
    templates = {
        t.language: t
        for t in EmailTemplate.objects.filter(
            assembly_id=assembly_id, kind=kind, language__in={code, ""}
        )
    }
    return templates.get(code) or templates.get("")


def email_wording(*, assembly_id: int, kind: str, language: str | None = None) -> Wording:
    """The wording one kind of email of an assembly uses now in ``language`` (default: the
    active language): the organiser's template in that language, else their default-language
    template, else the built-in wording translated into that language (version 0)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    template = email_template_for(assembly_id=assembly_id, kind=kind, language=language)
    if template is None:
        with translation.override(language):
            return default_wording(kind)
    return Wording(
        subject=template.subject,
        text_body=template.text_body,
        html_body=template.html_body,
        version=template.version,
    )


def registration_links(*, registrant: Registrant, base_url: str) -> dict[str, str]:
    """Absolute signed URLs ``{"confirm": ..., "withdraw": ..., "erase": ...}`` for one
    registrant (``base_url`` is scheme and host without a trailing slash)."""
    slug = registrant.assembly.slug
    links = {}
    for purpose in Purpose:
        token = link_token_make(
            purpose=purpose, public_id=registrant.public_id, assembly_id=registrant.assembly_id
        )
        path = reverse(f"assemblies:{purpose.value}", kwargs={"slug": slug, "token": token})
        links[purpose.value] = base_url.rstrip("/") + path
    return links


def _values(
    *, registrant: Registrant, base_url: str, language: str | None = None
) -> dict[str, str]:
    """The placeholder values of one registrant's email; the assembly's title in
    ``language`` when it is translated (default: the active language)."""
    links = registration_links(registrant=registrant, base_url=base_url)
    landing = reverse("assemblies:landing", kwargs={"slug": registrant.assembly.slug})
    texts = translations_for(
        assembly=registrant.assembly, language=language or translation.get_language()
    )
    return {
        "name": registrant.name,
        "assembly": texts.get("title", "").strip() or registrant.assembly.title,
        "confirm_link": links["confirm"],
        "withdraw_link": links["withdraw"],
        "erase_link": links["erase"],
        "registration_link": base_url.rstrip("/") + landing,
        "confirm_days": str(settings.REGISTRATION_CONFIRM_MAX_AGE // 86400),
    }


@dataclass(frozen=True)
class RenderedEmail:
    """One email ready to send: subject, plain text, HTML (may be empty), and the wording's
    version and digest."""

    subject: str
    text_body: str
    html_body: str
    version: int
    digest: str


def email_render(*, wording: Wording, values: dict[str, str]) -> RenderedEmail:
    """Fill a wording's placeholders (HTML values escaped; the subject made one line)."""
    return RenderedEmail(
        subject=email_subject(render(wording.subject, values)),
        text_body=render(wording.text_body, values),
        html_body=render(wording.html_body, values, html=True) if wording.html_body else "",
        version=wording.version,
        digest=wording.digest,
    )


def email_preview(
    *, assembly: Assembly, kind: str, wording: Wording | None = None, language: str | None = None
) -> RenderedEmail:
    """An email as a sample registrant (:data:`SAMPLE_NAME`) of the assembly would get it,
    with example links (no registrant is read or written).

    Args:
        wording: the texts to preview (default: what the assembly uses now in ``language``).
        language: the sample registrant's language (default: the active language).
    """
    wording = wording or email_wording(assembly_id=assembly.pk, kind=kind, language=language)
    sample = Registrant(assembly=assembly, name=SAMPLE_NAME, public_id=uuid.UUID(int=0))
    values = _values(registrant=sample, base_url="https://example.org", language=language)
    return email_render(wording=wording, values=values)


def _error_text(exc: BaseException) -> str:
    """The exception's class and SMTP code: never its message, which may quote addresses."""
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' {code}' if code else ''}"[:200]


def email_send_queue(
    *,
    registrant: Registrant,
    kind: str,
    base_url: str,
    key: str | None = None,
    run: SelectionRun | None = None,
    language: str | None = None,
    actor: Any = None,
) -> EmailSend:
    """Inside the caller's transaction: record one email due to a registrant (``queued``).
    The caller enqueues :func:`email_send_deliver` after commit.

    Args:
        key: the idempotency key (default: a fresh one, e.g. for every confirmation email).

    Returns:
        The new :class:`~assemblies.models.EmailSend`.
    """
    return EmailSend.objects.create(
        assembly_id=registrant.assembly_id,
        registrant=registrant,
        registrant_public_id=registrant.public_id,
        run=run,
        kind=kind,
        idempotency_key=key or f"{kind}:{registrant.pk}:{uuid.uuid4().hex}",
        base_url=base_url,
        language=language or "",
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def email_send_deliver(*, send_id: int) -> EmailSend:
    """Send one recorded email through Django's email backend (``EMAIL_URL``), with the
    assembly's reply-to address, and record the outcome. It is written in the send's
    language (else the registrant's), with the wording of :func:`email_wording`.

    A send already ``sent`` or ``skipped`` is left alone (so delivering twice sends once);
    a registrant erased or without an address makes it ``skipped``. Each try adds one to
    ``attempts``; a failure is recorded as ``failed`` with the error's class and SMTP code.
    The row stays locked while the backend sends, so two workers never send it both.

    Returns:
        The :class:`~assemblies.models.EmailSend` after the attempt.

    Raises:
        NotFound: no such send. Whatever the email backend raised (after recording the
        failure), so that the task retries it.
    """
    failure: BaseException | None = None
    with transaction.atomic():
        send = (
            EmailSend.objects.select_for_update(of=("self",))
            .select_related("registrant__assembly")
            .filter(pk=send_id)
            .first()
        )
        if send is None:
            raise NotFound(f"There is no email send {send_id}.")
        if send.status in (EmailSendStatus.SENT, EmailSendStatus.SKIPPED):
            return send
        registrant = send.registrant
        if registrant is None or registrant.erased_at is not None or not registrant.email:
            send.status = EmailSendStatus.SKIPPED
            send.error = "no email address"
            send.save(update_fields=["status", "error"])
            return send
        send.attempts += 1
        language = (
            send.language
            or registrant.language
            or translation.get_language()
            or settings.LANGUAGE_CODE
        )
        with translation.override(language):
            wording = email_wording(assembly_id=send.assembly_id, kind=send.kind, language=language)
            rendered = email_render(
                wording=wording,
                values=_values(registrant=registrant, base_url=send.base_url, language=language),
            )
        reply_to = [registrant.assembly.reply_to] if registrant.assembly.reply_to else []
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text_body,
            to=[registrant.email],
            reply_to=reply_to,
        )
        if rendered.html_body:
            message.attach_alternative(rendered.html_body, "text/html")
        send.template_version, send.template_digest = rendered.version, rendered.digest
        try:
            message.send(fail_silently=False)
        except (OSError, smtplib.SMTPException) as exc:
            failure = exc
            send.status, send.error = EmailSendStatus.FAILED, _error_text(exc)
        else:
            send.status, send.error, send.sent_at = EmailSendStatus.SENT, "", timezone.now()
        send.save()
    if failure is not None:
        logger.warning("email send %s failed (%s)", send.pk, send.error)
        raise failure
    return send


def email_send_enqueue(send_ids: list[int]) -> int:
    """Hand sends to the ``assemblies.send_email`` task (call after commit). A send the job
    queue cannot take stays queued (re-notify or ``notify_panel`` enqueues it again).

    Returns:
        How many were enqueued.
    """
    enqueued = 0
    for send_id in send_ids:
        try:
            send_email.apply_async(kwargs={"send_id": send_id})
        except Exception as exc:  # noqa: BLE001 - broker down: the rows stay queued
            logger.warning(
                "the job queue is unreachable (%s); %s email sends stay queued",
                type(exc).__name__,
                len(send_ids) - enqueued,
            )
            break
        enqueued += 1
    return enqueued


@dataclass(frozen=True)
class NotifyOutcome:
    """Result of :func:`panel_notify`: sends created now, sends enqueued (created now or left
    queued or failed before), and the registrants without an email address (to call)."""

    created: int
    enqueued: int
    without_email: list[Registrant]


def panel_notify(*, run_id: int, base_url: str, actor: Any = None) -> NotifyOutcome:
    """Tell the people a finished draw concerns: selected, reserves and not selected for a
    panel run; the people drawn for a replacement run (see
    :func:`assemblies.selectors.emails.run_notify_groups`).

    Creates one :class:`~assemblies.models.EmailSend` per registrant with an address, with
    the key ``"<kind>:<registrant id>:run<run id>"`` (unique: a second call creates none),
    then, after commit, enqueues every send of the run still ``queued`` or ``failed``, so a
    second call also resumes a notification interrupted by a crash. Audited as
    ``PANEL_NOTIFIED`` with counts only (``to_call``: the people without an address).

    Args:
        run_id: a succeeded panel or replacement run, not voided.
        base_url: scheme and host for the links, e.g. ``"https://dlp.example.org"``.
        actor: the manager (None: the system, e.g. the ``notify_panel`` command).

    Each email is written in the language the person registered in
    (``Registrant.language``; blank: the site's default language), never in the
    organiser's.

    Returns:
        :class:`NotifyOutcome`.

    Raises:
        NotFound: no such run. Forbidden: the actor does not manage the assembly.
        ServiceError: the run did not draw anyone (not succeeded, a test run) or was voided.
    """
    assembly_id = (
        SelectionRun.objects.filter(pk=run_id).values_list("assembly_id", flat=True).first()
    )
    if assembly_id is None:
        raise NotFound(f"There is no selection run {run_id}.")
    _require_manager(actor, assembly_id, "notify the panel")
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.SUCCEEDED or run.kind not in (
            RunKind.PANEL,
            RunKind.REPLACEMENT,
        ):
            raise ServiceError("Only a panel or replacement run that drew people can notify.")
        if run.voided_at is not None:
            raise ServiceError("This panel was voided: its draw is not to be announced.")
        plan = run_notify_plan(run=run)
        before = EmailSend.objects.filter(run=run).count()
        EmailSend.objects.bulk_create(
            [
                EmailSend(
                    assembly_id=run.assembly_id,
                    registrant_id=registrant_id,
                    registrant_public_id=public_id,
                    run=run,
                    kind=kind,
                    idempotency_key=f"{kind}:{registrant_id}:run{run.pk}",
                    base_url=base_url,
                    language=language or settings.LANGUAGE_CODE,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
                for registrant_id, public_id, kind, language in plan.recipients
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        created = EmailSend.objects.filter(run=run).count() - before
        due = run_sends_to_resume(run_id=run.pk)
        audit_event_record(
            action=AuditAction.PANEL_NOTIFIED,
            actor=actor,
            target=run,
            data={
                "assembly_id": run.assembly_id,
                "run_id": run.pk,
                "created": created,
                "enqueued": len(due),
                "to_call": len(plan.without_email),
            },
        )
        transaction.on_commit(lambda: email_send_enqueue(due))
    return NotifyOutcome(created=created, enqueued=len(due), without_email=plan.without_email)


@dataclass(frozen=True)
class RemindOutcome:
    """Result of :func:`registrants_remind`: reminders created now (and enqueued), pending
    registrants already reminded today, and pending registrants without an address (to
    call)."""

    created: int
    already_today: int
    without_email: int


def registrants_remind(
    *,
    assembly_id: int,
    base_url: str,
    actor: Any = None,
    registrant_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> RemindOutcome:
    """Email the "reminder to confirm" to the assembly's pending registrants (those who
    registered but never followed their confirmation link), each in their language.

    At most one reminder per person per day: each send has the key
    ``"reminder:<registrant id>:<date>"`` (unique), so a second click the same day sends
    nobody anything; the next day it reminds again. Pending registrants without an email
    address are counted (staff call them: "Record confirmation (by phone)").
    Audited as ``REGISTRANTS_REMINDED`` with counts only (``to_call``: those without an
    address).

    Args:
        assembly_id: an assembly that takes confirmations (open or closed).
        base_url: scheme and host for the links, e.g. ``"https://dlp.example.org"``.
        actor: the manager (None: the system).
        registrant_ids: only these registrants (the admin's selection; default: everyone
            pending); others, and those not pending, are left out.
        now: the time of the reminder (default: now); its local date makes the key.

    Returns:
        :class:`RemindOutcome`.

    Raises:
        NotFound: no such assembly. Forbidden: the actor does not manage the assembly.
        ServiceError: the assembly no longer takes confirmations.
    """
    _require_manager(actor, assembly_id, "send reminders")
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    with transaction.atomic():
        assembly = Assembly.objects.select_for_update().filter(pk=assembly_id).first()
        if assembly is None:
            raise NotFound(f"There is no assembly with id {assembly_id}.")
        if assembly.status not in (AssemblyStatus.OPEN, AssemblyStatus.CLOSED):
            raise ServiceError(
                "Reminders are sent while registrants can still confirm: the assembly must "
                "be open or closed."
            )
        pending = Registrant.objects.filter(
            assembly=assembly, status=RegistrantStatus.PENDING, erased_at__isnull=True
        )
        if registrant_ids is not None:
            pending = pending.filter(pk__in=registrant_ids)
        rows = list(pending.order_by("id").values_list("pk", "public_id", "email", "language"))
        with_email = [row for row in rows if row[2]]
        keys = {
            f"reminder:{pk}:{day}": (pk, public_id, lang) for pk, public_id, _e, lang in with_email
        }
        existing = set(
            EmailSend.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        created = EmailSend.objects.bulk_create(
            [
                EmailSend(
                    assembly=assembly,
                    registrant_id=pk,
                    registrant_public_id=public_id,
                    kind=EmailKind.REMINDER,
                    idempotency_key=key,
                    base_url=base_url,
                    language=language or settings.LANGUAGE_CODE,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
                for key, (pk, public_id, language) in keys.items()
                if key not in existing
            ]
        )
        outcome = RemindOutcome(
            created=len(created),
            already_today=len(existing),
            without_email=len(rows) - len(with_email),
        )
        audit_event_record(
            action=AuditAction.REGISTRANTS_REMINDED,
            actor=actor,
            target=assembly,
            data={
                "assembly_id": assembly.pk,
                "created": outcome.created,
                "already_today": outcome.already_today,
                "to_call": outcome.without_email,
            },
        )
        ids = [send.pk for send in created]
        transaction.on_commit(lambda: email_send_enqueue(ids))
    return outcome
