"""URL routes of the assemblies app (included from opendlp/urls.py at ``/a/``).

The public registration pages of an assembly live under ``/a/<slug>/``
(views in :mod:`assemblies.registration.views`, the signed links' pages in
:mod:`assemblies.registration.links`); its published draw records under
``/a/<slug>/draws/<run id>/`` (views in :mod:`assemblies.records.views`).
"""

from django.urls import path

from assemblies.records import views as records
from assemblies.registration import links
from assemblies.registration import views as registration

app_name = "assemblies"
urlpatterns = [
    path("<slug:slug>/", registration.landing, name="landing"),
    path("<slug:slug>/register/", registration.register, name="register"),
    path("<slug:slug>/thanks/", registration.thanks, name="thanks"),
    path("<slug:slug>/preview/", registration.preview, name="preview"),
    path("<slug:slug>/confirm/<str:token>/", links.confirm, name="confirm"),
    path("<slug:slug>/withdraw/<str:token>/", links.withdraw, name="withdraw"),
    path("<slug:slug>/erase/<str:token>/", links.erase, name="erase"),
    path("<slug:slug>/draws/<int:run_id>/", records.record, name="record"),
    path("<slug:slug>/draws/<int:run_id>/bundle.json", records.bundle, name="record_bundle"),
    path(
        "<slug:slug>/draws/<int:run_id>/distribution.json",
        records.distribution,
        name="record_distribution",
    ),
]
