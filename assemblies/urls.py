"""URL routes of the assemblies app (included from opendlp/urls.py)."""

app_name = "assemblies"
urlpatterns: list = []
