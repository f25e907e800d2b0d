"""JSON API of accounts: how API callers authenticate, and staff ban/unban endpoints.

Authentication for every protected endpoint is either a personal API token sent as
``Authorization: Bearer <token>`` (:class:`ApiTokenAuth`) or the browser session
(:class:`SessionAuth`, which requires Django's CSRF token on unsafe methods).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Body, Router, Schema
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator, BaseModel, Field, model_validator

from accounts.models import ApiToken, User
from accounts.selectors import two_factor_required, two_factor_since, user_may_ban
from accounts.services.tokens import api_token_authenticate
from accounts.services.users import BAN_REASON_MAX_LENGTH, user_ban, user_unban
from opendlp.core.audit import audit_credential_set


class ApiError(HttpError):
    """An API error with a machine-readable ``code``, rendered as ``{"error", "message"}``.

    Args:
        status_code: the HTTP status (400, 401, 403, 404, 409 or 422).
        code: short snake_case code, e.g. ``"staff_only"``.
        message: a sentence for people.
    """

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


def _two_factor_check(user: User, *, token: ApiToken | None = None) -> None:
    """Staff act through the API only with two-factor authentication when it is required.

    A token minted before its owner's TOTP was set up is refused for good (it may have been
    minted by whoever held the password alone); the owner mints a new one.
    """
    if not two_factor_required(user=user):
        return
    since = two_factor_since(user=user)
    if since is None:
        raise ApiError(
            403,
            "mfa_required",
            "Staff must set up two-factor authentication (on the account page) to use the API.",
        )
    if token is not None and token.created_at < since:
        raise ApiError(
            403,
            "token_predates_2fa",
            "This token was created before two-factor authentication was set up on its "
            "account; create a new token on the account page.",
        )


def _user_check(user: User, *, staff: bool, token: ApiToken | None = None) -> User:
    _two_factor_check(user, token=token)
    if staff and not user_may_ban(user=user):
        raise ApiError(403, "staff_only", "Only site staff who manage users can do this.")
    return user


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a personal API token (hashed lookup).

    Returns the token's user; an unknown, malformed or revoked token is refused with 401
    (the session is not consulted when a bearer token was sent). The audit log records
    the rest of the request as acting through ``api_token:<id>``.

    With ``MFA_REQUIRED_FOR_STAFF`` on, a staff user's token is honoured only while the
    user has TOTP and only if it was created after the TOTP was set up (403
    ``mfa_required`` / ``token_predates_2fa``): tokens minted before 2FA never come back.

    Args:
        staff: when True, a user who is not staff is refused with 403.
    """

    def __init__(self, *, staff: bool = False) -> None:
        super().__init__()
        self.staff = staff

    def authenticate(self, request: HttpRequest, token: str) -> User:
        """Return the user of a valid ``token``; set the audit credential to the token.

        The credential stays set until ``AuditCredentialMiddleware`` restores it at the end
        of the request.

        Raises:
            ApiError: 401 ``invalid_token`` for an unknown, malformed or revoked token;
                403 ``mfa_required`` or ``token_predates_2fa`` for staff (see above);
                403 ``staff_only`` when ``staff`` is required and the user may not ban.
        """
        api_token = api_token_authenticate(token=token.strip())
        if api_token is None:
            raise ApiError(401, "invalid_token", "The API token is invalid or revoked.")
        audit_credential_set(f"api_token:{api_token.pk}")
        return _user_check(api_token.user, staff=self.staff, token=api_token)


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods also need Django's CSRF token.

    Anonymous requests give ``None`` (so 401 when nothing else authenticates); a session
    request that fails the CSRF check is refused with 403, as django-ninja does it; staff
    without TOTP while ``MFA_REQUIRED_FOR_STAFF`` is on are refused with 403 ``mfa_required``.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, *, staff: bool = False) -> None:
        super().__init__(csrf=True)
        self.staff = staff

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise ApiError(403, "csrf_failed", "CSRF check failed.")
        return _user_check(user, staff=self.staff)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """Unused: :meth:`__call__` reads ``request.user`` set by the session middleware."""
        return None


#: Authentication accepted by endpoints that need a signed-in user.
USER_AUTH = [ApiTokenAuth(), SessionAuth()]
#: The same, for staff-only endpoints (403 for a signed-in user who is not staff).
STAFF_AUTH = [ApiTokenAuth(staff=True), SessionAuth(staff=True)]

router = Router(tags=["users"])


