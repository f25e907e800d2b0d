"""factory-boy factories for the accounts models."""

import factory

from accounts.models import User


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
