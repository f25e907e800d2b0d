"""Daily lotteries and their ballots (docs/architecture.md).

The rules that must always hold are database constraints: one lottery per date, one ballot
per user per lottery, and a lottery's status agrees with the fields a close fills in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Lottery(models.Model):
    """The lottery of one calendar day (in ``settings.LOTTERY_TIME_ZONE``).

    Status goes ``open -> drawn`` (a winner was drawn) or ``open -> void`` (no eligible
    ballot). A close stores the 256-bit ``seed`` (64 hex characters), the number of eligible
    ballots it drew from (``ballot_count``), the SHA-256 ``digest`` of their ordered ids and
    the ``winning_ballot``, so anyone can re-derive the winner (see :mod:`lottery.draw`).
    """

    class Status(models.TextChoices):
        OPEN = "open", "open"
        DRAWN = "drawn", "drawn"
        VOID = "void", "void"

    date = models.DateField(unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    seed = models.CharField(max_length=64, blank=True, help_text="256-bit seed, hex.")
    digest = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the ordered eligible ballot ids, hex."
    )
    ballot_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Eligible ballots the draw was made from."
    )
    winning_ballot = models.OneToOneField(
        "lottery.Ballot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="won_lottery",
    )

    class Meta:
        ordering = ["-date"]
        verbose_name_plural = "lotteries"
        indexes = [models.Index(fields=["status", "date"], name="lottery_status_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "drawn", "void"]),
                name="lottery_lottery_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status="open",
                        closed_at__isnull=True,
                        winning_ballot__isnull=True,
                        seed="",
                        digest="",
                        ballot_count__isnull=True,
                    )
                    | Q(
                        status="drawn",
                        closed_at__isnull=False,
                        winning_ballot__isnull=False,
                        ballot_count__gte=1,
                    )
                    | Q(
                        status="void",
                        closed_at__isnull=False,
                        winning_ballot__isnull=True,
                        ballot_count=0,
                    )
                ),
                name="lottery_lottery_status_fields",
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | (Q(seed__regex=r"^[0-9a-f]{64}$") & Q(digest__regex=r"^[0-9a-f]{64}$")),
                name="lottery_lottery_closed_has_seed_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"Lottery {self.date.isoformat()} ({self.status})"

    @property
    def is_open(self) -> bool:
        """True until the lottery is closed."""
        return self.status == self.Status.OPEN


class Ballot(models.Model):
    """One user's entry in one lottery; a user has at most one ballot per lottery.

    ``excluded`` is set by the close on the ballots of users banned at closing time; the
    draw is made from the ballots not excluded, and that set never changes afterwards, so a
    later ban or unban cannot change what a past draw verifies against.
    """

    lottery = models.ForeignKey(Lottery, on_delete=models.PROTECT, related_name="ballots")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ballots"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    excluded = models.BooleanField(
        default=False, help_text="Left out of the draw: the user was banned at closing time."
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["lottery", "excluded", "id"], name="lottery_ballot_draw_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["lottery", "user"], name="lottery_ballot_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"Ballot {self.pk}"

    @property
    def owner_display_name(self) -> str:
        """The public name of the ballot's owner: their display name, never their email."""
        return self.user.display_name or f"Participant {self.user_id}"
