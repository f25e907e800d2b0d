"""Assemblies and their quota tables: the assembly, its categories and quotas."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import models
from django.db.models import F, Q


def new_pseudonym_key() -> str:
    """A fresh secret key for one assembly's pseudonyms: 256 random bits as 64 hex digits."""
    return secrets.token_hex(32)


def pseudonym(key: str, text: str, *, purpose: str, length: int = 20) -> str:
    """A keyed, non-reversible pseudonym of ``text``: the first ``length`` hex digits of
    HMAC-SHA256 under ``key`` of ``purpose`` and ``text`` (so pseudonyms made for different
    purposes never match). Without the key a guess cannot be confirmed by hashing it.

    Args:
        key: the assembly's :attr:`Assembly.pseudonym_key`.
        text: what to hide (e.g. an external id).
        purpose: a short fixed label, e.g. ``"household"``.
        length: hex digits kept (at most 64).
    """
    message = f"{purpose}\x1e{text}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:length]


class AssemblyStatus(models.TextChoices):
    """Life cycle of an assembly: ``draft -> open -> closed -> selected -> archived``."""

    DRAFT = "draft", "Draft"
    OPEN = "open", "Registration open"
    CLOSED = "closed", "Registration closed"
    SELECTED = "selected", "Panel selected"
    ARCHIVED = "archived", "Archived"


class Algorithm(models.TextChoices):
    """The selection algorithms of the engine (:data:`selection.ALGORITHMS`)."""

    LEXIMIN = "leximin", "Leximin"
    MAXIMIN = "maximin", "Maximin"
    NASH = "nash", "Nash welfare"
    LEGACY = "legacy", "Legacy (Sortition Foundation greedy)"


class Requirement(models.TextChoices):
    """How a question or contact detail is asked: not at all, optional, or required."""

    OFF = "off", "Not asked"
    OPTIONAL = "optional", "Optional"
    REQUIRED = "required", "Required"


#: The contact details an assembly may ask for (see ``Assembly.email_requirement`` etc.).
CONTACT_METHODS = ("email", "phone", "address")


#: Why contact settings are refused (the database check and the admin form say the same).
CONTACT_RULE_MESSAGE = (
    "At least one way to contact people must be required: make the email address, the phone "
    "number or the postal address required."
)


