"""Root URL configuration: each app contributes its own ``urls.py``."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts.views import admin_login_for_staff
from opendlp import views

admin.site.site_header = "Open Democratic Lottery Platform"
admin.site.site_title = "Open DLP admin"
admin.site.index_title = "Organiser dashboard"
# The admin signs in through allauth, so its rate limits and two-factor step apply there too.
# (allauth's documented pattern; mypy forbids assigning to a method, but this shadows it on
# this one instance only.) A signed-in user who is not staff gets the account page and a
# message instead of allauth's bare 403.
admin.site.login = admin_login_for_staff(secure_admin_login(admin.site.login))  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("auth/", include("allauth.urls")),
    path("account/invitations/", include("assemblies.invitations.urls")),
    path("account/", include("accounts.urls")),
    path("lottery/", include("lottery.urls")),
    path("a/", include("assemblies.urls")),
    path("r/", include("assemblies.registration.short_urls")),
    path("api/", include("opendlp.api")),
]

# Under /api/ these answer the API's JSON error shape; elsewhere Django's own pages.
handler400 = "opendlp.api.bad_request"
handler500 = "opendlp.api.server_error"
