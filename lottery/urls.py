"""URL routes of the lottery app (included from opendlp/urls.py)."""

import datetime as dt

from django.urls import path, register_converter

from lottery import views


class LotteryDateConverter:
    """``YYYY-MM-DD`` in a URL, given to the view as a :class:`datetime.date`."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)  # ValueError (e.g. 2026-02-30) -> 404

    def to_url(self, value: dt.date | str) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


register_converter(LotteryDateConverter, "lottery_date")

app_name = "lottery"
urlpatterns = [
    path("", views.lottery_index, name="index"),
    path("enter/", views.ballot_enter, name="enter"),
    path("<lottery_date:date>/", views.lottery_detail, name="detail"),
    path("<lottery_date:date>/ballots.txt", views.lottery_ballots, name="ballots"),
]
