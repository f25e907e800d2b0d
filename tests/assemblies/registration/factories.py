"""Factories for the registration tests: an open assembly with categories and quotas.

Kept local to this package until ``tests/assemblies/factories.py`` offers the same.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from assemblies.models import (
    Assembly,
    AssemblyStatus,
    Category,
    Quota,
    Registrant,
    RegistrantSource,
    RegistrantStatus,
)

#: The default questions: category -> (question text, values in order).
DEFAULT_QUESTIONS = {
    "gender": ("What is your gender?", ["Woman", "Man", "Another gender"]),
    "age": ("How old are you?", ["16-29", "30-44", "45-64", "65+"]),
}


class AssemblyFactory(factory.django.DjangoModelFactory):
    """An assembly open for registration since yesterday, closing in a week."""

    class Meta:
        model = Assembly

    slug = factory.Sequence(lambda n: f"assembly-{n}")
    title = factory.Sequence(lambda n: f"Climate assembly {n}")
    question = "How should our town reach net zero?"
    description = "Twenty residents meet on four weekends."
    privacy_notice = "We use your data only for this assembly."
    panel_size = 20
    status = AssemblyStatus.OPEN
    registration_opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    registration_closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


def questions_add(assembly: Assembly, questions: dict | None = None) -> None:
    """Give the assembly categories (with question texts) and quotas (values in order)."""
    for position, (name, (text, values)) in enumerate((questions or DEFAULT_QUESTIONS).items()):
        Category.objects.create(assembly=assembly, name=name, question=text, position=position)
        for value_position, value in enumerate(values):
            Quota.objects.create(
                assembly=assembly,
                category=name,
                value=value,
                position=value_position,
                min=0,
                max=assembly.panel_size,
            )


def open_assembly(**kwargs) -> Assembly:
    """An open assembly with the default questions."""
    assembly = AssemblyFactory(**kwargs)
    questions_add(assembly)
    return assembly


class RegistrantFactory(factory.django.DjangoModelFactory):
    """A pending form registrant."""

    class Meta:
        model = Registrant

    assembly = factory.SubFactory(AssemblyFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    phone = "01632 960 001"
    answers = factory.LazyFunction(lambda: {"gender": "Woman", "age": "30-44"})
    status = RegistrantStatus.PENDING
    source = RegistrantSource.FORM
    consent_at = factory.LazyFunction(timezone.now)
