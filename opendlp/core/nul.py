"""NUL characters (U+0000) in user input.

PostgreSQL stores no NUL in text (``DataError``: "text fields cannot contain NUL"), so any
text that can reach the database is checked before it does: Django's form ``CharField``
refuses NUL itself (``ProhibitNullCharactersValidator``); CSV files are checked by the engine
(:func:`selection.csvtext.decode_csv`); query strings of admin lists
(:class:`NulSafeChangeListMixin`) and command arguments (:class:`NulSafeCommand`) are checked
here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.management.base import BaseCommand, CommandError
from django.http import HttpRequest

#: The character PostgreSQL refuses in text.
NUL = "\x00"


def contains_nul(value: Any) -> bool:
    """True when ``value`` holds a NUL: a string, or any string among the keys and values of
    a mapping (a ``QueryDict`` with all its lists) or the items of an iterable."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, bytes):
        return b"\x00" in value
    if hasattr(value, "lists"):  # QueryDict: every value of every key
        return any(contains_nul(k) or contains_nul(v) for k, v in value.lists())
    if isinstance(value, Mapping):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, Iterable):
        return any(contains_nul(item) for item in value)
    return False


class NulSafeChangeListMixin:
    """For a ``ModelAdmin``: a list whose query string holds a NUL (a filter, the search,
    the ordering) is refused like any wrong lookup (the admin redirects to ``?e=1``), with a
    message saying why, instead of sending the NUL to the database."""

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The admin's change list, after refusing a NUL anywhere in the query string.

        Raises:
            IncorrectLookupParameters: the query string holds a NUL character.
        """
        if contains_nul(request.GET):
            messages.error(
                request,
                "The filter or search contained a NUL character (U+0000); it was ignored.",
            )
            raise IncorrectLookupParameters("a NUL character in the query string")
        return super().get_changelist_instance(request)  # type: ignore[misc]


class NulSafeCommand(BaseCommand):
    """A management command that refuses a NUL in any text argument (a slug, a title, a
    seed, a path: none can hold one) with a ``CommandError`` naming the argument, before
    ``handle`` runs."""

    def execute(self, *args: Any, **options: Any) -> Any:
        """Run the command after checking its arguments.

        Raises:
            CommandError: an argument holds a NUL character.
        """
        for name, value in [*((str(i + 1), a) for i, a in enumerate(args)), *options.items()]:
            if contains_nul(value):
                raise CommandError(f"argument {name!r} contains a NUL character (U+0000).")
        return super().execute(*args, **options)
