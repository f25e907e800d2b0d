"""Selection runs: what was asked, the exact inputs, the result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext as _

from assemblies.models.assembly import Algorithm, Assembly


class RunKind(models.TextChoices):
    """A panel draw, a replacement draw, or a test run that changes no registrant."""

    PANEL = "panel", "Panel"
    REPLACEMENT = "replacement", "Replacement"
    TEST = "test", "Test run"


class RunStatus(models.TextChoices):
    """``pending -> running -> succeeded | failed | cancelled``; a two-phase (ceremony) run
    goes ``running -> awaiting_seed`` (distribution fixed and published) and, once its seed
    is entered, ``succeeded``."""

    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    AWAITING_SEED = "awaiting_seed", "Awaiting the seed"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


#: Statuses that hold the assembly: no other run, no import, until the run ends.
ACTIVE_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.AWAITING_SEED)
#: Statuses in which a worker has the run (the page shows progress and refreshes).
WORKING_RUN_STATUSES = (RunStatus.PENDING, RunStatus.RUNNING)


FINISHED_RUN_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)

#: Most tickets of a transparent lottery (``selection.transparent.MAX_PANELS``; models do not
#: import the engine).
MAX_PANELS = 1_000_000


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
    seed = models.CharField(
        max_length=200, blank=True, help_text="Empty until a ceremony run's seed is entered."
    )
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
    ceremony = models.BooleanField(
        default=False,
        help_text="Two phases: fix and publish the distribution, then draw with a seed made "
        "in public.",
    )
    prepared = models.JSONField(
        default=dict, blank=True, help_text="The fixed distribution of a two-phase run."
    )
    distribution_sha256 = models.CharField(max_length=64, blank=True)
    panels = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Transparent lottery: the number M of equally likely tickets the distribution "
        "is rounded to (empty: draw from the distribution itself).",
    )
    ticket = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Transparent lottery: the ticket drawn, 1..M (picked in public in a ceremony, "
        "else drawn from the seed).",
    )
    distribution_fixed_at = models.DateTimeField(null=True, blank=True)
    seed_entered_at = models.DateTimeField(null=True, blank=True)
    witnesses = models.TextField(blank=True, help_text="Witnesses of the seed (optional, public).")
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a manager published the public draw record (never unpublished).",
    )
    voided_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a manager voided this panel (and its replacements) so a new panel "
        "could be drawn; the run and its public record stay, marked voided.",
    )
    void_reason = models.TextField(blank=True, help_text="Why the panel was voided (public).")
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly"],
                condition=Q(status__in=["pending", "running", "awaiting_seed"]),
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
            models.CheckConstraint(
                condition=Q(panels__isnull=True) | Q(panels__gte=1, panels__lte=MAX_PANELS),
                name="assemblies_run_panels_range",
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=True)
                | Q(panels__isnull=False, ticket__gte=1, ticket__lte=F("panels")),
                name="assemblies_run_ticket_within_panels",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True)
                | (~Q(void_reason="") & Q(kind__in=["panel", "replacement"])),
                name="assemblies_run_voided_has_reason",
                violation_error_message="Only a panel or replacement run is voided, with a reason.",
            ),
        ]

    def __str__(self) -> str:
        kind = {"panel": "Panel run", "replacement": "Replacement run"}.get(self.kind, "Test run")
        return f"{kind} #{self.pk} of {self.assembly}"

    @property
    def is_active(self) -> bool:
        """True while pending or running."""
        return self.status in WORKING_RUN_STATUSES

    @property
    def is_voided(self) -> bool:
        """True once the panel this run drew (or replaced into) was voided."""
        return self.voided_at is not None

    @property
    def status_label(self) -> str:
        """The status to show: ``Succeeded (voided)`` for a voided run, else the status."""
        if self.is_voided:
            return _("%(status)s (voided)") % {"status": self.get_status_display()}
        return str(self.get_status_display())

    @property
    def percent(self) -> int:
        """Progress as a whole percentage (0-100); 100 once finished."""
        if self.status in FINISHED_RUN_STATUSES:
            return 100
        if self.progress_total <= 0:
            return 0
        return max(0, min(100, int(100 * self.progress_done / self.progress_total)))
