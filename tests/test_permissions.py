"""Who may do what, across the whole platform: a table of role x page, endpoint and action.

Roles: an anonymous visitor, a signed-in member of the public, the three organiser roles of
one assembly, the manager of another assembly, and a superuser. 302 means "sign in first",
404 "this does not exist for you", 401/403 refused, 200/201 allowed. Finer organiser actions
are tabled in tests/assemblies/admin/test_permissions.py.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services.tokens import api_token_create
from assemblies.models import AssemblyStatus, Role
from tests.accounts.factories import UserFactory
from tests.assemblies.factories import AssemblyFactory, AssemblyMembershipFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "public", "caller", "viewer", "manager", "other_manager", "superuser")


@pytest.fixture
def world(db):
    assembly = AssemblyFactory(slug="mine", status=AssemblyStatus.DRAFT)
    other = AssemblyFactory(slug="theirs")
    users = {
        "anonymous": None,
        "public": UserFactory(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "other_manager": AssemblyMembershipFactory(assembly=other, role=Role.MANAGER).user,
    }
    for role in ("caller", "viewer", "manager"):
        users[role] = AssemblyMembershipFactory(assembly=assembly, role=role).user
    return {"assembly": assembly, "users": users, "target": UserFactory()}


def yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


# Admin pages send a signed-in member of the public (302) to the admin sign-in, which refuses
# them (see test_admin_sign_in_refuses_public_user).
# (what, method, url(world), body, expected status per role in ROLES order)
CASES = [
    ("admin index", "get", lambda w: "/admin/", None, (302, 302, 200, 200, 200, 200, 200)),
    (
        "assembly admin page",
        "get",
        lambda w: reverse("admin:assemblies_assembly_change", args=[w["assembly"].pk]),
        None,
        (302, 302, 200, 200, 200, 404, 200),
    ),
    (
        "registrants list",
        "get",
        lambda w: reverse("admin:assemblies_registrant_changelist"),
        None,
        (302, 302, 200, 200, 200, 200, 200),
    ),
    (
        "invite an organiser",
        "get",
        lambda w: reverse("admin:assemblies_invitation_add"),
        None,
        (302, 302, 403, 403, 200, 200, 200),
    ),
    (
        "users list (ban and unban)",
        "get",
        lambda w: reverse("admin:accounts_user_changelist"),
        None,
        (302, 302, 403, 403, 403, 403, 200),
    ),
    (
        "audit log",
        "get",
        lambda w: reverse("admin:opendlp_auditevent_changelist"),
        None,
        (302, 302, 403, 403, 403, 403, 200),
    ),
    (
        "preview of a draft registration form",
        "get",
        lambda w: reverse("assemblies:preview", args=[w["assembly"].slug]),
        None,
        (302, 404, 200, 200, 200, 404, 200),
    ),
    (
        "public page of a draft assembly",
        "get",
        lambda w: f"/a/{w['assembly'].slug}/",
        None,
        (404, 404, 404, 404, 404, 404, 404),
    ),
    ("account page", "get", lambda w: "/account/", None, (302, 200, 200, 200, 200, 200, 200)),
    ("lottery page", "get", lambda w: "/lottery/", None, (200,) * 7),
    (
        "API: enter today's lottery",
        "post",
        lambda w: "/api/lotteries/today/ballots",
        None,
        (401, 201, 201, 201, 201, 201, 201),
    ),
    (
        "API: ban a user",
        "post",
        lambda w: f"/api/users/{w['target'].pk}/ban",
        {"reason": "spam"},
        (401, 403, 403, 403, 403, 403, 200),
    ),
    (
        "API: unban a user",
        "post",
        lambda w: f"/api/users/{w['target'].pk}/unban",
        {"reason": "appeal"},
        (401, 403, 403, 403, 403, 403, 200),
    ),
    (
        "API: close a lottery without the internal token",
        "post",
        lambda w: f"/api/lotteries/{yesterday()}/close",
        None,
        (403,) * 7,
    ),
]


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize(
    ("what", "method", "url", "body", "expected"), CASES, ids=[case[0] for case in CASES]
)
def test_permission_table(client, world, what, method, url, body, expected, role_index):
    user = world["users"][ROLES[role_index]]
    headers = {}
    if user is not None:
        client.force_login(user)
        if url(world).startswith("/api/"):
            _, token = api_token_create(user=user, name="permissions")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            client.logout()
    if method == "get":
        response = client.get(url(world), **headers)
    else:
        response = client.post(url(world), body or {}, content_type="application/json", **headers)
    assert response.status_code == expected[role_index], (what, ROLES[role_index])


def test_admin_sign_in_refuses_public_user(client, world):
    """Refused, with the account page and a reason rather than a bare 403 (issue 13, 18)."""
    client.force_login(world["users"]["public"])
    response = client.get(reverse("admin:assemblies_assembly_changelist"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:account")
    assert response.status_code == 200 and "no assemblies yet" in response.content.decode()
