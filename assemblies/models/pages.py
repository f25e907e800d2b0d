"""Registration pages (several public short links into one assembly's form) and the
assembly's content in other site languages."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from assemblies.models.assembly import Assembly

#: Letters and digits that cannot be mistaken for one another when read from paper or a
#: screen (no 0/o, 1/l/i); short codes are lower case and read case-insensitively.
SHORT_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
SHORT_CODE_LENGTH = 6


def new_short_code() -> str:
    """A random short code: :data:`SHORT_CODE_LENGTH` characters of
    :data:`SHORT_CODE_ALPHABET` (about 30 bits)."""
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


class PageStatus(models.TextChoices):
    """Whether a registration page takes registrations: ``test`` (submissions are kept apart
    and never reach the pool), ``open`` (real registrations, while the assembly's own
    registration is open) or ``closed``."""

    TEST = "test", "Test (submissions quarantined)"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class RegistrationPage(models.Model):
    """One public entry into an assembly's registration form, at ``/r/<code>``.

    An assembly may have several (one per letter mail-out, per language, per partner); each
    registrant remembers the page they came through (``Registrant.page``). ``language`` fixes
    the language of the page (blank: the visitor's choice, as on ``/a/<slug>/``).
    """

    assembly = models.ForeignKey(
        Assembly, on_delete=models.CASCADE, related_name="registration_pages"
    )
    label = models.CharField(
        max_length=200, help_text="For organisers, e.g. “French letters, March mail-out”."
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text="The page's language; blank: the visitor's choice.",
    )
    status = models.CharField(max_length=8, choices=PageStatus.choices, default=PageStatus.TEST)
    code = models.CharField(max_length=16, unique=True, default=new_short_code, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assembly", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PageStatus.values),
                name="assemblies_registrationpage_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(label=""), name="assemblies_registrationpage_label_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} (/r/{self.code})"


class ContentTranslation(models.Model):
    """One text of an assembly in one site language, keyed by what it translates.

    Keys (see :mod:`assemblies.selectors.content`): ``title``, ``question``,
    ``description``, ``privacy_notice``; ``category:<name>:question`` and
    ``category:<name>:help``; ``value:<category>:<value>`` (the label shown for a quota value:
    the stored answer stays the value itself); and, for organiser-defined form fields,
    ``field:<key>:label``, ``field:<key>:help`` and ``choice:<key>:<choice>`` (the label
    shown for a choice; the stored answer stays the choice). A missing row shows the default
    text.
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    key = models.CharField(max_length=300)
    text = models.TextField()

    class Meta:
        ordering = ["assembly", "language", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "language", "key"],
                name="assemblies_contenttranslation_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.key}"
