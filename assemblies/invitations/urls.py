"""URL of the invitation page, included by the project at ``/account/invitations/``."""

from django.urls import path

from assemblies.invitations import views

app_name = "invitations"
urlpatterns = [path("<str:token>/", views.accept, name="accept")]
