"""Write services for accounts."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User


@transaction.atomic
def user_ensure(
    *,
    email: str,
    password: str,
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> tuple[User, bool]:
    """Return the user with this email (any case), creating it if missing.

    An existing user keeps its data except that the password, staff and superuser flags are
    set to the given values, so demo and provisioning scripts can run any number of times.

    Returns:
        ``(user, created)``.
    """
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=password,
            display_name=display_name,
            is_staff=is_staff,
            is_superuser=is_superuser,
        )
        return user, True
    user.is_staff, user.is_superuser = is_staff, is_superuser
    if not user.check_password(password):
        user.set_password(password)
    user.save()
    return user, False