class ErrorOut(Schema):
    """The one error shape of the API."""

    error: str = Field(description="Machine-readable code, e.g. 'not_found'.")
    message: str = Field(description="What went wrong, for people.")


#: Characters no API text may hold: C0 controls but tab, LF and CR, and DEL. PostgreSQL cannot
#: store NUL at all; the others have no place in a person's text. As a JSON Schema ``pattern``.
_UNSTORABLE_CLASS = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F"
#: Pattern of :data:`ApiText`: no character of :data:`_UNSTORABLE_CLASS`.
API_TEXT_PATTERN = rf"^[^{_UNSTORABLE_CLASS}]*$"
#: Pattern of :data:`ApiRequiredText`: the same, and at least one character that is not space.
API_REQUIRED_TEXT_PATTERN = (
    rf"^[^{_UNSTORABLE_CLASS}]*[^\s{_UNSTORABLE_CLASS}][^{_UNSTORABLE_CLASS}]*$"
)
_UNSTORABLE = re.compile(f"[{_UNSTORABLE_CLASS}]")


def _storable(value: str) -> str:
    if _UNSTORABLE.search(value):
        raise ValueError("must not contain control characters such as NUL (\\u0000)")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain a character that is not a space")
    return value


#: A string of a request body: control characters (NUL included) are refused with 422.
#: Lone surrogates are refused by pydantic itself. Use it for every string an endpoint takes
#: (``tests/accounts/test_api.py`` checks the OpenAPI document for its pattern).
ApiText = Annotated[
    str, AfterValidator(_storable), Field(json_schema_extra={"pattern": API_TEXT_PATTERN})
]
#: :data:`ApiText` that must also hold a character other than white space (422 otherwise).
ApiRequiredText = Annotated[
    str,
    AfterValidator(_storable),
    AfterValidator(_not_blank),
    Field(json_schema_extra={"pattern": API_REQUIRED_TEXT_PATTERN}),
]


class BodyIn(BaseModel):
    """Base of every request body: it must be a JSON object (422 for a list, string, ...).

    A plain pydantic model: django-ninja's ``Schema`` reads fields as attributes of any
    value, so ``[]`` or ``"x"`` passed for an empty object.
    """

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        return data


class BanIn(BodyIn):
    """Body of ``POST /api/users/{id}/ban``."""

    reason: ApiRequiredText = Field(
        min_length=1,
        max_length=BAN_REASON_MAX_LENGTH,
        description="Why; at least one character that is not a space, no control characters.",
    )


class UnbanIn(BodyIn):
    """Optional body of ``POST /api/users/{id}/unban``."""

    reason: ApiText = Field(
        default="", max_length=BAN_REASON_MAX_LENGTH, description="A note for the audit log."
    )


class UserBanOut(Schema):
    """A user's ban state."""

    id: int
    display_name: str
    banned: bool
    banned_at: dt.datetime | None
    ban_reason: str
    changed: bool = Field(description="False when the user was already in this state.")


def _ban_state(user: User, changed: bool) -> dict[str, Any]:
    return {
        "id": user.pk,
        "display_name": user.display_name,
        "banned": user.is_banned,
        "banned_at": user.banned_at,
        "ban_reason": user.ban_reason,
        "changed": changed,
    }


_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.post(
    "/users/{id}/ban", auth=STAFF_AUTH, response={200: UserBanOut, **_ERRORS}, url_name="user_ban"
)
def user_ban_endpoint(request: HttpRequest, id: int, payload: BanIn) -> dict[str, Any]:
    """Ban a user (staff only). Banning a banned user changes nothing (``changed`` false)."""
    user, changed = user_ban(user_id=id, reason=payload.reason, actor=request.auth)  # type: ignore[attr-defined]
    return _ban_state(user, changed)


#: No body at all reads as ``{}``; JSON ``null`` is refused like any body that is not an object.
_OPTIONAL_UNBAN_BODY = Body(default_factory=UnbanIn)


@router.post(
    "/users/{id}/unban",
    auth=STAFF_AUTH,
    response={200: UserBanOut, **_ERRORS},
    url_name="user_unban",
)
def user_unban_endpoint(
    request: HttpRequest, id: int, payload: UnbanIn = _OPTIONAL_UNBAN_BODY
) -> dict[str, Any]:
    """Lift a user's ban (staff only). Unbanning a user who is not banned changes nothing.

    The body is optional: none at all, or a JSON object (``null`` or a list is refused).
    """
    user, changed = user_unban(user_id=id, reason=payload.reason, actor=request.auth)  # type: ignore[attr-defined]
    return _ban_state(user, changed)
