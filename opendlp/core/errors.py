"""The one root of every business-rule refusal (docs/architecture.md, "Errors").

A service that refuses raises a :class:`DomainError` subclass. Each carries a stable,
machine-readable ``code`` and the HTTP ``status`` the JSON API answers with; the message is a
sentence for the person who asked. The API maps the root once (``opendlp.api``), the admin
once (``assemblies.admin.base.MembershipAdmin.refuse``), commands once (``CommandError``).
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A refusal the person who asked should read (e.g. "a selection run is in progress").

    Class attributes (override in subclasses):
        code: stable error code, lower-case with underscores (``"conflict"``).
        status: HTTP status for the JSON API (400, 403, 404, 409 or 422).

    Args:
        message: the sentence to show; default: the class docstring's first line.
        code: overrides the class's ``code`` for this instance (e.g. an invitation's state).
    """

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 400

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        text = message or (type(self).__doc__ or "").strip().splitlines()[0]
        super().__init__(text)
        if code is not None:
            self.code = code  # type: ignore[misc]  # per-instance override of the class code

    @property
    def message(self) -> str:
        """The sentence to show."""
        return str(self)


class NotFound(DomainError):
    """There is no such object."""

    code = "not_found"
    status = 404


class Forbidden(DomainError):
    """You may not do this."""

    code = "forbidden"
    status = 403


class Conflict(DomainError):
    """The object's state does not allow this now."""

    code = "conflict"
    status = 409


class Invalid(DomainError):
    """The input is not valid."""

    code = "invalid"
    status = 422
