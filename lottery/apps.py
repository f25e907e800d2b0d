"""Lottery app configuration."""

from django.apps import AppConfig


class LotteryConfig(AppConfig):
    """Daily lotteries: ballots, nightly close, winners."""

    name = "lottery"
    verbose_name = "Daily lotteries"
    default_auto_field = "django.db.models.BigAutoField"
