"""Emails to registrants: the organisers' templates per assembly and a record of every send.

An :class:`EmailSend` row holds no address and no rendered text: the registrant row holds the
address (blanked by erasure), so erasing a registrant leaves nothing personal here; the row
keeps the registrant's public id (a pseudonymous reference) for the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from assemblies.models.assembly import Assembly
from assemblies.models.registrant import Registrant
from assemblies.models.run import SelectionRun


class EmailKind(models.TextChoices):
    """What an email tells a registrant."""

    CONFIRMATION = "confirmation", "Confirm your email"
    REMINDER = "reminder", "Reminder to confirm"
    SELECTED = "selected", "Selected for the panel"
    RESERVE = "reserve", "Reserve"
    NOT_SELECTED = "not_selected", "Not selected"
    REPLACEMENT = "replacement", "Replacement invitation"


class EmailSendStatus(models.TextChoices):
    """``queued -> sent | failed | skipped``; a failed send may be queued again (retried).
    ``skipped``: there was nobody to write to when it was due (erased, no address)."""

    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (no address)"


#: Longest subject of a template (characters); the sent subject is cut to 200 anyway.
EMAIL_SUBJECT_MAX_LENGTH = 200
#: Longest body of a template (characters), plain text or HTML.
EMAIL_BODY_MAX_LENGTH = 20000


class EmailTemplate(models.Model):
    """An organiser's wording of one kind of email for one assembly in one language (subject,
    plain-text body, optional HTML body), with ``{{ placeholder }}`` fields
    (:mod:`assemblies.mailtemplates`). A registrant gets the wording of their language, else
    the default-language one (``language`` blank), else the platform's built-in wording.
    Written only by :func:`assemblies.services.emails.email_template_save`, which validates
    the placeholders.
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="email_templates")
    kind = models.CharField(max_length=16, choices=EmailKind.choices)
    language = models.CharField(
        max_length=10,
        blank=True,
        help_text="The language of this wording; blank: the site's default language (also used "
        "for a language without its own wording).",
    )
    subject = models.CharField(max_length=EMAIL_SUBJECT_MAX_LENGTH)
    text_body = models.TextField(max_length=EMAIL_BODY_MAX_LENGTH)
    html_body = models.TextField(
        max_length=EMAIL_BODY_MAX_LENGTH,
        blank=True,
        help_text="Optional. Placeholder values are HTML-escaped.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assembly", "kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "kind", "language"],
                name="assemblies_emailtemplate_unique_kind_language",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EmailKind.values), name="assemblies_emailtemplate_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        language = f" ({self.language})" if self.language else ""
        return f"{self.get_kind_display()} email{language} of {self.assembly}"


class EmailSend(models.Model):
    """One email due to one registrant: queued, then sent, failed (retried) or skipped.

    ``idempotency_key`` is unique, so creating the sends of a notification twice makes no
    duplicates (e.g. ``"selected:<registrant id>:run<run id>"``). ``template_digest`` is the
    SHA-256 of the subject and bodies actually sent (``template_version`` the organiser's
    template version, 0 for the built-in wording). ``error`` holds the exception's class and
    SMTP code only, never a server message (it may quote the address).
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="email_sends")
    registrant = models.ForeignKey(
        Registrant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="email_sends",
    )
    registrant_public_id = models.UUIDField(help_text="Pseudonymous reference to the registrant.")
    run = models.ForeignKey(
        SelectionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="email_sends"
    )
    kind = models.CharField(max_length=16, choices=EmailKind.choices)
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(
        max_length=8,
        choices=EmailSendStatus.choices,
        default=EmailSendStatus.QUEUED,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    template_version = models.PositiveIntegerField(default=0)
    template_digest = models.CharField(max_length=64, blank=True)
    base_url = models.CharField(max_length=200, help_text="Scheme and host of the links.")
    language = models.CharField(max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["run", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EmailKind.values), name="assemblies_emailsend_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EmailSendStatus.values),
                name="assemblies_emailsend_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} email #{self.pk} ({self.status})"
