"""Reads for the public registration pages: the assembly, its state, its questions, its own
form fields and which contact details it asks for."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from assemblies.models import (
    Assembly,
    AssemblyStatus,
    Category,
    FormField,
    Quota,
    Registrant,
    Requirement,
)


class RegistrationState(enum.StrEnum):
    """Whether an assembly takes registrations now."""

    DRAFT = "draft"  # not public at all
    NOT_YET = "not_yet"  # open, but before ``registration_opens_at``
    OPEN = "open"  # takes registrations
    CLOSED = "closed"  # after ``registration_closes_at``, or closed/selected/archived
    PAGE_CLOSED = "page_closed"  # the registration page (/r/<code>) was closed


@dataclass(frozen=True)
class Question:
    """One question of the form: a category, its question text and its values in order.

    ``field_name`` is the form field's name (``category_<n>``, stable for the category's
    position in the list); ``values`` are the category's quota values in quota order;
    ``labels`` what the form shows for each value (empty: the values themselves; see
    :func:`assemblies.selectors.content.questions_localised`).
    """

    field_name: str
    category: str
    text: str
    help_text: str
    values: tuple[str, ...]
    labels: tuple[str, ...] = ()

    def choices(self) -> list[tuple[str, str]]:
        """``[(value, label), ...]`` in order: what is stored and what is shown."""
        if len(self.labels) != len(self.values):
            return [(value, value) for value in self.values]
        return list(zip(self.values, self.labels, strict=True))


@dataclass(frozen=True)
class FieldSpec:
    """One of the assembly's own form fields as the form asks it (fields set to "off" are
    not asked, so never become a spec).

    ``type`` is a :class:`assemblies.models.FieldType` value; ``choices`` the answers of a
    choice type, in order (what is stored); ``labels`` what the form shows for each choice
    (empty: the choices themselves; see
    :func:`assemblies.selectors.content.fields_localised`); ``field_name`` the form field's
    name (``custom_<key>``).
    """

    key: str
    label: str
    help_text: str
    type: str
    choices: tuple[str, ...]
    required: bool
    labels: tuple[str, ...] = ()

    def choice_pairs(self) -> list[tuple[str, str]]:
        """``[(choice, label), ...]`` in order: what is stored and what is shown."""
        if len(self.labels) != len(self.choices):
            return [(choice, choice) for choice in self.choices]
        return list(zip(self.choices, self.labels, strict=True))

    @property
    def field_name(self) -> str:
        """The name of the form field: ``custom_`` and the key."""
        return f"custom_{self.key}"


@dataclass(frozen=True)
class ContactRules:
    """Which contact details the form asks for and which it requires.

    ``address`` is asked (and required) whenever the household check is on.
    """

    email: str = Requirement.REQUIRED
    phone: str = Requirement.REQUIRED
    address: str = Requirement.OFF

    @classmethod
    def of(cls, assembly: Assembly) -> ContactRules:
        """The rules of an assembly (its ``*_requirement`` fields and household check)."""
        address = assembly.address_requirement
        if assembly.household_check:
            address = Requirement.REQUIRED
        return cls(
            email=assembly.email_requirement, phone=assembly.phone_requirement, address=address
        )

    def asks(self, method: str) -> bool:
        """Whether ``method`` (``"email"``, ``"phone"`` or ``"address"``) is asked."""
        return bool(getattr(self, method) != Requirement.OFF)

    def requires(self, method: str) -> bool:
        """Whether ``method`` must be given."""
        return bool(getattr(self, method) == Requirement.REQUIRED)


def registration_fields(*, assembly: Assembly) -> list[FieldSpec]:
    """The assembly's own form fields that are asked (not "off"), in position order."""
    return [
        FieldSpec(
            key=field.key,
            label=field.label,
            help_text=field.help_text,
            type=field.type,
            choices=tuple(field.choice_list),
            required=field.requirement == Requirement.REQUIRED,
        )
        for field in FormField.objects.filter(assembly=assembly)
        .exclude(requirement=Requirement.OFF)
        .order_by("position", "id")
    ]


def assembly_by_slug(*, slug: str) -> Assembly | None:
    """The assembly with this slug (any status), or None."""
    return Assembly.objects.filter(slug=slug).first()


