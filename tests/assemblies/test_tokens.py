"""Signed confirm / withdraw / erase links (assemblies/tokens.py)."""

from __future__ import annotations

import uuid

import pytest
from django.core import signing

from assemblies.tokens import (
    InvalidLink,
    Purpose,
    link_token_make,
    link_token_read,
)


def test_link_token_read_gives_back_claims():
    public_id = uuid.uuid4()
    token = link_token_make(purpose=Purpose.CONFIRM, public_id=public_id, assembly_id=7)
    claims = link_token_read(purpose=Purpose.CONFIRM, token=token)
    assert (claims.public_id, claims.assembly_id) == (public_id, 7)


@pytest.mark.parametrize(
    ("made", "read"),
    [
        (Purpose.WITHDRAW, Purpose.CONFIRM),
        (Purpose.CONFIRM, Purpose.ERASE),
        (Purpose.ERASE, Purpose.WITHDRAW),
    ],
)
def test_link_token_read_refuses_other_purpose(made, read):
    token = link_token_make(purpose=made, public_id=uuid.uuid4(), assembly_id=1)
    with pytest.raises(InvalidLink):
        link_token_read(purpose=read, token=token)


def test_link_token_read_refuses_expired(settings):
    token = link_token_make(purpose=Purpose.CONFIRM, public_id=uuid.uuid4(), assembly_id=1)
    settings.REGISTRATION_CONFIRM_MAX_AGE = -1
    with pytest.raises(InvalidLink) as caught:
        link_token_read(purpose=Purpose.CONFIRM, token=token)
    assert caught.value.expired


@pytest.mark.parametrize("token", ["", "x" * 301, "abc:def:ghi"])
def test_link_token_read_refuses_garbage(token):
    with pytest.raises(InvalidLink) as caught:
        link_token_read(purpose=Purpose.ERASE, token=token)
    assert not caught.value.expired


def test_link_token_read_refuses_signed_payload_of_wrong_shape():
    token = signing.dumps({"r": "not-a-uuid", "a": 1}, salt="assemblies.registration.link.erase")
    with pytest.raises(InvalidLink):
        link_token_read(purpose=Purpose.ERASE, token=token)


def test_link_token_is_url_path_safe():
    token = link_token_make(purpose=Purpose.ERASE, public_id=uuid.uuid4(), assembly_id=123)
    assert "/" not in token and "?" not in token and "#" not in token
