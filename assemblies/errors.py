"""Refusals of the assemblies context; all derive from :class:`opendlp.core.errors.DomainError`,
so the admin, the commands and the API report them the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opendlp.core.errors import Conflict, Invalid, NotFound

if TYPE_CHECKING:
    from assemblies.selectors.registration import RegistrationState
    from selection import InputProblem


class ServiceError(Conflict):
    """A refusal the organiser should read (e.g. "a selection run is already in progress")."""

    code = "refused"


class AssemblyNotFound(NotFound, ServiceError):
    """There is no such assembly."""

    code = "assembly_not_found"
    status = 404


class RegistrantNotFound(NotFound, ServiceError):
    """There is no such registrant (any more) in this assembly."""

    code = "registrant_not_found"
    status = 404


class InvalidInput(Invalid, ServiceError):
    """A value given to a service is not valid (the message says which)."""

    code = "invalid"
    status = 422


class ImportRejected(InvalidInput):
    """An import was refused; nothing was written.

    Attributes:
        problems: every problem, each a :class:`selection.InputProblem` with line and column.
    """

    code = "import_rejected"

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        count = len(problems)
        head = str(problems[0]) if problems else "the file was rejected"
        super().__init__(head if count == 1 else f"{count} problems; first: {head}")


class RegistrationClosed(ServiceError):
    """The assembly does not take registrations now (draft, not yet open, or closed).

    Attributes:
        state: the :class:`~assemblies.selectors.registration.RegistrationState`.
    """

    code = "registration_closed"

    def __init__(self, state: RegistrationState) -> None:
        super().__init__(f"registration is {state}")
        self.state = state
