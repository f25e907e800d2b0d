"""The organisers' email templates: a small, safe placeholder language and the built-in wording.

A template is plain text (or HTML) with ``{{ placeholder }}`` fields and nothing else: no tags,
no filters, no attribute lookups, only the names in :data:`PLACEHOLDERS`. This is deliberately
not the Django template language, so an organiser's text can neither run code nor read
anything but the values given. :func:`template_problems` says what is wrong (unknown or
malformed placeholders, with line numbers); :func:`render` fills the values in, HTML-escaping
them for an HTML body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.translation import gettext

from assemblies.models import EmailKind

#: Every placeholder a template may use, with what it holds (shown to organisers).
PLACEHOLDERS: dict[str, str] = {
    "name": "the registrant's name",
    "assembly": "the assembly's title",
    "confirm_link": "the link to confirm the email address",
    "withdraw_link": "the link to withdraw",
    "erase_link": "the link to erase one's personal data",
    "registration_link": "the assembly's public page",
    "confirm_days": "how many days the confirmation link works",
}

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Template-language marks left over once the well-formed placeholders are removed.
_STRAY = ("{{", "}}", "{%", "%}", "{#", "#}")


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def template_problems(text: str) -> list[str]:
    """What is wrong with one template text (a subject or a body).

    Args:
        text: the organiser's text.

    Returns:
        Sentences naming each problem and its line, e.g. ``"line 3: unknown placeholder
        {{ nmae }}; known placeholders: ..."``; empty when the text may be saved.
    """
    problems: list[str] = []
    known = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
    for match in _PLACEHOLDER.finditer(text):
        inner = match.group(1).strip()
        line = _line_of(text, match.start())
        if not _NAME.fullmatch(inner):
            problems.append(
                f"line {line}: malformed placeholder {match.group(0)}: write a name alone, "
                f"such as {{{{ name }}}} (no filters, dots or tags)"
            )
        elif inner not in PLACEHOLDERS:
            problems.append(
                f"line {line}: unknown placeholder {{{{ {inner} }}}}; known placeholders: {known}"
            )
    rest = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)
    for mark in _STRAY:
        index = rest.find(mark)
        if index >= 0:
            problems.append(
                f"line {_line_of(rest, index)}: stray {mark!r}: placeholders are written "
                "{{ name }}, and template tags are not allowed"
            )
    return problems


#: Placeholders a kind of email cannot do without (the plain-text body must hold them).
REQUIRED_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    EmailKind.CONFIRMATION: ("confirm_link",),
    EmailKind.REMINDER: ("confirm_link",),
}


def placeholders_used(text: str) -> set[str]:
    """The names of the well-formed placeholders in ``text``."""
    return {
        match.group(1).strip()
        for match in _PLACEHOLDER.finditer(text)
        if _NAME.fullmatch(match.group(1).strip())
    }


def render(text: str, values: Mapping[str, str], *, html: bool = False) -> str:
    """Fill the placeholders of a text checked by :func:`template_problems`.

    Args:
        text: the template text.
        values: ``{placeholder: value}``; a placeholder without a value becomes ``""``.
        html: escape the values for HTML (the template's own markup is kept).

    Returns:
        The text with each ``{{ name }}`` replaced once (values are never re-read as
        templates, so a name like ``{{ x }}`` stays text).
    """

    def value(match: re.Match[str]) -> str:
        found = str(values.get(match.group(1).strip(), ""))
        return escape(found) if html else found

    return _PLACEHOLDER.sub(value, text)


@dataclass(frozen=True)
class Wording:
    """The texts of one email: subject, plain-text body, HTML body (may be empty).

    ``version`` is the organiser's template version, 0 for the built-in wording."""

    subject: str
    text_body: str
    html_body: str = ""
    version: int = 0

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of subject, text and HTML: which wording a send used."""
        joined = "\x1e".join((self.subject, self.text_body, self.html_body))
        return hashlib.sha256(joined.encode()).hexdigest()


def _confirmation() -> Wording:
    return Wording(
        subject=gettext("Confirm your registration: %(title)s") % {"title": "{{ assembly }}"},
        text_body="\n\n".join(
            [
                gettext('Thank you for registering for the citizens\' assembly "{{ assembly }}".'),
                gettext(
                    "Please confirm your email address by opening this link and pressing the "
                    "button on the page:"
                ),
                "{{ confirm_link }}",
                gettext(
                    "The link works for {{ confirm_days }} days. Only confirmed registrations "
                    "can be selected."
                ),
                gettext("If you no longer want to take part, you can withdraw at any time:"),
                "{{ withdraw_link }}",
                gettext("To erase your personal data (name, email, phone and address):"),
                "{{ erase_link }}",
                gettext(
                    "If you did not register, you can ignore this email: nobody will be "
                    "registered without confirming."
                ),
            ]
        )
        + "\n",
    )


def _reminder() -> Wording:
    return Wording(
        subject=gettext("Reminder: confirm your registration for {{ assembly }}"),
        text_body="\n\n".join(
            [
                gettext("Hello {{ name }},"),
                gettext(
                    'You registered for the citizens\' assembly "{{ assembly }}" but have not '
                    "confirmed your email address yet. Only confirmed registrations can be "
                    "selected. Please open this link:"
                ),
                "{{ confirm_link }}",
                gettext("If you no longer want to take part, you can withdraw:"),
                "{{ withdraw_link }}",
            ]
        )
        + "\n",
    )


def _selected() -> Wording:
    return Wording(
        subject=gettext("You have been selected: {{ assembly }}"),
        text_body="\n\n".join(
            [
                gettext("Hello {{ name }},"),
                gettext(
                    "You have been selected by lot to take part in the citizens' assembly \""
                    '{{ assembly }}". The organisers will contact you about the next steps.'
                ),
                gettext("If you cannot take part, please tell us by withdrawing here:"),
                "{{ withdraw_link }}",
                gettext("About the assembly: {{ registration_link }}"),
            ]
        )
        + "\n",
    )


def _reserve() -> Wording:
    return Wording(
        subject=gettext("You are a reserve: {{ assembly }}"),
        text_body="\n\n".join(
            [
                gettext("Hello {{ name }},"),
                gettext(
                    'You are on the reserve list of the citizens\' assembly "{{ assembly }}". '
                    "If a place becomes free, the organisers may ask you to take it."
                ),
                gettext("If you no longer want to take part, you can withdraw:"),
                "{{ withdraw_link }}",
            ]
        )
        + "\n",
    )


def _not_selected() -> Wording:
    return Wording(
        subject=gettext("The panel has been drawn: {{ assembly }}"),
        text_body="\n\n".join(
            [
                gettext("Hello {{ name }},"),
                gettext(
                    'Thank you for registering for the citizens\' assembly "{{ assembly }}". '
                    "The panel has been drawn by lot and you were not selected this time."
                ),
                gettext("You can see how the draw was made here: {{ registration_link }}"),
                gettext("To erase your personal data:"),
                "{{ erase_link }}",
            ]
        )
        + "\n",
    )


def _replacement() -> Wording:
    return Wording(
        subject=gettext("A place has become free: {{ assembly }}"),
        text_body="\n\n".join(
            [
                gettext("Hello {{ name }},"),
                gettext(
                    'A place on the citizens\' assembly "{{ assembly }}" has become free and '
                    "you have been drawn by lot to take it. The organisers will contact you "
                    "about the next steps."
                ),
                gettext("If you cannot take part, please tell us by withdrawing here:"),
                "{{ withdraw_link }}",
            ]
        )
        + "\n",
    )


_DEFAULTS: dict[str, Callable[[], Wording]] = {
    EmailKind.CONFIRMATION: _confirmation,
    EmailKind.REMINDER: _reminder,
    EmailKind.SELECTED: _selected,
    EmailKind.RESERVE: _reserve,
    EmailKind.NOT_SELECTED: _not_selected,
    EmailKind.REPLACEMENT: _replacement,
}


def default_wording(kind: str) -> Wording:
    """The platform's built-in wording of one kind of email, in the active language.

    Raises:
        KeyError: ``kind`` is not an :class:`~assemblies.models.EmailKind` value.
    """
    return _DEFAULTS[kind]()
