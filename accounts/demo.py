"""Demo accounts for ``manage.py demo``: a site administrator and an organiser.

Their password is generated once and kept in ``var/demo-credentials.json`` so that running
the demo again prints the same login.
"""

from __future__ import annotations

import json
import secrets
from typing import TextIO

from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.services.users import user_ensure

DEMO_ORGANISER_EMAIL = "organiser@example.org"
DEMO_ADMIN_EMAIL = "admin@example.org"


def demo_password() -> str:
    """Return the demo password, creating and storing a random one on first use."""
    path = settings.VAR_DIR / "demo-credentials.json"
    if path.exists():
        return json.loads(path.read_text())["password"]
    path.parent.mkdir(parents=True, exist_ok=True)
    password = f"demo-{secrets.token_urlsafe(9)}"
    path.write_text(json.dumps({"password": password}))
    path.chmod(0o600)
    return password


def demo_populate(*, stdout: TextIO) -> None:
    """Create (or refresh) the demo administrator and organiser and print their login."""
    password = demo_password()
    admin, _ = user_ensure(
        email=DEMO_ADMIN_EMAIL,
        password=password,
        display_name="Demo administrator",
        is_staff=True,
        is_superuser=True,
    )
    organiser, _ = user_ensure(
        email=DEMO_ORGANISER_EMAIL, password=password, display_name="Demo organiser", is_staff=True
    )
    for user in (admin, organiser):
        # Demo addresses are not real mailboxes: mark them verified so sign-in works at once.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    stdout.write("Demo accounts (sign in at /admin/ on the served site):\n")
    stdout.write(f"  organiser: {DEMO_ORGANISER_EMAIL}  password: {password}\n")
    stdout.write(f"  admin:     {DEMO_ADMIN_EMAIL}  password: {password}\n")
