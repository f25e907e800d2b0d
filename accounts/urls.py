"""URL routes of the accounts app (included from opendlp/urls.py)."""

app_name = "accounts"
urlpatterns: list = []
