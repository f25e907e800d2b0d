"""Helpers shared by the assemblies management commands."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from assemblies import engine
from assemblies.errors import ImportRejected, ServiceError
from assemblies.models import Assembly


def assembly_or_error(slug: str) -> Assembly:
    """The assembly with this slug, or a CommandError."""
    try:
        return Assembly.objects.get(slug=slug)
    except Assembly.DoesNotExist:
        raise CommandError(f"There is no assembly with slug {slug!r}.") from None


def read_text(path: str) -> str:
    """A CSV file's text, decoded by :func:`assemblies.engine.decode_csv` (UTF-8, a
    byte-order mark dropped).

    Raises:
        CommandError: the file cannot be read; it is UTF-16 or not UTF-8; it holds a NUL
            character (the message names the file, line and column).
    """
    try:
        raw = Path(path).read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or exc
        raise CommandError(f"{path}: cannot read the file: {reason}") from exc
    try:
        return engine.decode_csv(raw, filename=path)
    except engine.InputError as exc:
        raise CommandError(str(exc)) from exc


def service_error(exc: ServiceError) -> CommandError:
    """A CommandError listing every problem (file, line, column) of a refused import."""
    if isinstance(exc, ImportRejected) and exc.problems:
        lines = [f"nothing was imported: {len(exc.problems)} problem(s)"]
        lines += [f"  {problem}" for problem in exc.problems]
        return CommandError("\n".join(lines))
    return CommandError(str(exc))


def add_base_url_argument(parser: CommandParser) -> None:
    """Add the required ``--base-url`` option (scheme and host of the links in emails)."""
    parser.add_argument(
        "--base-url",
        required=True,
        help="Scheme and host of the links in the emails, e.g. https://dlp.example.org",
    )


def base_url_or_error(value: str) -> str:
    """``value`` without a trailing slash, when it is an http(s) scheme and host.

    Raises:
        CommandError: no ``https://`` or ``http://`` scheme, or a space in the value.
    """
    base_url = value.rstrip("/")
    if not base_url.startswith(("https://", "http://")) or " " in base_url:
        raise CommandError("--base-url: give scheme and host, e.g. https://dlp.example.org")
    return base_url
