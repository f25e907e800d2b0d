"""factory-boy factories for the accounts models."""

import datetime

import factory
from django.utils import timezone

from accounts.models import Invitation, User
from assemblies.models import Role


class UserFactory(factory.django.DjangoModelFactory):
    """A plain active user with a usable password (``"correct horse battery staple"``)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # noqa: ANN001
        if create:
            instance.save()


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending viewer invitation; its plain token is ``"token-<n>"``."""

    class Meta:
        model = Invitation

    assembly = factory.SubFactory("tests.assemblies.factories.AssemblyFactory")
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.VIEWER
    token_hash = factory.Sequence(
        lambda n: __import__("hashlib").sha256(f"token-{n}".encode()).hexdigest()
    )
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(days=7))
