"""Admin for lotteries and ballots: read-only lists for staff (results come from services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from lottery.models import Ballot, Lottery
from opendlp.core.nul import NulSafeChangeListMixin


class ReadOnlyAdmin(NulSafeChangeListMixin, admin.ModelAdmin):
    """Viewing only: adding, changing and deleting are refused; a NUL in a list's query
    string is refused like any wrong lookup."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Lottery)
class LotteryAdmin(ReadOnlyAdmin):
    """Lotteries by date, with status, eligible count and winner (one query per page)."""

    list_display = ("date", "status", "ballot_count", "closed_at", "winner")
    list_filter = ("status",)
    search_fields = ("date", "seed", "digest")
    date_hierarchy = "date"
    list_select_related = ("winning_ballot__user",)
    readonly_fields = [f.name for f in Lottery._meta.fields]
    list_per_page = 50

    @admin.display(description="winner", ordering="winning_ballot__user__display_name")
    def winner(self, obj: Lottery) -> str:
        """The winning ballot and its owner's public name, or a dash."""
        ballot = obj.winning_ballot
        return f"#{ballot.pk} {ballot.owner_display_name}" if ballot else "—"


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """Ballots, newest first, filterable by status of their lottery and exclusion."""

    list_display = ("id", "lottery_date", "user", "submitted_at", "excluded")
    list_filter = ("lottery__status", "excluded")
    date_hierarchy = "submitted_at"
    search_fields = ("=id", "user__email", "user__display_name", "lottery__date")
    list_select_related = ("lottery", "user")
    readonly_fields = ("lottery", "user", "submitted_at", "excluded")
    ordering = ("-id",)
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description="lottery", ordering="lottery__date")
    def lottery_date(self, obj: Ballot) -> str:
        """The date of the ballot's lottery."""
        return obj.lottery.date.isoformat()
