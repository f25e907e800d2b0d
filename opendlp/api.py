"""The JSON API: one django-ninja instance, mounted at ``/api/``.

OpenAPI document at ``/api/openapi.json``, Swagger UI at ``/api/docs`` (served from
django-ninja's own static files, no CDN, when ``"ninja"`` is in ``INSTALLED_APPS``). Every
error answers ``{"error": code, "message": text}`` with status 400, 401, 403, 404, 409, 413,
422, 500 or 503; a business-rule refusal (any :class:`~opendlp.core.errors.DomainError`)
answers with its own ``code`` and ``status``, mapped once here.

Failures outside an endpoint (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` read by
middleware, the database down while middleware loads the session, any uncaught error) reach
Django's error views; :func:`bad_request` and :func:`server_error`, set as ``handler400`` and
``handler500`` in the root URLconf, answer them in the same JSON shape under ``/api/``. With
``DEBUG`` on, Django shows its technical page instead, as for every other page. Last,
:class:`ApiErrorShapeMiddleware` rewrites any other error page under ``/api/`` (django-ninja's
plain 405, Django's 404 for ``/api/`` itself) into the shape, keeping status and ``Allow``.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults
from ninja import NinjaAPI, Router
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import Swagger, render_template

from accounts.api import router as accounts_router
from lottery.api import router as lottery_router
from opendlp.core.errors import DomainError

#: Error code used for each status when the exception carries no code of its own.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}
#: Path prefix of the API, as mounted in ``opendlp/urls.py``.
API_PREFIX = "/api/"
#: Seconds a client is told to wait (``Retry-After``) when the database is unavailable.
RETRY_AFTER_SECONDS = 30
#: Database errors that mean "unavailable" (connection refused or lost), answered with 503.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

logger = logging.getLogger(__name__)


class SwaggerWithCsrf(Swagger):
    """Swagger UI that sends Django's CSRF token, so "Try it out" works with the session.

    The page is django-ninja's own template: local static files, no inline script.
    """

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        """Render the Swagger page with the CSRF token in a data attribute."""
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": True,
        }
        return render_template(request, self.template, self.template_cdn, context)


api = NinjaAPI(
    title="Open Democratic Lottery Platform API",
    version="1",
    description=(
        "Daily lotteries and accounts. Authenticate with a personal API token "
        "(`Authorization: Bearer <token>`, created on your account page) or the browser "
        "session (with the CSRF token on unsafe methods)."
    ),
    urls_namespace="api",
    docs=SwaggerWithCsrf(settings={"persistAuthorization": False}),
)


def error_response(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """Render the API's one error shape ``{"error": code, "message": message}``."""
    return api.create_response(request, {"error": code, "message": message}, status=status)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = getattr(exc, "code", None) or STATUS_CODES.get(exc.status_code, "error")
    message = str(exc)
    if exc.status_code == 401 and message == "Unauthorized":
        message = "Sign in, or send a personal API token as 'Authorization: Bearer <token>'."
    return error_response(request, exc.status_code, code, message)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return error_response(request, 422, "validation_error", "; ".join(parts) or "Invalid input.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(ObjectDoesNotExist)
def _object_missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return error_response(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Any business-rule refusal: its own ``code`` and ``status``, its message as said."""
    return error_response(request, exc.status, exc.code, str(exc))


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413 ``payload_too_large``: the body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The request body is larger than the limit of {limit} bytes."
    return error_response(request, 413, "payload_too_large", message)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 ``service_unavailable`` with ``Retry-After``: the database cannot be reached."""
    message = "The service is temporarily unavailable; try again shortly."
    response = error_response(request, 503, "service_unavailable", message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return too_large_response(request)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Answered, so Django does not log it: log it here, the outage must be seen.
    logger.error("API %s %s: database unavailable", request.method, request.path, exc_info=exc)
    return unavailable_response(request)


api.add_router("", lottery_router)
api.add_router("", accounts_router)

_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False
)
def _unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other path under ``/api/``: the JSON 404."""
    return error_response(request, 404, "not_found", "There is no such API endpoint.")


api.add_router("", _fallback)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: under ``/api/``, JSON 413 for a body over the limit, else JSON 400.

    Other paths get Django's own page (:func:`django.views.defaults.bad_request`).
    """
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request)
    return error_response(request, 400, "bad_request", "The request is malformed.")


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: under ``/api/``, JSON 503 when the database is unavailable, else JSON 500.

    Django calls it while handling the exception (already logged by ``django.request``), so
    :func:`sys.exc_info` names it. Other paths get :func:`django.views.defaults.server_error`.
    """
    if not _is_api(request):
        return defaults.server_error(request)
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return unavailable_response(request)
    return error_response(request, 500, "server_error", "Something went wrong on our side.")


class ApiErrorShapeMiddleware:
    """Under ``/api/``, answer every error response that is not JSON in the API's shape.

    The net under the handlers above: django-ninja's own ``405 Method not allowed`` (plain
    text) and Django's HTML 404 for ``/api/`` become ``{"error", "message"}`` with the same
    status; the ``Allow`` and ``Retry-After`` headers are kept. With ``DEBUG`` on, server
    errors keep Django's technical page. Listed in ``MIDDLEWARE`` after
    ``SecurityMiddleware``.
    """

    #: Headers of the original response that the JSON answer keeps.
    KEPT_HEADERS = ("Allow", "Retry-After")

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        status = response.status_code
        if status < 400 or not _is_api(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if settings.DEBUG and status >= 500:
            return response
        if status == 404:
            message = "There is no such API endpoint."
        elif status == 405:
            message = f"{request.method} is not allowed here; use {response.get('Allow', '')}."
        else:
            message = response.reason_phrase
        answer = error_response(request, status, STATUS_CODES.get(status, "error"), message)
        for header in self.KEPT_HEADERS:
            if header in response:
                answer[header] = response[header]
        return answer


#: For ``path("api/", include("opendlp.api"))`` in the root URLconf; namespace ``api``.
app_name = "api"
urlpatterns = api.urls[0]
