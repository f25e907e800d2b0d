"""Short URLs of registration pages (included from opendlp/urls.py at ``/r/``):
``/r/<code>`` (the form) and ``/r/<code>/thanks``."""

from django.urls import path

from assemblies.registration import views

app_name = "short"
urlpatterns = [
    path("<str:code>", views.page_register, name="page"),
    path("<str:code>/thanks", views.page_thanks, name="thanks"),
]
