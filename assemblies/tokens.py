"""Signed links sent to registrants by email: confirm, withdraw, erase.

A token is ``django.core.signing.dumps`` of the registrant's public id and assembly id,
salted per purpose (a withdraw token never confirms, and so on) and time-stamped so that it
expires: confirmation links after ``settings.REGISTRATION_CONFIRM_MAX_AGE`` seconds, withdraw
and erase links after ``settings.REGISTRATION_MANAGE_MAX_AGE`` seconds. Tokens carry no
personal data and need no table.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing


class Purpose(enum.StrEnum):
    """What a signed link lets its holder do."""

    CONFIRM = "confirm"
    WITHDRAW = "withdraw"
    ERASE = "erase"


_SALT = "assemblies.registration.link."


@dataclass(frozen=True)
class LinkClaims:
    """What a valid token says: the registrant's public id and the assembly's id."""

    public_id: uuid.UUID
    assembly_id: int


class InvalidLink(Exception):
    """The token is forged, for another purpose, malformed, or (``expired`` true) too old."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


def link_token_make(*, purpose: Purpose, public_id: uuid.UUID | str, assembly_id: int) -> str:
    """A URL-safe signed token for one registrant and one purpose.

    Args:
        purpose: what the link does.
        public_id: the registrant's public UUID.
        assembly_id: the registrant's assembly's primary key.

    Returns:
        A string of letters, digits, ``-``, ``_`` and ``:`` (safe in a URL path segment).
    """
    return signing.dumps(
        {"r": str(public_id), "a": int(assembly_id)}, salt=_SALT + Purpose(purpose).value
    )


def link_max_age(purpose: Purpose) -> int:
    """How long, in seconds, a token for ``purpose`` stays valid (from settings)."""
    if Purpose(purpose) is Purpose.CONFIRM:
        return settings.REGISTRATION_CONFIRM_MAX_AGE
    return settings.REGISTRATION_MANAGE_MAX_AGE


def link_token_read(*, purpose: Purpose, token: str) -> LinkClaims:
    """Verify a token and return its claims.

    Raises:
        InvalidLink: when the signature does not match this purpose, the token is malformed,
            or it is older than :func:`link_max_age`.
    """
    if not token or len(token) > 300:
        raise InvalidLink("empty or overlong token")
    try:
        payload = signing.loads(
            token, salt=_SALT + Purpose(purpose).value, max_age=link_max_age(purpose)
        )
        return LinkClaims(public_id=uuid.UUID(payload["r"]), assembly_id=int(payload["a"]))
    except signing.SignatureExpired as error:
        raise InvalidLink("expired", expired=True) from error
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidLink("bad signature or payload") from error
