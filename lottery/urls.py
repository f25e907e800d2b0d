"""URL routes of the lottery app (included from opendlp/urls.py)."""

app_name = "lottery"
urlpatterns: list = []
