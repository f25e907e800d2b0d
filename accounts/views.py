"""Account pages: the signed-in user's account page with their personal API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ApiToken
from accounts.selectors import api_tokens_for
from accounts.services import ApiTokenLimitError, api_token_create, api_token_revoke


class ApiTokenForm(forms.Form):
    """Name a new personal API token."""

    name = forms.CharField(label="Token name", max_length=100, strip=True)


def _account_page(
    request: HttpRequest, *, form: ApiTokenForm, new_token: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {"tokens": api_tokens_for(user=request.user), "form": form, "new_token": new_token},
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
    """
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form=form, status=400)
    try:
        _, plain = api_token_create(user=request.user, name=form.cleaned_data["name"])
    except ApiTokenLimitError as exc:
        form.add_error(None, str(exc))
        return _account_page(request, form=form, status=409)
    return _account_page(request, form=ApiTokenForm(), new_token=plain, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """``POST /account/tokens/<id>/revoke/``: revoke one of the user's own tokens."""
    try:
        token = api_token_revoke(user=request.user, token_id=token_id)
    except ApiToken.DoesNotExist as exc:
        raise Http404("No such token.") from exc
    messages.success(request, f"Token “{token.name}” is revoked.")
    return redirect("accounts:account")