class Assembly(models.Model):
    """A citizens' assembly: its question, panel size, registration window and rules.

    ``household_columns`` lists the fields whose values together identify a household
    (registrant contact fields such as ``address_line_1``/``postcode``, or imported column
    names kept in ``Registrant.extra``); when ``household_check`` is on, at most one person per
    household is selected. ``import_columns`` remembers the header of the last registrants
    import so that exports give the rows back in the imported column order.
    ``pseudonym_key`` is the assembly's own secret for :func:`pseudonym`: household keys in
    stored run inputs and the ids of erased registrants are keyed with it, so the same address
    gives different keys in different assemblies and a guess cannot be confirmed by hashing.
    """

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    question = models.TextField(blank=True, help_text="The question the assembly will answer.")
    description = models.TextField(blank=True, help_text="Shown on the public landing page.")
    privacy_notice = models.TextField(blank=True)
    panel_size = models.PositiveIntegerField(help_text="Number of people to select.")
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=AssemblyStatus.choices, default=AssemblyStatus.DRAFT
    )
    auto_select = models.BooleanField(
        default=False,
        help_text="Start the panel draw automatically when registration closes.",
    )
    default_algorithm = models.CharField(
        max_length=16, choices=Algorithm.choices, default=Algorithm.LEXIMIN
    )
    email_requirement = models.CharField(
        max_length=8,
        choices=Requirement.choices,
        default=Requirement.REQUIRED,
        help_text="Ask for an email address. Optional or off only when phone or postal "
        "address is required.",
    )
    phone_requirement = models.CharField(
        max_length=8, choices=Requirement.choices, default=Requirement.REQUIRED
    )
    address_requirement = models.CharField(
        max_length=8,
        choices=Requirement.choices,
        default=Requirement.OFF,
        help_text="Ask for the postal address (always required when the household check is on).",
    )
    household_check = models.BooleanField(
        default=False, help_text="Select at most one person per household."
    )
    household_columns = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields that together identify a household, e.g. "
        '["address_line_1", "postcode"] or imported column names.',
    )
    id_column = models.CharField(
        max_length=100,
        blank=True,
        help_text="Column of the registrants CSV holding each person's external id.",
    )
    import_columns = models.JSONField(default=list, blank=True, editable=False)
    reply_to = models.EmailField(
        max_length=254,
        blank=True,
        help_text="Replies to the emails sent to registrants go to this address "
        "(empty: the platform's sender address).",
    )
    pseudonym_key = models.CharField(
        max_length=64,
        default=new_pseudonym_key,
        editable=False,
        help_text="Secret key of this assembly's pseudonyms (household keys in run inputs, "
        "erased external ids). Never shown, exported or copied into a run.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "assemblies"
        constraints = [
            models.CheckConstraint(
                condition=Q(panel_size__gte=1), name="assemblies_assembly_panel_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_opens_at__lt=F("registration_closes_at")),
                name="assemblies_assembly_window_ordered",
                violation_error_message="Registration must open before it closes.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssemblyStatus.values),
                name="assemblies_assembly_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(email_requirement=Requirement.REQUIRED)
                | Q(phone_requirement=Requirement.REQUIRED)
                | Q(address_requirement=Requirement.REQUIRED),
                name="assemblies_assembly_contact_required",
                violation_error_message=CONTACT_RULE_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Category(models.Model):
    """A demographic category of an assembly (e.g. ``gender``), with its public question.

    The values of a category and their order are its quotas (``Quota.position``).
    ``bands`` turns a raw number into one of those values (e.g. an age of 37 into ``30-44``):
    a list of band texts ``"16-29"`` (16 <= x < 30) or ``"65+"`` (x >= 65), each of them a
    value of the category (see :mod:`assemblies.bands`); empty: answers are values as given.
    """

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=100)
    question = models.CharField(
        max_length=300, blank=True, help_text="Question text on the registration form."
    )
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    bands = models.JSONField(
        default=list,
        blank=True,
        help_text='Numeric bands, e.g. "16-29, 30-44, 45-64, 65+": an imported number '
        "becomes the band holding it. Each band is a value of the category.",
    )

    class Meta:
        ordering = ["assembly", "position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "name"], name="assemblies_category_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Quota(models.Model):
    """The target range of one value of one category: the panel holds between ``min`` and
    ``max`` people with it. ``min_flex``/``max_flex`` are the absolute limits to which
    min/max may be relaxed when the quotas are infeasible (empty: min to 0, max unlimited).

    ``min_percent``/``max_percent`` (0-100, optional) say that min/max were given as a share
    of the panel; min and max are then derived from them and the panel size (min rounds
    down, max rounds up: :func:`assemblies.bands.percent_bounds`) and derived again whenever
    the panel size changes."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="quotas")
    category = models.CharField(max_length=100)
    value = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0, help_text="Order of the value in its list.")
    min = models.PositiveIntegerField()
    max = models.PositiveIntegerField()
    min_flex = models.PositiveIntegerField(null=True, blank=True)
    max_flex = models.PositiveIntegerField(null=True, blank=True)
    min_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    max_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["assembly", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "category", "value"], name="assemblies_quota_unique_value"
            ),
            models.CheckConstraint(
                condition=Q(min__lte=F("max")),
                name="assemblies_quota_min_le_max",
                violation_error_message="min must not be greater than max.",
            ),
            models.CheckConstraint(
                condition=Q(min_flex__isnull=True) | Q(min_flex__lte=F("min")),
                name="assemblies_quota_min_flex_le_min",
                violation_error_message="min_flex must not be greater than min.",
            ),
            models.CheckConstraint(
                condition=Q(max_flex__isnull=True) | Q(max_flex__gte=F("max")),
                name="assemblies_quota_max_flex_ge_max",
                violation_error_message="max_flex must not be less than max.",
            ),
            models.CheckConstraint(
                condition=~Q(category="") & ~Q(value=""),
                name="assemblies_quota_names_not_empty",
            ),
            models.CheckConstraint(
                condition=(
                    Q(min_percent__isnull=True) | Q(min_percent__gte=0, min_percent__lte=100)
                )
                & (Q(max_percent__isnull=True) | Q(max_percent__gte=0, max_percent__lte=100)),
                name="assemblies_quota_percent_range",
                violation_error_message="A percentage must be between 0 and 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.value} [{self.min}, {self.max}]"
