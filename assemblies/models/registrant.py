"""The registrants (the pool) and the uploads waiting to become registrants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from assemblies.models.assembly import Assembly, pseudonym


class RegistrantStatus(models.TextChoices):
    """Where a registrant stands: ``pending`` (email unconfirmed), ``pool`` (can be drawn),
    ``selected``/``reserve`` (drawn), ``confirmed`` (will attend), ``withdrawn``, ``deleted``
    (personal data erased), ``test`` (sent through a registration page in test: never in the
    pool, a draw, an export or a count)."""

    PENDING = "pending", "Pending confirmation"
    POOL = "pool", "In the pool"
    SELECTED = "selected", "Selected"
    RESERVE = "reserve", "Reserve"
    CONFIRMED = "confirmed", "Confirmed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DELETED = "deleted", "Deleted (erased)"
    TEST = "test", "Test submission (quarantined)"


class RegistrantSource(models.TextChoices):
    """How a registrant arrived: the public form, a CSV import, or entered by staff in the
    admin (taken on the phone, typed from a paper form, or otherwise by staff)."""

    FORM = "form", "Registration form"
    IMPORT = "import", "Import"
    PHONE = "phone", "Phone (entered by staff)"
    PAPER = "paper", "Paper form (entered by staff)"
    STAFF = "staff", "Entered by staff"


#: Sources of registrations entered by staff in the admin.
STAFF_SOURCES = (RegistrantSource.PHONE, RegistrantSource.PAPER, RegistrantSource.STAFF)


#: Contact fields blanked by erasure.
PERSONAL_FIELDS = (
    "name",
    "email",
    "phone",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
)


#: Start of an erased registrant's external id; the rest is a keyed pseudonym of the old id.
ERASED_ID_PREFIX = "erased:"


def erased_external_id(*, assembly: Assembly, external_id: str) -> str:
    """The external id an erased registrant keeps: ``erased:`` and 32 hex digits of an
    HMAC of the old id under the assembly's secret key, or ``""`` for no id.

    The old id (often an email address or a name) cannot be read back, nor confirmed
    without the assembly's key; ids stay unique within the assembly; and a re-import of the
    same id is still recognised as an erased registrant (and skipped).
    """
    if not external_id:
        return ""
    return ERASED_ID_PREFIX + pseudonym(
        assembly.pseudonym_key, external_id, purpose="external_id", length=32
    )


def stored_external_ids(*, assembly: Assembly, ids: Iterable[str]) -> dict[str, str]:
    """Each given external id under the forms it may be stored in: as it is (a registrant
    not erased) and as :func:`erased_external_id` (an erased one).

    Returns:
        ``{stored external id: given id}``; look up ``external_id__in`` its keys.
    """
    stored: dict[str, str] = {}
    for external_id in ids:
        if external_id:
            stored[erased_external_id(assembly=assembly, external_id=external_id)] = external_id
            stored[external_id] = external_id
    return stored


class Registrant(models.Model):
    """A member of the public who registered for (or was imported into) an assembly.

    ``answers`` maps each category name to the value given (a value of the quota table).
    ``extra`` keeps the other columns of an import (column name -> text) so that exports give
    the rows back as imported, and the answers to the assembly's own form fields
    (``FormField.key`` -> text; see :mod:`assemblies.registration.forms` for the text of
    each type). ``language`` is the site language the person registered in (the page's fixed
    language or the visitor's); every email to them is written in it.
    ``staff_confirmed_at``/``staff_confirmed_by`` record the staff member who entered a
    registration and that the person confirmed it (phone, paper).
    Erasure blanks the personal fields and ``extra``, replaces
    ``external_id`` by :func:`erased_external_id` (an id column may hold emails or names), and
    keeps the row, its answers and its public id, so past draws stay verifiable.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="registrants")
    external_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16,
        choices=RegistrantStatus.choices,
        default=RegistrantStatus.PENDING,
        db_index=True,
    )
    source = models.CharField(
        max_length=16, choices=RegistrantSource.choices, default=RegistrantSource.FORM
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    staff_confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a staff member recorded the person's confirmation."
    )
    staff_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who entered the registration and recorded the confirmation.",
    )
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    selected_by = models.ForeignKey(
        "SelectionRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="selected_registrants",
        help_text="The run that last drew this registrant.",
    )
    page = models.ForeignKey(
        "RegistrationPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrants",
        help_text="The registration page the registrant came through (none: /a/<slug>/).",
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        help_text="The language the person registered in; their emails are written in it "
        "(blank: the site's default language).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assembly_id", "id"]
        indexes = [
            models.Index(fields=["assembly", "status"]),
            models.Index(F("assembly"), Lower("email"), name="assemblies_registrant_email_ci"),
        ]
        constraints = [
            # One registration per email and assembly, from the form or entered by staff
            # (imports may share an email, as members of one household sometimes do; test
            # submissions are apart).
            models.UniqueConstraint(
                F("assembly"),
                Lower("email"),
                condition=~Q(source="import") & ~Q(email="") & ~Q(status="test"),
                name="assemblies_registrant_unique_form_email",
                violation_error_message="This email address is already registered here.",
            ),
            models.UniqueConstraint(
                fields=["assembly", "external_id"],
                condition=~Q(external_id=""),
                name="assemblies_registrant_unique_external_id",
                violation_error_message="This external id is already used in this assembly.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RegistrantStatus.values),
                name="assemblies_registrant_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=RegistrantSource.values),
                name="assemblies_registrant_source_valid",
            ),
        ]

    def __str__(self) -> str:
        # Shown to organisers only; the audit log uses ``audit_label`` (an external id may
        # be an email address or a name).
        return f"registrant {self.external_id or str(self.public_id)[:8]}"

    @property
    def audit_label(self) -> str:
        """How the audit log names this registrant: by public id, never by external id."""
        return f"registrant {self.public_id}"

    @property
    def display_name(self) -> str:
        """The name (or email) to show organisers; a placeholder once erased."""
        if self.status == RegistrantStatus.DELETED:
            return "(erased)"
        return self.name or self.email or "(no name)"

    @property
    def engine_id(self) -> str:
        """The id this registrant has in selection inputs and reports (its public id)."""
        return str(self.public_id)


class PendingImport(models.Model):
    """An uploaded CSV waiting for the organiser to confirm its preview (deleted on confirm;
    stale ones are swept). Keeps the upload server-side between the preview and the confirm
    steps, so nothing is lost and nothing is imported before confirmation."""

    class Kind(models.TextChoices):
        QUOTAS = "quotas", "Quotas"
        REGISTRANTS = "registrants", "Registrants"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    text = models.TextField()
    options = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} upload {self.filename}"


class PanelOverride(models.Model):
    """A manager's manual override: a registrant seated on the panel without a draw.

    Only a draw changes who is on a panel; this is the one audited exception (e.g. a
    registrant wrongly withdrawn and not redrawn). It needs a reason, never makes the panel
    larger than the panel size, and is shown on the public draw record with its reason.
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="overrides")
    registrant = models.ForeignKey(
        Registrant, on_delete=models.CASCADE, related_name="panel_overrides"
    )
    reason = models.TextField(help_text="Why the registrant was seated without a draw (public).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Manual override for registrant {self.registrant.public_id}"
