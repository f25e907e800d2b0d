"""Tables of the assemblies context (docs/architecture.md): assemblies, who organises them, their
categories and quotas, the registrants (the pool) and the selection runs.

Every invariant that must always hold is a database constraint; workflows live in
the ``assemblies.services`` package.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone


class AssemblyStatus(models.TextChoices):
    """Life cycle of an assembly: ``draft -> open -> closed -> selected -> archived``."""

    DRAFT = "draft", "Draft"
    OPEN = "open", "Registration open"
    CLOSED = "closed", "Registration closed"
    SELECTED = "selected", "Panel selected"
    ARCHIVED = "archived", "Archived"


class Algorithm(models.TextChoices):
    """The selection algorithms of the engine (:data:`selection.ALGORITHMS`)."""

    LEXIMIN = "leximin", "Leximin"
    MAXIMIN = "maximin", "Maximin"
    NASH = "nash", "Nash welfare"
    LEGACY = "legacy", "Legacy (Sortition Foundation greedy)"


class Assembly(models.Model):
    """A citizens' assembly: its question, panel size, registration window and rules.

    ``household_columns`` lists the fields whose values together identify a household
    (registrant contact fields such as ``address_line_1``/``postcode``, or imported column
    names kept in ``Registrant.extra``); when ``household_check`` is on, at most one person per
    household is selected. ``import_columns`` remembers the header of the last registrants
    import so that exports give the rows back in the imported column order.
    """

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    question = models.TextField(blank=True, help_text="The question the assembly will answer.")
    description = models.TextField(blank=True, help_text="Shown on the public landing page.")
    privacy_notice = models.TextField(blank=True)
    panel_size = models.PositiveIntegerField(help_text="Number of people to select.")
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=AssemblyStatus.choices, default=AssemblyStatus.DRAFT
    )
    auto_select = models.BooleanField(
        default=False,
        help_text="Start the panel draw automatically when registration closes.",
    )
    default_algorithm = models.CharField(
        max_length=16, choices=Algorithm.choices, default=Algorithm.LEXIMIN
    )
    household_check = models.BooleanField(
        default=False, help_text="Select at most one person per household."
    )
    household_columns = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields that together identify a household, e.g. "
        '["address_line_1", "postcode"] or imported column names.',
    )
    id_column = models.CharField(
        max_length=100,
        blank=True,
        help_text="Column of the registrants CSV holding each person's external id.",
    )
    import_columns = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "assemblies"
        constraints = [
            models.CheckConstraint(
                condition=Q(panel_size__gte=1), name="assemblies_assembly_panel_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_opens_at__lt=F("registration_closes_at")),
                name="assemblies_assembly_window_ordered",
                violation_error_message="Registration must open before it closes.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssemblyStatus.values),
                name="assemblies_assembly_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Role(models.TextChoices):
    """An organiser's role in one assembly."""

    MANAGER = "manager", "Manager"
    CALLER = "caller", "Caller"
    VIEWER = "viewer", "Viewer"


