"""Helpers shared by the assemblies management commands."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from assemblies.errors import ImportRejected, ServiceError
from assemblies.models import Assembly


def assembly_or_error(slug: str) -> Assembly:
    """The assembly with this slug, or a CommandError."""
    try:
        return Assembly.objects.get(slug=slug)
    except Assembly.DoesNotExist:
        raise CommandError(f"There is no assembly with slug {slug!r}.") from None


def read_text(path: str) -> str:
    """A UTF-8 file's text (a byte-order mark is dropped), or a CommandError."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CommandError(f"{path}, line {line}: the file is not UTF-8 text") from exc


def service_error(exc: ServiceError) -> CommandError:
    """A CommandError listing every problem (file, line, column) of a refused import."""
    if isinstance(exc, ImportRejected) and exc.problems:
        lines = [f"nothing was imported: {len(exc.problems)} problem(s)"]
        lines += [f"  {problem}" for problem in exc.problems]
        return CommandError("\n".join(lines))
    return CommandError(str(exc))
