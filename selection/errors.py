"""Errors raised by the selection engine.

Every error derives from :class:`SelectionError`, so a caller can catch them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from selection.feasibility import FeasibilityReport


class SelectionError(Exception):
    """Base class of every error raised by ``selection``."""


@dataclass(frozen=True)
class InputProblem:
    """One problem found in the input.

    Attributes:
        message: what is wrong, in plain words.
        file: display name of the file (or ``None`` when the input did not come from a file).
        line: 1-based physical line number in the file (the header is line 1), or ``None``.
        column: the column (header name) concerned, or ``None``.
        value: the offending value as text, or ``None``.
    """

    message: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        if self.value is not None and repr(self.value) not in self.message:
            text += f" (value {self.value!r})"
        return text


class InputError(SelectionError, ValueError):
    """The input (quota table, pool, panel size) is malformed or inconsistent.

    Args:
        message: what is wrong.
        file: display name of the file, or ``None``.
        line: 1-based line number (header = line 1), or ``None``.
        column: the column name concerned, or ``None``.
        value: the offending value as text, or ``None``.
        errors: when several problems were found, all of them (the first one also fills
            ``message``/``file``/``line``/``column``/``value``). Defaults to a one-item list.
    """

    def __init__(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        value: Any = None,
        *,
        errors: list[InputProblem] | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.value = None if value is None else str(value)
        first = InputProblem(message, file, line, column, self.value)
        self.errors: list[InputProblem] = list(errors) if errors else [first]
        super().__init__(str(self))

    @classmethod
    def from_problems(cls, problems: list[InputProblem]) -> InputError:
        """Build one error from a non-empty list of problems (the first one leads)."""
        first = problems[0]
        return cls(
            first.message, first.file, first.line, first.column, first.value, errors=problems
        )

    def __str__(self) -> str:
        if len(self.errors) <= 1:
            return str(InputProblem(self.message, self.file, self.line, self.column, self.value))
        lines = [f"{len(self.errors)} problems in the input:"]
        lines += [f"  - {problem}" for problem in self.errors]
        return "\n".join(lines)


class InfeasibleQuotas(SelectionError):
    """No panel of the requested size meets every quota in this pool.

    Attributes:
        report: the :class:`selection.feasibility.FeasibilityReport` naming the conflicting
            quotas and the smallest relaxation that would make the quotas feasible.
    """

    def __init__(self, report: FeasibilityReport) -> None:
        self.report = report
        super().__init__(report.message())


class SelectionCancelled(SelectionError):
    """The caller's ``should_cancel()`` returned True (or the time limit passed); no result."""


class SolverError(SelectionError):
    """HiGHS returned an unexpected status (a bug or a numerical failure, not bad input)."""
