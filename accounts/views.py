"""Account pages: the signed-in user's account page with their personal API tokens.

Every POST answers with a redirect (post/redirect/get), so a refresh never repeats it. A new
token's plain value rides in the session from the POST to the next page view, which shows
it once and removes it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import ApiToken, User
from accounts.selectors import (
    api_tokens_for,
    audit_events_by,
    two_factor_required,
    two_factor_since,
)
from accounts.services.tokens import TwoFactorRequiredError, api_token_create, api_token_revoke
from accounts.services.users import profile_update
from opendlp.core.errors import DomainError

#: Session key holding a just-created token's plain value until the next page shows it.
NEW_TOKEN_SESSION_KEY = "accounts_new_token"  # noqa: S105 - a key name, not a secret


def _user(request: HttpRequest) -> User:
    """The signed-in user of a ``login_required`` view."""
    assert isinstance(request.user, User)  # login_required let only users through
    return request.user


class ApiTokenForm(forms.Form):
    """Name a new personal API token."""

    name = forms.CharField(label="Token name", max_length=100, strip=True)


class ProfileForm(forms.Form):
    """The user's public name (shown, e.g., as a lottery winner)."""

    display_name = forms.CharField(label="Display name", max_length=150, required=False)


def _account_page(
    request: HttpRequest,
    *,
    form: ApiTokenForm,
    status: int = 200,
    profile_form: ProfileForm | None = None,
) -> HttpResponse:
    user = _user(request)
    mfa_required = two_factor_required(user=user)
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": api_tokens_for(user=user),
            "form": form,
            # Shown once: taken out of the session by the page that shows it.
            "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, ""),
            "mfa_required": mfa_required,
            "mfa_since": two_factor_since(user=user) if mfa_required else None,
            "profile_form": profile_form
            or ProfileForm(initial={"display_name": _user(request).display_name}),
            "events": audit_events_by(user=_user(request)),
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """``GET /account/``: the user's ban state and API tokens, and a form to create one."""
    return _account_page(request, form=ApiTokenForm())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """``/account/tokens/``: GET shows the account page (the token list); POST creates a token.

    A created token answers 303 to this URL, whose next GET shows the plain token once (it
    is kept in the session only until then, and never in the database). The page is not
    cached. A form error answers 400 and a refusal of the service its own status (409 at
    the token limit), on the page, creating nothing; staff who need 2FA first are sent to
    set it up.
    """
    if request.method != "POST":
        return _account_page(request, form=ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form=form, status=400)
    try:
        _, plain = api_token_create(user=_user(request), name=form.cleaned_data["name"])
    except TwoFactorRequiredError as exc:
        messages.warning(request, str(exc))
        return redirect(f"{reverse('mfa_activate_totp')}?next={reverse('accounts:account')}")
    except DomainError as exc:  # the token limit (409), or a name the form let through
        form.add_error(None, str(exc))
        return _account_page(request, form=form, status=exc.status)
    request.session[NEW_TOKEN_SESSION_KEY] = plain
    response = HttpResponseRedirect(f"{reverse('accounts:tokens')}#new-token")
    response.status_code = 303  # See Other: the next request is a GET of the page
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """``POST /account/tokens/<id>/revoke/``: revoke one of the user's own tokens."""
    try:
        token = api_token_revoke(user=_user(request), token_id=token_id)
    except ApiToken.DoesNotExist as exc:
        raise Http404("No such token.") from exc
    messages.success(request, f"Token “{token.name}” is revoked.")
    return redirect("accounts:account")


@login_required
@require_POST
def profile(request: HttpRequest) -> HttpResponse:
    """``POST /account/profile/``: change the display name."""
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form=ApiTokenForm(), profile_form=form, status=400)
    profile_update(user=_user(request), display_name=form.cleaned_data["display_name"])
    messages.success(request, "Your profile is saved.")
    return redirect("accounts:account")


def admin_login_for_staff(login_view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap the admin's login view: a signed-in user who is not staff (an invitee who has not
    accepted yet, or anybody else) is sent to the account page with a message saying why,
    where the invitations waiting for them are listed, instead of a bare 403.

    Args:
        login_view: the admin's login view (already wrapped by allauth's
            ``secure_admin_login``).

    Returns:
        The wrapped view.
    """

    @functools.wraps(login_view)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.is_staff:
            messages.info(
                request,
                "You have no assemblies yet. The organiser admin opens once you accept an "
                "invitation from an assembly's manager; invitations waiting for you are "
                "listed on this page.",
            )
            return redirect("accounts:account")
        return login_view(request, *args, **kwargs)

    return view
