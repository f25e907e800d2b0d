"""Emails to registrants: organisers' templates and recorded sends (telling the panel and
reminding pending registrants: :mod:`assemblies.services.notifications`).

- :func:`email_template_save` writes an organiser's wording of one kind of email after
  checking its placeholders (:mod:`assemblies.mailtemplates`).
- :func:`email_send_queue` records one email due (an :class:`~assemblies.models.EmailSend`
  row) and :func:`email_send_deliver` sends it (from the ``assemblies.send_email`` task, retried
  on mail errors), recording the outcome, the attempts and the wording's digest.

No address, name or rendered text is stored in a send or in the audit log: the registrant row
holds the address, and erasure blanks it there.
"""

from __future__ import annotations

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
from assemblies.errors import InvalidInput
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
    EmailKind,
    EmailSend,
    EmailSendStatus,
    EmailTemplate,
    Registrant,
    SelectionRun,
)
from assemblies.selectors.content import language_codes, site_language, translations_for
from assemblies.tasks import send_email
from assemblies.tokens import Purpose, link_token_make
from opendlp.core.audit import AuditAction
from opendlp.core.errors import NotFound
from opendlp.core.services import audit_event_record
from opendlp.core.text import NOTE_WHITESPACE, control_characters, email_subject

logger = logging.getLogger(__name__)

#: A sample registrant's values for previews (no real person's data).
SAMPLE_NAME = "Alex Example"


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
    permissions.manager_required(actor, assembly_id, "change the emails")
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