def assembly_public(*, slug: str) -> Assembly | None:
    """The assembly with this slug if the public may see it (any status but draft), or None."""
    return Assembly.objects.filter(slug=slug).exclude(status=AssemblyStatus.DRAFT).first()


def registration_state(*, assembly: Assembly, now: dt.datetime | None = None) -> RegistrationState:
    """Where the assembly's registration stands at ``now`` (default: the current time).

    Only an ``open`` assembly inside its window (``registration_opens_at`` inclusive,
    ``registration_closes_at`` exclusive; a missing bound is no bound) takes registrations.
    """
    now = now or timezone.now()
    if assembly.status == AssemblyStatus.DRAFT:
        return RegistrationState.DRAFT
    if assembly.status != AssemblyStatus.OPEN:
        return RegistrationState.CLOSED
    if assembly.registration_closes_at is not None and now >= assembly.registration_closes_at:
        return RegistrationState.CLOSED
    if assembly.registration_opens_at is not None and now < assembly.registration_opens_at:
        return RegistrationState.NOT_YET
    return RegistrationState.OPEN


def registration_questions(*, assembly: Assembly) -> list[Question]:
    """The form's questions: one per category that has at least one quota value.

    Categories come in ``Category.position`` order, then quota categories without a
    ``Category`` row (question text = the category name) in the order of their first quota.
    Values come in ``Quota.position`` order.

    Kept in the cache for ``settings.REGISTRATION_QUESTIONS_CACHE_SECONDS`` seconds (0: not
    cached), keyed by the assembly and its ``updated_at``; otherwise two queries.
    """
    seconds = getattr(settings, "REGISTRATION_QUESTIONS_CACHE_SECONDS", 0)
    if seconds <= 0:
        return _questions_read(assembly)
    stamp = assembly.updated_at.timestamp() if assembly.updated_at else 0
    key = f"registration:questions:{assembly.pk}:{stamp}"
    questions = cache.get(key)
    if questions is None:
        questions = _questions_read(assembly)
        cache.set(key, questions, timeout=seconds)
    return list(questions)


def _questions_read(assembly: Assembly) -> list[Question]:
    values: dict[str, list[str]] = {}
    for category_name, value in (
        Quota.objects.filter(assembly=assembly)
        .order_by("position", "id")
        .values_list("category", "value")
    ):
        values.setdefault(category_name, []).append(value)
    described = {
        c.name: c
        for c in Category.objects.filter(assembly=assembly).order_by("position", "name", "id")
    }
    names = [name for name in described if name in values]
    names += [name for name in values if name not in described]
    questions = []
    for number, name in enumerate(names):
        category = described.get(name)
        questions.append(
            Question(
                field_name=f"category_{number}",
                category=name,
                text=(category.question if category and category.question else name),
                help_text=category.help_text if category else "",
                values=tuple(values[name]),
            )
        )
    return questions


def registrant_by_email(*, assembly: Assembly, email: str) -> Registrant | None:
    """The assembly's oldest registrant with this email address (case-insensitive), or None.

    Erased registrants have no email and never match.
    """
    if not email:
        return None
    return (
        Registrant.objects.annotate(email_lower=Lower("email"))
        .filter(assembly=assembly, email_lower=email.strip().lower())
        .order_by("id")
        .first()
    )


def registrant_by_public_id(*, assembly: Assembly, public_id: uuid.UUID) -> Registrant | None:
    """The assembly's registrant with this public id, or None."""
    return Registrant.objects.filter(assembly=assembly, public_id=public_id).first()


def assemblies_open_for_registration(*, now: dt.datetime | None = None) -> list[Assembly]:
    """Assemblies whose registration is open at ``now`` (status ``open``, inside their
    window), soonest closing first: what the front page lists."""
    now = now or timezone.now()
    return list(
        Assembly.objects.filter(status=AssemblyStatus.OPEN)
        .filter(Q(registration_opens_at__isnull=True) | Q(registration_opens_at__lte=now))
        .filter(Q(registration_closes_at__isnull=True) | Q(registration_closes_at__gt=now))
        .order_by(F("registration_closes_at").asc(nulls_last=True), "title")
    )