class AssemblyMembership(models.Model):
    """Grants a user a role in one assembly (managers change, callers phone the panel and
    change member statuses, viewers read)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assembly_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assembly", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "user"], name="assemblies_membership_one_per_user"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="assemblies_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.assembly}"


class Category(models.Model):
    """A demographic category of an assembly (e.g. ``gender``), with its public question.

    The values of a category and their order are its quotas (``Quota.position``).
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=100)
    question = models.CharField(
        max_length=300, blank=True, help_text="Question text on the registration form."
    )
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["assembly", "position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "name"], name="assemblies_category_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Quota(models.Model):
    """The target range of one value of one category: the panel holds between ``min`` and
    ``max`` people with it. ``min_flex``/``max_flex`` are the absolute limits to which
    min/max may be relaxed when the quotas are infeasible (empty: min to 0, max unlimited)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="quotas")
    category = models.CharField(max_length=100)
    value = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0, help_text="Order of the value in its list.")
    min = models.PositiveIntegerField()
    max = models.PositiveIntegerField()
    min_flex = models.PositiveIntegerField(null=True, blank=True)
    max_flex = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["assembly", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "category", "value"], name="assemblies_quota_unique_value"
            ),
            models.CheckConstraint(
                condition=Q(min__lte=F("max")),
                name="assemblies_quota_min_le_max",
                violation_error_message="min must not be greater than max.",
            ),
            models.CheckConstraint(
                condition=Q(min_flex__isnull=True) | Q(min_flex__lte=F("min")),
                name="assemblies_quota_min_flex_le_min",
                violation_error_message="min_flex must not be greater than min.",
            ),
            models.CheckConstraint(
                condition=Q(max_flex__isnull=True) | Q(max_flex__gte=F("max")),
                name="assemblies_quota_max_flex_ge_max",
                violation_error_message="max_flex must not be less than max.",
            ),
            models.CheckConstraint(
                condition=~Q(category="") & ~Q(value=""),
                name="assemblies_quota_names_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.value} [{self.min}, {self.max}]"


class RegistrantStatus(models.TextChoices):
    """Where a registrant stands: ``pending`` (email unconfirmed), ``pool`` (can be drawn),
    ``selected``/``reserve`` (drawn), ``confirmed`` (will attend), ``withdrawn``, ``deleted``
    (personal data erased)."""

    PENDING = "pending", "Pending confirmation"
    POOL = "pool", "In the pool"
    SELECTED = "selected", "Selected"
    RESERVE = "reserve", "Reserve"
    CONFIRMED = "confirmed", "Confirmed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DELETED = "deleted", "Deleted (erased)"


class RegistrantSource(models.TextChoices):
    """How a registrant arrived: the public form or a CSV import."""

    FORM = "form", "Registration form"
    IMPORT = "import", "Import"


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


class Registrant(models.Model):
    """A member of the public who registered for (or was imported into) an assembly.

    ``answers`` maps each category name to the value given (a value of the quota table).
    ``extra`` keeps the other columns of an import (column name -> text) so that exports give
    the rows back as imported. Erasure blanks the personal fields and ``extra`` but keeps the
    row, its answers and its public id, so past draws stay verifiable.
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assembly_id", "id"]
        indexes = [
            models.Index(fields=["assembly", "status"]),
            models.Index(F("assembly"), Lower("email"), name="assemblies_registrant_email_ci"),
        ]
        constraints = [
            # One form registration per email and assembly (imports may share an email, as
            # members of one household sometimes do).
            models.UniqueConstraint(
                F("assembly"),
                Lower("email"),
                condition=Q(source="form") & ~Q(email=""),
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
        # No personal data: this text is copied into the append-only audit log.
        return f"registrant {self.external_id or str(self.public_id)[:8]}"

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


class RunKind(models.TextChoices):
    """A panel draw, a replacement draw, or a test run that changes no registrant."""

    PANEL = "panel", "Panel"
    REPLACEMENT = "replacement", "Replacement"
    TEST = "test", "Test run"


class RunStatus(models.TextChoices):
    """``pending -> running -> succeeded | failed | cancelled``."""

    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING)
FINISHED_RUN_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class SelectionRun(models.Model):
    """One draw: its request, its progress, its exact inputs and its result.

    ``input_snapshot`` holds everything the engine was given (quotas, the pool's public ids,
    answers and hashed household keys, panel size, algorithm, seed) and ``input_sha256`` its
    digest; ``result`` holds the engine's report (the CLI's REPORT.json). At most one run per
    assembly is pending or running (a database constraint).
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=16, choices=RunKind.choices, default=RunKind.PANEL)
    algorithm = models.CharField(max_length=16, choices=Algorithm.choices, default="leximin")
    seed = models.CharField(max_length=200)
    panel_size = models.PositiveIntegerField(help_text="People to draw in this run.")
    status = models.CharField(
        max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING, db_index=True
    )
    phase = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="selection_runs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    input_snapshot = models.JSONField(default=dict, blank=True)
    input_sha256 = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    verification = models.JSONField(default=dict, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly"],
                condition=Q(status__in=["pending", "running"]),
                name="assemblies_run_one_active_per_assembly",
                violation_error_message="A selection run is already in progress.",
            ),
            models.CheckConstraint(
                condition=Q(panel_size__gte=1), name="assemblies_run_panel_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="assemblies_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RunKind.values), name="assemblies_run_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        kind = {"panel": "Panel run", "replacement": "Replacement run"}.get(self.kind, "Test run")
        return f"{kind} #{self.pk} of {self.assembly}"

    @property
    def is_active(self) -> bool:
        """True while pending or running."""
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def percent(self) -> int:
        """Progress as a whole percentage (0-100); 100 once finished."""
        if self.status in FINISHED_RUN_STATUSES:
            return 100
        if self.progress_total <= 0:
            return 0
        return max(0, min(100, int(100 * self.progress_done / self.progress_total)))


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


class Invitation(models.Model):
    """An invitation, sent by email, to organise one assembly with a role.

    The emailed link carries a random token; only its SHA-256 digest is stored. An invitation
    is pending until it is accepted (single use), revoked, or ``expires_at`` passes. Accepting
    grants an :class:`AssemblyMembership` to the account whose email it was sent to (through
    :func:`assemblies.services.memberships.membership_set`). The table keeps the name it had
    when invitations lived in ``accounts``.
    """

    assembly = models.ForeignKey(
        "assemblies.Assembly", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_invitation"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="accounts_invitation_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="accounts_invitation_not_accepted_and_revoked",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="accounts_invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} invitation to {self.assembly}"

    @property
    def audit_label(self) -> str:
        """How the audit log names this invitation: by id, never by email."""
        return f"invitation {self.pk}"

    def state(self, now: dt.datetime | None = None) -> str:
        """``"accepted"``, ``"revoked"``, ``"expired"`` or ``"pending"`` at ``now``."""
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "pending"
