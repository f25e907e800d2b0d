"""Account pages: the signed-in user's account page with their personal API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ApiToken, User
from accounts.selectors import api_tokens_for, audit_events_by
from accounts.services.tokens import TwoFactorRequiredError, api_token_create, api_token_revoke
from accounts.services.users import profile_update
from opendlp.core.errors import DomainError


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
    new_token: str = "",
    status: int = 200,
    profile_form: ProfileForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": api_tokens_for(user=_user(request)),
            "form": form,
            "new_token": new_token,
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
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """``POST /account/tokens/``: create a token and show it once, in this response only.

    The page is not cached and the plain token is never stored, so it cannot be shown again.
    A refusal of the service is shown on the form with its status (409 at the token limit).
    """
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
    return _account_page(request, form=ApiTokenForm(), new_token=plain, status=201)


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
